//! Firmware profiles: one per firmware family, each scoring the running application with its own
//! evidence, and the vote that turns those scores into one identification.
//!
//! A profile is a type implementing [`Profile`] in a file of its own under `src/profile/`, listed
//! once in [`REGISTRY`]. See `docs/profiles.md` for how to add one and for the source of every
//! marker the built-in profiles use.
//!
//! The vote ([`vote`]): every profile scores the running app; a profile whose
//! [`Profile::refines`] names another scoring profile removes that one from the race when its own
//! evidence is at least as strong (Shelly refines Mongoose OS, an Arduino sketch refines the NONOS
//! SDK); the rest are ranked by their
//! strongest evidence, then by total points. The winner must be unambiguous: a runner-up with the
//! same strongest evidence and a total within [`TIE_MARGIN`] makes the answer `unknown`, with both
//! listed as candidates.

mod app;
mod arduino;
mod circuitpython;
mod esp_at;
mod esp_open_rtos;
mod esphome;
mod espurna;
mod ewelink;
mod haa;
mod micropython;
mod mongoose_os;
mod nodemcu;
mod nonos_sdk;
mod shelly;
mod sming;
mod supla;
mod tasmota;
mod tasmota_diff;
mod tuya;
mod wled;

pub use app::App;

use crate::analysis::diff::SemanticChange;
use crate::analysis::firmware::{Evidence, Firmware, FirmwareKind};
use crate::analysis::inspect::{FsReport, InspectReport, RegionKind};
use crate::analysis::layout::{Area, Layout, LayoutKind};
use crate::report::{ConfigSection, Finding};
use serde::Serialize;

/// How much a piece of evidence says, weakest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Strength {
    /// A generic word that other firmware can contain too (a board name, a library prefix).
    Weak,
    /// The platform the app is built on: a boot loader, a layout, an SDK banner.
    Platform,
    /// A string only this firmware's own source puts into its image.
    Marker,
    /// A version string built the way this firmware's build builds it.
    Version,
}

impl Strength {
    /// Points towards a profile's total.
    pub fn points(self) -> u32 {
        match self {
            Strength::Weak => 1,
            Strength::Platform => 2,
            Strength::Marker => 4,
            Strength::Version => 8,
        }
    }
}

/// Two candidates with the same strongest evidence whose totals differ by less than this are a tie.
pub const TIE_MARGIN: u32 = 4;

/// One piece of evidence with its strength.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hit {
    /// How much it says.
    pub strength: Strength,
    /// Offset in the input.
    pub offset: u64,
    /// What was found (untrusted when taken from the dump; escape before printing).
    pub text: String,
}

/// A profile's score for one app: its evidence, and what the evidence says about the version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Score {
    /// Evidence, strongest first once the vote ran.
    pub hits: Vec<Hit>,
    /// The firmware's own version, when the evidence carries it.
    pub version: Option<String>,
    /// A device model, when the firmware names one (stock Shelly).
    pub model: Option<String>,
    /// The SDK version the firmware's own evidence names, when the generic search finds none.
    pub sdk_version: Option<String>,
    /// Evidence shown with the answer that does not count towards the score (a core version).
    pub notes: Vec<Evidence>,
}

impl Score {
    /// Add a piece of evidence.
    pub fn hit(&mut self, strength: Strength, offset: usize, text: impl Into<String>) {
        self.hits.push(Hit {
            strength,
            offset: offset as u64,
            text: text.into(),
        });
    }
    /// A marker hit for each marker string a vendor scan found.
    pub fn markers(&mut self, found: &[crate::formats::vendors::Found]) {
        for m in found {
            self.hit(Strength::Marker, m.offset as usize, m.text.clone());
        }
    }
    /// The firmware's own version: a version hit labelled `label` and [`Score::version`].
    pub fn version_hit(&mut self, v: crate::formats::vendors::Found, label: String) {
        self.hit(Strength::Version, v.offset as usize, label);
        self.version = Some(v.text);
    }
    /// The strongest evidence.
    pub fn strongest(&self) -> Option<Strength> {
        self.hits.iter().map(|h| h.strength).max()
    }
    /// Sum of the points of all evidence.
    pub fn points(&self) -> u32 {
        self.hits.iter().map(|h| h.strength.points()).sum()
    }
    fn finish(mut self) -> Option<Self> {
        self.hits.sort_by_key(|h| std::cmp::Reverse(h.strength));
        (!self.hits.is_empty()).then_some(self)
    }
}

/// Why vendor cloud firmware (eWeLink, Tuya) has no sanitize recipe.
pub(crate) const FACTORY_CLOUD_IDENTITY: &str = "its cloud identity is written at the factory and a factory reset does not regenerate it, so a clone cannot get an identity of its own";

