//! File-system readers, the stock Shelly decoder and the Shelly sanitize recipe on the real
//! corpus (`../shared/corpus`). Private values (Wi-Fi credentials in the Dimmer 2 v1.8.4 dump)
//! are never written here: tests compare against bytes read from the same file at run time.

use std::io::Read;

use espdump::formats::fs::{self, littlefs, spiffs, FsInfo, FsKind};
use espdump::formats::shelly;
use espdump::report::{Class, MASK};

use crate::common::corpus_bytes as corpus;

fn names(data: &[u8], f: &FsInfo) -> Vec<(String, u32)> {
    spiffs::list(data, f)
        .into_iter()
        .map(|e| (e.name, e.size))
        .collect()
}

fn gunzip(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    flate2::read::GzDecoder::new(b)
        .read_to_end(&mut out)
        .expect("valid gzip (CRC-checked)");
    out
}

fn count(hay: &[u8], needle: &[u8]) -> usize {
    if needle.is_empty() {
        return 0;
    }
    hay.windows(needle.len()).filter(|w| *w == needle).count()
}

const FS0: usize = 0xBB000;
const FS1: usize = 0x1BB000;
const FS_LEN: usize = 0x40000;

fn assert_mongoose_geometry(f: &FsInfo, start: usize) {
    assert_eq!(f.kind, FsKind::Spiffs);
    assert_eq!((f.start, f.end), (start, start + FS_LEN));
    assert_eq!((f.block_size, f.block_count, f.page_size), (4096, 64, 256));
    assert_eq!((f.name_len, f.meta_len, f.aligned_ix), (48, 8, true));
    assert!(f.magic && !f.magic_length);
    assert!(f.config_evidence > 0);
}

fn stock_v114(file: &str, index_size: u32, hwinfo_size: u32, model: &str) {
    let d = corpus(file);
    let all = fs::detect_all(&d);
    assert_eq!(all.len(), 1, "{file}");
    assert_mongoose_geometry(&all[0], FS0);
    let want: Vec<(String, u32)> = [
        ("index.html.gz", index_size),
        ("hwinfo_struct.json", hwinfo_size),
        ("passwd", 46),
        ("conf0.json", 3),
        ("cert.pem", 1090),
    ]
    .iter()
    .map(|(n, s)| (n.to_string(), *s))
    .collect();
    assert_eq!(names(&d, &all[0]), want, "{file}");
    let html = spiffs::read(&d, &all[0], "index.html.gz").unwrap();
    assert!(!gunzip(&html).is_empty());
    assert_eq!(spiffs::read(&d, &all[0], "conf0.json").unwrap(), b"{}\n");
    let cert = spiffs::read(&d, &all[0], "cert.pem").unwrap();
    assert!(cert.starts_with(b"-----BEGIN CERTIFICATE-----"));
    // The build process leaves two deleted pages behind.
    let st = spiffs::deleted_stats(&d, &all[0]);
    assert_eq!(st.with_data, 2);
    // Stock FS, factory state: default login, no device id, nothing secret.
    let s = shelly::decode(&d, &all[0], true).expect("stock fs");
    assert_eq!(s.device_id, None);
    // ioprev-built images carry a generated hwinfo (manufacturer `device_recovery`).
    assert_eq!(s.model.as_deref(), Some(model));
    assert_eq!(s.hw_revision.as_deref(), Some("prod-unknown"));
    assert!(shelly::identity(&d, &all[0]).is_empty());
    assert!(shelly::secrets_and_ids(&d, &all[0]).is_empty());
    // probe_at with the rBoot slot finds the same region.
    assert_eq!(
        fs::probe_at(&d, FS0, Some(FS0 + FS_LEN)).as_ref(),
        Some(&all[0])
    );
}

#[test]
fn shelly1_v114_file_list() {
    require_corpus!();
    stock_v114("shelly_stock_SHSW-1_v1.14.0_2MB.bin", 75612, 136, "switch1");
}

