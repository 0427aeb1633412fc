#!/usr/bin/env python3
"""Generate src/formats/tasmota/fields_gen.rs from decode-config's per-version SETTINGS tables.

Usage: pip install decode-config==16.0.0.0
       python3 src/formats/tasmota/gen_fields.py > src/formats/tasmota/fields_gen.rs

Only field *locations* (offset, type, array length, text-pool index, version range) are taken,
for the ESP8266 fields espdump decodes, from 5.10.0 (decode-config's oldest layout) on, plus the
block size (decode-config's template size) of every layout. Classes and sanitise actions are hand-written in
src/formats/tasmota/fields.rs. Run again when a new decode-config release adds a layout.
"""
import importlib.util
import shutil
import sys

path = shutil.which("decode-config.py") or shutil.which("decode-config")
if path is None:
    sys.exit("decode-config.py not found on PATH (pip install decode-config==16.0.0.0)")
spec = importlib.util.spec_from_file_location("decode_config", path)
dc = importlib.util.module_from_spec(spec)
sys.argv = ["decode-config"]
spec.loader.exec_module(dc)

MIN_VERSION = 0x050A0000
ESP82 = dc.HARDWARE.ESP82

FIELDS = """
cfg_holder cfg_size save_flag version bootcount cfg_crc cfg_timestamp cfg_crc32 config_version
save_data timezone
ota_url mqtt_prefix sta_ssid sta_pwd hostname syslog_host web_password cors_domain mqtt_host
mqtt_client mqtt_user mqtt_pwd mqtt_fulltopic mqtt_topic button_topic switch_topic mqtt_grptopic
mqtt_grptopic2 state_text ntp_server mems friendlyname button_text templatename device_group_topic
devicename telegram_token telegram_chatid adc_param switchtext shelly_dimmer rgx_ssid rgx_pwassword
influxdb_host influxdb_org influxdb_token influxdb_bucket influxdb_rp webcanvas telegram_fingerprint
mqtt_port syslog_port webserver sta_config sta_active ip_address ipv4_rgx_address ipv4_rgx_subnetmask
wifi_channel wifi_bssid mqtt_fingerprint mqtt_fingerprint1 mqtt_fingerprint2
module my_gp fallback_module interlock switchmode pulse_timer poweronstate tele_period sleep
energy_power_calibration energy_voltage_calibration energy_current_calibration
energy_power_calibration2 energy_voltage_calibration2 energy_current_calibration2
energy_frequency_calibration energy_power_delta
energy_kWhtoday energy_kWhyesterday energy_kWhtotal energy_kWhdoy energy_kWhtotal_time
energy_kWhtoday_ph energy_kWhyesterday_ph energy_kWhtotal_ph energy_kWhexport_ph
pn532_password knx_physsical_addr domoticz_relay_idx domoticz_key_idx domoticz_switch_idx
domoticz_sensor_idx pulse_counter latitude longitude
zb_ext_panid zb_precfgkey_l zb_precfgkey_h zb_pan_id zb_channel
keeloq_master_msb keeloq_master_lsb keeloq_serial keeloq_count bootcount_reset_time
""".split()

SUB = {"user_template": ["base", "name", "gpio", "flag"]}

# decode-config spelling -> Tasmota spelling
RENAME = {"rgx_pwassword": "rgx_password"}

TYPES = {"B": "U8", "b": "I8", "<H": "U16", "<h": "I16", "<L": "U32", "<l": "I32", "i": "I32",
         "<i": "I32", "<Q": "U64", "<q": "I64", "f": "F32", "<f": "F32"}


def text_index(name):
    lst = None
    for _, _, s in dc.SETTINGS:
        var = s.get(dc.SETTINGVAR)
        if var:
            lst = var.get(dc.HARDWARE.hstr(ESP82)) or var.get(dc.HARDWARE.hstr(dc.HARDWARE.ESP))
            break
    return lst.index(name)


def loc(d):
    hw, fmt, addr = d[0], d[1], d[2]
    if not hw & ESP82:
        return None
    dims = None
    if len(d) > 3 and isinstance(d[3], tuple):
        dims = d[3][0]
    count = 1
    if dims:
        if len(dims) != 1:
            return None
        count = dims[0]
    if isinstance(fmt, dict):
        # a bit-field group: decode the whole storage word raw
        if not isinstance(addr, int):
            return None
        first = next(iter(fmt.values()))
        ty = TYPES.get(first[1])
        if ty is None:
            return None
        return f"Loc::Bin {{ off: 0x{addr:03X}, ty: Ty::{ty}, count: {count} }}"
    if isinstance(addr, tuple):
        if isinstance(addr[1], str):
            return f"Loc::Text {{ index: {text_index(addr[1])}, count: {count} }}"
        return None  # bit field
    if fmt.endswith("s"):
        return f"Loc::Str {{ off: 0x{addr:03X}, len: {int(fmt[:-1])}, count: {count} }}"
    ty = TYPES.get(fmt)
    if ty is None:
        return None
    return f"Loc::Bin {{ off: 0x{addr:03X}, ty: Ty::{ty}, count: {count} }}"


def defs(s):
    out = {}
    for f in FIELDS:
        d = s.get(f)
        if d is not None:
            l = loc(d)
            if l:
                out[f] = l
    for f, subs in SUB.items():
        d = s.get(f)
        if d is None or not isinstance(d[1], dict):
            continue
        for sub in subs:
            sd = d[1].get(sub)
            if sd is None:
                continue
            l = loc(sd)
            if l:
                out[f"{f}.{sub}"] = l
    return out


sizes = sorted((v, n) for v, n, _ in dc.SETTINGS)
vers = sorted(((v, s) for v, _, s in dc.SETTINGS), key=lambda t: t[0])
# the layout in force at MIN_VERSION is the newest entry <= MIN_VERSION
start = max(i for i, (v, _) in enumerate(vers) if v <= MIN_VERSION)
vers = vers[start:]
order = FIELDS + [f"{f}.{s}" for f, subs in SUB.items() for s in subs]
ranges = {f: [] for f in order}
for i, (v, s) in enumerate(vers):
    lo = max(v, MIN_VERSION)
    for f, l in defs(s).items():
        r = ranges[f]
        if r and r[-1][2] == l and r[-1][1] == lo:
            r[-1][1] = vers[i + 1][0] if i + 1 < len(vers) else None
        else:
            r.append([lo, vers[i + 1][0] if i + 1 < len(vers) else None, l])

print("//! Field locations per settings version (ESP8266 only), generated from decode-config")
print("//! " + str(dc.METADATA["VERSION"] if hasattr(dc, "METADATA") else "") + " by `src/formats/tasmota/gen_fields.py`. Do not edit by hand.")
print("")
print("use super::fields::{Loc, Ty};")
print("")
print("/// `(name, first version, end version (exclusive; 0 = open), location)`.")
print("pub(crate) static GENERATED: &[(&str, u32, u32, Loc)] = &[")
for f in order:
    for lo, hi, l in ranges[f]:
        print(f'    ("{RENAME.get(f, f)}", 0x{lo:08X}, 0x{(hi or 0):08X}, {l}),')
print("];")
print("")
print("/// `(first version, block size)` of every layout decode-config knows, oldest first: the")
print("/// template size, which is also `sizeof(Settings)` and the `.dmp` length of those versions.")
print("pub(crate) static LAYOUT_SIZES: &[(u32, usize)] = &[")
for v, n in sizes:
    print(f"    (0x{v:08X}, 0x{n:X}),")
print("];")
