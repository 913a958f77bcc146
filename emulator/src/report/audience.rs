//! Breakdown dimensions (age, gender, country, platform, province and the other AUDIENCE
//! dimensions), their values, and how an hour's quantities are split across those values so
//! that every breakdown adds up exactly to the totals. Which dimension may go with which time
//! dimension, level and metric is the registry's business (`dimensions`).

use super::quantity::{hash, hour_key, split, Quantities, Stream, Q, TAG_BREAKDOWN};

/// A breakdown dimension. The declaration order is the canonical order of cells and rows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Breakdown {
    Age,
    Gender,
    Country,
    Platform,
    Province,
    Language,
    Placement,
    /// `ac`: the connection type.
    Ac,
    /// `interest_category`: rows also carry `interest_category_v2`.
    InterestCategory,
    DeviceBrand,
    Dma,
    ContextualTag,
    AdType,
}

const AGES: &[&str] = &[
    "AGE_13_17",
    "AGE_18_24",
    "AGE_25_34",
    "AGE_35_44",
    "AGE_45_54",
    "AGE_55_100",
];
const GENDERS: &[&str] = &["FEMALE", "MALE", "NONE"];
const COUNTRIES: &[&str] = &["US", "GB", "DE", "FR", "BR", "ID", "JP", "CA", "MX", "AU"];
const PLATFORMS: &[&str] = &["ANDROID", "IOS", "PC"];
/// GeoNames ids of US states, the form TikTok uses for `province_id`.
const PROVINCES: &[&str] = &[
    "5332921", "4736286", "5128638", "4155751", "4896861", "6254927", "5165418", "4197000",
];

/// Language codes.
const LANGUAGES: &[&str] = &["en", "es", "pt", "fr", "de", "ja", "id", "ar"];
const PLACEMENTS: &[&str] = &[
    "PLACEMENT_TIKTOK",
    "PLACEMENT_PANGLE",
    "PLACEMENT_GLOBAL_APP_BUNDLE",
];
/// Connection types; TikTok's exact enum is UNCERTAIN in the reference.
const CONNECTIONS: &[&str] = &["WIFI", "5G", "4G", "3G"];
/// Old tier-1 interest category ids and, at the same index, the new tier-1 ids of
/// `interest_category_v2`. Made-up ids in TikTok's form (strings of digits).
const INTEREST_CATEGORIES: &[&str] = &["10", "13", "17", "21", "25", "26"];
const INTEREST_CATEGORIES_V2: &[&str] = &[
    "14100000000",
    "14200000000",
    "14300000000",
    "14400000000",
    "14500000000",
    "14600000000",
];
/// Device brand ids (made up, in TikTok's form).
const DEVICE_BRANDS: &[&str] = &["100001", "100002", "100003", "100004", "100005", "100006"];
/// US media markets (Nielsen DMA codes).
const DMAS: &[&str] = &["501", "803", "602", "504", "623", "807", "511", "618"];
/// Contextual tag ids (made up, in TikTok's form).
const CONTEXTUAL_TAGS: &[&str] = &["1001", "1002", "1003", "1004", "1005"];
/// Ad types; TikTok's values are UNCERTAIN in the reference. Each ad has exactly one.
const AD_TYPES: &[&str] = &["SINGLE_VIDEO", "SINGLE_IMAGE", "CAROUSEL"];

impl Breakdown {
    pub const ALL: [Breakdown; 13] = [
        Breakdown::Age,
        Breakdown::Gender,
        Breakdown::Country,
        Breakdown::Platform,
        Breakdown::Province,
        Breakdown::Language,
        Breakdown::Placement,
        Breakdown::Ac,
        Breakdown::InterestCategory,
        Breakdown::DeviceBrand,
        Breakdown::Dma,
        Breakdown::ContextualTag,
        Breakdown::AdType,
    ];

    pub fn parse(dimension: &str) -> Option<Breakdown> {
        Breakdown::ALL.into_iter().find(|b| b.name() == dimension)
    }