#[test]
fn shelly1pm_v114_file_list() {
    require_corpus!();
    stock_v114(
        "shelly_stock_SHSW-PM_v1.14.0_2MB.bin",
        77097,
        138,
        "switch1pm",
    );
}

#[test]
fn shelly25_v114_file_list() {
    require_corpus!();
    stock_v114(
        "shelly_stock_SHSW-25_v1.14.0_2MB.bin",
        79807,
        137,
        "switch25",
    );
}

#[test]
fn plug_s_v114_file_list() {
    require_corpus!();
    stock_v114(
        "shelly_stock_SHPLG-S_v1.14.0_2MB.bin",
        60563,
        142,
        "shelly-plug-s",
    );
}

fn list_of(v: &[(&str, u32)]) -> Vec<(String, u32)> {
    v.iter().map(|(n, s)| (n.to_string(), *s)).collect()
}

#[test]
fn dimmer2_v17_file_list() {
    require_corpus!();
    let d = corpus("shelly_stock_dimmer2_v1.7_2MB.bin");
    let all = fs::detect_all(&d);
    assert_eq!(all.len(), 1);
    assert_mongoose_geometry(&all[0], FS0);
    assert_eq!(
        names(&d, &all[0]),
        list_of(&[
            ("conf0.json", 4936),
            ("index.html.gz", 61423),
            ("stm.bin", 36464),
            ("cert.pem", 1090),
            ("passwd", 46),
            ("hwinfo_struct.json", 148),
            ("self_test", 0),
            ("lights.dat", 12),
            ("conf9_backup.json", 294),
            ("conf9.json", 294),
        ])
    );
    let st = spiffs::deleted_stats(&d, &all[0]);
    assert_eq!(
        (st.deleted_pages, st.with_data, st.stray_pages),
        (39, 39, 0)
    );
    let files = spiffs::list(&d, &all[0]);
    let self_test = files.iter().find(|f| f.name == "self_test").unwrap();
    assert!(self_test.size_undefined);
    // stm.bin and index.html.gz need further index pages (over 93 spans).
    let stm = files.iter().find(|f| f.name == "stm.bin").unwrap();
    assert_eq!(stm.index_offsets.len(), 1);
    assert_eq!(stm.data_offsets.len(), 36464usize.div_ceil(251));
    assert!(!gunzip(&spiffs::read(&d, &all[0], "index.html.gz").unwrap()).is_empty());
}

#[test]
fn dimmer2_v184_both_slots() {
    require_corpus!();
    let d = corpus("shelly_stock_dimmer2_v1.8.4_2MB.bin");
    let all = fs::detect_all(&d);
    assert_eq!(all.len(), 2);
    assert_mongoose_geometry(&all[0], FS0);
    assert_mongoose_geometry(&all[1], FS1);
    assert_eq!(
        names(&d, &all[0]),
        list_of(&[
            ("conf0.json", 4936),
            ("index.html.gz", 61423),
            ("stm.bin", 36464),
            ("cert.pem", 1090),
            ("passwd", 46),
            ("hwinfo_struct.json", 148),
            ("self_test", 0),
            ("lights.dat", 12),
            ("conf9_backup.json", 538),
            ("conf9.json", 581),
        ])
    );
    assert_eq!(
        names(&d, &all[1]),
        list_of(&[
            ("passwd", 46),
            ("cert.pem", 1090),
            ("stm.bin", 37080),
            ("index.html.gz", 64247),
            ("conf0.json", 5095),
            ("conf3.json", 107),
            ("hwinfo_struct.json", 148),
            ("self_test", 0),
            ("wifiresetdata", 2),
            ("lights.dat", 12),
            ("conf9_backup.json", 294),
            ("conf9.json", 295),
        ])
    );
    let s0 = spiffs::deleted_stats(&d, &all[0]);
    let s1 = spiffs::deleted_stats(&d, &all[1]);
    assert_eq!((s0.deleted_pages, s0.with_data), (79, 79));
    assert_eq!((s1.deleted_pages, s1.with_data), (51, 51));
    assert_eq!(s1.offsets.len(), 51);
    assert!(s1.offsets.iter().all(|&o| (FS1..FS1 + FS_LEN).contains(&o)));
    for f in &all {
        for e in spiffs::list(&d, f) {
            assert!(e.complete, "{}", e.name);
            let c = spiffs::read_entry(&d, f, &e);
            assert_eq!(c.len(), e.size as usize);
            if e.name.ends_with(".json") {
                serde_json::from_slice::<serde_json::Value>(&c).expect("json parses");
            }
        }
        assert!(!gunzip(&spiffs::read(&d, f, "index.html.gz").unwrap()).is_empty());
    }
    assert_eq!(
        spiffs::read(&d, &all[1], "passwd").unwrap(),
        shelly::passwd::default_content()
    );
}

