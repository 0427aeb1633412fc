//! Passes over images: leftovers on sector boundaries, then the checksum findings and the image
//! reports (with the Arduino whole-file CRC).

use super::ctx::Ctx;
use super::report::{ImageReport, RegionKind};
use crate::analysis::claims::ClaimStrength::{Checksummed, Content};
use crate::formats::flash::SECTOR_SIZE;
use crate::formats::image;
use crate::formats::image::consts as ic;
use crate::report::Finding;

/// Images (and gzip OTA uploads) on sector boundaries that no slot boots.
pub(super) fn stale(cx: &mut Ctx) {
    let data = cx.data;
    let mut at = 0;
    while at < data.len() {
        let b = data[at];
        if (b == ic::MAGIC_V1 || b == ic::MAGIC_V2) && !cx.claims.covers(at) {
            if let Ok(img) = image::parse(data, at) {
                if img.is_plausible() && img.end <= data.len() {
                    let eboot = img
                        .segments
                        .iter()
                        .any(|s| (ic::EBOOT_TEXT_MIN..ic::IRAM_END).contains(&s.addr));
                    let what = if eboot { "eboot " } else { "" };
                    let bad = if img.checksum.valid {
                        ""
                    } else {
                        ", bad checksum"
                    };
                    cx.claims.add(
                        at,
                        img.end,
                        RegionKind::StaleImage,
                        format!("stale {what}image v{}{bad}", img.image_version),
                        "stale-image",
                        if img.checksum.valid {
                            Checksummed
                        } else {
                            Content
                        },
                    );
                    cx.findings.push(Finding::info("stale_image", Some(at as u64), format!("image v{} at 0x{at:x} is not booted by this layout (left over from an OTA or an earlier firmware)", img.image_version)));
                    cx.images.push((img, "stale"));
                }
            }
        } else if data.get(at..at + 3) == Some(&[0x1F, 0x8B, 0x08]) && !cx.claims.covers(at) {
            let end = super::extent_until_erased(data, at, &cx.claims);
            cx.claims.add(
                at,
                end,
                RegionKind::StaleImage,
                "stale gzip-compressed image (OTA upload)",
                "stale-image",
                Content,
            );
        }
        at += SECTOR_SIZE;
    }
}

/// Image reports; checksum, CRC32 and Arduino whole-file CRC findings.
pub(super) fn reports(cx: &mut Ctx) {
    let data = cx.data;
    cx.reports = cx
        .images
        .iter()
        .map(|(i, r)| ImageReport::from_image(i, r))
        .collect();
    if cx.arduino_layout {
        let sketch = cx
            .reports
            .iter_mut()
            .find(|r| r.offset == SECTOR_SIZE as u64);
        if let (Some(crc), Some(r)) = (image::arduino_crc(data), sketch) {
            if !crc.valid {
                cx.findings.push(Finding::warning(
                    "arduino_crc_mismatch",
                    Some(ic::ARDUINO_CRC_VAL_OFFSET as u64),
                    format!(
                        "Arduino whole-file CRC 0x{:08x} stored, 0x{:08x} computed",
                        crc.stored, crc.computed
                    ),
                ));
            }
            r.arduino_crc = Some(crc);
        }
    }
    for (img, _) in &cx.images {
        let crc = img.v2.as_ref().and_then(|v| v.crc32).filter(|c| !c.valid);
        if let (2, Some(c)) = (img.image_version, crc) {
            cx.findings.push(Finding::warning(
                "image_crc32_mismatch",
                Some(img.offset as u64),
                format!(
                    "v2 image at 0x{:x}: CRC32 trailer 0x{:08x}, computed 0x{:08x}",
                    img.offset, c.stored, c.computed
                ),
            ));
        }
    }
    if let Some(i0) = &cx.img0 {
        if !i0.checksum.valid {
            cx.findings.push(Finding::error("image_checksum_mismatch", Some(0), format!("image at 0x0: checksum 0x{:02x} stored, 0x{:02x} computed; the ROM will not boot it", i0.checksum.stored, i0.checksum.computed)));
        }
    }
}
