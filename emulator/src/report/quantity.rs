//! Base quantities: the additive numbers every metric derives from, generated per (ad, UTC hour)
//! from the seed and the ad id alone, so any request over any range sees the same hours.

use std::ops::Range;

/// An additive base quantity. Quantities from `Conversion` on are the late-conversion family:
/// what an hour shows of them grows with the clock (see [`Lateness`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Q {
    Impressions,
    GrossImpressions,
    Clicks,
    SpendCents,
    CashSpendCents,
    VoucherSpendCents,
    Reach,
    VideoPlays,
    Watched2s,
    Watched6s,
    ViewsP25,
    ViewsP50,
    ViewsP75,
    ViewsP100,
    PlayTimeMs,
    ProfileVisits,
    Likes,
    Comments,
    Shares,
    Follows,
    MusicClicks,
    EngagedView,
    Engagements,
    PaidEngagedView,
    PaidEngagementEngagedView,
    EngagedView15s,
    PaidEngagedView15s,
    PaidEngagementEngagedView15s,
    /// Real-time figures are attributed when the ad is shown, so they do not arrive late.
    RealTimeConversion,
    RealTimeResult,
    RealTimeAppInstall,
    Conversion,
    Result,
    AppInstall,
    Purchase,
    Registration,
    SalesLead,
    AddToCart,
    CompletePayment,
    PageView,
    OnsiteShopping,
    VtaPurchase,
    CtaPurchase,
    VtaConversion,
    CtaConversion,
    EngagedViewConversions,
    PurchaseValueCents,
    OnsiteShoppingValueCents,
    CompletePaymentValueCents,
}

/// The core quantities, one per [`Q`].
pub const BASE_NQ: usize = Q::CompletePaymentValueCents as usize + 1;
/// Core quantities and the event slots after them (see `events`).
pub const NQ: usize = BASE_NQ + super::events::SLOTS;
const FIRST_LATE: usize = Q::Conversion as usize;

/// Whether a slot's value arrives late: the core conversion family and the conversion events.
pub fn is_late(slot: usize) -> bool {
    (FIRST_LATE..BASE_NQ).contains(&slot) || super::events::layout().late(slot)
}

/// One value per [`Q`], indexed by `q as usize`, then the event slots.
pub type Quantities = [i64; NQ];

/// Adds only the `slots` a request reads.
pub fn add_slots(into: &mut Quantities, from: &Quantities, slots: &[usize]) {
    for &k in slots {
        into[k] += from[k];
    }
}

/// SplitMix64 finaliser. The report data must not change when other modules change how they
/// draw random numbers, so the engine keeps its own tiny hash rather than sharing a stream.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

pub fn hash(key: u64, x: u64) -> u64 {
    mix(key ^ mix(x))
}

pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0000_0100_0000_01B3);
    }
    mix(h)
}

fn unit(h: u64) -> f64 {
    (h >> 11) as f64 / (1u64 << 53) as f64
}

/// A SplitMix64 stream for the values of one (ad, hour).
pub struct Stream(u64);