#[test]
fn dimmer2_v184_decode_live_slot() {
    require_corpus!();
    let d = corpus("shelly_stock_dimmer2_v1.8.4_2MB.bin");
    let all = fs::detect_all(&d);
    let s = shelly::decode(&d, &all[1], true).expect("stock fs");
    assert_eq!(s.model.as_deref(), Some("shellydimmer"));
    assert_eq!(s.hw_revision.as_deref(), Some("prod-20200629"));
    let id = s.device_id.clone().expect("literal device id");
    assert!(id.starts_with("shellydimmer2-"));
    assert_eq!(id.len(), "shellydimmer2-".len() + 12);
    // The id is conf9's; conf0 holds the template.
    let conf0 = s
        .sections
        .iter()
        .find(|x| x.source.ends_with(":conf0.json"))
        .unwrap();
    let tmpl = conf0.items.iter().find(|i| i.key == "device.id").unwrap();
    assert_eq!(tmpl.value, "shellydimmer2-??????");
    assert!(conf0.live);
    let backup = s
        .sections
        .iter()
        .find(|x| x.source.ends_with(":conf9_backup.json"))
        .unwrap();
    assert!(!backup.live);
    // The live user level holds identity only; the station credentials are in the older conf9
    // of the inactive slot 0.
    let conf9 = s
        .sections
        .iter()
        .find(|x| x.source.ends_with(":conf9.json"))
        .unwrap();
    assert!(conf9.live);
    assert!(conf9.items.iter().all(|i| i.key != "wifi.sta.pass"));
    let ap = conf9
        .items
        .iter()
        .find(|i| i.key == "wifi.ap.ssid")
        .unwrap();
    assert_eq!(
        (ap.class, ap.value.as_str()),
        (Class::Identity, Some(id.as_str()))
    );
    let old = shelly::decode(&d, &all[0], false).expect("stock fs");
    let conf9 = old
        .sections
        .iter()
        .find(|x| x.source.ends_with(":conf9.json"))
        .unwrap();
    assert!(!conf9.live);
    // There it is class secret, masked, and its offset points at the JSON string in the dump.
    let pass = conf9
        .items
        .iter()
        .find(|i| i.key == "wifi.sta.pass")
        .unwrap();
    assert_eq!(pass.class, Class::Secret);
    assert_eq!(pass.masked().value, MASK);
    let text = serde_json::to_string(&pass.value).unwrap();
    let off = pass.offset.expect("offset") as usize;
    assert!((FS0..FS0 + FS_LEN).contains(&off));
    assert_eq!(&d[off..off + text.len()], text.as_bytes());
    let ssid = conf9
        .items
        .iter()
        .find(|i| i.key == "wifi.sta.ssid")
        .unwrap();
    assert_eq!(ssid.class, Class::Site);
    assert_eq!(
        shelly::config::get(&old.effective, "wifi.sta.pass"),
        Some(&pass.value)
    );
    // Effective config: conf9 overrides conf0.
    assert_eq!(
        shelly::config::get(&s.effective, "device.id"),
        Some(&serde_json::Value::String(id.clone()))
    );
    let summary = &s.sections[0];
    assert!(summary.source.ends_with(":effective"));
    let sum_id = summary.items.iter().find(|i| i.key == "device.id").unwrap();
    assert_eq!(sum_id.value, id.as_str());
    assert_eq!(sum_id.class, Class::Identity);
    // It points at conf9.json's copy (the level that sets it).
    let at = sum_id.offset.expect("offset") as usize;
    let text = format!("\"{id}\"");
    assert_eq!(&d[at..at + text.len()], text.as_bytes());
    let live9 = s
        .sections
        .iter()
        .find(|x| x.source.ends_with(":conf9.json"))
        .unwrap();
    let conf9_id = live9.items.iter().find(|i| i.key == "device.id").unwrap();
    assert_eq!(sum_id.offset, conf9_id.offset);
    let hw = s
        .sections
        .iter()
        .find(|x| x.source.ends_with(":hwinfo_struct.json"))
        .unwrap();
    assert!(hw.items.iter().all(|i| i.class == Class::Factory));
    let pw = s
        .sections
        .iter()
        .find(|x| x.source.ends_with(":passwd"))
        .unwrap();
    let def = pw
        .items
        .iter()
        .find(|i| i.key == "passwd.0.is_default")
        .unwrap();
    assert_eq!(def.value, true);
    assert!(s.deleted_configs.iter().any(|n| n == "conf9.json"));
    // Identity evidence: the id with its 6-byte MAC tail, first seen in a live file.
    let ids = shelly::identity(&d, &all[1]);
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].id, id);
    assert_eq!(ids[0].mac_tail, hex::decode(&id[id.len() - 12..]).unwrap());
    let sens = shelly::secrets_and_ids(&d, &all[1]);
    for key in ["device.id", "device id MAC tail"] {
        assert!(sens.iter().any(|x| x.key == key), "{key}");
    }
    let sens = shelly::secrets_and_ids(&d, &all[0]);
    for key in [
        "device.id",
        "wifi.sta.pass",
        "wifi.sta.ssid",
        "device id MAC tail",
    ] {
        assert!(sens.iter().any(|x| x.key == key), "{key}");
    }
    assert!(sens
        .iter()
        .all(|x| !x.value.is_empty() && !x.value.contains('?')));
}

