//! Human renderings of reports: tables, the sector grid and the SVG map. Everything writes to a
//! `&mut dyn Write` so tests can capture it; every string from a dump goes through [`escape`].

use crate::analysis::inspect::{InspectReport, Region, RegionKind};
use crate::render::escape::escape;
/// The size formatter, re-exported where it lived before (`diff::render` and others import it here).
pub use crate::report::size_str;
use crate::report::{ConfigSection, Finding};
use std::io::{self, Write};

/// Rendering options.
#[derive(Debug, Clone, Copy, Default)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
    /// Show secrets instead of masking them.
    pub show_secrets: bool,
}

/// One-character symbol of a region kind in the grid.
pub fn symbol(k: RegionKind) -> char {
    match k {
        RegionKind::Bootloader => 'B',
        RegionKind::BootConfig => 'C',
        RegionKind::PartitionTable => 'P',
        RegionKind::App => 'A',
        RegionKind::AppSlot => 'a',
        RegionKind::Irom => 'I',
        RegionKind::StaleImage => 's',
        RegionKind::Filesystem => 'F',
        RegionKind::Settings => 'T',
        RegionKind::Eeprom => 'E',
        RegionKind::Data => 'D',
        RegionKind::Sdk => 'S',
        RegionKind::Padding => 'p',
        RegionKind::Erased => '.',
        RegionKind::Unknown => '?',
    }
}

/// RGB colour of a region kind (grid and SVG).
pub fn rgb(k: RegionKind) -> (u8, u8, u8) {
    match k {
        RegionKind::Bootloader => (214, 39, 40),
        RegionKind::BootConfig => (255, 127, 14),
        RegionKind::PartitionTable => (255, 187, 120),
        RegionKind::App => (31, 119, 180),
        RegionKind::AppSlot => (125, 175, 220),
        RegionKind::Irom => (23, 190, 207),
        RegionKind::StaleImage => (148, 103, 189),
        RegionKind::Filesystem => (44, 160, 44),
        RegionKind::Settings => (227, 119, 194),
        RegionKind::Eeprom => (188, 189, 34),
        RegionKind::Data => (152, 223, 138),
        RegionKind::Sdk => (140, 86, 75),
        RegionKind::Padding => (199, 199, 199),
        RegionKind::Erased => (240, 240, 240),
        RegionKind::Unknown => (90, 90, 90),
    }
}

/// The kind that covers most of each 4 KiB cell.
pub fn cells(regions: &[Region], size: u64, cell: u64) -> Vec<RegionKind> {
    let n = size.div_ceil(cell) as usize;
    let mut out = Vec::with_capacity(n);
    let mut ri = 0;
    for i in 0..n as u64 {
        let (cs, ce) = (i * cell, ((i + 1) * cell).min(size));
        while ri < regions.len() && regions[ri].end <= cs {
            ri += 1;
        }
        let mut best = (0u64, RegionKind::Unknown);
        let mut j = ri;
        while j < regions.len() && regions[j].start < ce {
            let r = &regions[j];
            let ov = r.end.min(ce) - r.start.max(cs);
            // Structure beats erased/padding in a shared cell.
            let weight = if matches!(r.kind, RegionKind::Erased | RegionKind::Padding) {
                ov
            } else {
                ov * 4
            };
            if weight > best.0 {
                best = (weight, r.kind);
            }
            j += 1;
        }
        out.push(best.1);
    }
    out
}

fn hex(n: u64, width: usize) -> String {
    format!("0x{n:0width$x}")
}

/// Write the sector grid with a legend.
pub fn grid(w: &mut dyn Write, r: &InspectReport, style: Style) -> io::Result<()> {
    let cell = crate::formats::flash::SECTOR_SIZE as u64;
    let cs = cells(&r.regions, r.size, cell);
    let per_row = 64;
    let width = hex_width(r.size);
    writeln!(w, "map (one cell = 4 KiB, {} per row)", per_row)?;
    for (row, chunk) in cs.chunks(per_row).enumerate() {
        write!(
            w,
            "  {}  ",
            hex(r.base_offset + (row * per_row) as u64 * cell, width)
        )?;
        for k in chunk {
            if style.color {
                let (rr, g, b) = rgb(*k);
                let fg = if (rr as u32 * 3 + g as u32 * 6 + b as u32) / 10 > 140 {
                    "30"
                } else {
                    "97"
                };
                write!(w, "\x1b[48;2;{rr};{g};{b}m\x1b[{fg}m{}\x1b[0m", symbol(*k))?;
            } else {
                write!(w, "{}", symbol(*k))?;
            }
        }
        writeln!(w)?;
    }
    let mut used: Vec<RegionKind> = cs.clone();
    used.sort();
    used.dedup();
    write!(w, "  legend:")?;
    for k in RegionKind::ALL.iter().filter(|k| used.contains(k)) {
        if style.color {
            let (rr, g, b) = rgb(*k);
            write!(
                w,
                " \x1b[48;2;{rr};{g};{b}m \x1b[0m{}={}",
                symbol(*k),
                k.as_str()
            )?;
        } else {
            write!(w, " {}={}", symbol(*k), k.as_str())?;
        }
    }
    writeln!(w)
}

