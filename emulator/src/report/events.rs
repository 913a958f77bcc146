//! Event quantities beyond the core ones: web, shop and in-app conversion events, attribution
//! splits, SKAN, LIVE, interactive add-ons and instant experiences. Each event has a count and,
//! where its metrics need them, a total (every occurrence, at least the count) and a value in
//! cents. They live in slots after the core quantities, are drawn per (ad, hour) from a stream of
//! their own (so an event's numbers do not depend on which other metrics a request asks for),
//! and add up across hours, breakdown cells and levels like the core quantities. Conversion
//! events arrive late like conversions; engagement events do not.
//!
//! The metric names come in TikTok's families:
//! - app events `x, cost_per_x, x_rate, total_x, cost_per_total_x` (+ `value_per_total_x,
//!   total_x_value` for valued ones);
//! - website and shop events `x, cost_per_x, x_rate, value_per_x, total_x_value`;
//! - attribution splits `x, cost_per_x`;
//!
//! plus the names that follow no family. Costs are spend per event, `*_rate` events per click
//! (percent), ROAS value per spend, values and costs 2-decimal money.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::catalog::{Kind, Metric, Support};
use super::quantity::{hash, hour_key, Quantities, Stream, Q, TAG_EVENTS};

/// What an event's count is drawn from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Basis {
    /// `quantity × rate`, the rate per ad drawn from `lo..hi`, rounded at random.
    RateOf(Q),
    /// A share `lo..hi` of the quantity, drawn per hour: never more than it.
    PartOf(Q),
    /// A share `lo..hi` of another event's count (by index in [`EVENTS`], an earlier one);
    /// shares above 1 scale it (points per page view).
    PartOfEvent(usize),
    /// The core quantity itself: the event only adds a total or a value to it.
    Same(Q),
}

/// Where an event's value comes from.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Valued {
    No,
    /// Count × a price per ad (cents), varied per hour.
    Priced,
    /// Count × a duration per ad (milliseconds), for time averages.
    Timed,
    /// A core money quantity.
    Same(Q),
}

#[derive(Clone, Copy, Debug)]
pub struct EventDef {
    pub name: &'static str,
    pub basis: Basis,
    pub lo: f64,
    pub hi: f64,
    pub total: bool,
    pub valued: Valued,
    /// Conversion events arrive late (see `quantity::Lateness`).
    pub late: bool,
}

const fn ev(
    name: &'static str,
    basis: Basis,
    lo: f64,
    hi: f64,
    total: bool,
    valued: Valued,
    late: bool,
) -> EventDef {
    EventDef {
        name,
        basis,
        lo,
        hi,
        total,
        valued,
        late,
    }
}

use Basis::{PartOf, PartOfEvent, RateOf, Same};
use Valued::{Priced, Timed};

const CLICKS: Q = Q::Clicks;
const IMPRESSIONS: Q = Q::Impressions;
const NO: Valued = Valued::No;

/// Indices of the events other events are parts of.
const LIVE: usize = 0;
const INTERACTIVE: usize = 3;
const IX_VIDEO: usize = 9;
const IX_P25: usize = 10;
const IX_P50: usize = 11;
const IX_P75: usize = 12;
const IX_PAGE: usize = 14;

