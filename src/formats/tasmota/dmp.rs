//! The `.dmp` backup format (web "Backup Configuration") and decode-config's `.bin`.
//!
//! A `.dmp` is the settings block with byte *i* (i >= 2) XORed with `(0x5A + i) & 0xFF`; bytes 0-1
//! (`cfg_holder`) stay plain. File-system builds with driver files prefix a 16-byte header
//! (`"/.settings"` NUL-padded to 14 bytes, u16 LE total size) and XOR from absolute index 18 with
//! the absolute index in the key. decode-config's `.bin` is the plain block plus the LE magic
//! 0x63576223. [`detect`] recognises all of these (and a plain block shorter than a sector) by
//! content; [`encode`] writes a block back in the form it came in. See docs/tasmota-settings.md.

use super::settings::{parse_copy, Header, SettingsCopy};
use crate::formats::tasmota::consts as c;
use serde::Serialize;

/// Name at the start of a file-system `.dmp`.
const FS_NAME: &[u8] = b"/.settings";
/// Length of a file-system `.dmp` entry header.
const FS_HEADER_LEN: usize = 16;

fn xor_from(buf: &mut [u8], start: usize) {
    for (i, b) in buf.iter_mut().enumerate().skip(start) {
        *b ^= c::DMP_XOR.wrapping_add(i as u8);
    }
}

/// Encode a plain settings block (a flash copy) as a `.dmp` that Tasmota and decode-config accept.
/// The block is taken as is (a valid flash copy already carries a matching `cfg_crc32`), cut to
/// its length (`cfg_size`, or the 5.x layout size: `sizeof(Settings)` of that version).
pub fn to_dmp(block: &[u8]) -> Vec<u8> {
    let n = Header::read(block)
        .filter(Header::plausible)
        .map(|h| h.block_len())
        .filter(|&n| n <= block.len())
        .unwrap_or(block.len());
    let mut out = block[..n].to_vec();
    xor_from(&mut out, c::DMP_XOR_START);
    out
}

/// A `.dmp` could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Tasmota .dmp: {0}")]
pub struct NotDmp(pub String);

/// Decode a `.dmp` back to the plain settings block (4096 or 3584 bytes). Accepts the plain
/// 1M-build form and the file-system form with the `/.settings` header (driver files after the
/// block are ignored).
pub fn from_dmp(file: &[u8]) -> Result<Vec<u8>, NotDmp> {
    if file.starts_with(FS_NAME) {
        let mut buf = file.to_vec();
        xor_from(&mut buf, FS_HEADER_LEN + c::DMP_XOR_START);
        return buf
            .get(FS_HEADER_LEN..FS_HEADER_LEN + c::SETTINGS_SIZE)
            .map(<[u8]>::to_vec)
            .ok_or_else(|| NotDmp(format!("{} bytes: too short", file.len())));
    }
    if !super::fields::block_sizes().any(|n| n == file.len()) {
        return Err(NotDmp(format!(
            "{} bytes; a .dmp is 4096, 3584, 2560 or 1648 bytes or starts with /.settings",
            file.len()
        )));
    }
    let mut buf = file.to_vec();
    xor_from(&mut buf, c::DMP_XOR_START);
    Ok(buf)
}

/// Which form a settings file has: the two `.dmp` forms Tasmota writes, or the plain block as
/// espdump's and decode-config's extractions hold it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DmpForm {
    /// The XORed block alone (1M builds; every version).
    Plain,
    /// A `/.settings` entry header first (file-system builds with driver files).
    FileSystem,
    /// The block without XOR, shorter than a flash sector (a 5.x/6.x block as `extract` writes
    /// it; a 4096-byte plain block is read as a one-sector dump instead).
    Block,
    /// decode-config's `.bin`: the plain block followed by the magic 0x63576223.
    DecodeConfigBin,
}

impl DmpForm {
    /// How the form is named in messages.
    pub fn describe(self) -> &'static str {
        match self {
            DmpForm::Plain => ".dmp",
            DmpForm::FileSystem => ".dmp, file-system form",
            DmpForm::Block => "plain settings block",
            DmpForm::DecodeConfigBin => "decode-config .bin",
        }
    }
}

/// A `.dmp` recognised by its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DmpFile {
    /// Its form.
    pub form: DmpForm,
    /// The plain settings block (XOR removed).
    pub block: Vec<u8>,
    /// The block's header and checksums, at offset 0.
    pub copy: SettingsCopy,
}

