//! Property: whatever the layout and contents, a sanitize plan never changes a byte owned by a
//! checksummed structure it keeps (boot loader, app images, boot data), and the newest Tasmota
//! settings copy survives as a loadable copy with the same factory fields.

use espdump::analysis::claims::ClaimStrength;
use espdump::analysis::inspect::{inspect, Options};
use espdump::analysis::sanitize::{sanitize, Policy};
use espdump::formats::tasmota::{build_settings, FieldValue};
use espdump::testkit::{self, SdkParams};
use proptest::prelude::*;

const MIB: usize = 0x10_0000;
/// Ring slots of the 1M layout, newest-first candidates, and the EEPROM slot.
const SLOTS: [usize; 8] = [
    0xF4000, 0xF5000, 0xF6000, 0xF7000, 0xF8000, 0xF9000, 0xFA000, 0xFB000,
];

#[derive(Debug, Clone)]
struct Layout {
    header_2m: bool,
    stale_phy: bool,
    tail: bool,
    old_tail: bool,
    /// (slot index, save flag, calibration)
    copies: Vec<(usize, u32, u16)>,
    noise_at: Option<usize>,
}

fn layout() -> impl Strategy<Value = Layout> {
    (
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::collection::btree_map(0usize..8, (1u32..5000, 100u16..4000), 1..4),
        proptest::option::of(0x100usize..0x1F0),
    )
        .prop_map(|(header_2m, stale_phy, tail, old_tail, m, noise)| Layout {
            header_2m,
            stale_phy,
            tail,
            old_tail,
            copies: m.into_iter().map(|(k, (s, c))| (k, s, c)).collect(),
            noise_at: noise.map(|n| n * 0x1000),
        })
}

fn build(l: &Layout) -> Vec<u8> {
    let mut d = testkit::erased(2 * MIB);
    let size_freq = if l.header_2m { 0x30 } else { 0x20 };
    testkit::put(&mut d, 0, &testkit::eboot(3, size_freq));
    let marker: &[u8] = &[
        0xA5, 0x5A, 0xA5, 0x5A, 0x00, 0x00, 0x05, 0x08, 0x5A, 0xA5, 0x5A, 0xA5,
    ];
    let sketch = testkit::arduino_sketch(
        &[b"Tasmota", b"DVES_%06X", b"%prefix%/%topic%/", marker],
        7,
        0x4_0000,
        3,
        size_freq,
    );
    testkit::put(&mut d, 0x1000, &sketch);
    for &(slot, save, cal) in &l.copies {
        let f = [
            ("sta_pwd", 0, FieldValue::Str(format!("secret-{save}"))),
            ("energy_power_calibration", 0, FieldValue::Int(cal.into())),
            ("my_gp", 1, FieldValue::Int((save % 50).into())),
        ];
        testkit::put(
            &mut d,
            SLOTS[slot],
            &build_settings(0x0805_0000, save, &f).unwrap(),
        );
    }
    let p = SdkParams {
        sta_ssid: b"PropNet",
        sta_password: b"prop-pass",
        ap_ssid: b"",
        mac: [0x5C, 0xCF, 0x7F, 9, 8, 7],
        arduino_layout: true,
    };
    let size = if l.header_2m { 2 * MIB } else { MIB };
    if l.tail {
        let mut t = testkit::erased(2 * MIB);
        testkit::sdk_tail(&mut t, size, &p, 0);
        d[size - 0x3000..size].copy_from_slice(&t[size - 0x3000..size]);
    }
    if l.old_tail && l.header_2m {
        let mut t = testkit::erased(2 * MIB);
        let old = SdkParams {
            arduino_layout: false,
            ..p.clone()
        };
        testkit::sdk_tail(&mut t, MIB, &old, 1);
        d[MIB - 0x3000..MIB].copy_from_slice(&t[MIB - 0x3000..MIB]);
    }
    if l.stale_phy {
        testkit::put(&mut d, 0xFC000, &testkit::phy_init_data());
    }
    if let Some(n) = l.noise_at {
        let at = n.min(2 * MIB - 0x1000);
        if d[at..at + 0x1000].iter().all(|&b| b == 0xFF) {
            testkit::put(&mut d, at, &testkit::filler(n as u32, 0x200));
        }
    }
    d
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn sanitize_never_changes_a_kept_checksummed_structure(l in layout()) {
        let d = build(&l);
        let before = inspect(&d, &Options::default()).unwrap();
        prop_assert_eq!(before.firmware.kind.as_str(), "tasmota");
        let (out, rep) = sanitize(&d, &Policy::default()).unwrap();
        for c in before.claims.iter().filter(|c| {
            c.strength == ClaimStrength::Checksummed
                && matches!(c.owner, "bootloader" | "image" | "boot-config" | "partition-table")
        }) {
            prop_assert!(d[c.start..c.end] == out[c.start..c.end], "{} changed", c.label);
        }
        // The newest copy's factory fields live on in a loadable copy.
        let newest = before.settings.as_ref().and_then(|s| s.newest_copy()).unwrap();
        let after = inspect(&out, &Options::default()).unwrap();
        let kept = after.settings.as_ref().and_then(|s| s.newest_copy()).unwrap();
        prop_assert!(kept.valid);
        let dec = |b: &[u8], o: u64| espdump::formats::tasmota::decode_at(&b[o as usize..o as usize + 4096], o).unwrap();
        let (x, y) = (dec(&d, newest.offset), dec(&out, kept.offset));
        for k in ["energy_power_calibration", "my_gp", "module"] {
            prop_assert_eq!(x.get(k), y.get(k), "{}", k);
        }
        prop_assert!(rep.verification.settings_kept, "{:?}", rep.verification.problems);
        prop_assert!(rep.verification.images_identical);
    }
}