#[test]
fn dimmer2_v184_sanitize_removes_every_copy_of_the_id() {
    require_corpus!();
    let d = corpus("shelly_stock_dimmer2_v1.8.4_2MB.bin");
    let all = fs::detect_all(&d);
    let id = shelly::identity(&d, &all[1])[0].id.clone();
    let tail = id.as_bytes()[id.len() - 12..].to_vec();
    // Issue 4's figure: the 12-hex id tail occurs 129 times in the dump, all inside the FS slots.
    assert_eq!(count(&d, &tail), 129);
    let in_fs =
        |img: &[u8]| -> usize { all.iter().map(|f| count(&img[f.start..f.end], &tail)).sum() };
    assert_eq!(in_fs(&d), 129);
    // Split as the reference says: 8 live + 76 deleted in fs0, 8 live + 37 deleted in fs1.
    for (f, want) in all.iter().zip([(8, 76), (8, 37)]) {
        let files = spiffs::list(&d, f);
        let in_live = |off: usize| {
            files
                .iter()
                .any(|e| e.data_offsets.iter().any(|&p| off >= p && off < p + 256))
        };
        let hits: Vec<usize> = (f.start..f.end - 12)
            .filter(|&o| d[o..o + 12] == tail[..])
            .collect();
        let live = hits.iter().filter(|&&o| in_live(o)).count();
        assert_eq!((live, hits.len() - live), want, "{}", f.label());
    }
    // mos saves through a `tmp` file: deleted copies of tmp and conf9.json are recoverable.
    let rec = spiffs::recover_deleted(&d, &all[1]);
    let n = |name: &str| rec.iter().filter(|r| r.name == name).count();
    assert_eq!(
        (n("conf9.json"), n("conf9_backup.json"), n("tmp")),
        (5, 4, 6)
    );
    assert!(rec
        .iter()
        .filter(|r| r.name == "conf9.json" && r.complete)
        .all(|r| serde_json::from_slice::<serde_json::Value>(&r.content).is_ok()));
    let mut sens: Vec<Vec<u8>> = Vec::new();
    for f in &all {
        sens.extend(
            shelly::secrets_and_ids(&d, f)
                .into_iter()
                .map(|s| s.value.into_bytes()),
        );
    }
    let before: Vec<Vec<(String, Vec<u8>)>> = all
        .iter()
        .map(|f| {
            spiffs::list(&d, f)
                .into_iter()
                .map(|e| (e.name.clone(), spiffs::read_entry(&d, f, &e)))
                .collect()
        })
        .collect();

    let mut out = d.clone();
    let ch1 = shelly::sanitize_fs(&mut out, &all[1], true);
    let ch0 = shelly::sanitize_fs(&mut out, &all[0], false);
    for (ch, f) in [(&ch1, &all[1]), (&ch0, &all[0])] {
        let what: Vec<&str> = ch.iter().map(|c| c.what.as_str()).collect();
        assert!(what.contains(&"deleted conf9.json"), "{what:?}");
        assert!(what.contains(&"deleted conf9_backup.json"), "{what:?}");
        assert!(what.iter().any(|w| w.starts_with("zeroed ")), "{what:?}");
        assert!(
            !what.iter().any(|w| w.contains("passwd")),
            "default passwd is kept"
        );
        assert!(ch
            .iter()
            .all(|c| c.start as usize >= f.start && c.end as usize <= f.end));
    }
    // Nothing outside the FS slots changed.
    let outside = |img: &[u8]| -> Vec<u8> {
        let mut v = img[..FS0].to_vec();
        v.extend_from_slice(&img[FS0 + FS_LEN..FS1]);
        v.extend_from_slice(&img[FS1 + FS_LEN..]);
        v
    };
    assert_eq!(outside(&out), outside(&d));
    // Only 1 -> 0 bit changes inside the slots (valid without erasing).
    assert!(d.iter().zip(&out).all(|(a, b)| a & b == *b));
    // Zero copies of the id, its tail or any secret left.
    assert_eq!(count(&out, &tail), 0);
    assert_eq!(count(&out, id.as_bytes()), 0);
    for s in &sens {
        for f in &all {
            assert_eq!(count(&out[f.start..f.end], s), 0);
        }
    }
    // The readers still agree: same geometry, user files gone, everything else byte-identical.
    let again = fs::detect_all(&out);
    let geo = |v: &[FsInfo]| -> Vec<FsInfo> {
        v.iter()
            .map(|f| FsInfo {
                config_evidence: 0,
                ..f.clone()
            })
            .collect()
    };
    assert_eq!(geo(&again), geo(&all));
    for (f, before) in all.iter().zip(&before) {
        let after: Vec<(String, Vec<u8>)> = spiffs::list(&out, f)
            .into_iter()
            .map(|e| (e.name.clone(), spiffs::read_entry(&out, f, &e)))
            .collect();
        let kept: Vec<(String, Vec<u8>)> = before
            .iter()
            .filter(|(n, _)| n != "conf9.json" && n != "conf9_backup.json")
            .cloned()
            .collect();
        assert_eq!(after, kept);
        assert!(after.iter().any(|(n, _)| n == "hwinfo_struct.json"));
        assert!(after.iter().any(|(n, _)| n == "conf0.json"));
        let st = spiffs::deleted_stats(&out, f);
        assert_eq!(st.with_data, 0);
        assert_eq!(st.stray_pages, 0);
        assert!(spiffs::recover_deleted(&out, f).is_empty());
        assert!(shelly::identity(&out, f).is_empty());
        assert!(shelly::secrets_and_ids(&out, f).is_empty());
        let s = shelly::decode(&out, f, true).unwrap();
        assert_eq!(s.device_id, None);
        assert_eq!(
            shelly::config::get(&s.effective, "first_boot"),
            Some(&serde_json::Value::Bool(true))
        );
    }
    // Idempotent: a second pass has nothing left to do.
    let mut twice = out.clone();
    assert!(shelly::sanitize_fs(&mut twice, &all[1], true).is_empty());
    assert!(shelly::sanitize_fs(&mut twice, &all[0], false).is_empty());
    assert_eq!(twice, out);
}

