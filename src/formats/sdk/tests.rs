use super::*;

#[test]
fn softap_names() {
    assert!(softap_names_unit(b"ESP_0A1B2C"));
    assert!(softap_names_unit(b"ITEAD-1000abcdef"));
    assert!(softap_names_unit(b"SmartLife-1A2B"));
    assert!(!softap_names_unit(b"WLED-AP"));
    assert!(!softap_names_unit(b"MyNetwork"));
    assert!(!softap_names_unit(b"Net-abc"));
}

/// A 1 MiB image with an SDK tail holding fake credentials in copy 1.
pub(crate) fn tail_fixture() -> Vec<u8> {
    let size = 0x10_0000;
    let mut v = vec![0xFFu8; size];
    let phy = size - PHY_FROM_END;
    v[phy..phy + 128].copy_from_slice(&[5u8; 128]);
    let p1 = size - PARAM1_FROM_END;
    v[p1..p1 + 0x4A4].fill(0);
    v[p1 + OFF_STA_SSID_LEN..p1 + OFF_STA_SSID_LEN + 4].copy_from_slice(&7u32.to_le_bytes());
    v[p1 + OFF_STA_SSID..p1 + OFF_STA_SSID + 7].copy_from_slice(b"FakeNet");
    v[p1 + OFF_STA_PASSWORD..p1 + OFF_STA_PASSWORD + 9].copy_from_slice(b"fakepass1");
    v[p1 + OFF_AP_SSID_LEN..p1 + OFF_AP_SSID_LEN + 4].copy_from_slice(&10u32.to_le_bytes());
    v[p1 + OFF_AP_SSID..p1 + OFF_AP_SSID + 10].copy_from_slice(b"ESP_0A0B0C");
    v[p1 + OFF_STA_MAC..p1 + OFF_STA_MAC + 6]
        .copy_from_slice(&[0x5C, 0xCF, 0x7F, 0x0A, 0x0B, 0x0C]);
    let f = size - FLAG_FROM_END;
    let ck = param_checksum(&v[p1..], 32);
    let mut flag = vec![1u8, 0xFF, 0xFF, 0xFF];
    for w in [FLAG_MAGIC1, 3, 32, 32, 0xEF, ck, FLAG_MAGIC2] {
        flag.extend_from_slice(&w.to_le_bytes());
    }
    v[f..f + flag.len()].copy_from_slice(&flag);
    v
}

#[test]
fn finds_active_copy_and_fields() {
    let v = tail_fixture();
    let tails = find(&v, Some(0x10_0000), None);
    assert_eq!(tails.len(), 1);
    let t = &tails[0];
    assert_eq!(t.layout, TailLayout::Sdk);
    assert_eq!(t.rf_cal_offset, 0xFB000);
    let f = t.flag.as_ref().unwrap();
    assert_eq!((f.current, f.counter, f.second_magic), (1, 3, true));
    let a = t.active_copy().unwrap();
    assert_eq!(a.index, 1);
    assert_eq!(a.sta_ssid.as_deref(), Some(&b"FakeNet"[..]));
    assert_eq!(a.sta_password.as_deref(), Some(&b"fakepass1"[..]));
    assert_eq!(a.ap_ssid.as_deref(), Some(&b"ESP_0A0B0C"[..]));
    assert_eq!(a.mac, Some([0x5C, 0xCF, 0x7F, 0x0A, 0x0B, 0x0C]));
    assert!(a.checksum.unwrap().valid);
    assert!(t.copies[0].erased);
    let cfg = a.config().masked();
    let pw = cfg.items.iter().find(|i| i.key == "sta_password").unwrap();
    assert_eq!(pw.value, crate::report::MASK);
    assert_eq!(pw.offset, Some(0xFE000 + 0x37));
}

#[test]
fn bad_checksum_is_a_finding() {
    let mut v = tail_fixture();
    v[0xFE000] ^= 1;
    let t = &find(&v, None, None)[0];
    assert!(!t.active_copy().unwrap().checksum.unwrap().valid);
    assert_eq!(t.findings[0].code, "sdk_param_checksum_mismatch");
}

#[test]
fn erased_tail_is_not_sdk() {
    assert!(find(&vec![0xFF; 0x10_0000], Some(0x8_0000), None).is_empty());
    assert!(find(&[0u8; 100], Some(0x8_0000), None).is_empty());
}

#[test]
fn mac_forms() {
    let m = [0x5C, 0xCF, 0x7F, 0x0A, 0x0B, 0x0C];
    assert_eq!(mac_string(&m), "5c:cf:7f:0a:0b:0c");
    assert_eq!(mac_text(&m, "", true), "5CCF7F0A0B0C");
    assert_eq!(mac_text(&m, "-", false), "5c-cf-7f-0a-0b-0c");
}

#[test]
fn sdk_version_strings() {
    let hay = b"\0\x002.2.1(cfd48f3)\0";
    assert_eq!(version_in(hay), Some((2, "2.2.1(cfd48f3)".into())));
    assert_eq!(
        version_in(b"x3.0.4-dev(abcdef0)"),
        Some((1, "3.0.4-dev(abcdef0)".into()))
    );
    assert_eq!(version_in(b"2.2.1(CFD48F3)"), None);
    assert_eq!(version_in(b"123.2.1(cfd48f3)"), None);
    assert_eq!(version_in(b"2.2.1(cfd48f"), None);
}
