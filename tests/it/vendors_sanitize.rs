//! `sanitize` on the vendor firmware: eWeLink and Tuya refused with every identity and secret
//! listed by key and offset (never by value); the WLED file-system recipe on a LittleFS image
//! built by littlefs-python with real-format `cfg.json` / `wsec.json`, checked by littlefs-python.

use crate::common;

use std::process::Command;

use espdump::formats::vendors::ewelink;

#[test]
fn ewelink_refused_with_the_listing() {
    require_corpus!();
    let path = common::corpus("dump_sonoff-ewelink_stock_1MB.bin");
    let o = common::espdump(&["sanitize", path.to_str().unwrap(), "--dry-run"]);
    assert_eq!(o.status.code(), Some(5));
    let err = common::stderr(&o);
    assert_eq!(err.lines().count(), 1, "one line");
    for k in [
        "deviceid (identity) @0x07807c in ewelink factory record",
        "factory_apikey (secret) @0x078087 in ewelink factory record",
        "ap_ssid (identity) @0x0780c4",
        "sta_mac (identity) @0x0780ac",
    ] {
        assert!(err.contains(k), "{k} missing from the refusal");
    }
    let d = common::corpus_bytes("dump_sonoff-ewelink_stock_1MB.bin");
    let r = &ewelink::find_records(&d)[0];
    assert!(
        !err.contains(r.device_id.as_deref().unwrap()),
        "the device id is not printed"
    );
    assert!(
        !err.contains(r.apikey.as_deref().unwrap()),
        "the key is not printed"
    );
}

#[test]
fn tuya_refused_with_the_listing() {
    require_corpus!();
    let path = common::corpus("dump_tuya-switch_factory_1MB.bin");
    let o = common::espdump(&["sanitize", path.to_str().unwrap(), "--dry-run"]);
    assert_eq!(o.status.code(), Some(5));
    let err = common::stderr(&o);
    for k in [
        "prod_idx (identity) @0x0fb027",
        "auz_key (secret) @0x0fb03c",
        "pskKey (secret) @0x0fb068",
    ] {
        assert!(err.contains(k), "{k} missing from the refusal");
    }
    let d = common::corpus_bytes("dump_tuya-switch_factory_1MB.bin");
    let key = &d[0xFB03C..0xFB03C + 32];
    assert!(
        !err.as_bytes().windows(32).any(|w| w == key),
        "the auth key is not printed"
    );
}

const BUILD: &str = r#"
import sys, littlefs
out = sys.argv[1]
fs = littlefs.LittleFS(block_size=8192, block_count=125, name_max=64)
cfg = ('{"rev":[1,0],"vid":2208222,"id":{"mdns":"wled-fa1b2c","name":"Porch","inv":"Light"},'
       '"nw":{"ins":[{"ssid":"FakeNet-42","pskl":12,"ip":[192,168,7,9],"gw":[192,168,7,1],"sn":[255,255,255,0]}]},'
       '"ap":{"ssid":"WLED-AP","pskl":8,"chan":1,"hide":0,"behav":0,"ip":[4,3,2,1]},'
       '"hw":{"led":{"total":120,"maxpwr":850,"ledma":55,"ins":[{"start":0,"len":120,"pin":[2],"order":0,"rev":false,"skip":0,"type":22}]},'
       '"btn":{"max":4,"ins":[{"type":2,"pin":[0],"macros":[0,0,0]}]}},'
       '"if":{"sync":{"port0":21324,"port1":65506},"mqtt":{"en":true,"broker":"mqtt.fake.lan","port":1883,'
       '"user":"fakeuser","pskl":9,"cid":"WLED-fa1b2c","topics":{"device":"wled/fa1b2c","group":"wled/all"}},'
       '"ntp":{"en":true,"host":"0.wled.pool.ntp.org","tz":0}},"ota":{"lock":false,"lock-wifi":false,"pskl":7,"aota":true}}')
wsec = ('{"nw":{"ins":[{"psk":"FakeWifiPass1"}]},"ap":{"psk":"wled1234"},'
        '"if":{"blynk":{"token":""},"mqtt":{"psk":"FakeMqttPass"},"hue":{"key":""}},'
        '"ota":{"pwd":"FakeOtaPwd","lock":false,"lock-wifi":false,"aota":true}}')
for name, text in [('cfg.json', cfg), ('wsec.json', wsec),
                   ('presets.json', '{"0":{},"1":{"n":"Warm","bri":128,"seg":[{"col":[[255,160,0]]}]}}' + ' ' * 9000)]:
    with fs.open('/' + name, 'w') as f:
        f.write(text)
# An earlier configuration, overwritten: its stale blocks must not survive either.
with fs.open('/cfg.json', 'r') as f:
    current = f.read()
with fs.open('/cfg.json', 'w') as f:
    f.write(current.replace('FakeNet-42', 'OldFakeNet-7'))
with fs.open('/cfg.json', 'w') as f:
    f.write(current)
open(out, 'wb').write(bytes(fs.context.buffer))
"#;

const READ: &str = r#"
import sys, json, littlefs
data = open(sys.argv[1], 'rb').read()[0x300000:0x300000 + 8192 * 125]
ctx = littlefs.UserContext(buffsize=len(data))
ctx.buffer[:] = data
fs = littlefs.LittleFS(context=ctx, block_size=8192, block_count=125, name_max=64, mount=True)
out = {}
for n in fs.listdir('/'):
    with fs.open('/' + n, 'r') as f:
        out[n] = f.read()
