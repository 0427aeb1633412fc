//! Escaping of untrusted text before it reaches a terminal.
//!
//! Every string read from a dump (SSIDs, file names, version strings) may hold control characters,
//! ANSI escape sequences or bidi overrides. [`escape`] turns them into visible `\x..` / `\u{..}`
//! sequences so that printing a report can never move the cursor, change colours or reorder text.

use std::borrow::Cow;

/// True for characters that must not reach a terminal raw.
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' // zero-width, LRM/RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings/overrides
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}')
}

/// Escape a string for display. Returns the input unchanged (borrowed) when it is safe.
pub fn escape(s: &str) -> Cow<'_, str> {
    if !s.chars().any(|c| is_dangerous(c) || c == '\\') {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if is_dangerous(c) => {
                let v = c as u32;
                if v < 0x100 {
                    out.push_str(&format!("\\x{v:02x}"));
                } else {
                    out.push_str(&format!("\\u{{{v:x}}}"));
                }
            }
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Bytes from flash as display text: valid UTF-8 is escaped with [`escape`], other bytes become `\xNN`.
pub fn escape_bytes(b: &[u8]) -> String {
    let mut out = String::with_capacity(b.len());
    for chunk in b.utf8_chunks() {
        out.push_str(&escape(chunk.valid()));
        for byte in chunk.invalid() {
            out.push_str(&format!("\\x{byte:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_text_is_borrowed() {
        assert!(matches!(escape("Shelly 1 v1.14.0"), Cow::Borrowed(_)));
    }

    #[test]
    fn ansi_and_bidi_are_escaped() {
        assert_eq!(escape("a\x1b[31mb"), "a\\x1b[31mb");
        assert_eq!(escape("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(escape("back\\slash"), "back\\\\slash");
        assert_eq!(escape("l1\nl2"), "l1\\nl2");
    }

    #[test]
    fn invalid_utf8_is_hex() {
        assert_eq!(escape_bytes(b"ok\xff\x07"), "ok\\xff\\x07");
    }
}
