//! Parsing v1 (0xE9) and v2 (0xEA) images from a byte slice.

use super::checksum::{v2_crc_transform, xor_checksum, Checksum, Crc32Check};
use super::header::{RawHeader, Segment, SegmentHeader};
use super::{Image, ImageError, V2Info};
use crate::formats::binparse::read_at;
use crate::formats::image::consts as c;

/// Parse the v1 segment list starting at `at` (just after a header), returning the segments and
/// the offset after the last segment's data.
fn parse_segments(
    data: &[u8],
    at: usize,
    count: u8,
    out: &mut Vec<Segment>,
) -> Result<usize, ImageError> {
    let mut pos = at;
    for _ in 0..count {
        let sh: SegmentHeader = read_at(data, pos).ok_or(ImageError::TruncatedSegment {
            index: out.len(),
            offset: pos,
            len: SegmentHeader::SIZE as u32,
            available: data.len().saturating_sub(pos),
        })?;
        let dstart = pos + c::SEGMENT_HEADER_LEN;
        let available = data.len().saturating_sub(dstart);
        if sh.len as usize > available {
            return Err(ImageError::TruncatedSegment {
                index: out.len(),
                offset: dstart,
                len: sh.len,
                available,
            });
        }
        out.push(Segment {
            addr: sh.addr,
            len: sh.len,
            data_offset: dstart,
        });
        pos = dstart + sh.len as usize;
    }
    Ok(pos)
}

/// Parse the image whose header starts at `offset` of `data`.
pub fn parse(data: &[u8], offset: usize) -> Result<Image, ImageError> {
    let header = RawHeader::parse(data.get(offset..).unwrap_or(&[]))
        .ok_or(ImageError::TruncatedHeader(offset))?;
    match header.magic {
        c::MAGIC_V1 => parse_v1(data, offset, header),
        c::MAGIC_V2 => parse_v2(data, offset, header),
        found => Err(ImageError::BadMagic { offset, found }),
    }
}

fn parse_v1(data: &[u8], offset: usize, header: RawHeader) -> Result<Image, ImageError> {
    if header.segment_count == 0 || header.segment_count > c::MAX_SEGMENTS {
        return Err(ImageError::BadSegmentCount {
            offset,
            count: header.segment_count,
        });
    }
    let mut segments = Vec::with_capacity(header.segment_count as usize);
    let seg_end = parse_segments(
        data,
        offset + c::HEADER_LEN,
        header.segment_count,
        &mut segments,
    )?;
    let checksum = checksum_at(data, offset, seg_end, &segments)?;
    Ok(Image {
        offset,
        image_version: 1,
        header,
        entry: header.entry,
        segments,
        checksum,
        v2: None,
        end: checksum.offset + 1,
    })
}

fn checksum_at(
    data: &[u8],
    image_start: usize,
    seg_end: usize,
    segments: &[Segment],
) -> Result<Checksum, ImageError> {
    let off = image_start + ((seg_end - image_start) | c::CHECKSUM_ALIGN_MASK);
    let stored = *data.get(off).ok_or(ImageError::TruncatedChecksum(off))?;
    let computed = xor_checksum(
        segments
            .iter()
            .map(|s| &data[s.data_offset..s.data_offset + s.len as usize]),
    );
    Ok(Checksum {
        stored,
        computed,
        valid: stored == computed,
        offset: off,
    })
}

fn parse_v2(data: &[u8], offset: usize, header: RawHeader) -> Result<Image, ImageError> {
    if header.segment_count != c::V2_BYTE1 {
        return Err(ImageError::BadV2 {
            offset,
            reason: "byte 1 is not 0x04",
        });
    }
    let (irom_len, irom_start) = v2_irom(data, offset)?;
    let inner_offset = irom_start + irom_len as usize;
    let inner = v2_inner_header(data, offset, inner_offset)?;
    let mut segments = vec![Segment {
        addr: 0,
        len: irom_len,
        data_offset: irom_start,
    }];
    let seg_end = parse_segments(
        data,
        inner_offset + c::HEADER_LEN,
        inner.segment_count,
        &mut segments,
    )?;
    let checksum = checksum_at(data, offset, seg_end, &segments[1..])?;
    let crc32 = v2_crc32(data, offset, &header, checksum.offset);
    let trailer = if crc32.is_some_and(|c| c.valid) { 4 } else { 0 };
    Ok(Image {
        offset,
        image_version: 2,
        header,
        entry: inner.entry,
        segments,
        checksum,
        v2: Some(V2Info {
            irom_len,
            inner_offset,
            inner,
            crc32,
        }),
        end: checksum.offset + 1 + trailer,
    })
}

/// The IROM block of a v2 image: its length and where its data starts. It must fit the input.
fn v2_irom(data: &[u8], offset: usize) -> Result<(u32, usize), ImageError> {
    let irom_len = read_at::<SegmentHeader>(data, offset + RawHeader::SIZE)
        .ok_or(ImageError::TruncatedHeader(offset))?
        .len;
    let irom_start = offset + RawHeader::SIZE + SegmentHeader::SIZE;
    irom_start
        .checked_add(irom_len as usize)
        .filter(|&e| e <= data.len())
        .ok_or(ImageError::TruncatedSegment {
            index: 0,
            offset: irom_start,
            len: irom_len,
            available: data.len().saturating_sub(irom_start),
        })?;
    Ok((irom_len, irom_start))
}

/// The 0xE9 header after the IROM block of the v2 image at `offset`.
fn v2_inner_header(
    data: &[u8],
    offset: usize,
    inner_offset: usize,
) -> Result<RawHeader, ImageError> {
    let inner = RawHeader::parse(data.get(inner_offset..).unwrap_or(&[]))
        .ok_or(ImageError::TruncatedHeader(inner_offset))?;
    if inner.magic != c::MAGIC_V1 {
        return Err(ImageError::BadV2 {
            offset,
            reason: "no 0xE9 header after the IROM block",
        });
    }
    if inner.segment_count == 0 || inner.segment_count > c::MAX_SEGMENTS {
        return Err(ImageError::BadSegmentCount {
            offset: inner_offset,
            count: inner.segment_count,
        });
    }
    Ok(inner)
}

/// The CRC32 trailer after the checksum byte of a v2 image: kept when it matches, or when the
/// header says `gen_appbin` wrote one (then it is reported invalid); `None` otherwise.
fn v2_crc32(
    data: &[u8],
    offset: usize,
    header: &RawHeader,
    checksum_offset: usize,
) -> Option<Crc32Check> {
    let stored = read_at::<u32>(data, checksum_offset + 1)?;
    let mut h = crc32fast::Hasher::new();
    h.update(&data[offset..=checksum_offset]);
    let computed = v2_crc_transform(h.finalize());
    // gen_appbin writes byte 2 = 0 and byte 3 = the user-bin number (1 or 2).
    let expects_crc = header.flash_mode == 0 && matches!(header.size_freq, 1 | 2);
    (stored == computed || expects_crc).then_some(Crc32Check {
        stored,
        computed,
        valid: stored == computed,
    })
}
