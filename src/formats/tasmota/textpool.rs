//! The settings text pool (since 8.0.0.1): 99 NUL-terminated strings in 699 bytes at 0x017.
//!
//! String *k* is found by skipping *k* NULs; after the last string the pool is zero-filled, so
//! every missing index reads as "". Writing follows `SettingsUpdateText`: split, replace, re-join
//! with NULs, refuse when the total (with terminators) exceeds 699, zero-fill the rest.
//! Reference `docs/tasmota-settings.md` "Text pool"; names from `enum SettingsTextIndex` (arendst/Tasmota `tasmota.h`).

use crate::formats::tasmota::consts as c;

/// `SET_*` names of the ESP8266 pool, in index order (ESP8266 only ever appended before SET_MAX).
pub const SET_NAMES: [&str; c::SET_MAX] = [
    "SET_OTAURL",
    "SET_MQTTPREFIX1",
    "SET_MQTTPREFIX2",
    "SET_MQTTPREFIX3",
    "SET_STASSID1",
    "SET_STASSID2",
    "SET_STAPWD1",
    "SET_STAPWD2",
    "SET_HOSTNAME",
    "SET_SYSLOG_HOST",
    "SET_WEBPWD",
    "SET_CORS",
    "SET_MQTT_HOST",
    "SET_MQTT_CLIENT",
    "SET_MQTT_USER",
    "SET_MQTT_PWD",
    "SET_MQTT_FULLTOPIC",
    "SET_MQTT_TOPIC",
    "SET_MQTT_BUTTON_TOPIC",
    "SET_MQTT_SWITCH_TOPIC",
    "SET_MQTT_GRP_TOPIC",
    "SET_STATE_TXT1",
    "SET_STATE_TXT2",
    "SET_STATE_TXT3",
    "SET_STATE_TXT4",
    "SET_NTPSERVER1",
    "SET_NTPSERVER2",
    "SET_NTPSERVER3",
    "SET_MEM1",
    "SET_MEM2",
    "SET_MEM3",
    "SET_MEM4",
    "SET_MEM5",
    "SET_MEM6",
    "SET_MEM7",
    "SET_MEM8",
    "SET_MEM9",
    "SET_MEM10",
    "SET_MEM11",
    "SET_MEM12",
    "SET_MEM13",
    "SET_MEM14",
    "SET_MEM15",
    "SET_MEM16",
    "SET_FRIENDLYNAME1",
    "SET_FRIENDLYNAME2",
    "SET_FRIENDLYNAME3",
    "SET_FRIENDLYNAME4",
    "SET_FRIENDLYNAME5",
    "SET_FRIENDLYNAME6",
    "SET_FRIENDLYNAME7",
    "SET_FRIENDLYNAME8",
    "SET_BUTTON1",
    "SET_BUTTON2",
    "SET_BUTTON3",
    "SET_BUTTON4",
    "SET_BUTTON5",
    "SET_BUTTON6",
    "SET_BUTTON7",
    "SET_BUTTON8",
    "SET_BUTTON9",
    "SET_BUTTON10",
    "SET_BUTTON11",
    "SET_BUTTON12",
    "SET_BUTTON13",
    "SET_BUTTON14",
    "SET_BUTTON15",
    "SET_BUTTON16",
    "SET_MQTT_GRP_TOPIC2",
    "SET_MQTT_GRP_TOPIC3",
    "SET_MQTT_GRP_TOPIC4",
    "SET_TEMPLATE_NAME",
    "SET_DEV_GROUP_NAME1",
    "SET_DEV_GROUP_NAME2",
    "SET_DEV_GROUP_NAME3",
    "SET_DEV_GROUP_NAME4",
    "SET_DEVICENAME",
    "SET_TELEGRAM_TOKEN",
    "SET_TELEGRAM_CHATID",
    "SET_ADC_PARAM1",
    "SET_SWITCH_TXT1",
    "SET_SWITCH_TXT2",
    "SET_SWITCH_TXT3",
    "SET_SWITCH_TXT4",
    "SET_SWITCH_TXT5",
    "SET_SWITCH_TXT6",
    "SET_SWITCH_TXT7",
    "SET_SWITCH_TXT8",
    "SET_SHD_PARAM",
    "SET_RGX_SSID",
    "SET_RGX_PASSWORD",
    "SET_INFLUXDB_HOST",
    "SET_INFLUXDB_PORT",
    "SET_INFLUXDB_ORG",
    "SET_INFLUXDB_TOKEN",
    "SET_INFLUXDB_BUCKET",
    "SET_INFLUXDB_RP",
    "SET_CANVAS",
    "SET_TELEGRAM_FINGERPRINT",
];

/// Index of a `SET_*` name.
pub fn index_of(name: &str) -> Option<usize> {
    SET_NAMES.iter().position(|n| *n == name)
}

/// The pool bytes of a block (empty if the block is too short).
fn pool(block: &[u8]) -> &[u8] {
    block
        .get(c::OFF_TEXT_POOL..c::OFF_TEXT_POOL + c::TEXT_POOL_LEN)
        .unwrap_or(&[])
}

/// A pool string: its bytes and where they start in the block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PoolString<'a> {
    /// The raw bytes, without the terminator.
    pub bytes: &'a [u8],
    /// Offset of the first byte in the block.
    pub offset: usize,
}

