//! `inspect`: turn a dump (or any image file) into an [`InspectReport`]: a region map that
//! partitions the whole input, every image with its checksums, the boot loader, the boot config,
//! the flash layout, the SDK tail sectors, the identified firmware and findings. Pure: bytes in,
//! report out.
//!
//! The work is a sequence of passes over one shared context (`ctx::Ctx`), in order of trust:
//! offset 0 and boot data, application slots, raw IROM, firmware identification, the layout
//! (which follows boot data, boot loader and firmware), the SDK tail in that layout, stale
//! images, file systems, firmware areas, resolution of the claims into the map (with
//! `layout_conflict` findings), the final firmware kind, and the decoded configuration.

mod boot;
mod ctx;
mod firmware;
mod fs;
mod images;
mod report;
mod tail;
mod vendors;

pub use report::{
    FileReport, FsReport, ImageReport, InspectReport, Region, RegionKind, SegmentReport,
};

use crate::analysis::claims::Claims;
use crate::formats::flash::SECTOR_SIZE;
use ctx::Ctx;

/// Options for [`inspect`].
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Treat the input as starting at this offset (an image inside a larger file).
    pub offset: usize,
}

/// Inspect `data` (the whole input, before `--offset`).
pub fn inspect(file: &[u8], opts: &Options) -> crate::Result<InspectReport> {
    let data = file.get(opts.offset..).unwrap_or(&[]);
    if data.is_empty() {
        return Err(crate::Error::InvalidInput(if opts.offset > 0 {
            format!(
                "offset 0x{:x} is at or past the end of the file ({} bytes)",
                opts.offset,
                file.len()
            )
        } else {
            "input is empty".to_string()
        }));
    }
    if let Some(d) = crate::formats::tasmota::dmp::detect(data) {
        return Ok(crate::analysis::dmp::inspect_dmp(
            &d,
            data.len(),
            opts.offset as u64,
        ));
    }
    let mut cx = Ctx::new(data);
    boot::offset0(&mut cx);
    boot::boot_data(&mut cx);
    boot::slots(&mut cx);
    boot::apps(&mut cx);
    boot::raw_irom(&mut cx);
    firmware::identify(&mut cx);
    tail::layout(&mut cx);
    tail::sdk_tail(&mut cx);
    images::stale(&mut cx);
    images::reports(&mut cx);
    fs::filesystems(&mut cx);
    firmware::settings(&mut cx);
    vendors::facts(&mut cx);
    firmware::areas(&mut cx);
    cx.regions = crate::analysis::claims::resolve(data, &cx.claims);
    cx.findings.extend(cx.claims.conflicts());
    firmware::finish(&mut cx);
    firmware::config(&mut cx);
    Ok(into_report(cx, opts))
}

fn into_report(mut cx: Ctx, opts: &Options) -> InspectReport {
    cx.findings
        .sort_by_key(|f| (f.offset.unwrap_or(0), f.severity));
    let tscan = std::mem::take(&mut cx.tscan);
    InspectReport {
        size: cx.data.len() as u64,
        base_offset: opts.offset as u64,
        header_flash_size: cx.header_flash_size.map(|s| s as u64),
        firmware: cx.firmware,
        layout: cx.layout,
        bootloader: cx.boot,
        boot_config: cx.boot_config,
        partition_table: cx.ptable,
        regions: cx.regions,
        images: cx.reports,
        sdk: cx.tails,
        filesystems: cx.filesystems,
        settings: (!tscan.copies.is_empty() || !tscan.qpc.is_empty()).then_some(tscan),
        config: cx.config,
        findings: cx.findings,
        claims: std::mem::take(&mut cx.claims.0),
        dmp: None,
    }
}

/// Extend from `start` sector by sector while the data is not erased and not claimed.
fn extent_until_erased(data: &[u8], start: usize, claims: &Claims) -> usize {
    let mut end = start;
    while end < data.len() {
        let next = ((end / SECTOR_SIZE) + 1) * SECTOR_SIZE;
        let next = next.min(data.len());
        if (end > start && claims.covers(end)) || crate::formats::sdk::all_erased(&data[end..next])
        {
            break;
        }
        end = next;
    }
    end
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analysis::firmware::FirmwareKind;

    fn check_partition(r: &InspectReport) {
        let mut pos = 0;
        for reg in &r.regions {
            assert_eq!(reg.start, pos, "gap or overlap at {:x}", pos);
            assert!(reg.end > reg.start);
            pos = reg.end;
        }
        assert_eq!(pos, r.size);
    }

    #[test]
    fn erased_input_is_one_region() {
        let r = inspect(&vec![0xFF; 0x8_0000], &Options::default()).unwrap();
        check_partition(&r);
        assert_eq!(r.regions.len(), 1);
        assert_eq!(r.regions[0].kind, RegionKind::Erased);
        assert_eq!(r.firmware.kind, FirmwareKind::None);
    }

    #[test]
    fn empty_and_offset_past_end_are_errors() {
        assert!(inspect(&[], &Options::default()).is_err());
        assert!(inspect(&[1, 2, 3], &Options { offset: 3 }).is_err());
    }

    #[test]
    fn partial_sectors_are_split_by_content() {
        let mut v = vec![0xFFu8; 0x3000];
        v[0x1800..0x2000].fill(0x12);
        let r = inspect(&v, &Options::default()).unwrap();
        check_partition(&r);
        let kinds: Vec<_> = r.regions.iter().map(|x| (x.start, x.kind)).collect();
        assert_eq!(
            kinds,
            vec![
                (0, RegionKind::Erased),
                (0x1000, RegionKind::Unknown),
                (0x2000, RegionKind::Erased)
            ]
        );
    }
}