fn hex_width(size: u64) -> usize {
    if size > 0xFF_FFFF {
        8
    } else {
        6
    }
}

/// Write the SVG picture of the map.
pub fn svg(r: &InspectReport, title: &str) -> String {
    let cell = crate::formats::flash::SECTOR_SIZE as u64;
    let cs = cells(&r.regions, r.size, cell);
    let per_row = 64usize;
    let (cw, ch, left, top) = (12usize, 12usize, 90usize, 40usize);
    let rows = cs.len().div_ceil(per_row);
    let mut used: Vec<RegionKind> = cs.clone();
    used.sort();
    used.dedup();
    let legend_rows = used.len().div_ceil(4);
    let width = left + per_row * cw + 20;
    let height = top + rows * ch + 30 + legend_rows * 20;
    let mut s = String::new();
    s.push_str(&format!("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"monospace\" font-size=\"11\">\n"));
    s.push_str(&format!(
        "<rect width=\"{width}\" height=\"{height}\" fill=\"white\"/>\n"
    ));
    s.push_str(&format!(
        "<text x=\"10\" y=\"20\" font-size=\"14\">{}</text>\n",
        xml(title)
    ));
    for row in 0..rows {
        let y = top + row * ch;
        s.push_str(&format!(
            "<text x=\"10\" y=\"{}\">{}</text>\n",
            y + ch - 2,
            hex(
                r.base_offset + (row * per_row) as u64 * cell,
                hex_width(r.size)
            )
        ));
        for (col, k) in cs[row * per_row..(row * per_row + per_row).min(cs.len())]
            .iter()
            .enumerate()
        {
            let (rr, g, b) = rgb(*k);
            let addr = (row * per_row + col) as u64 * cell;
            s.push_str(&format!(
                "<rect x=\"{}\" y=\"{y}\" width=\"{}\" height=\"{}\" fill=\"rgb({rr},{g},{b})\" stroke=\"white\" stroke-width=\"1\"><title>0x{addr:06x} {}</title></rect>\n",
                left + col * cw, cw, ch, k.as_str()
            ));
        }
    }
    let ly = top + rows * ch + 20;
    for (i, k) in RegionKind::ALL
        .iter()
        .filter(|k| used.contains(k))
        .enumerate()
    {
        let (x, y) = (10 + (i % 4) * 190, ly + (i / 4) * 20);
        let (rr, g, b) = rgb(*k);
        s.push_str(&format!("<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"rgb({rr},{g},{b})\" stroke=\"black\" stroke-width=\"0.5\"/>\n", y - 10));
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\">{}</text>\n",
            x + 18,
            y,
            k.as_str()
        ));
    }
    s.push_str("</svg>\n");
    s
}

fn xml(t: &str) -> String {
    t.chars()
        .filter(|c| !c.is_control())
        .map(|c| match c {
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '&' => "&amp;".to_string(),
            '"' => "&quot;".to_string(),
            c => c.to_string(),
        })
        .collect()
}

/// Write findings, one per line.
pub fn findings(w: &mut dyn Write, fs: &[Finding]) -> io::Result<()> {
    if fs.is_empty() {
        return writeln!(w, "findings: none");
    }
    writeln!(w, "findings")?;
    for f in fs {
        let at = f
            .offset
            .map(|o| format!("0x{o:06x}"))
            .unwrap_or_else(|| "-".into());
        writeln!(
            w,
            "  {:<7}  {:<8}  {}  {}",
            f.severity.as_str(),
            at,
            f.code,
            escape(&f.message)
        )?;
    }
    Ok(())
}

/// Write configuration sections (secrets masked unless `style.show_secrets`).
pub fn config(w: &mut dyn Write, sections: &[ConfigSection], style: Style) -> io::Result<()> {
    for sec in sections {
        let sec = if style.show_secrets {
            sec.clone()
        } else {
            sec.masked()
        };
        writeln!(w, "  {}", escape(&sec.source))?;
        for it in &sec.items {
            let v = match &it.value {
                serde_json::Value::String(s) => format!("\"{}\"", escape(s)),
                other => escape(&other.to_string()).into_owned(),
            };
            writeln!(
                w,
                "    {:<28} {:<9} {}",
                escape(&it.key),
                it.class.as_str(),
                v
            )?;
        }
    }
    Ok(())
}