#[test]
fn passwd_reset_on_a_changed_login() {
    require_corpus!();
    // Build a stock-like slot from the SHSW-1 image with a non-default login, then sanitize.
    let mut d = corpus("shelly_stock_SHSW-1_v1.14.0_2MB.bin");
    let f = fs::detect_all(&d).remove(0);
    let line = format!(
        "admin:Shelly:{}\n",
        shelly::passwd::ha1("admin", "Shelly", "correct horse")
    );
    spiffs::write_file(&mut d, &f, "passwd", line.as_bytes()).unwrap();
    spiffs::write_file(
        &mut d,
        &f,
        "conf9.json",
        br#"{"device":{"id":"shelly1-0A0B0C"}}"#,
    )
    .unwrap();
    assert_eq!(spiffs::read(&d, &f, "passwd").unwrap(), line.as_bytes());
    let sens = shelly::secrets_and_ids(&d, &f);
    assert!(sens
        .iter()
        .any(|s| s.key == "passwd" && s.class == Class::Secret));
    let ids = shelly::identity(&d, &f);
    assert_eq!(ids.len(), 1);
    assert_eq!(ids[0].mac_tail, vec![0x0A, 0x0B, 0x0C]);
    let ch = shelly::sanitize_fs(&mut d, &f, true);
    assert!(ch
        .iter()
        .any(|c| c.what == "reset passwd to the factory login"));
    assert_eq!(
        spiffs::read(&d, &f, "passwd").unwrap(),
        shelly::passwd::default_content()
    );
    assert!(spiffs::read(&d, &f, "conf9.json").is_none());
    let ha1 = shelly::passwd::ha1("admin", "Shelly", "correct horse");
    assert_eq!(count(&d, ha1.as_bytes()), 0);
    assert_eq!(count(&d, b"shelly1-0A0B0C"), 0);
}

