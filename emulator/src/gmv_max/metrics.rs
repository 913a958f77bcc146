//! GMV Max report data: additive quantities per (campaign, UTC hour), derived from the seed and
//! the campaign id only, and the metric catalog of `gmv_max/report/get/`.
//!
//! `cost` and the delivery counts are final as soon as an hour ends. `orders`, `gross_revenue`
//! and `net_cost` settle: an hour shows `⌊(final × x(2L − x) + u) / L²⌋` of them, `x` being the
//! whole hours since it ended (capped at `L` = the settle window) and `u` a per-(campaign, hour)
//! hash below `L²`; so they only grow with the clock and reach their final value after `L` hours.

use std::ops::Range;

use crate::rng::{hash, unit, Rng};

/// An additive quantity of one campaign and hour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum G {
    CostCents,
    NetCostCents,
    Orders,
    GrossRevenueCents,
    ProductImpressions,
    ProductClicks,
    AdImpressions,
    AdClicks,
    LiveViews,
    LiveViews10s,
    LiveFollows,
}

pub const NG: usize = G::LiveFollows as usize + 1;
pub type Quantities = [i64; NG];

/// The quantities that settle with the clock.
const SETTLING: [G; 3] = [G::NetCostCents, G::Orders, G::GrossRevenueCents];

pub fn add(into: &mut Quantities, from: &Quantities) {
    for (a, b) in into.iter_mut().zip(from) {
        *a += b;
    }
}

/// Relative volume by local hour: shoppers buy in the evening.
const DIURNAL: [f64; 24] = [
    0.4, 0.25, 0.15, 0.1, 0.1, 0.15, 0.3, 0.5, 0.7, 0.8, 0.9, 1.0, 1.1, 1.0, 1.0, 1.0, 1.1, 1.2,
    1.4, 1.6, 1.7, 1.5, 1.1, 0.7,
];

/// Everything one GMV Max campaign's hourly numbers derive from.
pub struct CampaignModel {
    key: u64,
    /// UTC hours (since the epoch) in which the campaign could deliver.
    pub live: Range<i64>,
    offset_hours: i64,
    live_room: bool,
    base: f64,
    ctr: f64,
    cpm_cents: f64,
    cvr: f64,
    price_cents: f64,
    compensation: f64,
}

impl CampaignModel {
    pub fn new(
        seed: u64,
        campaign_id: &str,
        live_room: bool,
        live: Range<i64>,
        offset_hours: i64,
    ) -> CampaignModel {
        let key = hash(&[seed, 0x6A7A, crate::rng::hash_str(campaign_id)]);
        let mut r = Rng::new(key);
        let size = r.unit();
        CampaignModel {
            key,
            live,
            offset_hours,
            live_room,
            base: 200.0 + 4_000.0 * size * size,
            ctr: 0.01 + 0.04 * r.unit(),
            cpm_cents: 300.0 + 1_500.0 * r.unit(),
            cvr: 0.02 + 0.10 * r.unit(),
            price_cents: 1_500.0 + 6_500.0 * r.unit(),
            compensation: if r.chance(0.4) { 0.05 * r.unit() } else { 0.0 },
        }
    }

    pub fn delivered(&self, hour: i64) -> bool {
        self.live.contains(&hour) && unit(hash(&[self.key, hour as u64, 0xD])) < 0.85
    }

    /// Whether the campaign delivered in any hour of `hours`.
    pub fn delivered_in(&self, hours: &Range<i64>) -> bool {
        (hours.start.max(self.live.start)..hours.end.min(self.live.end)).any(|h| self.delivered(h))
    }

    /// Final quantities of the hour; all zero when it did not deliver.
    pub fn final_quantities(&self, hour: i64) -> Quantities {
        let mut q = [0i64; NG];
        if !self.delivered(hour) {
            return q;
        }
        let mut r = Rng::new(hash(&[self.key, hour as u64, 0xE]));
        let local = (hour + self.offset_hours).rem_euclid(24) as usize;
        let imp = ((self.base * DIURNAL[local] * (0.5 + r.unit())).floor() as i64).max(1);
        let round = |r: &mut Rng, x: f64| (x + r.unit()).floor().max(0.0) as i64;
        let clicks = round(&mut r, imp as f64 * self.ctr).min(imp);
        let ad_imp = (imp as f64 * (0.3 + 0.4 * r.unit())).floor() as i64;
        let ad_clicks = round(&mut r, ad_imp as f64 * self.ctr * 1.2).min(ad_imp);
        let cost = ((imp as f64) * self.cpm_cents / 1000.0 * (0.8 + 0.4 * r.unit())).floor() as i64;
        let orders = round(&mut r, clicks as f64 * self.cvr).min(clicks);
        let revenue = orders * (self.price_cents * (0.7 + 0.6 * r.unit())) as i64;
        q[G::CostCents as usize] = cost;
        q[G::NetCostCents as usize] = cost - ((cost as f64) * self.compensation).floor() as i64;
        q[G::Orders as usize] = orders;
        q[G::GrossRevenueCents as usize] = revenue;
        q[G::ProductImpressions as usize] = imp;
        q[G::ProductClicks as usize] = clicks;
        q[G::AdImpressions as usize] = ad_imp;
        q[G::AdClicks as usize] = ad_clicks;
        if self.live_room {
            let views = (imp as f64 * (0.2 + 0.3 * r.unit())).floor() as i64;
            let views_10s = (views as f64 * (0.3 + 0.4 * r.unit())).floor() as i64;
            q[G::LiveViews as usize] = views;
            q[G::LiveViews10s as usize] = views_10s;
            q[G::LiveFollows as usize] = round(&mut r, views_10s as f64 * 0.03);
        }
        q
    }

