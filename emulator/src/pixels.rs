//! Pixel events (more-endpoints reference §1): the Instant Page event catalogue
//! (`pixel/instant_page/event/`) and per-pixel event statistics (`pixel/event/stats/`), whose
//! counters come from a generator that tests can read directly.

pub mod counters;
pub mod instant_page;
pub mod stats;

/// What `pixel/event/stats/` does with a requested pixel the advertiser does not own (another
/// advertiser's or an unknown id). UNCERTAIN in the reference ("omit, or 40001").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ForeignPixels {
    /// Leave it out of `data.list`, as TikTok leaves out ids of other advertisers in its other
    /// id filters: the emulator's default.
    #[default]
    Omit,
    /// Answer 40001 "No permission to operate pixel <id>."
    NoPermission,
}

impl ForeignPixels {
    pub fn parse(s: &str) -> Option<ForeignPixels> {
        match s {
            "omit" => Some(ForeignPixels::Omit),
            "error" | "no_permission" => Some(ForeignPixels::NoPermission),
            _ => None,
        }
    }
}

/// Knobs of the pixel statistics, taken from the emulator's configuration.
#[derive(Clone, Copy, Debug)]
pub struct PixelSettings {
    /// Seed every counter derives from.
    pub seed: u64,
    /// `attributed_count` of a day keeps growing for this many days after it (the report
    /// engine's `late_conversion_days`).
    pub attribution_days: u32,
    pub foreign: ForeignPixels,
}