#[test]
fn sming_spiffs_image() {
    require_corpus!();
    let d = corpus("sming_rgbww_webapp0.3.3_spiffs.bin");
    let all = fs::detect_all(&d);
    assert_eq!(all.len(), 1);
    let f = &all[0];
    assert_eq!((f.start, f.end), (0, d.len()));
    assert_eq!((f.block_size, f.page_size, f.block_count), (8192, 256, 96));
    assert_eq!((f.name_len, f.meta_len, f.aligned_ix), (32, 0, true));
    assert!(!f.magic);
    assert_eq!(
        names(&d, f),
        list_of(&[
            ("app.min.css.gz", 41592),
            ("app.min.js.gz", 162391),
            ("index.html.gz", 5479),
            ("init.html.gz", 2651),
        ])
    );
    for e in spiffs::list(&d, f) {
        assert!(e.complete);
        // gzip checks CRC-32 and length of the decompressed data: the reader got every byte.
        assert!(
            !gunzip(&spiffs::read_entry(&d, f, &e)).is_empty(),
            "{}",
            e.name
        );
    }
    let html = gunzip(&spiffs::read(&d, f, "index.html.gz").unwrap());
    assert!(html.windows(5).any(|w| w.eq_ignore_ascii_case(b"<html")));
}

#[test]
fn littlefs_image() {
    require_corpus!();
    let d = corpus("arduino_ledcontroller_lightwell_littlefs_1000K.bin");
    let all = fs::detect_all(&d);
    assert_eq!(all.len(), 1);
    let f = &all[0];
    assert_eq!(f.kind, FsKind::Littlefs);
    assert_eq!(
        (f.start, f.end, f.block_size, f.block_count),
        (0, 1_024_000, 8192, 125)
    );
    assert_eq!((f.version, f.name_len), (0x0002_0000, 32));
    let list: Vec<(String, bool, u32)> = littlefs::list(&d, f)
        .into_iter()
        .map(|e| (e.path, e.is_dir, e.size))
        .collect();
    let want: Vec<(String, bool, u32)> = [
        ("/colorpicker.js", false, 1479),
        ("/effects.js", false, 3932),
        ("/function.js", false, 4101),
        ("/help.html", false, 3938),
        ("/html5kellycolorpicker.min.js", false, 28603),
        ("/img", true, 0),
        ("/img/favicon.png", false, 39963),
        ("/index.html", false, 42018),
        ("/index1.html", false, 2187),
        ("/lang_BG.js", false, 7615),
        ("/lang_EN.js", false, 5590),
        ("/lang_RU.js", false, 8242),
        ("/style.css", false, 3531),
        ("/style1.css", false, 5162),
        ("/time.html", false, 13332),
        ("/wifi.html", false, 5580),
    ]
    .iter()
    .map(|(p, d, s)| (p.to_string(), *d, *s))
    .collect();
    assert_eq!(list, want);
    let png = littlefs::read(&d, f, "/img/favicon.png").unwrap();
    assert_eq!(png.len(), 39963);
    assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
    // The PNG ends with its IEND chunk: the last CTZ block was found and cut at the right size.
    assert!(png.ends_with(b"IEND\xAE\x42\x60\x82"));
    let html = littlefs::read(&d, f, "index.html").unwrap();
    assert_eq!(html.len(), 42018);
    assert!(std::str::from_utf8(&html).is_ok());
    assert!(html.windows(7).any(|w| w.eq_ignore_ascii_case(b"</html>")));
    // A LittleFS image placed in a larger dump is found at its offset.
    let mut dump = vec![0xFF; 0x300000 + d.len() + 0x5000];
    dump[0x300000..0x300000 + d.len()].copy_from_slice(&d);
    let found = fs::detect_all(&dump);
    assert_eq!(found.len(), 1);
    assert_eq!(
        (found[0].start, found[0].end),
        (0x300000, 0x300000 + d.len())
    );
    assert_eq!(littlefs::list(&dump, &found[0]).len(), 16);
}

