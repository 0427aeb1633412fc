//! The stock `passwd` file: one htdigest line `user:realm:HA1` for the web login, where
//! HA1 = md5("user:realm:password") in lower-case hex. The factory line is
//! `admin:Shelly:` + md5("admin:Shelly:admin") + `\n`.

use md5::{Digest, Md5};

use crate::formats::shelly::consts as c;

/// One htdigest line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HtdigestLine {
    /// User name.
    pub user: String,
    /// Realm.
    pub realm: String,
    /// HA1, as stored.
    pub ha1: String,
}

/// HA1 of a user/realm/password.
pub fn ha1(user: &str, realm: &str, password: &str) -> String {
    let mut h = Md5::new();
    h.update(format!("{user}:{realm}:{password}").as_bytes());
    hex::encode(h.finalize())
}

/// The factory `passwd` content.
pub fn default_content() -> Vec<u8> {
    let line = format!(
        "{}:{}:{}\n",
        c::DEFAULT_USER,
        c::DEFAULT_REALM,
        ha1(c::DEFAULT_USER, c::DEFAULT_REALM, c::DEFAULT_PASSWORD)
    );
    line.into_bytes()
}

/// Parse the lines of a `passwd` file (malformed lines are skipped).
pub fn parse(content: &[u8]) -> Vec<HtdigestLine> {
    String::from_utf8_lossy(content)
        .lines()
        .filter_map(|l| {
            let mut it = l.trim_end_matches('\r').splitn(3, ':');
            let user = it.next()?.to_string();
            let realm = it.next()?.to_string();
            let ha1 = it.next()?.to_string();
            (!user.is_empty()).then_some(HtdigestLine { user, realm, ha1 })
        })
        .take(64)
        .collect()
}

/// True when the line is the factory login (admin/admin in realm Shelly).
pub fn is_default(l: &HtdigestLine) -> bool {
    l.ha1
        .eq_ignore_ascii_case(&ha1(&l.user, &l.realm, c::DEFAULT_PASSWORD))
        && l.user == c::DEFAULT_USER
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_line_round_trips() {
        let d = default_content();
        assert_eq!(d.len(), 46);
        assert!(d.starts_with(b"admin:Shelly:"));
        let l = parse(&d);
        assert_eq!(l.len(), 1);
        assert!(is_default(&l[0]));
        let other = format!("admin:Shelly:{}\n", ha1("admin", "Shelly", "hunter2"));
        assert!(!is_default(&parse(other.as_bytes())[0]));
        assert!(parse(b"garbage\n:x:y\n").is_empty());
    }
}