/// Every event. Engagement events (not late) first, then conversion events.
pub const EVENTS: &[EventDef] = &[
    // LIVE: the count is unique viewers, the total all views.
    ev(
        "live_views",
        RateOf(IMPRESSIONS),
        0.0,
        0.01,
        true,
        NO,
        false,
    ),
    ev(
        "live_effective_views",
        PartOfEvent(LIVE),
        0.2,
        0.6,
        false,
        NO,
        false,
    ),
    ev(
        "live_product_clicks",
        PartOfEvent(LIVE),
        0.0,
        0.1,
        false,
        NO,
        false,
    ),
    // Interactive add-ons.
    ev(
        "interactive_add_on_impressions",
        RateOf(IMPRESSIONS),
        0.0,
        0.3,
        false,
        NO,
        false,
    ),
    ev(
        "interactive_add_on_destination_clicks",
        PartOfEvent(INTERACTIVE),
        0.0,
        0.05,
        false,
        NO,
        false,
    ),
    ev(
        "interactive_add_on_activity_clicks",
        PartOfEvent(INTERACTIVE),
        0.0,
        0.05,
        false,
        NO,
        false,
    ),
    ev(
        "interactive_add_on_option_a_clicks",
        PartOfEvent(INTERACTIVE),
        0.0,
        0.05,
        false,
        NO,
        false,
    ),
    ev(
        "interactive_add_on_option_b_clicks",
        PartOfEvent(INTERACTIVE),
        0.0,
        0.05,
        false,
        NO,
        false,
    ),
    ev(
        "countdown_sticker_recall_clicks",
        PartOfEvent(INTERACTIVE),
        0.0,
        0.02,
        false,
        NO,
        false,
    ),
    // Instant experience: video views with their play time, quartiles, page views with their
    // time on page.
    ev(
        "ix_video_views",
        RateOf(CLICKS),
        0.1,
        0.6,
        false,
        Timed,
        false,
    ),
    ev(
        "ix_video_views_p25",
        PartOfEvent(IX_VIDEO),
        0.4,
        0.8,
        false,
        NO,
        false,
    ),
    ev(
        "ix_video_views_p50",
        PartOfEvent(IX_P25),
        0.5,
        0.9,
        false,
        NO,
        false,
    ),
    ev(
        "ix_video_views_p75",
        PartOfEvent(IX_P50),
        0.5,
        0.9,
        false,
        NO,
        false,
    ),
    ev(
        "ix_video_views_p100",
        PartOfEvent(IX_P75),
        0.4,
        0.9,
        false,
        NO,
        false,
    ),
    ev(
        "ix_page_views",
        RateOf(CLICKS),
        0.3,
        0.9,
        false,
        Timed,
        false,
    ),
    // Percentage points of the page seen, summed over page views: 30–90 per view.
    ev(
        "ix_page_view_points",
        PartOfEvent(IX_PAGE),
        30.0,
        90.0,
        false,
        NO,
        false,
    ),
    // Clicks on creative elements.
    ev(
        "duet_clicks",
        RateOf(IMPRESSIONS),
        0.0,
        0.001,
        false,
        NO,
        false,
    ),
    ev(
        "stitch_clicks",
        RateOf(IMPRESSIONS),
        0.0,
        0.001,
        false,
        NO,
        false,
    ),
    ev(
        "sound_usage_clicks",
        RateOf(IMPRESSIONS),
        0.0,
        0.001,
        false,
        NO,
        false,
    ),
    ev(
        "anchor_clicks",
        RateOf(IMPRESSIONS),
        0.0,
        0.004,
        false,
        NO,
        false,
    ),
    ev(
        "clicks_on_hashtag_challenge",
        RateOf(IMPRESSIONS),
        0.0,
        0.001,
        false,
        NO,
        false,
    ),
    ev(
        "tt_playlist_visit",
        RateOf(IMPRESSIONS),
        0.0,
        0.002,
        false,
        NO,
        false,
    ),
    // Landing pages load as the click lands: measured without delay.
    ev(
        "landing_page_view",
        PartOf(CLICKS),
        0.5,
        0.95,
        false,
        NO,
        false,
    ),
    // In-app events with a value.
    ev(
        "view_content",
        RateOf(CLICKS),
        0.05,
        0.4,
        true,
        Priced,
        true,
    ),
    ev(
        "day7_retention",
        RateOf(CLICKS),
        0.0,
        0.03,
        true,
        Priced,
        true,
    ),
    ev(
        "add_to_wishlist",
        RateOf(CLICKS),
        0.0,
        0.04,
        true,
        Priced,
        true,
    ),
    ev(
        "complete_tutorial",
        RateOf(CLICKS),
        0.0,
        0.05,
        true,
        Priced,
        true,
    ),
    ev(
        "create_group",
        RateOf(CLICKS),
        0.0,
        0.01,
        true,
        Priced,
        true,
    ),
    ev("join_group", RateOf(CLICKS), 0.0, 0.02, true, Priced, true),
    ev(
        "create_gamerole",
        RateOf(CLICKS),
        0.0,
        0.02,
        true,
        Priced,
        true,
    ),
    ev(
        "spend_credits",
        RateOf(CLICKS),
        0.0,
        0.02,
        true,
        Priced,
        true,
    ),
    ev(
        "achieve_level",
        RateOf(CLICKS),
        0.0,
        0.04,
        true,
        Priced,
        true,
    ),
    ev(
        "unlock_achievement",
        RateOf(CLICKS),
        0.0,
        0.03,
        true,
        Priced,
        true,
    ),
    ev(
        "sales_lead",
        Same(Q::SalesLead),
        0.0,
        0.0,
        true,
        Priced,
        true,
    ),
    ev(
        "in_app_ad_click",
        RateOf(CLICKS),
        0.0,
        0.05,
        true,
        Priced,
        true,
    ),
    ev(
        "in_app_ad_impr",
        RateOf(CLICKS),
        0.1,
        0.8,
        true,
        Priced,
        true,
    ),
    ev("ratings", RateOf(CLICKS), 0.0, 0.01, true, Priced, true),
    ev("subscribe", RateOf(CLICKS), 0.0, 0.02, true, Priced, true),
    ev(
        "app_event_add_to_cart",
        Same(Q::AddToCart),
        0.0,
        0.0,
        true,
        Priced,
        true,
    ),
    // In-app events without a value.
    ev("next_day_open", RateOf(CLICKS), 0.0, 0.06, true, NO, true),
    ev("launch_app", RateOf(CLICKS), 0.05, 0.5, true, NO, true),
    ev("loan_apply", RateOf(CLICKS), 0.0, 0.01, true, NO, true),
    ev("loan_credit", RateOf(CLICKS), 0.0, 0.005, true, NO, true),
    ev(
        "loan_disbursement",
        RateOf(CLICKS),
        0.0,
        0.004,
        true,
        NO,
        true,
    ),
    ev("login", RateOf(CLICKS), 0.0, 0.2, true, NO, true),
    ev("search", RateOf(CLICKS), 0.0, 0.2, true, NO, true),
    ev("start_trial", RateOf(CLICKS), 0.0, 0.02, true, NO, true),
    // In-app events that follow no family.
    ev(
        "purchase",
        Same(Q::Purchase),
        0.0,
        0.0,
        true,
        Valued::Same(Q::PurchaseValueCents),
        true,
    ),
    ev(
        "registration",
        Same(Q::Registration),
        0.0,
        0.0,
        true,
        NO,
        true,
    ),
    ev("checkout", RateOf(CLICKS), 0.0, 0.06, true, Priced, true),
    ev(
        "add_payment_info",
        RateOf(CLICKS),
        0.0,
        0.04,
        true,
        NO,
        true,
    ),
    ev(
        "custom_app_event",
        RateOf(CLICKS),
        0.0,
        0.05,
        true,
        Priced,
        true,
    ),
    // Website and shop events.
    ev(
        "button_click",
        RateOf(CLICKS),
        0.0,
        0.2,
        false,
        Priced,
        true,
    ),
    ev(
        "online_consult",
        RateOf(CLICKS),
        0.0,
        0.02,
        false,
        Priced,
        true,
    ),
    ev(
        "user_registration",
        RateOf(CLICKS),
        0.0,
        0.05,
        false,
        Priced,
        true,
    ),
    ev(
        "product_details_page_browse",
        RateOf(CLICKS),
        0.05,
        0.5,
        false,
        Priced,
        true,
    ),
    ev(
        "web_event_add_to_cart",
        RateOf(CLICKS),
        0.0,
        0.1,
        false,
        Priced,
        true,
    ),
    ev(
        "on_web_order",
        RateOf(CLICKS),
        0.0,
        0.04,
        false,
        Priced,
        true,
    ),
    ev(
        "initiate_checkout",
        RateOf(CLICKS),
        0.0,
        0.06,
        false,
        Priced,
        true,
    ),
    ev(
        "add_billing",
        RateOf(CLICKS),
        0.0,
        0.04,
        false,
        Priced,
        true,
    ),
    ev(
        "page_event_search",
        RateOf(CLICKS),
        0.0,
        0.1,
        false,
        Priced,
        true,
    ),
    ev("form", RateOf(CLICKS), 0.0, 0.05, false, Priced, true),
    ev(
        "download_start",
        RateOf(CLICKS),
        0.0,
        0.05,
        false,
        Priced,
        true,
    ),
    ev(
        "on_web_add_to_wishlist",
        RateOf(CLICKS),
        0.0,
        0.04,
        false,
        Priced,
        true,
    ),
    ev(
        "on_web_subscribe",
        RateOf(CLICKS),
        0.0,
        0.02,
        false,
        Priced,
        true,
    ),
    ev(
        "onsite_shopping",
        Same(Q::OnsiteShopping),
        0.0,
        0.0,
        false,
        Valued::Same(Q::OnsiteShoppingValueCents),
        true,
    ),
    ev(
        "onsite_initiate_checkout_count",
        RateOf(CLICKS),
        0.0,
        0.05,
        false,
        Priced,
        true,
    ),
    ev(
        "onsite_on_web_detail",
        RateOf(CLICKS),
        0.05,
        0.4,
        false,
        Priced,
        true,
    ),
    ev(
        "onsite_on_web_cart",
        RateOf(CLICKS),
        0.0,
        0.08,
        false,
        Priced,
        true,
    ),
    ev(
        "onsite_add_to_wishlist",
        RateOf(CLICKS),
        0.0,
        0.03,
        false,
        Priced,
        true,
    ),
    ev(
        "onsite_add_billing",
        RateOf(CLICKS),
        0.0,
        0.03,
        false,
        Priced,
        true,
    ),
    ev(
        "onsite_form",
        RateOf(CLICKS),
        0.0,
        0.03,
        false,
        Priced,
        true,
    ),
    ev(
        "onsite_download_start",
        RateOf(CLICKS),
        0.0,
        0.05,
        false,
        NO,
        true,
    ),
    ev(
        "complete_payment",
        Same(Q::CompletePayment),
        0.0,
        0.0,
        false,
        Valued::Same(Q::CompletePaymentValueCents),
        true,
    ),
    ev(
        "vta_complete_payment",
        PartOf(Q::CompletePayment),
        0.05,
        0.3,
        false,
        Priced,
        true,
    ),
    ev(
        "page_content_view",
        RateOf(CLICKS),
        0.1,
        0.8,
        false,
        Priced,
        true,
    ),
    ev(
        "custom_page_event",
        RateOf(CLICKS),
        0.0,
        0.1,
        false,
        Priced,
        true,
    ),
    ev("pageview", Same(Q::PageView), 0.0, 0.0, false, Priced, true),
    // TikTok Shop orders: the total counts items, the value is gross revenue.
    ev(
        "shop_order",
        RateOf(Q::Conversion),
        0.0,
        0.4,
        true,
        Priced,
        true,
    ),
    // Attribution splits of core conversions.
    ev(
        "vta_app_install",
        PartOf(Q::AppInstall),
        0.05,
        0.3,
        false,
        NO,
        true,
    ),
    ev(
        "cta_app_install",
        PartOf(Q::AppInstall),
        0.6,
        0.9,
        false,
        NO,
        true,
    ),
    ev(
        "evta_app_install",
        PartOf(Q::AppInstall),
        0.0,
        0.1,
        false,
        NO,
        true,
    ),
    ev(
        "vta_registration",
        PartOf(Q::Registration),
        0.05,
        0.3,
        false,
        NO,
        true,
    ),
    ev(
        "cta_registration",
        PartOf(Q::Registration),
        0.6,
        0.9,
        false,
        NO,
        true,
    ),
    ev(
        "evta_registration",
        PartOf(Q::Registration),
        0.0,
        0.1,
        false,
        NO,
        true,
    ),
    ev(
        "evta_purchase",
        PartOf(Q::Purchase),
        0.0,
        0.1,
        false,
        NO,
        true,
    ),
    ev(
        "evta_payments_completed",
        PartOf(Q::CompletePayment),
        0.0,
        0.1,
        false,
        NO,
        true,
    ),
    // SKAdNetwork (iOS) shares of conversions and results.
    ev(
        "skan_conversion",
        PartOf(Q::Conversion),
        0.05,
        0.3,
        false,
        NO,
        true,
    ),
    ev("skan_result", PartOf(Q::Result), 0.05, 0.3, false, NO, true),
    // Purchase value within 0, 2 and 6 days of the click (each within the next).
    ev(
        "purchase_value_day0",
        PartOf(Q::PurchaseValueCents),
        0.3,
        0.6,
        false,
        NO,
        true,
    ),
    ev(
        "purchase_value_day2",
        PartOf(Q::PurchaseValueCents),
        0.6,
        0.8,
        false,
        NO,
        true,
    ),
    ev(
        "purchase_value_day6",
        PartOf(Q::PurchaseValueCents),
        0.8,
        1.0,
        false,
        NO,
        true,
    ),
];