    pub fn name(self) -> &'static str {
        match self {
            Breakdown::Age => "age",
            Breakdown::Gender => "gender",
            Breakdown::Country => "country_code",
            Breakdown::Platform => "platform",
            Breakdown::Province => "province_id",
            Breakdown::Language => "language",
            Breakdown::Placement => "placement",
            Breakdown::Ac => "ac",
            Breakdown::InterestCategory => "interest_category",
            Breakdown::DeviceBrand => "device_brand_id",
            Breakdown::Dma => "dma_id",
            Breakdown::ContextualTag => "contextual_tag",
            Breakdown::AdType => "ad_type",
        }
    }

    pub fn values(self) -> &'static [&'static str] {
        match self {
            Breakdown::Age => AGES,
            Breakdown::Gender => GENDERS,
            Breakdown::Country => COUNTRIES,
            Breakdown::Platform => PLATFORMS,
            Breakdown::Province => PROVINCES,
            Breakdown::Language => LANGUAGES,
            Breakdown::Placement => PLACEMENTS,
            Breakdown::Ac => CONNECTIONS,
            Breakdown::InterestCategory => INTEREST_CATEGORIES,
            Breakdown::DeviceBrand => DEVICE_BRANDS,
            Breakdown::Dma => DMAS,
            Breakdown::ContextualTag => CONTEXTUAL_TAGS,
            Breakdown::AdType => AD_TYPES,
        }
    }

    /// A second dimension key a row carries with this one, its values at the same index:
    /// `interest_category` rows also hold `interest_category_v2`.
    pub fn companion(self) -> Option<(&'static str, &'static [&'static str])> {
        match self {
            Breakdown::InterestCategory => Some(("interest_category_v2", INTEREST_CATEGORIES_V2)),
            _ => None,
        }
    }

    /// The ad's targeting: a weight per value, some of them zero (never shown there). At least
    /// one weight is positive. Weights stay below 200 (below 2,200 with the hourly jitter), so
    /// the product over five dimensions still fits an i64 (requests combine at most three).
    fn targeting(self, ad_key: u64, home_country: &str) -> Vec<i64> {
        let mut r = Stream::new(hash(ad_key, 0xB0 + self as u64));
        let home_language = crate::generate::language_of_country(home_country);
        let base: Vec<i64> = match self {
            Breakdown::Age => vec![4, 20, 30, 22, 14, 10],
            Breakdown::Gender => vec![48, 48, 4],
            Breakdown::Country => COUNTRIES
                .iter()
                .map(|c| if *c == home_country { 60 } else { 8 })
                .collect(),
            Breakdown::Platform => vec![50, 40, 10],
            Breakdown::Province => vec![20, 16, 14, 12, 10, 10, 9, 9],
            Breakdown::Language => LANGUAGES
                .iter()
                .map(|l| if *l == home_language { 60 } else { 6 })
                .collect(),
            Breakdown::Placement => vec![70, 20, 10],
            Breakdown::Ac => vec![55, 15, 25, 5],
            Breakdown::InterestCategory => vec![20, 16, 14, 12, 10, 8],
            Breakdown::DeviceBrand => vec![35, 30, 12, 8, 8, 7],
            Breakdown::Dma => vec![20, 16, 12, 10, 10, 9, 8, 8],
            Breakdown::ContextualTag => vec![24, 20, 18, 14, 10],
            // One type per ad.
            Breakdown::AdType => {
                let own = (hash(ad_key, 0xAD7) % AD_TYPES.len() as u64) as usize;
                (0..AD_TYPES.len())
                    .map(|i| if i == own { 50 } else { 0 })
                    .collect()
            }
        };
        let excluded = |r: &mut Stream, i: usize| match self {
            Breakdown::Age => i == 0 && r.unit() < 0.5,
            Breakdown::Country => COUNTRIES[i] != home_country && r.unit() < 0.5,
            Breakdown::Language => LANGUAGES[i] != home_language && r.unit() < 0.4,
            // TikTok itself is always a placement; the others depend on the ad group.
            Breakdown::Placement => i > 0 && r.unit() < 0.3,
            Breakdown::Province
            | Breakdown::Platform
            | Breakdown::Ac
            | Breakdown::InterestCategory
            | Breakdown::DeviceBrand
            | Breakdown::Dma
            | Breakdown::ContextualTag => r.unit() < 0.2,
            Breakdown::Gender | Breakdown::AdType => false,
        };
        let mut weights: Vec<i64> = base
            .iter()
            .enumerate()
            .map(|(i, &w)| {
                if excluded(&mut r, i) {
                    0
                } else {
                    w * (5 + r.next() % 11) as i64 / 5
                }
            })
            .collect();
        if weights.iter().all(|&w| w == 0) {
            weights[0] = base[0].max(1);
        }
        weights
    }
}

/// The cells of a report's breakdown: every combination of the requested dimensions' values.
pub struct Cells {
    pub dims: Vec<Breakdown>,
    /// Per cell, the value index in each of `dims`.
    pub cells: Vec<Vec<usize>>,
}

impl Cells {
    /// `dims` must be in canonical order and non-empty.
    pub fn new(dims: Vec<Breakdown>) -> Cells {
        let mut cells: Vec<Vec<usize>> = vec![vec![]];
        for d in &dims {
            cells = cells
                .into_iter()
                .flat_map(|c| {
                    (0..d.values().len()).map(move |v| {
                        let mut next = c.clone();
                        next.push(v);
                        next
                    })
                })
                .collect();
        }
        Cells { dims, cells }
    }