/// What a profile is: the kind it reports, the more generic profile it refines and the flash
/// layout the firmware fixes (see [`Profile::refines`], [`Profile::layout`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    /// The kind reported.
    pub kind: FirmwareKind,
    /// The profile this one specialises.
    pub refines: Option<FirmwareKind>,
    /// The layout the firmware is built for.
    pub layout: Option<LayoutKind>,
}

impl Meta {
    /// A profile of `kind` that refines nothing and fixes no layout.
    pub const fn new(kind: FirmwareKind) -> Self {
        Meta {
            kind,
            refines: None,
            layout: None,
        }
    }
    /// ... that specialises `generic`.
    pub const fn refines(self, generic: FirmwareKind) -> Self {
        Meta {
            refines: Some(generic),
            ..self
        }
    }
    /// ... built for `layout`.
    pub const fn layout(self, layout: LayoutKind) -> Self {
        Meta {
            layout: Some(layout),
            ..self
        }
    }
}

/// One firmware family.
///
/// Only [`Profile::meta`] and [`Profile::score`] are required; everything else has a default, and
/// new capabilities (layout, regions, config decoding, sanitize recipe, diff semantics) are added
/// as default methods so existing profiles keep compiling.
pub trait Profile: Sync {
    /// What the profile is: its kind, the profile it refines, the layout it fixes.
    fn meta(&self) -> Meta;
    /// Score the running application; an empty score means "no evidence".
    fn score(&self, app: &App<'_>) -> Score;
    /// The kind this profile reports (JSON `firmware.kind`).
    fn kind(&self) -> FirmwareKind {
        self.meta().kind
    }
    /// A more generic profile this one specialises: when both score, the generic one leaves the
    /// vote (stock Shelly firmware is a Mongoose OS app; every Arduino sketch is a NONOS SDK app).
    fn refines(&self) -> Option<FirmwareKind> {
        self.meta().refines
    }
    /// The flash layout this firmware is built for, when the firmware fixes it (an Arduino-core
    /// firmware places EEPROM and RF calibration as the core does, whatever the sectors hold).
    fn layout(&self) -> Option<LayoutKind> {
        self.meta().layout
    }
    /// Areas of the flash this firmware owns by position (a settings ring, its file systems,
    /// configuration sectors), for `layout`, once the analysis found the file systems and
    /// settings copies (`found.data.len()` is the input's size). Asked of the identified
    /// firmware's profile only.
    fn areas(&self, _layout: &Layout, _found: &Found<'_>) -> Vec<Area> {
        Vec::new()
    }
    /// The sanitize recipe that knows this firmware's settings (`tasmota`, `shelly`), if any.
    /// Without one, `sanitize` refuses unless `--force-generic` (secrets could survive).
    fn sanitize_recipe(&self) -> Option<&'static str> {
        None
    }
    /// Decode this firmware's configuration from what the analysis found (its settings copies,
    /// its file systems), whichever firmware runs now: stale copies are decoded too, each
    /// section saying whether it is live. Every profile is asked, in [`REGISTRY`] order.
    fn config(&self, _found: &Found<'_>) -> (Vec<ConfigSection>, Vec<Finding>) {
        (Vec::new(), Vec::new())
    }
    /// Complete the identification once the analysis is done, when this profile won (Tasmota
    /// reads its version from the newest settings copy).
    fn finish(&self, _firmware: &mut Firmware, _found: &Found<'_>) {}
    /// This firmware uses the file system `fs` (a stock Shelly file system under Mongoose OS).
    /// A firmware-specific file system no running profile keeps is reported as stale.
    fn keeps_filesystem(&self, _fs: &FsReport) -> bool {
        false
    }
    /// Diff semantics: add this firmware's field-by-field changes between two analyses (with
    /// what the firmware rewrites by itself marked noise). Every profile is asked.
    fn diff_changes(&self, _a: &InspectReport, _b: &InspectReport, _out: &mut Vec<SemanticChange>) {
    }
    /// Diff semantics: the configuration section `source` is compared by [`Profile::diff_changes`],
    /// not by the generic key-by-key comparison.
    fn diff_owns_section(&self, _source: &str) -> bool {
        false
    }
    /// Diff semantics: why a changed region of `kind` whose decoded fields did not change is noise
    /// (this firmware rewrites it by itself), if it is.
    fn region_noise(&self, _kind: RegionKind) -> Option<&'static str> {
        None
    }
    /// A configuration key (dotted path in a JSON file of a file system) that holds a secret in
    /// this firmware's configuration: masked in line diffs.
    fn secret_key(&self, _path: &str) -> bool {
        false
    }
    /// Why this firmware has no sanitize recipe, when there is a reason beyond an unknown
    /// settings format (an identity written at the factory, credentials compiled into the image).
    fn no_recipe_reason(&self) -> Option<&'static str> {
        None
    }
}

