//! Row enumeration and materialisation. Rows are counted cheaply (a delivery test per ad and
//! hour, plus the impression split for breakdowns) and only the requested page computes metrics.
//!
//! Row order: advertiser (request order), then ID dimension, then time, then breakdown cell
//! (dimension values in catalog order). TikTok sends rows unsorted; a fixed order makes paging
//! walk every row exactly once.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use super::audience::{Cells, Scratch, Targeting};
use super::catalog::{Attr, Kind, Level, Metric};
use super::events;
use super::quantity::{add_slots, is_late, Lateness, Quantities, NQ, Q};
use super::query::{Query, TimeDim};
use super::select::{self, Entity, Selection};
use super::timeline::{self, Bucket};
use super::{ReportRow, ReportSettings};
use crate::model::{Advertiser, World};

/// A row: group, time bucket and breakdown cell (0 without a breakdown).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct Pos {
    group: usize,
    bucket: usize,
    cell: usize,
}

pub struct Plan<'w, 'q> {
    q: &'q Query,
    sel: Selection<'w>,
    /// Per advertiser of `sel`.
    buckets: Vec<Vec<Bucket>>,
    cells: Option<Cells>,
    /// Per advertiser, per ad: its breakdown weights (empty without a breakdown).
    targeting: Vec<Vec<Targeting>>,
    lateness: Lateness,
    /// Indices of the quantities the requested metrics read; rows add up and breakdowns split
    /// only these.
    needed: Vec<usize>,
    /// Those of `needed` that arrive late.
    late: Vec<usize>,
    /// The events to draw for `needed`, dependencies first.
    events: Vec<usize>,
}

impl<'w, 'q> Plan<'w, 'q> {
    pub fn new(
        world: &'w World,
        q: &'q Query,
        now: DateTime<Utc>,
        settings: &ReportSettings,
    ) -> Self {
        let sel = select::select(world, q, now, settings.seed);
        let now_hour = timeline::now_hour(now);
        // The newest hour with data: breakdown data may lag behind delivery.
        let data_hour = if settings.audience_latency {
            timeline::now_hour(now - chrono::Duration::minutes(q.latency_minutes))
        } else {
            now_hour
        };
        let buckets = sel
            .advertisers
            .iter()
            .map(|a| {
                let first = a
                    .ads
                    .iter()
                    .map(|m| m.live.start)
                    .min()
                    .unwrap_or(data_hour);
                timeline::buckets(a.tz, q.range, q.time, data_hour, first)
            })
            .collect();
        let cells = (!q.breakdowns.is_empty()).then(|| Cells::new(q.breakdowns.clone()));
        let needed = needed_quantities(&q.metrics);
        let targeting = sel
            .advertisers
            .iter()
            .map(|a| match &cells {
                Some(c) => a
                    .ads
                    .iter()
                    .map(|m| c.targeting(m.key, &a.advertiser.country))
                    .collect(),
                None => Vec::new(),
            })
            .collect();
        Plan {
            q,
            sel,
            buckets,
            cells,
            targeting,
            lateness: Lateness::new(settings.late_conversion_days, now_hour),
            late: needed.iter().copied().filter(|&k| is_late(k)).collect(),
            events: events::needed_events(&needed),
            needed,
        }
    }

    /// TikTok's ad cap: at ad level, past `cap` ads only the `cap` most recently created are
    /// reported. True when the cap cut something.
    pub fn cap_ads(&mut self, cap: usize) -> bool {
        if self.q.level != Level::Ad || self.sel.groups.len() <= cap {
            return false;
        }
        let mut order: Vec<usize> = (0..self.sel.groups.len()).collect();
        let created = |g: &select::Group| {
            let e = &g.entity;
            e.ad.map(|a| (a.create_time, a.ad_id.clone())).or_else(|| {
                e.smart_plus_ad
                    .map(|s| (s.create_time, s.smart_plus_ad_id.clone()))
            })
        };
        order.sort_by(|a, b| created(&self.sel.groups[*b]).cmp(&created(&self.sel.groups[*a])));
        let keep: std::collections::HashSet<usize> = order.into_iter().take(cap).collect();
        let mut i = 0;
        self.sel.groups.retain(|_| {
            let kept = keep.contains(&i);
            i += 1;
            kept
        });
        true
    }