impl Stream {
    pub fn new(seed: u64) -> Stream {
        Stream(seed)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    pub fn unit(&mut self) -> f64 {
        unit(self.next())
    }
    /// `lo..hi`, uniform.
    pub fn between(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// `x` rounded down or up at random, unbiased: small rates still yield whole events.
    pub(super) fn round(&mut self, x: f64) -> i64 {
        (x + self.unit()).floor().max(0.0) as i64
    }
    /// `x × lo..hi`, rounded at random.
    fn round_share(&mut self, x: f64, lo: f64, hi: f64) -> i64 {
        let share = self.between(lo, hi);
        self.round(x * share)
    }
    /// A random share `lo..hi` of `of`, rounded down, so it never exceeds `of` when `hi <= 1`.
    pub(super) fn part(&mut self, of: i64, lo: f64, hi: f64) -> i64 {
        ((of as f64) * self.between(lo, hi)).floor().max(0.0) as i64
    }
}

/// Tags that keep the hash streams of one (ad, hour) apart.
const TAG_DELIVERY: u64 = 0;
const TAG_VALUES: u64 = 1;
pub const TAG_BREAKDOWN: u64 = 2;
const TAG_LATE: u64 = 3;
pub const TAG_EVENTS: u64 = 4;
const TAGS: u64 = 8;

pub fn hour_key(hour: i64, tag: u64) -> u64 {
    (hour as u64).wrapping_mul(TAGS).wrapping_add(tag)
}

/// Relative delivery volume by local hour of day: quiet nights, evening peak.
const DIURNAL: [f64; 24] = [
    0.35, 0.2, 0.12, 0.1, 0.1, 0.15, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0, 1.0, 1.0, 1.0, 1.0, 1.1, 1.2,
    1.3, 1.4, 1.4, 1.3, 1.0, 0.6,
];

/// Everything about one ad that its hourly numbers derive from.
pub struct AdModel {
    pub key: u64,
    /// UTC hours (since the epoch) during which the ad was live: from the hour it was created in
    /// to the hour its effective deletion fell in, both included.
    pub live: Range<i64>,
    /// Offset (hours) from UTC used only for the shape of the day. It is the zone's offset at a
    /// fixed instant, so a DST change moves the quiet hours by one: realism, not consistency,
    /// depends on it.
    diurnal_offset: i64,
    base_impressions: f64,
    ctr: f64,
    cpm_cents: f64,
    voucher_share: f64,
    cvr: f64,
    install_rate: f64,
}

impl AdModel {
    pub fn new(seed: u64, ad_id: &str, live: Range<i64>, diurnal_offset: i64) -> AdModel {
        let key = hash(seed, hash_str(ad_id));
        let mut r = Stream::new(key);
        // Squaring skews volumes: most ads are small, a few are large.
        let size = r.unit();
        AdModel {
            key,
            live,
            diurnal_offset,
            base_impressions: 15.0 + 900.0 * size * size,
            ctr: r.between(0.004, 0.04),
            cpm_cents: r.between(150.0, 2500.0),
            voucher_share: if r.unit() < 0.3 {
                r.between(0.02, 0.25)
            } else {
                0.0
            },
            cvr: r.between(0.01, 0.15),
            install_rate: if r.unit() < 0.4 {
                r.between(0.005, 0.06)
            } else {
                0.0
            },
        }
    }

    fn local_hour(&self, hour: i64) -> usize {
        (hour + self.diurnal_offset).rem_euclid(24) as usize
    }

    /// Whether the ad showed at all in this UTC hour (then it has at least one impression).
    pub fn delivered(&self, hour: i64) -> bool {
        if !self.live.contains(&hour) {
            return false;
        }
        let night = (1..=5).contains(&self.local_hour(hour));
        let p = if night { 0.2 } else { 0.72 };
        unit(hash(self.key, hour_key(hour, TAG_DELIVERY))) < p
    }

    /// Whether the ad delivered in any hour of `hours`.
    pub fn delivered_in(&self, hours: &Range<i64>) -> bool {
        let lo = hours.start.max(self.live.start);
        let hi = hours.end.min(self.live.end);
        (lo..hi).any(|h| self.delivered(h))
    }

    /// The first value of the hour's stream, so that counting rows needs no other quantity.
    fn draw_impressions(&self, r: &mut Stream, hour: i64) -> i64 {
        let volume = self.base_impressions * DIURNAL[self.local_hour(hour)] * r.between(0.5, 1.5);
        (volume.floor() as i64).max(1)
    }

    /// Impressions of a delivered hour (0 otherwise).
    pub fn impressions(&self, hour: i64) -> i64 {
        if !self.delivered(hour) {
            return 0;
        }
        let mut r = Stream::new(hash(self.key, hour_key(hour, TAG_VALUES)));
        self.draw_impressions(&mut r, hour)
    }

    /// Final (fully attributed) quantities of the hour; all zero when it did not deliver.
    pub fn final_quantities(&self, hour: i64) -> Quantities {
        let mut q = [0i64; NQ];
        if !self.delivered(hour) {
            return q;
        }
        let mut r = Stream::new(hash(self.key, hour_key(hour, TAG_VALUES)));
        let imp = self.draw_impressions(&mut r, hour);
        let clicks = r.round_share(imp as f64 * self.ctr, 0.6, 1.4).min(imp);
        let spend = ((imp as f64) * self.cpm_cents / 1000.0 * r.between(0.8, 1.2)).floor() as i64;
        let voucher = ((spend as f64) * self.voucher_share).floor() as i64;
        let reach = r.part(imp, 0.55, 0.95).max(1);
        let plays = r.part(imp, 0.3, 0.8);
        let w2 = r.part(plays, 0.4, 0.8);
        let p25 = r.part(plays, 0.4, 0.8);
        let p50 = r.part(p25, 0.5, 0.9);
        let p75 = r.part(p50, 0.5, 0.9);
        let engaged = r.part(plays, 0.1, 0.3);
        let engaged_15s = r.part(engaged, 0.2, 0.6);
        let conversion = r
            .round_share(clicks as f64 * self.cvr, 0.5, 1.5)
            .min(clicks);
        let purchase = r.part(conversion, 0.2, 0.7);
        let complete_payment = r.part(purchase, 0.7, 1.0);
        let onsite = r.part(purchase, 0.0, 0.5);
        let cta_conversion = r.part(conversion, 0.6, 0.9);
        let cta_purchase = r.part(purchase, 0.6, 0.9);
        let result = conversion + r.round(clicks as f64 * 0.05);
        let real_time_conversion = r.part(conversion, 0.75, 1.0);
        let app_install = r.round(clicks as f64 * self.install_rate);

        q[Q::Impressions as usize] = imp;
        q[Q::GrossImpressions as usize] = imp + r.part(imp, 0.0, 0.05);
        q[Q::Clicks as usize] = clicks;
        q[Q::SpendCents as usize] = spend;
        q[Q::VoucherSpendCents as usize] = voucher;
        q[Q::CashSpendCents as usize] = spend - voucher;
        q[Q::Reach as usize] = reach;
        q[Q::VideoPlays as usize] = plays;
        q[Q::Watched2s as usize] = w2;
        q[Q::Watched6s as usize] = r.part(w2, 0.3, 0.8);
        q[Q::ViewsP25 as usize] = p25;
        q[Q::ViewsP50 as usize] = p50;
        q[Q::ViewsP75 as usize] = p75;
        q[Q::ViewsP100 as usize] = r.part(p75, 0.4, 0.9);
        q[Q::PlayTimeMs as usize] = plays * (r.between(1500.0, 10_500.0) as i64);
        q[Q::ProfileVisits as usize] = r.round_share(imp as f64, 0.0, 0.01);
        q[Q::Likes as usize] = r.round_share(imp as f64, 0.0, 0.03);
        q[Q::Comments as usize] = r.round_share(imp as f64, 0.0, 0.003);
        q[Q::Shares as usize] = r.round_share(imp as f64, 0.0, 0.002);
        q[Q::Follows as usize] = r.round_share(imp as f64, 0.0, 0.002);
        q[Q::MusicClicks as usize] = r.round_share(imp as f64, 0.0, 0.001);
        q[Q::EngagedView as usize] = engaged;
        q[Q::Engagements as usize] = r.round_share(imp as f64, 0.0, 0.02);
        q[Q::PaidEngagedView as usize] = r.part(engaged, 0.5, 0.9);
        q[Q::PaidEngagementEngagedView as usize] = r.part(engaged, 0.0, 0.3);
        q[Q::EngagedView15s as usize] = engaged_15s;
        q[Q::PaidEngagedView15s as usize] = r.part(engaged_15s, 0.5, 0.9);
        q[Q::PaidEngagementEngagedView15s as usize] = r.part(engaged_15s, 0.0, 0.3);
        q[Q::RealTimeConversion as usize] = real_time_conversion;
        q[Q::RealTimeResult as usize] = real_time_conversion + (result - conversion);
        q[Q::RealTimeAppInstall as usize] = r.part(app_install, 0.8, 1.0);
        q[Q::Conversion as usize] = conversion;
        q[Q::Result as usize] = result;
        q[Q::AppInstall as usize] = app_install;
        q[Q::Purchase as usize] = purchase;
        q[Q::Registration as usize] = r.part(conversion, 0.0, 0.4);
        q[Q::SalesLead as usize] = r.part(conversion, 0.0, 0.3);
        q[Q::AddToCart as usize] = r.round_share(clicks as f64, 0.0, 0.08);
        q[Q::CompletePayment as usize] = complete_payment;
        q[Q::PageView as usize] = r.round_share(clicks as f64, 1.0, 3.0);
        q[Q::OnsiteShopping as usize] = onsite;
        q[Q::CtaPurchase as usize] = cta_purchase;
        q[Q::VtaPurchase as usize] = purchase - cta_purchase;
        q[Q::CtaConversion as usize] = cta_conversion;
        q[Q::VtaConversion as usize] = conversion - cta_conversion;
        q[Q::EngagedViewConversions as usize] = r.part(conversion, 0.0, 0.2);
        q[Q::PurchaseValueCents as usize] = purchase * (r.between(1_000.0, 20_000.0) as i64);
        q[Q::OnsiteShoppingValueCents as usize] = onsite * (r.between(1_000.0, 15_000.0) as i64);
        q[Q::CompletePaymentValueCents as usize] =
            complete_payment * (r.between(1_000.0, 20_000.0) as i64);
        q
    }
}

/// How much of an hour's conversions has arrived by `now`.
///
/// After an hour ends, each late-family quantity shows `⌊(final × x(2L − x) + u) / L²⌋`, where
/// `L` is `late_conversion_days × 24`, `x` the number of whole hours since the hour ended
/// (capped at `L`) and `u` a per-(ad, hour) hash in `0..L²`. The curve is concave (most
/// conversions come early) and reaches the final value after `late_conversion_days`; `u`
/// rounds at random, so an hour with a single conversion shows it at some point on the way
/// instead of only at the end, and sums over many hours follow the curve. One `u` for all
/// quantities keeps their order (purchases never exceed conversions), and a fixed `u` means an
/// hour's value never shrinks as the clock advances.
#[derive(Clone, Copy, Debug)]
pub struct Lateness {
    window_hours: i64,
    /// The hour `now` falls in; hours before it are complete.
    now_hour: i64,
}

impl Lateness {
    pub fn new(late_conversion_days: u32, now_hour: i64) -> Lateness {
        Lateness {
            window_hours: i64::from(late_conversion_days) * 24,
            now_hour,
        }
    }

    /// Replaces the final values of the late `slots` (see [`is_late`]) of the ad's `hour` with
    /// what is visible at `now`.
    pub fn observe(&self, ad_key: u64, hour: i64, q: &mut Quantities, slots: &[usize]) {
        let l = i128::from(self.window_hours);
        // `now_hour - hour` is 1 for the hour that has just ended.
        let x = i128::from(self.now_hour - hour - 1).clamp(0, l);
        if x >= l {
            return;
        }
        let num = x * (2 * l - x);
        let den = l * l;
        let u = i128::from(hash(ad_key, hour_key(hour, TAG_LATE)) % (den as u64));
        for &k in slots {
            q[k] = ((i128::from(q[k]) * num + u) / den) as i64;
        }
    }
}

/// Splits `total` into parts proportional to `weights` with the largest-remainder method (ties go
/// to the lower index), so the parts add up to `total` exactly and a zero weight gets nothing.
/// `order` is scratch space.
pub fn split(total: i64, weights: &[i64], out: &mut [i64], order: &mut Vec<(i128, usize)>) {
    let sum: i128 = weights.iter().map(|&w| i128::from(w)).sum();
    out.iter_mut().for_each(|o| *o = 0);
    if total == 0 || sum <= 0 {
        return;
    }
    let total = i128::from(total);
    let mut given: i128 = 0;
    order.clear();
    for (i, &w) in weights.iter().enumerate() {
        let scaled = total * i128::from(w);
        let base = scaled / sum;
        out[i] = base as i64;
        given += base;
        if scaled % sum > 0 {
            order.push((scaled % sum, i));
        }
    }
    // The leftover is smaller than the number of non-zero remainders, so it never reaches a
    // zero-weight part.
    let leftover = (total - given) as usize;
    if leftover == 0 {
        return;
    }
    order.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for &(_, i) in order.iter().take(leftover) {
        out[i] += 1;
    }
}
