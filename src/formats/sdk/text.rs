//! Text the SDK produces: its version string and the MAC forms espdump prints and searches for.

/// The first Espressif SDK version string in `hay` and its offset: `d.d.d` (one or two digits
/// each), an optional `-dev`, then the 7-digit lower-case git hash in parentheses, as the SDK's
/// `system_get_sdk_version()` returns it (`2.2.2-dev(38a443e)`, `2.2.1(cfd48f3)`). The one SDK
/// version scan: firmware identification and the Tasmota image reader both call it.
pub fn version_in(hay: &[u8]) -> Option<(usize, String)> {
    let mut i = 0;
    while let Some(p) = memchr::memchr(b'(', &hay[i..]) {
        let at = i + p;
        i = at + 1;
        let hex = hay.get(at + 1..at + 9)?;
        if !(hex[..7]
            .iter()
            .all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
            && hex[7] == b')')
        {
            continue;
        }
        let mut st = at;
        while st > 0 && (hay[st - 1].is_ascii_digit() || b".-dev".contains(&hay[st - 1])) {
            st -= 1;
        }
        let head = &hay[st..at];
        let core = head.strip_suffix(b"-dev").unwrap_or(head);
        let parts: Vec<&[u8]> = core.split(|&b| b == b'.').collect();
        if parts.len() == 3
            && parts
                .iter()
                .all(|p| !p.is_empty() && p.len() <= 2 && p.iter().all(u8::is_ascii_digit))
        {
            return Some((st, String::from_utf8_lossy(&hay[st..at + 9]).into_owned()));
        }
    }
    None
}

/// MAC as `aa:bb:cc:dd:ee:ff`: the form every report prints.
pub fn mac_string(m: &[u8; 6]) -> String {
    mac_text(m, ":", false)
}

/// MAC as hex pairs joined by `sep`, lower or upper case (`aa:bb:..`, `AABB..`): the one MAC
/// formatter ([`mac_string`] is its report form).
pub fn mac_text(m: &[u8; 6], sep: &str, upper: bool) -> String {
    m.iter()
        .map(|b| {
            if upper {
                format!("{b:02X}")
            } else {
                format!("{b:02x}")
            }
        })
        .collect::<Vec<_>>()
        .join(sep)
}