const fn new_slots(e: &EventDef) -> usize {
    let count = match e.basis {
        Same(_) => 0,
        _ => 1,
    };
    let value = match e.valued {
        Priced | Timed => 1,
        _ => 0,
    };
    count + e.total as usize + value
}

/// Slots the events add after the core quantities.
pub const SLOTS: usize = {
    let mut n = 0;
    let mut i = 0;
    while i < EVENTS.len() {
        n += new_slots(&EVENTS[i]);
        i += 1;
    }
    n
};

/// Where an event's parts are in the quantity vector.
#[derive(Clone, Copy, Debug)]
pub struct EventSlots {
    pub count: usize,
    pub total: Option<usize>,
    pub value: Option<usize>,
}

pub struct Layout {
    pub events: Vec<EventSlots>,
    /// Per slot: the event it belongs to (new slots only).
    owner: HashMap<usize, usize>,
    by_name: HashMap<&'static str, usize>,
}

/// The slots of every event, the first new one at `first`.
fn layout_from(first: usize) -> Layout {
    let mut next = first;
    let mut take = || {
        next += 1;
        next - 1
    };
    let mut events = Vec::with_capacity(EVENTS.len());
    let mut owner = HashMap::new();
    for (i, e) in EVENTS.iter().enumerate() {
        let count = match e.basis {
            Same(q) => q as usize,
            _ => {
                let s = take();
                owner.insert(s, i);
                s
            }
        };
        let total = e.total.then(|| {
            let s = take();
            owner.insert(s, i);
            s
        });
        let value = match e.valued {
            Valued::No => None,
            Valued::Same(q) => Some(q as usize),
            Priced | Timed => {
                let s = take();
                owner.insert(s, i);
                Some(s)
            }
        };
        events.push(EventSlots {
            count,
            total,
            value,
        });
    }
    let by_name = EVENTS
        .iter()
        .enumerate()
        .map(|(i, e)| (e.name, i))
        .collect();
    Layout {
        events,
        owner,
        by_name,
    }
}