#[test]
fn mgos_512k_images_have_a_small_spiffs() {
    require_corpus!();
    for file in [
        "mgos2.19_512k_bootcfg0x1000.bin",
        "mgos2.19_512k_bootcfg0x7000.bin",
    ] {
        let d = corpus(file);
        let all = fs::detect_all(&d);
        assert_eq!(all.len(), 1, "{file}");
        assert_eq!((all[0].start, all[0].block_count), (0x77000, 4), "{file}");
        assert_eq!((all[0].name_len, all[0].meta_len), (48, 8));
        for e in spiffs::list(&d, &all[0]) {
            assert!(e.complete, "{file}: {}", e.name);
        }
    }
}

#[test]
fn no_false_file_systems_in_the_rest_of_the_corpus() {
    require_corpus!();
    let mut checked = 0;
    for p in crate::common::corpus_files() {
        let n = p.file_name().unwrap().to_string_lossy().to_string();
        let has_fs = n.starts_with("shelly_stock")
            || n.starts_with("sming_rgbww_webapp")
            || n.contains("littlefs")
            || n.starts_with("mgos2.19");
        if has_fs || !(n.ends_with(".bin") || n.ends_with(".elf")) {
            continue;
        }
        let d = std::fs::read(&p).unwrap();
        assert!(fs::detect_all(&d).is_empty(), "{n}");
        checked += 1;
    }
    assert!(checked >= 40, "{checked}");
}