    /// Entities at the data level the filters let through.
    pub fn entity_count(&self) -> u64 {
        self.sel.entity_count
    }

    /// Calls `visit` for every row with data, in row order.
    fn walk(&self, mut visit: impl FnMut(Pos)) {
        let mut scratch = Scratch::default();
        let mut per_cell: Vec<i64> = Vec::new();
        for (gi, group) in self.sel.groups.iter().enumerate() {
            let adv = &self.sel.advertisers[group.advertiser];
            for (bi, bucket) in self.buckets[group.advertiser].iter().enumerate() {
                let Some(cells) = &self.cells else {
                    if group
                        .members
                        .iter()
                        .any(|&m| adv.ads[m].delivered_in(&bucket.hours))
                    {
                        visit(Pos {
                            group: gi,
                            bucket: bi,
                            cell: 0,
                        });
                    }
                    continue;
                };
                per_cell.clear();
                per_cell.resize(cells.len(), 0);
                for &m in &group.members {
                    let ad = &adv.ads[m];
                    let targeting = &self.targeting[group.advertiser][m];
                    // Only whether a cell has impressions matters here, so an ad stops adding
                    // hours once every cell it can reach has some.
                    for hour in
                        bucket.hours.start.max(ad.live.start)..bucket.hours.end.min(ad.live.end)
                    {
                        if targeting.saturated(&per_cell) {
                            break;
                        }
                        let imp = ad.impressions(hour);
                        if imp > 0 {
                            targeting.add_impressions(
                                cells,
                                ad.key,
                                hour,
                                imp,
                                &mut per_cell,
                                &mut scratch,
                            );
                        }
                    }
                }
                for (ci, &imp) in per_cell.iter().enumerate() {
                    if imp > 0 && self.cell_wanted(cells, ci) {
                        visit(Pos {
                            group: gi,
                            bucket: bi,
                            cell: ci,
                        });
                    }
                }
            }
        }
    }

    /// Whether a breakdown cell passes the report task's `country_code` filter.
    fn cell_wanted(&self, cells: &Cells, cell: usize) -> bool {
        self.q.countries.as_ref().is_none_or(|set| {
            cells
                .labels(cell)
                .all(|(name, value)| name != "country_code" || set.contains(value))
        })
    }

    /// Quantities of a group over a bucket: one vector per cell, or one without a breakdown (or
    /// when `by_cell` is false).
    fn quantities(&self, group: usize, bucket: usize, by_cell: bool) -> Vec<Quantities> {
        let g = &self.sel.groups[group];
        let adv = &self.sel.advertisers[g.advertiser];
        let hours = &self.buckets[g.advertiser][bucket].hours;
        let cells = self.cells.as_ref().filter(|_| by_cell);
        let mut acc = vec![[0i64; NQ]; cells.map_or(1, Cells::len)];
        let mut scratch = Scratch::default();
        for &m in &g.members {
            let ad = &adv.ads[m];
            for hour in hours.start.max(ad.live.start)..hours.end.min(ad.live.end) {
                let mut q = ad.final_quantities(hour);
                if q[Q::Impressions as usize] == 0 {
                    continue;
                }
                if !self.events.is_empty() {
                    events::draw(ad.key, hour, &self.events, &mut q);
                }
                self.lateness.observe(ad.key, hour, &mut q, &self.late);
                match cells {
                    Some(c) => self.targeting[g.advertiser][m].add_quantities(
                        c,
                        ad.key,
                        hour,
                        &q,
                        &self.needed,
                        &mut acc,
                        &mut scratch,
                    ),
                    None => add_slots(&mut acc[0], &q, &self.needed),
                }
            }
        }
        acc
    }