pub fn layout() -> &'static Layout {
    static LAYOUT: OnceLock<Layout> = OnceLock::new();
    LAYOUT.get_or_init(|| layout_from(super::quantity::BASE_NQ))
}

impl Layout {
    /// The event a slot belongs to, for slots the events added.
    pub fn owner(&self, slot: usize) -> Option<usize> {
        self.owner.get(&slot).copied()
    }

    /// Whether the slot is an event slot that arrives late.
    pub fn late(&self, slot: usize) -> bool {
        self.owner(slot).is_some_and(|i| EVENTS[i].late)
    }

    fn slots(&self, name: &str) -> EventSlots {
        // Names come from this file's own tables; the unit test checks every one resolves.
        self.by_name
            .get(name)
            .map(|&i| self.events[i])
            .unwrap_or(EventSlots {
                count: Q::Impressions as usize,
                total: None,
                value: None,
            })
    }
}

/// The events (indices into [`EVENTS`]) that must be drawn to fill `slots`, dependencies first.
pub fn needed_events(slots: &[usize]) -> Vec<usize> {
    let l = layout();
    let mut wanted: Vec<bool> = vec![false; EVENTS.len()];
    for &s in slots {
        if let Some(i) = l.owner(s) {
            wanted[i] = true;
        }
    }
    // Dependencies point to earlier events: one backward pass marks them all.
    for i in (0..EVENTS.len()).rev() {
        if let (true, PartOfEvent(j)) = (wanted[i], EVENTS[i].basis) {
            wanted[j] = true;
        }
    }
    (0..EVENTS.len()).filter(|&i| wanted[i]).collect()
}

