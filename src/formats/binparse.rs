//! Reading the fixed on-flash structures with binrw, from byte slices.
//!
//! Every fixed layout (image and segment headers, rBoot config, SDK flag sector and parameter
//! copies, partition entries, SPIFFS page and index headers, LittleFS superblock and tags) is a
//! `BinRead` struct in the module of that structure, with its magic checked by binrw. This module
//! only adapts binrw's reader interface to "a value at an offset of a slice, or `None`": a short
//! slice, a wrong magic or a failed assertion all give `None`, never a panic.

use binrw::{BinRead, BinWrite};
use std::io::Cursor;

/// Read a `T` at `at` of `data`, little-endian unless `T` names its own byte order.
/// `None` when the bytes run out or a magic or assertion of `T` fails.
#[inline]
pub fn read_at<T>(data: &[u8], at: usize) -> Option<T>
where
    T: BinRead,
    for<'a> T::Args<'a>: Default,
{
    let b = data.get(at..)?;
    T::read_le(&mut Cursor::new(b)).ok()
}

/// Write `value` at `at` of `data`, little-endian unless `T` names its own byte order. `None`
/// (and `data` unchanged) when it does not fit.
pub fn write_at<T>(data: &mut [u8], at: usize, value: &T) -> Option<()>
where
    T: BinWrite,
    for<'a> T::Args<'a>: Default,
{
    let mut buf = Cursor::new(Vec::new());
    value.write_le(&mut buf).ok()?;
    let bytes = buf.into_inner();
    data.get_mut(at..at.checked_add(bytes.len())?)?
        .copy_from_slice(&bytes);
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_little_endian_words_and_refuses_short_input() {
        let b = [0x78, 0x56, 0x34, 0x12, 0xAA];
        assert_eq!(read_at::<u32>(&b, 0), Some(0x1234_5678));
        assert_eq!(read_at::<u16>(&b, 3), Some(0xAA12));
        assert_eq!(read_at::<u32>(&b, 2), None);
        assert_eq!(read_at::<u32>(&b, 5), None);
        assert_eq!(read_at::<u8>(&b, usize::MAX), None);
    }

    #[test]
    fn writes_in_place_or_not_at_all() {
        let mut b = [0u8; 5];
        assert_eq!(write_at(&mut b, 1, &0x1234_5678u32), Some(()));
        assert_eq!(b, [0, 0x78, 0x56, 0x34, 0x12]);
        assert_eq!(write_at(&mut b, 2, &0u32), None);
        assert_eq!(b, [0, 0x78, 0x56, 0x34, 0x12]);
        assert_eq!(write_at(&mut b, usize::MAX, &0u8), None);
    }

    #[test]
    fn big_endian_structs_keep_their_order() {
        #[derive(BinRead, Debug, PartialEq)]
        #[br(big)]
        struct Be(u32);
        assert_eq!(read_at::<Be>(&[1, 2, 3, 4], 0), Some(Be(0x0102_0304)));
    }
}