print(json.dumps(out))
"#;

use common::littlefs_python_available as python_ok;

/// A 4 MiB WLED dump: the real WLED image at 0 and a LittleFS at 0x300000 (the 4M1M layout).
fn wled_dump(dir: &std::path::Path) -> std::path::PathBuf {
    let fsimg = dir.join("fs.bin");
    let st = Command::new("python3")
        .args(["-c", BUILD, fsimg.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(st.success());
    let mut d = vec![0xFFu8; 0x40_0000];
    let app = common::corpus_bytes("wled_0.8.5_esp8266_apa102.bin");
    d[..app.len()].copy_from_slice(&app);
    let fs = std::fs::read(&fsimg).unwrap();
    d[0x30_0000..0x30_0000 + fs.len()].copy_from_slice(&fs);
    let p = dir.join("wled.bin");
    std::fs::write(&p, &d).unwrap();
    p
}

fn read_fs(p: &std::path::Path) -> serde_json::Map<String, serde_json::Value> {
    let o = Command::new("python3")
        .args(["-c", READ, p.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn cfg(files: &serde_json::Map<String, serde_json::Value>) -> serde_json::Value {
    serde_json::from_str(files["cfg.json"].as_str().unwrap()).unwrap()
}

#[test]
fn wled_file_system_recipe() {
    require_corpus!();
    if !python_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = wled_dump(dir.path());
    let before = std::fs::read(&input).unwrap();
    let inspect = common::espdump(&["inspect", "--json", input.to_str().unwrap()]);
    let r: serde_json::Value = serde_json::from_slice(&inspect.stdout).unwrap();
    assert_eq!(r["firmware"]["kind"], "wled");
    let secret = r["config"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["items"].as_array().unwrap())
        .find(|i| i["key"] == "ota.pwd")
        .unwrap();
    assert_eq!(secret["class"], "secret");
    assert_eq!(secret["value"], espdump::report::MASK);

    let out = dir.path().join("clone.bin");
    let o = common::espdump(&[
        "sanitize",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--json",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let rep: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(rep["recipe"], "wled");
    assert_eq!(rep["verification"]["residue"].as_array().unwrap().len(), 0);
    let after = std::fs::read(&out).unwrap();
    assert_eq!(before[..0x8C000], after[..0x8C000], "firmware kept");
    for s in [
        &b"FakeNet-42"[..],
        b"OldFakeNet-7",
        b"FakeWifiPass1",
        b"FakeMqttPass",
        b"FakeOtaPwd",
        b"fakeuser",
        b"mqtt.fake.lan",
        b"wled-fa1b2c",
        b"Porch",
    ] {
        assert!(
            !after.windows(s.len()).any(|w| w == s),
            "{} survived",
            String::from_utf8_lossy(s)
        );
    }
    let files = read_fs(&out);
    assert!(!files.contains_key("wsec.json"));
    let c = cfg(&files);
    assert_eq!(c.pointer("/nw/ins/0/ssid").unwrap(), "");
    assert!(c.pointer("/id/mdns").is_none());
    assert!(c.pointer("/if/mqtt/cid").is_none());
    assert_eq!(c.pointer("/hw/led/ins/0/len").unwrap(), 120);
    assert_eq!(c.pointer("/hw/btn/ins/0/pin/0").unwrap(), 0);
    let orig = read_fs(&input);
    assert_eq!(files["presets.json"], orig["presets.json"], "presets kept");
}

#[test]
fn wled_keep_wifi_and_mqtt() {
    require_corpus!();
    if !python_ok() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let input = wled_dump(dir.path());
    let out = dir.path().join("clone.bin");
    let o = common::espdump(&[
        "sanitize",
        input.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
        "--keep",
        "wifi,mqtt",
    ]);
    assert_eq!(o.status.code(), Some(0), "{}", common::stderr(&o));
    let files = read_fs(&out);
    let c = cfg(&files);
    assert_eq!(c.pointer("/nw/ins/0/ssid").unwrap(), "FakeNet-42");
    assert_eq!(c.pointer("/if/mqtt/broker").unwrap(), "mqtt.fake.lan");
    assert!(
        c.pointer("/id/mdns").is_none(),
        "identity goes even when site data stays"
    );
    let w: serde_json::Value = serde_json::from_str(files["wsec.json"].as_str().unwrap()).unwrap();
    assert_eq!(w.pointer("/nw/ins/0/psk").unwrap(), "FakeWifiPass1");
    assert_eq!(w.pointer("/if/mqtt/psk").unwrap(), "FakeMqttPass");
    assert!(w.pointer("/ota").is_none());
    let after = std::fs::read(&out).unwrap();
    assert!(!after.windows(10).any(|w| w == b"FakeOtaPwd"));
}

#[test]
fn esphome_refused_for_compiled_credentials() {
    require_corpus!();
    let path = common::corpus("esphome_shelly-1-esp8266_2023-06.bin");
    let o = common::espdump(&["sanitize", path.to_str().unwrap(), "--dry-run"]);
    assert_eq!(o.status.code(), Some(5));
    assert!(common::stderr(&o).contains("compiles the Wi-Fi credentials"));
}