/// Per ad and event: a rate `lo..hi` and a price (cents) or duration (ms).
fn per_ad(ad_key: u64, index: usize) -> (f64, f64) {
    let e = &EVENTS[index];
    let h = hash(ad_key, 0xE7E0 + index as u64);
    let mut r = Stream::new(h);
    let rate = r.between(e.lo, e.hi);
    let amount = match e.valued {
        Timed => r.between(1_500.0, 12_000.0),
        _ => r.between(500.0, 15_000.0),
    };
    (rate, amount)
}

/// Draws the hour's numbers of `events` (from [`needed_events`], dependencies first) into `q`,
/// from the hour's final core quantities already in `q`.
pub fn draw(ad_key: u64, hour: i64, events: &[usize], q: &mut Quantities) {
    let l = layout();
    for &i in events {
        let e = &EVENTS[i];
        let slots = l.events[i];
        let mut r = Stream::new(hash(
            ad_key ^ ((i as u64 + 1) << 20),
            hour_key(hour, TAG_EVENTS),
        ));
        let (rate, amount) = per_ad(ad_key, i);
        let count = match e.basis {
            Same(base) => q[base as usize],
            RateOf(base) => {
                let swing = r.between(0.6, 1.4);
                r.round(q[base as usize] as f64 * rate * swing)
            }
            PartOf(base) => r.part(q[base as usize], e.lo, e.hi),
            PartOfEvent(j) => r.part(q[l.events[j].count], e.lo, e.hi),
        };
        q[slots.count] = count;
        if let Some(t) = slots.total {
            q[t] = count + r.part(count, 0.0, 0.6);
        }
        if let (Some(v), Priced | Timed) = (slots.value, e.valued) {
            q[v] = count * (amount * r.between(0.8, 1.2)) as i64;
        }
    }
}

/// The metrics of the events, by TikTok's names.
pub fn metrics() -> &'static [Metric] {
    static METRICS: OnceLock<Vec<Metric>> = OnceLock::new();
    METRICS.get_or_init(|| build(layout()))
}

const SPEND: usize = Q::SpendCents as usize;

fn count_of(slot: usize) -> Kind {
    Kind::Count(slot)
}
fn money_of(slot: usize) -> Kind {
    Kind::Money(slot)
}
fn per(num: usize, den: usize) -> Kind {
    Kind::Ratio {
        num,
        den,
        mul: 1,
        div: 1,
    }
}
fn percent(num: usize, den: usize) -> Kind {
    Kind::Ratio {
        num,
        den,
        mul: 10_000,
        div: 1,
    }
}
/// Value per spend, as a plain ratio.
fn roas(value: usize) -> Kind {
    Kind::Ratio {
        num: value,
        den: SPEND,
        mul: 100,
        div: 1,
    }
}
/// Milliseconds per unit, in seconds.
fn seconds(ms: usize, den: usize) -> Kind {
    Kind::Ratio {
        num: ms,
        den,
        mul: 1,
        div: 10,
    }
}