    /// What the hour shows at `now_hour` of the settling quantities (see the module comment).
    pub fn observe(&self, hour: i64, now_hour: i64, settle_hours: u32, q: &mut Quantities) {
        let l = i128::from(settle_hours);
        let x = i128::from(now_hour - hour - 1).clamp(0, l);
        if x >= l {
            return;
        }
        let num = x * (2 * l - x);
        let den = l * l;
        let u = i128::from(hash(&[self.key, hour as u64, 0xF]) % den as u64);
        for g in SETTLING {
            let v = &mut q[g as usize];
            *v = ((i128::from(*v) * num + u) / den) as i64;
        }
    }
}

/// A setting of the campaign, sent inside `metrics` (campaign grouping only).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Attr {
    CampaignName,
    OperationStatus,
    ScheduleType,
    TargetRoiBudget,
    BidType,
    MaxDeliveryBudget,
    RoasBid,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Money(G),
    Count(G),
    /// `num × mul / den` in hundredths, 2 decimals; `"0.00"` when `den` is 0.
    Ratio {
        num: G,
        den: G,
        mul: i64,
    },
    Attr(Attr),
    /// The account's currency code.
    Currency,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Metric {
    pub name: &'static str,
    pub kind: Kind,
}

const fn m(name: &'static str, kind: Kind) -> Metric {
    Metric { name, kind }
}
const fn pct(num: G, den: G) -> Kind {
    Kind::Ratio {
        num,
        den,
        mul: 10_000,
    }
}
const fn per(num: G, den: G) -> Kind {
    Kind::Ratio { num, den, mul: 1 }
}

/// Every metric `gmv_max/report/get/` accepts: the all-level ones, the product campaign ones
/// (as Airbyte requests them) and the LIVE ones.
pub static METRICS: &[Metric] = &[
    m("cost", Kind::Money(G::CostCents)),
    m("net_cost", Kind::Money(G::NetCostCents)),
    m("orders", Kind::Count(G::Orders)),
    m("cost_per_order", per(G::CostCents, G::Orders)),
    m("gross_revenue", Kind::Money(G::GrossRevenueCents)),
    m(
        "roi",
        Kind::Ratio {
            num: G::GrossRevenueCents,
            den: G::CostCents,
            mul: 100,
        },
    ),
    m("product_impressions", Kind::Count(G::ProductImpressions)),
    m("product_clicks", Kind::Count(G::ProductClicks)),
    m(
        "product_click_rate",
        pct(G::ProductClicks, G::ProductImpressions),
    ),
    m("ad_click_rate", pct(G::AdClicks, G::AdImpressions)),
    m("ad_conversion_rate", pct(G::Orders, G::AdClicks)),
    m("live_views", Kind::Count(G::LiveViews)),
    m("cost_per_live_view", per(G::CostCents, G::LiveViews)),
    m("10_second_live_views", Kind::Count(G::LiveViews10s)),
    m(
        "cost_per_10_second_live_view",
        per(G::CostCents, G::LiveViews10s),
    ),
    m("live_follows", Kind::Count(G::LiveFollows)),
    m("roas_bid", Kind::Attr(Attr::RoasBid)),
    m("campaign_name", Kind::Attr(Attr::CampaignName)),
    m("operation_status", Kind::Attr(Attr::OperationStatus)),
    m("schedule_type", Kind::Attr(Attr::ScheduleType)),
    m("target_roi_budget", Kind::Attr(Attr::TargetRoiBudget)),
    m("bid_type", Kind::Attr(Attr::BidType)),
    m("max_delivery_budget", Kind::Attr(Attr::MaxDeliveryBudget)),
    m("currency", Kind::Currency),
];

pub fn lookup(name: &str) -> Option<&'static Metric> {
    METRICS.iter().find(|m| m.name == name)
}

pub fn two_decimals(hundredths: i64) -> String {
    let sign = if hundredths < 0 { "-" } else { "" };
    let v = hundredths.abs();
    format!("{sign}{}.{:02}", v / 100, v % 100)
}

/// A metric's value over summed quantities (attributes and currency are the caller's).
pub fn number(kind: Kind, q: &Quantities) -> Option<String> {
    Some(match kind {
        Kind::Money(g) => two_decimals(q[g as usize]),
        Kind::Count(g) => q[g as usize].to_string(),
        Kind::Ratio { num, den, mul } => {
            let den = i128::from(q[den as usize]);
            if den == 0 {
                return Some("0.00".to_string());
            }
            let n = i128::from(q[num as usize]) * i128::from(mul);
            let hundredths = (2 * n + den) / (2 * den);
            two_decimals(i64::try_from(hundredths).unwrap_or(i64::MAX))
        }
        Kind::Attr(_) | Kind::Currency => return None,
    })
}
