//! Image headers and checksums, paired by offset.

use crate::analysis::diff::model::{Area, SemanticChange};
use crate::analysis::inspect::{ImageReport, InspectReport};
use serde_json::Value;
use std::collections::BTreeSet;

fn image_summary(i: &ImageReport) -> Value {
    format!(
        "v{} {}, {} segments, {} bytes, checksum 0x{:02x} {}",
        i.image_version,
        i.role,
        i.segments.len(),
        i.end.saturating_sub(i.offset),
        i.checksum.stored,
        if i.checksum.valid { "valid" } else { "INVALID" }
    )
    .into()
}

/// Images present in one input only, and header fields that differ.
pub(crate) fn changes(ra: &InspectReport, rb: &InspectReport, out: &mut Vec<SemanticChange>) {
    let offsets: BTreeSet<u64> = ra
        .images
        .iter()
        .chain(&rb.images)
        .map(|i| i.offset)
        .collect();
    for off in offsets {
        let x = ra.images.iter().find(|i| i.offset == off);
        let y = rb.images.iter().find(|i| i.offset == off);
        let src = format!("image@0x{off:06x}");
        let (x, y) = match (x, y) {
            (Some(x), Some(y)) => (x, y),
            (x, y) => {
                out.push(
                    SemanticChange::new(Area::Image, src, "image")
                        .values(x.map(image_summary), y.map(image_summary)),
                );
                continue;
            }
        };
        for (key, p, q) in fields(x, y) {
            if p != q {
                let mut ch =
                    SemanticChange::new(Area::Image, src.clone(), key).values(Some(p), Some(q));
                ch.offset_a = Some(off);
                ch.offset_b = Some(off);
                out.push(ch);
            }
        }
    }
}

/// The compared header fields of two images at one offset: name, value in A, value in B.
fn fields(x: &ImageReport, y: &ImageReport) -> Vec<(&'static str, Value, Value)> {
    let both = |f: &dyn Fn(&ImageReport) -> Value| (f(x), f(y));
    let rows = [
        ("role", both(&|i| i.role.into())),
        ("image version", both(&|i| i.image_version.into())),
        ("length", both(&|i| (i.end - i.offset.min(i.end)).into())),
        ("entry", both(&|i| format!("0x{:08x}", i.entry).into())),
        ("segments", both(&segments)),
        ("checksum", both(&checksum)),
        ("flash params", both(&flash_params)),
        ("crc32", both(&|i| crc(&i.crc32))),
        ("arduino crc", both(&|i| crc(&i.arduino_crc))),
    ];
    rows.into_iter().map(|(k, (p, q))| (k, p, q)).collect()
}

fn segments(i: &ImageReport) -> Value {
    i.segments
        .iter()
        .map(|s| format!("0x{:08x}:0x{:x}", s.addr, s.len))
        .collect::<Vec<_>>()
        .into()
}

fn checksum(i: &ImageReport) -> Value {
    format!(
        "0x{:02x} {}",
        i.checksum.stored,
        if i.checksum.valid {
            "valid".to_string()
        } else {
            format!("INVALID (computed 0x{:02x})", i.checksum.computed)
        }
    )
    .into()
}

fn flash_params(i: &ImageReport) -> Value {
    format!("{} {} {}", i.flash_mode, i.flash_size, i.flash_freq).into()
}

fn crc(c: &Option<crate::formats::image::Crc32Check>) -> Value {
    match c {
        None => Value::Null,
        Some(c) => format!(
            "0x{:08x} {}",
            c.stored,
            if c.valid { "valid" } else { "INVALID" }
        )
        .into(),
    }
}