/// In-app events named `x, cost_per_x, x_rate, total_x, cost_per_total_x` (+ `value_per_total_x,
/// total_x_value` when valued).
const APP_EVENTS: &[&str] = &[
    "view_content",
    "day7_retention",
    "add_to_wishlist",
    "complete_tutorial",
    "create_group",
    "join_group",
    "create_gamerole",
    "spend_credits",
    "achieve_level",
    "unlock_achievement",
    "sales_lead",
    "in_app_ad_click",
    "in_app_ad_impr",
    "ratings",
    "subscribe",
    "app_event_add_to_cart",
    "next_day_open",
    "launch_app",
    "loan_apply",
    "loan_credit",
    "loan_disbursement",
    "login",
    "search",
    "start_trial",
];
/// Website and shop events named `x, cost_per_x, x_rate, value_per_x, total_x_value`.
const PAGE_EVENTS: &[&str] = &[
    "button_click",
    "online_consult",
    "user_registration",
    "product_details_page_browse",
    "web_event_add_to_cart",
    "on_web_order",
    "initiate_checkout",
    "add_billing",
    "page_event_search",
    "form",
    "download_start",
    "on_web_add_to_wishlist",
    "on_web_subscribe",
    "onsite_shopping",
    "onsite_initiate_checkout_count",
    "onsite_on_web_detail",
    "onsite_on_web_cart",
    "onsite_add_to_wishlist",
    "onsite_add_billing",
    "onsite_form",
];
/// Attribution splits named `x, cost_per_x`.
const SPLITS: &[&str] = &[
    "vta_app_install",
    "cta_app_install",
    "evta_app_install",
    "vta_registration",
    "cta_registration",
    "evta_registration",
    "evta_purchase",
    "evta_payments_completed",
];