/// `2 MiB, 2097152 bytes`, or only `609536 bytes` when the size is not a whole number of KiB.
fn size_with_bytes(n: u64) -> String {
    if n % 1024 == 0 && n > 0 {
        format!("{}, {n} bytes", size_str(n))
    } else {
        format!("{n} bytes")
    }
}

/// The full human report of `inspect`.
pub fn inspect(w: &mut dyn Write, name: &str, r: &InspectReport, style: Style) -> io::Result<()> {
    let width = hex_width(r.size);
    writeln!(
        w,
        "{}  ({}{})",
        escape(name),
        size_with_bytes(r.size),
        if r.base_offset > 0 {
            format!(", from offset 0x{:x}", r.base_offset)
        } else {
            String::new()
        }
    )?;
    firmware_lines(w, &r.firmware)?;
    boot_lines(w, r)?;
    region_lines(w, r, width)?;
    image_lines(w, r, width)?;
    sdk_lines(w, r)?;
    settings_lines(w, r, width)?;
    fs_lines(w, r, width)?;
    if !r.config.is_empty() {
        writeln!(w)?;
        writeln!(
            w,
            "configuration{}",
            if style.show_secrets {
                ""
            } else {
                " (secrets masked; --show-secrets shows them)"
            }
        )?;
        config(w, &r.config, style)?;
    }
    writeln!(w)?;
    grid(w, r, style)?;
    writeln!(w)?;
    findings(w, &r.findings)
}

/// The firmware line, its evidence and the other candidates.
fn firmware_lines(w: &mut dyn Write, fw: &crate::analysis::firmware::Firmware) -> io::Result<()> {
    let mut line = format!("firmware     {}", fw.kind.as_str());
    if let Some(v) = &fw.version {
        line.push_str(&format!(" {}", escape(v)));
    }
    if let Some(m) = &fw.model {
        line.push_str(&format!("  model {}", escape(m)));
    }
    if let Some(s) = &fw.sdk_version {
        line.push_str(&format!("  SDK {}", escape(s)));
    }
    if let Some(o) = fw.app_offset {
        line.push_str(&format!("  (app at 0x{o:x})"));
    }
    writeln!(w, "{line}")?;
    for e in fw.evidence.iter().take(3) {
        writeln!(
            w,
            "             evidence 0x{:06x} \"{}\"",
            e.offset,
            escape(&e.text)
        )?;
    }
    if fw.candidates.len() > 1 {
        let c: Vec<String> = fw
            .candidates
            .iter()
            .map(|c| format!("{} ({:?})", c.kind.as_str(), c.strength).to_lowercase())
            .collect();
        writeln!(w, "             candidates {}", c.join(", "))?;
    }
    Ok(())
}

/// Boot loader, boot config, header flash size and layout.
fn boot_lines(w: &mut dyn Write, r: &InspectReport) -> io::Result<()> {
    let b = &r.bootloader;
    writeln!(
        w,
        "bootloader   {}{}",
        b.kind.as_str(),
        b.version
            .as_deref()
            .map(|v| format!(" {}", escape(v)))
            .unwrap_or_default()
    )?;
    if let Some(bc) = &r.boot_config {
        let roms: Vec<String> = bc.roms.iter().map(|a| format!("0x{a:x}")).collect();
        writeln!(
            w,
            "boot config  0x{:x}: {:?} layout, current slot {} of [{}]",
            bc.offset,
            bc.layout,
            bc.current_rom,
            roms.join(", ")
        )?;
    }
    if let Some(h) = r.header_flash_size {
        writeln!(w, "flash size   {} (header at 0x0)", size_str(h))?;
    }
    let l = &r.layout;
    let sizes: Vec<String> = l
        .flash_sizes
        .iter()
        .map(|f| format!("{} {}", f.source, size_str(f.size)))
        .collect();
    let why = l.evidence.first().map(|e| e.text.as_str()).unwrap_or("");
    writeln!(
        w,
        "layout       {}{}{}",
        l.kind.as_str(),
        if sizes.is_empty() {
            String::new()
        } else {
            format!(" ({})", sizes.join(", "))
        },
        if why.is_empty() {
            String::new()
        } else {
            format!(": {}", escape(why))
        }
    )?;
    Ok(())
}

/// The region table.
fn region_lines(w: &mut dyn Write, r: &InspectReport, width: usize) -> io::Result<()> {
    writeln!(w)?;
    writeln!(w, "regions")?;
    for reg in &r.regions {
        writeln!(
            w,
            "  {}  {}  {:>9}  {:<15}  {}",
            hex(r.base_offset + reg.start, width),
            hex(r.base_offset + reg.end, width),
            size_str(reg.end - reg.start),
            reg.kind.as_str(),
            escape(&reg.label)
        )?;
    }
    Ok(())
}