/// What the analysis found, as the profiles' configuration and completion methods see it.
#[derive(Debug, Clone, Copy)]
pub struct Found<'a> {
    /// The input.
    pub data: &'a [u8],
    /// Tasmota settings copies found by checksum anywhere in the input.
    pub settings: &'a crate::formats::tasmota::Scan,
    /// File systems.
    pub filesystems: &'a [FsReport],
    /// The claims the passes made so far (a firmware's decoders may have claimed its
    /// configuration sectors by content or checksum).
    pub claims: &'a crate::analysis::claims::Claims,
}

/// The sectors `owner`'s decoders claimed during the analysis (by checksum or content: a factory
/// record, configuration sectors), as that firmware's settings areas of `layout`.
pub fn claimed_areas(layout: &Layout, found: &Found<'_>, owner: &'static str) -> Vec<Area> {
    let flash_size = layout
        .flash_sizes
        .first()
        .map_or(found.data.len() as u64, |f| f.size);
    found
        .claims
        .0
        .iter()
        .filter(|c| c.owner == owner)
        .map(|c| Area {
            start: c.start as u64,
            end: c.end as u64,
            role: crate::analysis::layout::AreaRole::Settings,
            owner,
            flash_size,
            label: c.label.clone(),
        })
        .collect()
}

/// The registered profile of `kind`.
pub fn by_kind(kind: FirmwareKind) -> Option<&'static dyn Profile> {
    REGISTRY.iter().copied().find(|p| p.kind() == kind)
}

/// Every built-in profile. To add one: a file under `src/profile/`, a `mod` line above, an entry here.
pub static REGISTRY: &[&dyn Profile] = &[
    &tasmota::Tasmota,
    &shelly::Shelly,
    &mongoose_os::MongooseOs,
    &esphome::Esphome,
    &espurna::Espurna,
    &micropython::Micropython,
    &circuitpython::Circuitpython,
    &nodemcu::Nodemcu,
    &esp_at::EspAt,
    &haa::Haa,
    &sming::Sming,
    &esp_open_rtos::EspOpenRtos,
    &tuya::Tuya,
    &ewelink::Ewelink,
    &wled::Wled,
    &supla::Supla,
    &arduino::Arduino,
    &nonos_sdk::NonosSdk,
];

/// A profile that scored, as listed in `firmware.candidates`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Candidate {
    /// The profile's kind.
    pub kind: FirmwareKind,
    /// Strongest evidence.
    pub strength: Strength,
    /// Total points.
    pub points: u32,
    /// Version the profile read, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// The evidence.
    pub evidence: Vec<Hit>,
}

/// The outcome of a vote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    /// The winner, or [`FirmwareKind::Unknown`] when nothing scored or the top was a tie.
    pub kind: FirmwareKind,
    /// The winner's score (empty for `unknown`).
    pub score: Score,
    /// Every profile that scored, best first (the winner included).
    pub candidates: Vec<Candidate>,
    /// The top was a tie.
    pub tie: bool,
}

/// Let every profile in `profiles` score `app` and pick the winner.
pub fn vote(profiles: &[&dyn Profile], app: &App<'_>) -> Verdict {
    let mut scored: Vec<(&dyn Profile, Score)> = profiles
        .iter()
        .filter_map(|p| p.score(app).finish().map(|s| (*p, s)))
        .collect();
    // A specialisation at least as strong as its base removes the base.
    let refined: Vec<(FirmwareKind, Option<Strength>)> = scored
        .iter()
        .filter_map(|(p, s)| p.refines().map(|b| (b, s.strongest())))
        .collect();
    scored.retain(|(p, s)| {
        !refined
            .iter()
            .any(|(b, st)| *b == p.kind() && *st >= s.strongest())
    });
    scored.sort_by(|(pa, a), (pb, b)| {
        (b.strongest(), b.points())
            .cmp(&(a.strongest(), a.points()))
            .then_with(|| pa.kind().as_str().cmp(pb.kind().as_str()))
    });
    let candidates: Vec<Candidate> = scored
        .iter()
        .map(|(p, s)| Candidate {
            kind: p.kind(),
            strength: s.strongest().unwrap_or(Strength::Weak),
            points: s.points(),
            version: s.version.clone(),
            evidence: s.hits.clone(),
        })
        .collect();
    let tie = match (scored.first(), scored.get(1)) {
        (Some((_, a)), Some((_, b))) => {
            a.strongest() == b.strongest() && a.points() < b.points() + TIE_MARGIN
        }
        _ => false,
    };
    match scored.into_iter().next() {
        Some((p, s)) if !tie => Verdict {
            kind: p.kind(),
            score: s,
            candidates,
            tie,
        },
        _ => Verdict {
            kind: FirmwareKind::Unknown,
            score: Score::default(),
            candidates,
            tie,
        },
    }
}

impl From<&Hit> for Evidence {
    fn from(h: &Hit) -> Evidence {
        Evidence {
            offset: h.offset,
            text: h.text.clone(),
        }
    }
}

#[cfg(test)]
mod tests;