fn build(l: &Layout) -> Vec<Metric> {
    let mut out: Vec<(String, Kind)> = Vec::new();
    let mut put = |name: String, kind: Kind| out.push((name, kind));
    let clicks = Q::Clicks as usize;
    let impressions = Q::Impressions as usize;
    for x in APP_EVENTS {
        let s = l.slots(x);
        let total = s.total.unwrap_or(s.count);
        put(x.to_string(), count_of(s.count));
        put(format!("cost_per_{x}"), per(SPEND, s.count));
        put(format!("{x}_rate"), percent(s.count, clicks));
        put(format!("total_{x}"), count_of(total));
        put(format!("cost_per_total_{x}"), per(SPEND, total));
        if let Some(v) = s.value {
            put(format!("value_per_total_{x}"), per(v, total));
            put(format!("total_{x}_value"), money_of(v));
        }
    }
    for x in PAGE_EVENTS {
        let s = l.slots(x);
        let v = s.value.unwrap_or(s.count);
        put(x.to_string(), count_of(s.count));
        put(format!("cost_per_{x}"), per(SPEND, s.count));
        put(format!("{x}_rate"), percent(s.count, clicks));
        put(format!("value_per_{x}"), per(v, s.count));
        put(format!("total_{x}_value"), money_of(v));
    }
    for x in SPLITS {
        let s = l.slots(x);
        put(x.to_string(), count_of(s.count));
        put(format!("cost_per_{x}"), per(SPEND, s.count));
    }
    // Core splits that existed before the families: only their costs are new.
    for (x, q) in [
        ("vta_conversion", Q::VtaConversion),
        ("cta_conversion", Q::CtaConversion),
        ("vta_purchase", Q::VtaPurchase),
        ("cta_purchase", Q::CtaPurchase),
    ] {
        put(format!("cost_per_{x}"), per(SPEND, q as usize));
    }
    let single = |name: &str| l.slots(name);
    let total_or_count = |s: EventSlots| s.total.unwrap_or(s.count);
    let value_or_count = |s: EventSlots| s.value.unwrap_or(s.count);
    // In-app events outside the families.
    let purchase = single("purchase");
    put("total_purchase".into(), count_of(total_or_count(purchase)));
    put(
        "cost_per_total_purchase".into(),
        per(SPEND, total_or_count(purchase)),
    );
    put(
        "value_per_total_purchase".into(),
        per(value_or_count(purchase), total_or_count(purchase)),
    );
    put(
        "total_active_pay_roas".into(),
        roas(Q::PurchaseValueCents as usize),
    );
    for d in [0, 2, 6] {
        let s = single(&format!("purchase_value_day{d}"));
        put(format!("total_purchase_value_day{d}"), money_of(s.count));
        put(format!("total_purchase_roas_day{d}"), roas(s.count));
    }
    let registration = single("registration");
    put(
        "total_registration".into(),
        count_of(total_or_count(registration)),
    );
    put(
        "cost_per_total_registration".into(),
        per(SPEND, total_or_count(registration)),
    );
    let checkout = single("checkout");
    put("checkout".into(), count_of(checkout.count));
    put("cost_per_checkout".into(), per(SPEND, checkout.count));
    put("checkout_rate".into(), percent(checkout.count, clicks));
    put("total_checkout".into(), count_of(total_or_count(checkout)));
    put(
        "cost_per_total_checkout".into(),
        per(SPEND, total_or_count(checkout)),
    );
    put(
        "value_per_checkout".into(),
        per(value_or_count(checkout), checkout.count),
    );
    put(
        "total_checkout_value".into(),
        money_of(value_or_count(checkout)),
    );
    let payment_info = single("add_payment_info");
    put("add_payment_info".into(), count_of(payment_info.count));
    put(
        "cost_per_add_payment_info".into(),
        per(SPEND, payment_info.count),
    );
    put(
        "add_payment_info_rate".into(),
        percent(payment_info.count, clicks),
    );
    put(
        "total_add_payment_info".into(),
        count_of(total_or_count(payment_info)),
    );
    let custom = single("custom_app_event");
    put("unique_custom_app_events".into(), count_of(custom.count));
    put(
        "cost_per_unique_custom_app_event".into(),
        per(SPEND, custom.count),
    );
    put(
        "custom_app_event_rate".into(),
        percent(custom.count, clicks),
    );
    put("custom_app_events".into(), count_of(total_or_count(custom)));
    put(
        "cost_per_custom_app_event".into(),
        per(SPEND, total_or_count(custom)),
    );
    put(
        "value_per_custom_app_event".into(),
        per(value_or_count(custom), total_or_count(custom)),
    );
    put(
        "custom_app_events_value".into(),
        money_of(value_or_count(custom)),
    );
    // Website events outside the families.
    let payment = single("complete_payment");
    put(
        "cost_per_complete_payment".into(),
        per(SPEND, payment.count),
    );
    put(
        "complete_payment_rate".into(),
        percent(payment.count, clicks),
    );
    put(
        "complete_payment_roas".into(),
        roas(value_or_count(payment)),
    );
    let vta_payment = single("vta_complete_payment");
    put("vta_complete_payment".into(), count_of(vta_payment.count));
    put(
        "cost_per_vta_payments_completed".into(),
        per(SPEND, vta_payment.count),
    );
    put(
        "vta_complete_payment_value".into(),
        money_of(value_or_count(vta_payment)),
    );
    put(
        "vta_complete_payment_roas".into(),
        roas(value_or_count(vta_payment)),
    );
    let landing = single("landing_page_view");
    put("total_landing_page_view".into(), count_of(landing.count));
    put(
        "cost_per_landing_page_view".into(),
        per(SPEND, landing.count),
    );
    put(
        "landing_page_view_rate".into(),
        percent(landing.count, clicks),
    );
    let pageview = single("pageview");
    put("cost_per_pageview".into(), per(SPEND, pageview.count));
    put("pageview_rate".into(), percent(pageview.count, clicks));
    put(
        "avg_value_per_pageview".into(),
        per(value_or_count(pageview), pageview.count),
    );
    put(
        "total_value_per_pageview".into(),
        money_of(value_or_count(pageview)),
    );
    let content = single("page_content_view");
    put("page_content_view_events".into(), count_of(content.count));
    put(
        "cost_per_page_content_view_event".into(),
        per(SPEND, content.count),
    );
    put(
        "page_content_view_event_rate".into(),
        percent(content.count, clicks),
    );
    put(
        "value_per_page_content_view_event".into(),
        per(value_or_count(content), content.count),
    );
    put(
        "total_page_view_content_events_value".into(),
        money_of(value_or_count(content)),
    );
    let custom_page = single("custom_page_event");
    put("custom_page_events".into(), count_of(custom_page.count));
    put(
        "cost_per_custom_page_event".into(),
        per(SPEND, custom_page.count),
    );
    put(
        "custom_page_event_rate".into(),
        percent(custom_page.count, clicks),
    );
    put(
        "value_per_custom_page_event".into(),
        per(value_or_count(custom_page), custom_page.count),
    );
    put(
        "custom_page_events_value".into(),
        money_of(value_or_count(custom_page)),
    );
    // TikTok Shop.
    put(
        "onsite_shopping_roas".into(),
        roas(Q::OnsiteShoppingValueCents as usize),
    );
    let download = single("onsite_download_start");
    put("onsite_download_start".into(), count_of(download.count));
    put(
        "cost_per_onsite_download_start".into(),
        per(SPEND, download.count),
    );
    put(
        "onsite_download_start_rate".into(),
        percent(download.count, clicks),
    );
    let shop = single("shop_order");
    put(
        "shop_total_purchase_by_order_submission".into(),
        count_of(shop.count),
    );
    put(
        "shop_total_items_purchased".into(),
        count_of(total_or_count(shop)),
    );
    put(
        "shop_gross_revenue_by_order_submission".into(),
        money_of(value_or_count(shop)),
    );
    // SKAdNetwork.
    let skan_conversion = single("skan_conversion").count;
    let skan_result = single("skan_result").count;
    put("skan_conversion".into(), count_of(skan_conversion));
    put(
        "skan_cost_per_conversion".into(),
        per(SPEND, skan_conversion),
    );
    put(
        "skan_conversion_rate_v2".into(),
        percent(skan_conversion, impressions),
    );
    put("skan_result".into(), count_of(skan_result));
    put("skan_cost_per_result".into(), per(SPEND, skan_result));
    put("skan_result_rate".into(), percent(skan_result, impressions));
    // Engagement.
    for x in [
        "live_effective_views",
        "live_product_clicks",
        "interactive_add_on_impressions",
        "interactive_add_on_destination_clicks",
        "interactive_add_on_activity_clicks",
        "interactive_add_on_option_a_clicks",
        "interactive_add_on_option_b_clicks",
        "countdown_sticker_recall_clicks",
        "ix_video_views",
        "ix_video_views_p25",
        "ix_video_views_p50",
        "ix_video_views_p75",
        "ix_video_views_p100",
        "duet_clicks",
        "stitch_clicks",
        "sound_usage_clicks",
        "anchor_clicks",
        "clicks_on_hashtag_challenge",
        "tt_playlist_visit",
    ] {
        put(x.to_string(), count_of(single(x).count));
    }
    let live = single("live_views");
    put("live_unique_views".into(), count_of(live.count));
    put("live_views".into(), count_of(total_or_count(live)));
    put(
        "anchor_click_rate".into(),
        percent(single("anchor_clicks").count, impressions),
    );
    put(
        "tt_playlist_visit_rate".into(),
        percent(single("tt_playlist_visit").count, impressions),
    );
    let ix_video = single("ix_video_views");
    put(
        "ix_average_video_play".into(),
        seconds(value_or_count(ix_video), ix_video.count),
    );
    let ix_page = single("ix_page_views");
    put(
        "ix_page_duration_avg".into(),
        seconds(value_or_count(ix_page), ix_page.count),
    );
    put(
        "ix_page_viewrate_avg".into(),
        Kind::Ratio {
            num: single("ix_page_view_points").count,
            den: ix_page.count,
            mul: 100,
            div: 1,
        },
    );
    // Core quantities with new names.
    put("billed_cost".into(), money_of(SPEND));
    put(
        "engagement_rate".into(),
        percent(Q::Engagements as usize, impressions),
    );
    put(
        "cost_per_engaged_view_through_conversion".into(),
        per(SPEND, Q::EngagedViewConversions as usize),
    );
    // Names the catalog already has (with the same meaning) stay the catalog's.
    let catalog_has = |name: &str| super::catalog::METRICS.iter().any(|m| m.name == name);
    out.into_iter()
        .filter(|(name, _)| !catalog_has(name))
        .map(|(name, kind)| Metric {
            name: Box::leak(name.into_boxed_str()),
            kind,
            support: Support::BasicOnly,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_fills_the_slots_exactly() {
        let l = layout();
        let new: Vec<usize> =
            (super::super::quantity::BASE_NQ..super::super::quantity::NQ).collect();
        assert_eq!(new.len(), SLOTS);
        for s in &new {
            assert!(l.owner(*s).is_some(), "slot {s} unused");
        }
        assert_eq!(EVENTS[LIVE].name, "live_views");
        assert_eq!(EVENTS[INTERACTIVE].name, "interactive_add_on_impressions");
        assert_eq!(EVENTS[IX_VIDEO].name, "ix_video_views");
        assert_eq!(EVENTS[IX_P25].name, "ix_video_views_p25");
        assert_eq!(EVENTS[IX_P50].name, "ix_video_views_p50");
        assert_eq!(EVENTS[IX_P75].name, "ix_video_views_p75");
        assert_eq!(EVENTS[IX_PAGE].name, "ix_page_views");
        for (i, e) in EVENTS.iter().enumerate() {
            if let PartOfEvent(j) = e.basis {
                assert!(j < i, "{} depends on a later event", e.name);
            }
        }
    }

    #[test]
    fn every_family_name_is_an_event() {
        for x in APP_EVENTS.iter().chain(PAGE_EVENTS).chain(SPLITS) {
            assert!(layout().by_name.contains_key(x), "{x}");
        }
        let names: Vec<&str> = metrics().iter().map(|m| m.name).collect();
        let unique: std::collections::HashSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "a metric is defined twice");
    }
}