    pub fn len(&self) -> usize {
        self.cells.len()
    }

    /// The (dimension, value) pairs of a cell, companion keys included.
    pub fn labels(&self, cell: usize) -> impl Iterator<Item = (&'static str, &'static str)> + '_ {
        self.dims.iter().zip(&self.cells[cell]).flat_map(|(d, &v)| {
            let companion = d.companion().map(|(name, values)| (name, values[v]));
            std::iter::once((d.name(), d.values()[v])).chain(companion)
        })
    }

    pub fn targeting(&self, ad_key: u64, home_country: &str) -> Targeting {
        let per_dim: Vec<Vec<i64>> = self
            .dims
            .iter()
            .map(|d| d.targeting(ad_key, home_country))
            .collect();
        let reachable = self
            .cells
            .iter()
            .map(|c| c.iter().zip(&per_dim).all(|(&v, w)| w[v] > 0))
            .collect();
        Targeting { per_dim, reachable }
    }
}

/// An ad's weights for the requested dimensions.
pub struct Targeting {
    per_dim: Vec<Vec<i64>>,
    /// Per cell: whether the ad can be shown there at all (the hourly jitter never makes a
    /// weight zero, so these are the only cells its impressions can reach).
    reachable: Vec<bool>,
}

/// Reusable buffers for splitting, so the per-hour loops do not allocate.
#[derive(Default)]
pub struct Scratch {
    weights: Vec<i64>,
    impressions: Vec<i64>,
    part: Vec<i64>,
    order: Vec<(i128, usize)>,
    jitter: Vec<Vec<i64>>,
}

impl Targeting {
    /// Whether every cell the ad can reach already has impressions in `per_cell`: then more of
    /// its hours cannot add a row.
    pub fn saturated(&self, per_cell: &[i64]) -> bool {
        self.reachable
            .iter()
            .zip(per_cell)
            .all(|(&r, &n)| !r || n > 0)
    }

    /// Cell weights of one hour: the targeting, varied a little per hour so that breakdowns do
    /// not look like fixed percentages.
    fn hour_weights(&self, cells: &Cells, ad_key: u64, hour: i64, s: &mut Scratch) {
        s.jitter.resize(self.per_dim.len(), Vec::new());
        for (d, (weights, jitter)) in self.per_dim.iter().zip(s.jitter.iter_mut()).enumerate() {
            // Three bits of jitter per value; value lists are short enough not to wrap.
            let bits = hash(ad_key ^ (d as u64 + 1), hour_key(hour, TAG_BREAKDOWN));
            jitter.clear();
            jitter.extend(
                weights
                    .iter()
                    .enumerate()
                    .map(|(v, &w)| w * (4 + ((bits >> ((3 * v) % 60)) & 7) as i64)),
            );
        }
        s.weights.clear();
        s.weights.extend(
            cells
                .cells
                .iter()
                .map(|c| c.iter().zip(&s.jitter).map(|(&v, j)| j[v]).product::<i64>()),
        );
    }

    /// Adds the hour's impressions per cell to `acc`.
    pub fn add_impressions(
        &self,
        cells: &Cells,
        ad_key: u64,
        hour: i64,
        impressions: i64,
        acc: &mut [i64],
        s: &mut Scratch,
    ) {
        self.hour_weights(cells, ad_key, hour, s);
        s.impressions.resize(cells.len(), 0);
        split(impressions, &s.weights, &mut s.impressions, &mut s.order);
        for (a, i) in acc.iter_mut().zip(&s.impressions) {
            *a += i;
        }
    }

    /// Adds the hour's quantities `needed` (indices of [`Q`]) per cell to `acc`. Impressions are
    /// split by the cell weights, every other quantity in proportion to the cells' impressions,
    /// so a cell without impressions (a row that is not sent) holds nothing that would go
    /// missing from the sums.
    #[allow(clippy::too_many_arguments)]
    pub fn add_quantities(
        &self,
        cells: &Cells,
        ad_key: u64,
        hour: i64,
        q: &Quantities,
        needed: &[usize],
        acc: &mut [Quantities],
        s: &mut Scratch,
    ) {
        self.hour_weights(cells, ad_key, hour, s);
        s.impressions.resize(cells.len(), 0);
        s.part.resize(cells.len(), 0);
        split(
            q[Q::Impressions as usize],
            &s.weights,
            &mut s.impressions,
            &mut s.order,
        );
        for &k in needed {
            if q[k] == 0 {
                continue;
            }
            if k == Q::Impressions as usize {
                s.part.copy_from_slice(&s.impressions);
            } else {
                split(q[k], &s.impressions, &mut s.part, &mut s.order);
            }
            for (cell, v) in acc.iter_mut().zip(&s.part) {
                cell[k] += v;
            }
        }
    }
}