/// Recognise a Tasmota settings file by content, whatever its name: a `.dmp` (after removing the
/// XOR), decode-config's `.bin` (trailer magic) or a plain block shorter than a sector. The
/// block must have a plausible settings header, the length its version implies (the whole file,
/// except for the file-system form) and a valid checksum where its version has one
/// (`cfg_crc32` from 6.6.0.11, `cfg_crc` above 6.0.0; 5.x blocks have none, so their u32
/// `CFG_HOLDER` 0x20161209 must be there).
pub fn detect(file: &[u8]) -> Option<DmpFile> {
    if file.starts_with(FS_NAME) {
        return whole(from_dmp(file).ok()?, DmpForm::FileSystem, c::SETTINGS_SIZE);
    }
    if let Some(d) = from_dmp(file)
        .ok()
        .and_then(|b| whole(b, DmpForm::Plain, file.len()))
    {
        return Some(d);
    }
    if let Some(inner) = from_bin(file) {
        return whole(inner.to_vec(), DmpForm::DecodeConfigBin, inner.len());
    }
    if file.len() < c::SETTINGS_SIZE {
        return whole(file.to_vec(), DmpForm::Block, file.len());
    }
    None
}

/// `block` as a settings file of `form` if it is a whole, valid block of `len` bytes.
fn whole(block: Vec<u8>, form: DmpForm, len: usize) -> Option<DmpFile> {
    let copy = parse_copy(&block, 0)?;
    if copy.size != len || !copy.valid {
        return None;
    }
    let block = block.get(..copy.size)?.to_vec();
    Some(DmpFile { form, block, copy })
}

/// Encode a block in the given form (the file-system form gets a `/.settings` header whose size
/// field is the total file length, and no driver files).
pub fn encode(block: &[u8], form: DmpForm) -> Vec<u8> {
    match form {
        DmpForm::Plain => to_dmp(block),
        DmpForm::Block => block.to_vec(),
        DmpForm::DecodeConfigBin => to_bin(block),
        DmpForm::FileSystem => {
            let mut out = FS_NAME.to_vec();
            out.resize(FS_HEADER_LEN - 2, 0);
            out.extend_from_slice(&((FS_HEADER_LEN + block.len()) as u16).to_le_bytes());
            out.extend_from_slice(block);
            for (i, b) in out
                .iter_mut()
                .enumerate()
                .skip(FS_HEADER_LEN + c::DMP_XOR_START)
            {
                *b ^= c::DMP_XOR.wrapping_add(i as u8);
            }
            out
        }
    }
}

/// decode-config's `.bin`: the plain block followed by the LE magic 0x63576223.
pub fn to_bin(block: &[u8]) -> Vec<u8> {
    let mut out = block.to_vec();
    out.extend_from_slice(&c::BIN_MAGIC.to_le_bytes());
    out
}

/// The plain block inside a decode-config `.bin`, if the trailer magic is there.
pub fn from_bin(file: &[u8]) -> Option<&[u8]> {
    let n = file.len().checked_sub(4)?;
    (file.get(n..)? == c::BIN_MAGIC.to_le_bytes()).then(|| &file[..n])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xor_key_exact_bytes() {
        let d = to_dmp(&[0u8; 4096]);
        assert_eq!(d.len(), 4096);
        let mut old = [0u8; 4096];
        old[2] = 0x00;
        old[3] = 0x0E; // cfg_size 0xE00
        old[8..12].copy_from_slice(&0x0604_0100u32.to_le_bytes());
        assert_eq!(to_dmp(&old).len(), 0xE00);
        assert_eq!(&d[..6], &[0x00, 0x00, 0x5C, 0x5D, 0x5E, 0x5F]);
        assert_eq!(d[0xA5], 0xFF); // 0x5A + 0xA5 = 0xFF
        assert_eq!(d[0xA6], 0x00); // wraps
        assert_eq!(d[4095], 0x59); // 0x5A + 0xFFF = 0x1059 -> 0x59
        let block: Vec<u8> = (0..4096).map(|i| (i * 7) as u8).collect();
        assert_eq!(from_dmp(&to_dmp(&block)).unwrap(), block);
    }

    #[test]
    fn fs_header_form() {
        let block: Vec<u8> = (0..4096).map(|i| (i * 3) as u8).collect();
        let mut file = b"/.settings\0\0\0\0".to_vec();
        file.extend_from_slice(&(16u16 + 4096).to_le_bytes());
        let mut body = block.clone();
        // absolute index in the key, XOR from 18
        for (i, b) in body.iter_mut().enumerate().skip(2) {
            *b ^= 0x5Au8.wrapping_add((i + 16) as u8);
        }
        file.extend_from_slice(&body);
        assert_eq!(from_dmp(&file).unwrap(), block);
    }

    #[test]
    fn bin_trailer() {
        let b = to_bin(&[1, 2, 3]);
        assert_eq!(b, [1, 2, 3, 0x23, 0x62, 0x57, 0x63]);
        assert_eq!(from_bin(&b), Some(&[1u8, 2, 3][..]));
        assert_eq!(from_bin(&[1, 2]), None);
        assert!(from_dmp(&[0u8; 100]).is_err());
    }
}