/// Split the pool into exactly [`c::SET_MAX`] strings (missing ones are empty, at the pool end).
pub fn split(block: &[u8]) -> Vec<PoolString<'_>> {
    let p = pool(block);
    let mut out = Vec::with_capacity(c::SET_MAX);
    let mut start = 0usize;
    for _ in 0..c::SET_MAX {
        let rest = p.get(start..).unwrap_or(&[]);
        let len = rest.iter().position(|&b| b == 0).unwrap_or(rest.len());
        out.push(PoolString {
            bytes: rest.get(..len).unwrap_or(&[]),
            offset: c::OFF_TEXT_POOL + start.min(p.len()),
        });
        start = start.saturating_add(len + 1).min(p.len());
    }
    out
}

/// String `index` of the pool ("" past the end).
pub fn get(block: &[u8], index: usize) -> PoolString<'_> {
    split(block).into_iter().nth(index).unwrap_or(PoolString {
        bytes: &[],
        offset: c::OFF_TEXT_POOL + c::TEXT_POOL_LEN,
    })
}

/// The pool would not fit in 699 bytes ("Text overflow" in Tasmota).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "text pool overflow: {needed} bytes needed, {} available",
    c::TEXT_POOL_LEN
)]
pub struct Overflow {
    /// Bytes the strings plus terminators would need.
    pub needed: usize,
}

/// Build a pool image (699 bytes) from strings in index order. Strings must not contain NUL.
pub fn join(strings: &[&[u8]]) -> Result<[u8; c::TEXT_POOL_LEN], Overflow> {
    let needed: usize = strings.iter().map(|s| s.len() + 1).sum();
    if needed > c::TEXT_POOL_LEN {
        return Err(Overflow { needed });
    }
    let mut out = [0u8; c::TEXT_POOL_LEN];
    let mut at = 0;
    for s in strings {
        out[at..at + s.len()].copy_from_slice(s);
        at += s.len() + 1;
    }
    Ok(out)
}

/// Replace several pool strings at once (`(index, new bytes)`; indexes >= SET_MAX are ignored,
/// NULs in the new text are dropped) and write the re-joined pool into the block.
pub fn update(block: &mut [u8], changes: &[(usize, &[u8])]) -> Result<(), Overflow> {
    let mut strings: Vec<Vec<u8>> = split(block).iter().map(|s| s.bytes.to_vec()).collect();
    for (i, v) in changes {
        if let Some(s) = strings.get_mut(*i) {
            *s = v.iter().copied().filter(|&b| b != 0).collect();
        }
    }
    let refs: Vec<&[u8]> = strings.iter().map(Vec::as_slice).collect();
    let new = join(&refs)?;
    if let Some(p) = block.get_mut(c::OFF_TEXT_POOL..c::OFF_TEXT_POOL + c::TEXT_POOL_LEN) {
        p.copy_from_slice(&new);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_in_enum_order() {
        assert_eq!(index_of("SET_STASSID1"), Some(4));
        assert_eq!(index_of("SET_HOSTNAME"), Some(8));
        assert_eq!(index_of("SET_MQTT_TOPIC"), Some(17));
        assert_eq!(index_of("SET_FRIENDLYNAME1"), Some(44));
        assert_eq!(index_of("SET_TEMPLATE_NAME"), Some(71));
        assert_eq!(index_of("SET_DEVICENAME"), Some(76));
        assert_eq!(index_of("SET_RGX_SSID"), Some(89));
        assert_eq!(index_of("SET_TELEGRAM_FINGERPRINT"), Some(98));
    }

    #[test]
    fn split_exact_layout() {
        let mut block = vec![0xEEu8; 4096];
        block[0x17..0x17 + 699].fill(0);
        block[0x17..0x17 + 7].copy_from_slice(b"a\0bc\0\0d");
        let s = split(&block);
        assert_eq!(s.len(), 99);
        assert_eq!(s[0].bytes, b"a");
        assert_eq!(s[0].offset, 0x17);
        assert_eq!(s[1].bytes, b"bc");
        assert_eq!(s[1].offset, 0x19);
        assert_eq!(s[2].bytes, b"");
        assert_eq!(s[3].bytes, b"d");
        assert_eq!(s[3].offset, 0x1D);
        assert!(s[4..].iter().all(|x| x.bytes.is_empty()));
    }

    #[test]
    fn unterminated_pool_stops_at_its_end() {
        let mut block = vec![b'x'; 4096];
        block[0x17 + 10] = 0;
        let s = split(&block);
        assert_eq!(s[0].bytes.len(), 10);
        assert_eq!(s[1].bytes.len(), 699 - 11);
        assert!(s[2..].iter().all(|x| x.bytes.is_empty()));
    }

    #[test]
    fn update_moves_tail_and_zero_fills() {
        let mut block = vec![0u8; 4096];
        update(&mut block, &[(0, b"url"), (2, b"two")]).unwrap();
        assert_eq!(&block[0x17..0x17 + 10], b"url\0\0two\0\0");
        update(&mut block, &[(0, b"u")]).unwrap();
        assert_eq!(&block[0x17..0x17 + 10], b"u\0\0two\0\0\0\0");
        assert_eq!(get(&block, 2).bytes, b"two");
        assert_eq!(get(&block, 2).offset, 0x17 + 3);
    }

    #[test]
    fn overflow_refused_and_block_unchanged() {
        let mut block = vec![0u8; 4096];
        let big = vec![b'a'; 650];
        let before = block.clone();
        let e = update(&mut block, &[(0, &big)]).unwrap_err();
        assert_eq!(e.needed, 651 + 98);
        assert_eq!(block, before);
        // 600 + 1 + 98 empty terminators = 699 exactly fits
        let fits = vec![b'a'; 600];
        update(&mut block, &[(0, &fits)]).unwrap();
        assert_eq!(get(&block, 0).bytes.len(), 600);
    }
}