    /// The number of rows and the rows with index in `skip..skip + take`.
    pub fn page(&self, skip: u64, take: u64) -> (u64, Vec<ReportRow>) {
        let mut total = 0u64;
        let mut wanted = Vec::new();
        self.walk(|pos| {
            if total >= skip && total - skip < take {
                wanted.push(pos);
            }
            total += 1;
        });
        let mut rows = Vec::with_capacity(wanted.len());
        self.materialize(wanted, |r| rows.push(r));
        (total, rows)
    }

    /// Calls `visit` with every row in row order, without keeping them: a report task's file
    /// can hold millions of rows.
    pub fn each_row(&self, visit: impl FnMut(ReportRow)) {
        let mut all = Vec::new();
        self.walk(|pos| all.push(pos));
        self.materialize(all, visit);
    }

    /// Computes the rows at `positions` (in row order), a group and bucket at a time.
    fn materialize(&self, positions: Vec<Pos>, mut visit: impl FnMut(ReportRow)) {
        let mut cached: Option<((usize, usize), Vec<Quantities>)> = None;
        for pos in positions {
            let key = (pos.group, pos.bucket);
            if cached.as_ref().map(|c| c.0) != Some(key) {
                cached = Some((key, self.quantities(pos.group, pos.bucket, true)));
            }
            if let Some((_, q)) = &cached {
                visit(self.row(pos, &q[pos.cell]));
            }
        }
    }

    /// `total_metrics`: the selection's sums, with the ratios computed from them.
    pub fn totals(&self) -> BTreeMap<String, String> {
        let mut sum = [0i64; NQ];
        for (gi, g) in self.sel.groups.iter().enumerate() {
            for bi in 0..self.buckets[g.advertiser].len() {
                add_slots(&mut sum, &self.quantities(gi, bi, false)[0], &self.needed);
            }
        }
        self.q
            .metrics
            .iter()
            .map(|m| (m.name.to_string(), value(m, &sum, &Entity::default())))
            .collect()
    }

    fn row(&self, pos: Pos, q: &Quantities) -> ReportRow {
        let g = &self.sel.groups[pos.group];
        let adv = &self.sel.advertisers[g.advertiser];
        let mut dimensions = BTreeMap::new();
        if let (Some(name), Some(id)) = (self.q.id_dim, g.id) {
            dimensions.insert(name.to_string(), id.to_string());
        }
        if let Some(label) = &self.buckets[g.advertiser][pos.bucket].label {
            let name = match self.q.time {
                TimeDim::Hour => "stat_time_hour",
                _ => "stat_time_day",
            };
            dimensions.insert(name.to_string(), label.clone());
        }
        if let Some(cells) = &self.cells {
            for (name, v) in cells.labels(pos.cell) {
                dimensions.insert(name.to_string(), v.to_string());
            }
        }
        let v2 = self.q.id_dim == Some("ad_id_v2");
        let mut metrics: BTreeMap<String, String> = self
            .q
            .metrics
            .iter()
            .map(|m| match (v2, m.kind) {
                // With ad_id_v2 these attributes come back as lists (reference §3).
                (true, Kind::Attr(a @ (Attr::AdText | Attr::CallToAction))) => {
                    (format!("{}_list", m.name), attribute_list(a, &g.entity))
                }
                _ => (m.name.to_string(), value(m, q, &g.entity)),
            })
            .collect();
        if self.q.multi {
            add_account_fields(&mut metrics, adv.advertiser, self.q.utc);
        }
        ReportRow {
            dimensions,
            metrics,
        }
    }
}

fn needed_quantities(metrics: &[&Metric]) -> Vec<usize> {
    let mut needed = vec![Q::Impressions as usize];
    for m in metrics {
        match m.kind {
            Kind::Count(q) | Kind::Money(q) => needed.push(q),
            Kind::Ratio { num, den, .. } => needed.extend([num, den]),
            Kind::Attr(_) | Kind::Unavailable => {}
        }
    }
    needed.sort_unstable();
    needed.dedup();
    needed
}