/// Firmware images with their checksums.
fn image_lines(w: &mut dyn Write, r: &InspectReport, width: usize) -> io::Result<()> {
    writeln!(w)?;
    writeln!(
        w,
        "images{}",
        if r.images.is_empty() { ": none" } else { "" }
    )?;
    for i in &r.images {
        let ck = if i.checksum.valid {
            format!("0x{:02x} valid", i.checksum.stored)
        } else {
            format!(
                "0x{:02x} INVALID (computed 0x{:02x})",
                i.checksum.stored, i.checksum.computed
            )
        };
        let mut extra = String::new();
        if let Some(c) = &i.crc32 {
            extra.push_str(&format!(
                "  crc32 {}",
                if c.valid { "valid" } else { "INVALID" }
            ));
        }
        if let Some(c) = &i.arduino_crc {
            extra.push_str(&format!(
                "  arduino-crc {}",
                if c.valid { "valid" } else { "INVALID" }
            ));
        }
        writeln!(
            w,
            "  {}  v{}  {:<10} entry 0x{:08x}  {:>2} segs  {} {} {}  checksum {}{}",
            hex(r.base_offset + i.offset, width),
            i.image_version,
            i.role,
            i.entry,
            i.segments.len(),
            i.flash_mode,
            i.flash_size,
            i.flash_freq,
            ck,
            extra
        )?;
    }
    Ok(())
}

/// SDK tails: flag sector and parameter copies.
fn sdk_lines(w: &mut dyn Write, r: &InspectReport) -> io::Result<()> {
    for t in &r.sdk {
        writeln!(w)?;
        writeln!(
            w,
            "sdk sectors for {} flash ({}), {:?} layout",
            size_str(t.flash_size),
            t.size_source,
            t.layout
        )?;
        if let Some(f) = &t.flag {
            writeln!(
                w,
                "  flag 0x{:x}: copy {} current, save counter {}",
                f.offset, f.current, f.counter
            )?;
        }
        for c in &t.copies {
            let state = if c.erased {
                "erased".to_string()
            } else {
                format!(
                    "{}{}",
                    if c.active { "current" } else { "previous" },
                    c.checksum
                        .map(|k| if k.valid {
                            ", checksum valid"
                        } else {
                            ", checksum INVALID"
                        })
                        .unwrap_or("")
                )
            };
            writeln!(w, "  copy {} 0x{:x}: {}", c.index, c.offset, state)?;
        }
    }
    Ok(())
}

/// Tasmota settings copies and power-cycle counters.
fn settings_lines(w: &mut dyn Write, r: &InspectReport, width: usize) -> io::Result<()> {
    if let Some(scan) = &r.settings {
        writeln!(w)?;
        writeln!(w, "tasmota settings")?;
        for c in &scan.copies {
            let crc = c
                .crc32
                .map(|k| {
                    if k.valid {
                        "crc32 valid"
                    } else {
                        "crc32 INVALID"
                    }
                })
                .unwrap_or("no crc32");
            writeln!(
                w,
                "  {}  {:<9} save {:>6}  {}{}{}",
                hex(r.base_offset + c.offset, width),
                c.version_str,
                c.save_flag,
                crc,
                if c.newest { "  newest (loaded)" } else { "" },
                if c.valid { "" } else { "  not loadable" }
            )?;
        }
        for q in &scan.qpc {
            writeln!(
                w,
                "  {}  power-cycle counter",
                hex(r.base_offset + q, width)
            )?;
        }
    }
    Ok(())
}

/// File systems and their files.
fn fs_lines(w: &mut dyn Write, r: &InspectReport, width: usize) -> io::Result<()> {
    for f in &r.filesystems {
        writeln!(w)?;
        let live = match f.live {
            Some(true) => ", live",
            Some(false) => ", inactive",
            None => "",
        };
        writeln!(
            w,
            "{} {}..{} ({}{}{}), {} files{}",
            f.fs_type,
            hex(r.base_offset + f.start, width),
            hex(r.base_offset + f.end, width),
            size_str(f.end - f.start),
            f.slot.map(|s| format!(", slot {s}")).unwrap_or_default(),
            live,
            f.files.len(),
            if f.deleted_pages_with_data > 0 {
                format!(", {} deleted pages with data", f.deleted_pages_with_data)
            } else {
                String::new()
            }
        )?;
        for file in &f.files {
            writeln!(w, "  {:>8}  {}", file.size, escape(&file.name))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::size_with_bytes;

    #[test]
    fn header_size_names_bytes_once() {
        assert_eq!(size_with_bytes(2 << 20), "2 MiB, 2097152 bytes");
        assert_eq!(size_with_bytes(609_536), "609536 bytes");
        assert_eq!(size_with_bytes(0), "0 bytes");
    }
}