/// Multi-advertiser reports say whose row it is and in which currency and zone.
fn add_account_fields(metrics: &mut BTreeMap<String, String>, adv: &Advertiser, utc: bool) {
    metrics.insert("advertiser_id".into(), adv.advertiser_id.clone());
    metrics.insert("currency".into(), adv.currency.clone());
    let zone = if utc { "UTC" } else { adv.timezone.as_str() };
    metrics.insert("timezone".into(), zone.to_string());
}

fn two_decimals(hundredths: i64) -> String {
    format!("{}.{:02}", hundredths / 100, hundredths % 100)
}

/// `a / b` rounded half up, for non-negative `a` and positive `b`.
fn div_round(a: i128, b: i128) -> i128 {
    (2 * a + b) / (2 * b)
}

fn value(m: &Metric, q: &Quantities, e: &Entity) -> String {
    match m.kind {
        Kind::Count(k) => q[k].to_string(),
        Kind::Money(k) => two_decimals(q[k]),
        Kind::Ratio { num, den, mul, div } => {
            let den = i128::from(q[den]) * i128::from(div);
            if den == 0 {
                return "0.00".to_string();
            }
            let hundredths = div_round(i128::from(q[num]) * i128::from(mul), den);
            two_decimals(i64::try_from(hundredths).unwrap_or(i64::MAX))
        }
        Kind::Attr(a) => attribute(a, e).unwrap_or_else(|| "-".to_string()),
        Kind::Unavailable => "-".to_string(),
    }
}

fn amount(v: f64) -> String {
    format!("{v:.2}")
}

fn is_app(e: &Entity) -> bool {
    e.campaign.is_some_and(|c| c.objective_type.contains("APP"))
}

/// The attribute's value for the row's entity; `None` (sent as "-") when the row has no single
/// entity at that level or the attribute does not apply (app fields of a non-app campaign).
fn attribute(a: Attr, e: &Entity) -> Option<String> {
    let c = e.campaign;
    let g = e.adgroup;
    let ad = e.ad;
    let app_key =
        || c.map(|c| super::quantity::hash_str(&c.campaign_id) % 9_000_000_000 + 1_000_000_000);
    Some(match a {
        Attr::CampaignName => c?.campaign_name.clone(),
        Attr::CampaignId => c?.campaign_id.clone(),
        Attr::ObjectiveType => c?.objective_type.clone(),
        Attr::CampaignBudget => amount(c?.budget),
        Attr::SplitTest => c.map(|_| "CLOSE".to_string())?,
        Attr::CampaignDedicateType => c.map(|_| "UNSET".to_string())?,
        Attr::RfCampaignType => c?.buying.rf_campaign_type().to_string(),
        Attr::AppPromotionType => {
            c?;
            if is_app(e) { "APP_INSTALL" } else { "UNSET" }.to_string()
        }
        Attr::OptStatus => match (ad, g, c) {
            (Some(ad), _, _) => ad.operation_status.clone(),
            (None, Some(g), _) => g.operation_status.clone(),
            (None, None, Some(c)) => c.operation_status.clone(),
            _ => return None,
        },
        Attr::AdgroupName => g?.adgroup_name.clone(),
        Attr::AdgroupId => g?.adgroup_id.clone(),
        Attr::PlacementType => g?.placement_type.clone(),
        Attr::TtAppId if is_app(e) && g.is_some() => app_key()?.to_string(),
        Attr::TtAppName if is_app(e) && g.is_some() => format!("App {}", app_key()?),
        Attr::MobileAppId if is_app(e) && g.is_some() => format!("com.emulator.app{}", app_key()?),
        Attr::TtAppId | Attr::TtAppName | Attr::MobileAppId => return None,
        Attr::PromotionType => {
            g?;
            if is_app(e) { "APP_ANDROID" } else { "WEBSITE" }.to_string()
        }
        Attr::DpaTargetAudienceType | Attr::SmartTarget => g.map(|_| "UNSET".to_string())?,
        Attr::Budget => amount(g?.budget),
        Attr::Bid => amount(g?.bid_price),
        Attr::BidStrategy => if g?.bid_price > 0.0 {
            "BID_STRATEGY_COST_CAP"
        } else {
            "BID_STRATEGY_MAX_CONVERSION"
        }
        .to_string(),
        Attr::BillingEvent => match g?.optimization_goal.as_str() {
            "CLICK" | "TRAFFIC_LANDING_PAGE_VIEW" => "CPC",
            "REACH" | "SHOW" => "CPM",
            "VIDEO_VIEW" | "ENGAGED_VIEW" => "CPV",
            _ => "OCPM",
        }
        .to_string(),
        Attr::AdName => match (ad, e.smart_plus_ad) {
            (Some(a), _) => a.ad_name.clone(),
            (None, Some(s)) => s.ad_name.clone(),
            (None, None) => return None,
        },
        Attr::AdText => ad?.ad_text.clone(),
        Attr::CallToAction => ad?.call_to_action.clone(),
        Attr::IsSmartCreative => ad.map(|_| "false".to_string())?,
        Attr::CampaignAutomationType => match (e.smart_plus_ad, ad) {
            (Some(_), Some(_)) => crate::smart_plus::UPGRADED_CREATIVE.to_string(),
            _ => e.automation?.to_string(),
        },
        Attr::AdIdV2 => match (e.smart_plus_ad, ad) {
            (Some(s), _) => s.smart_plus_ad_id.clone(),
            (None, Some(a)) => a.ad_id.clone(),
            (None, None) => return None,
        },
        Attr::ImageMode => ad?.ad_format.clone(),
        Attr::AdvertiserName => e.advertiser?.name.clone(),
        Attr::Currency => e.advertiser?.currency.clone(),
        Attr::AdgroupDownloadUrl if is_app(e) && g.is_some() => {
            format!(
                "https://play.google.com/store/apps/details?id=com.emulator.app{}",
                app_key()?
            )
        }
        Attr::AdgroupDownloadUrl => return None,
        Attr::ProfileImage | Attr::AdProfileImage => {
            let owner = match (a, ad) {
                (Attr::AdProfileImage, Some(ad)) => ad.ad_id.as_str(),
                _ => g?.adgroup_id.as_str(),
            };
            format!(
                "https://p16-sign-va.tiktokcdn.com/avatar/{:016x}.jpeg",
                super::quantity::hash_str(owner)
            )
        }
        Attr::BidSecondaryGoal => g.map(|_| "0.00".to_string())?,
        Attr::AeoType => g.map(|_| "UNSET".to_string())?,
        Attr::IsAco => g.map(|_| "false".to_string())?,
        Attr::AdUrl => ad?.landing_page_url.clone(),
    })
}

/// `ad_text_list` / `call_to_action_list` of an `ad_id_v2` row: a JSON array of strings (the
/// Smart+ ad's texts, or the manual ad's one), `"-"` without an ad.
fn attribute_list(a: Attr, e: &Entity) -> String {
    let items: Vec<String> = match (e.smart_plus_ad, e.ad, a) {
        (Some(s), _, Attr::AdText) => s.ad_texts.clone(),
        (Some(s), _, _) => s.call_to_actions.clone(),
        (None, Some(ad), Attr::AdText) => vec![ad.ad_text.clone()],
        (None, Some(ad), _) => vec![ad.call_to_action.clone()],
        (None, None, _) => return "-".to_string(),
    };
    serde_json::to_string(&items).unwrap_or_else(|_| "[]".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_round_half_up() {
        assert_eq!(div_round(5, 2), 3);
        assert_eq!(div_round(4, 3), 1);
        assert_eq!(div_round(5, 3), 2);
        assert_eq!(two_decimals(5), "0.05");
        assert_eq!(two_decimals(12345), "123.45");
    }
}
