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

/// How an event is kept: with a total, with a value, arriving late.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Traits {
    pub total: bool,
    pub valued: Valued,
    /// Conversion events arrive late (see `quantity::Lateness`).
    pub late: bool,
}

const fn traits(total: bool, valued: Valued, late: bool) -> Traits {
    Traits {
        total,
        valued,
        late,
    }
}

/// Clicks, views and impressions of creative elements: counted as they happen.
const ENGAGEMENT: Traits = traits(false, Valued::No, false);
/// Engagement counted per person (count) and per occurrence (total).
const UNIQUE_ENGAGEMENT: Traits = traits(true, Valued::No, false);
/// Engagement with a duration, for averages.
const TIMED: Traits = traits(false, Valued::Timed, false);
/// In-app events: unique and total counts, a value.
const APP_VALUED: Traits = traits(true, Valued::Priced, true);
/// In-app events without a value.
const APP: Traits = traits(true, Valued::No, true);
/// Website and shop events: a count and a value.
const PAGE: Traits = traits(false, Valued::Priced, true);
/// Shares of other conversions: a count.
const SPLIT: Traits = traits(false, Valued::No, true);
const PURCHASE: Traits = traits(true, Valued::Same(Q::PurchaseValueCents), true);
const ONSITE_SHOPPING: Traits = traits(false, Valued::Same(Q::OnsiteShoppingValueCents), true);
const COMPLETE_PAYMENT: Traits = traits(false, Valued::Same(Q::CompletePaymentValueCents), true);

#[derive(Clone, Copy, Debug)]
pub struct EventDef {
    pub name: &'static str,
    pub basis: Basis,
    pub lo: f64,
    pub hi: f64,
    pub traits: Traits,
}

const fn ev(name: &'static str, basis: Basis, lo: f64, hi: f64, traits: Traits) -> EventDef {
    EventDef {
        name,
        basis,
        lo,
        hi,
        traits,
    }
}

use Basis::{PartOf, PartOfEvent, RateOf, Same};
use Valued::{Priced, Timed};

const CLICKS: Q = Q::Clicks;
const IMPRESSIONS: Q = Q::Impressions;

/// Indices of the events other events are parts of.
const LIVE: usize = 0;
const INTERACTIVE: usize = 3;
const IX_VIDEO: usize = 9;
const IX_P25: usize = 10;
const IX_P50: usize = 11;
const IX_P75: usize = 12;
const IX_PAGE: usize = 14;

/// Every event. Engagement events (not late) first, then conversion events.
#[rustfmt::skip]
pub const EVENTS: &[EventDef] = &[
    // LIVE: the count is unique viewers, the total all views.
    ev("live_views", RateOf(IMPRESSIONS), 0.0, 0.01, UNIQUE_ENGAGEMENT),
    ev("live_effective_views", PartOfEvent(LIVE), 0.2, 0.6, ENGAGEMENT),
    ev("live_product_clicks", PartOfEvent(LIVE), 0.0, 0.1, ENGAGEMENT),
    // Interactive add-ons.
    ev("interactive_add_on_impressions", RateOf(IMPRESSIONS), 0.0, 0.3, ENGAGEMENT),
    ev("interactive_add_on_destination_clicks", PartOfEvent(INTERACTIVE), 0.0, 0.05, ENGAGEMENT),
    ev("interactive_add_on_activity_clicks", PartOfEvent(INTERACTIVE), 0.0, 0.05, ENGAGEMENT),
    ev("interactive_add_on_option_a_clicks", PartOfEvent(INTERACTIVE), 0.0, 0.05, ENGAGEMENT),
    ev("interactive_add_on_option_b_clicks", PartOfEvent(INTERACTIVE), 0.0, 0.05, ENGAGEMENT),
    ev("countdown_sticker_recall_clicks", PartOfEvent(INTERACTIVE), 0.0, 0.02, ENGAGEMENT),
    // Instant experience: video views with their play time and quartiles, page views with
    // their time on page.
    ev("ix_video_views", RateOf(CLICKS), 0.1, 0.6, TIMED),
    ev("ix_video_views_p25", PartOfEvent(IX_VIDEO), 0.4, 0.8, ENGAGEMENT),
    ev("ix_video_views_p50", PartOfEvent(IX_P25), 0.5, 0.9, ENGAGEMENT),
    ev("ix_video_views_p75", PartOfEvent(IX_P50), 0.5, 0.9, ENGAGEMENT),
    ev("ix_video_views_p100", PartOfEvent(IX_P75), 0.4, 0.9, ENGAGEMENT),
    ev("ix_page_views", RateOf(CLICKS), 0.3, 0.9, TIMED),
    // Percentage points of the page seen, summed over page views: 30–90 per view.
    ev("ix_page_view_points", PartOfEvent(IX_PAGE), 30.0, 90.0, ENGAGEMENT),
    // Clicks on creative elements.
    ev("duet_clicks", RateOf(IMPRESSIONS), 0.0, 0.001, ENGAGEMENT),
    ev("stitch_clicks", RateOf(IMPRESSIONS), 0.0, 0.001, ENGAGEMENT),
    ev("sound_usage_clicks", RateOf(IMPRESSIONS), 0.0, 0.001, ENGAGEMENT),
    ev("anchor_clicks", RateOf(IMPRESSIONS), 0.0, 0.004, ENGAGEMENT),
    ev("clicks_on_hashtag_challenge", RateOf(IMPRESSIONS), 0.0, 0.001, ENGAGEMENT),
    ev("tt_playlist_visit", RateOf(IMPRESSIONS), 0.0, 0.002, ENGAGEMENT),
    // Landing pages load as the click lands: measured without delay.
    ev("landing_page_view", PartOf(CLICKS), 0.5, 0.95, ENGAGEMENT),
    // In-app events with a value.
    ev("view_content", RateOf(CLICKS), 0.05, 0.4, APP_VALUED),
    ev("day7_retention", RateOf(CLICKS), 0.0, 0.03, APP_VALUED),
    ev("add_to_wishlist", RateOf(CLICKS), 0.0, 0.04, APP_VALUED),
    ev("complete_tutorial", RateOf(CLICKS), 0.0, 0.05, APP_VALUED),
    ev("create_group", RateOf(CLICKS), 0.0, 0.01, APP_VALUED),
    ev("join_group", RateOf(CLICKS), 0.0, 0.02, APP_VALUED),
    ev("create_gamerole", RateOf(CLICKS), 0.0, 0.02, APP_VALUED),
    ev("spend_credits", RateOf(CLICKS), 0.0, 0.02, APP_VALUED),
    ev("achieve_level", RateOf(CLICKS), 0.0, 0.04, APP_VALUED),
    ev("unlock_achievement", RateOf(CLICKS), 0.0, 0.03, APP_VALUED),
    ev("sales_lead", Same(Q::SalesLead), 0.0, 0.0, APP_VALUED),
    ev("in_app_ad_click", RateOf(CLICKS), 0.0, 0.05, APP_VALUED),
    ev("in_app_ad_impr", RateOf(CLICKS), 0.1, 0.8, APP_VALUED),
    ev("ratings", RateOf(CLICKS), 0.0, 0.01, APP_VALUED),
    ev("subscribe", RateOf(CLICKS), 0.0, 0.02, APP_VALUED),
    ev("app_event_add_to_cart", Same(Q::AddToCart), 0.0, 0.0, APP_VALUED),
    // In-app events without a value.
    ev("next_day_open", RateOf(CLICKS), 0.0, 0.06, APP),
    ev("launch_app", RateOf(CLICKS), 0.05, 0.5, APP),
    ev("loan_apply", RateOf(CLICKS), 0.0, 0.01, APP),
    ev("loan_credit", RateOf(CLICKS), 0.0, 0.005, APP),
    ev("loan_disbursement", RateOf(CLICKS), 0.0, 0.004, APP),
    ev("login", RateOf(CLICKS), 0.0, 0.2, APP),
    ev("search", RateOf(CLICKS), 0.0, 0.2, APP),
    ev("start_trial", RateOf(CLICKS), 0.0, 0.02, APP),
    // In-app events that follow no family.
    ev("purchase", Same(Q::Purchase), 0.0, 0.0, PURCHASE),
    ev("registration", Same(Q::Registration), 0.0, 0.0, APP),
    ev("checkout", RateOf(CLICKS), 0.0, 0.06, APP_VALUED),
    ev("add_payment_info", RateOf(CLICKS), 0.0, 0.04, APP),
    ev("custom_app_event", RateOf(CLICKS), 0.0, 0.05, APP_VALUED),
    // Website and shop events.
    ev("button_click", RateOf(CLICKS), 0.0, 0.2, PAGE),
    ev("online_consult", RateOf(CLICKS), 0.0, 0.02, PAGE),
    ev("user_registration", RateOf(CLICKS), 0.0, 0.05, PAGE),
    ev("product_details_page_browse", RateOf(CLICKS), 0.05, 0.5, PAGE),
    ev("web_event_add_to_cart", RateOf(CLICKS), 0.0, 0.1, PAGE),
    ev("on_web_order", RateOf(CLICKS), 0.0, 0.04, PAGE),
    ev("initiate_checkout", RateOf(CLICKS), 0.0, 0.06, PAGE),
    ev("add_billing", RateOf(CLICKS), 0.0, 0.04, PAGE),
    ev("page_event_search", RateOf(CLICKS), 0.0, 0.1, PAGE),
    ev("form", RateOf(CLICKS), 0.0, 0.05, PAGE),
    ev("download_start", RateOf(CLICKS), 0.0, 0.05, PAGE),
    ev("on_web_add_to_wishlist", RateOf(CLICKS), 0.0, 0.04, PAGE),
    ev("on_web_subscribe", RateOf(CLICKS), 0.0, 0.02, PAGE),
    ev("onsite_shopping", Same(Q::OnsiteShopping), 0.0, 0.0, ONSITE_SHOPPING),
    ev("onsite_initiate_checkout_count", RateOf(CLICKS), 0.0, 0.05, PAGE),
    ev("onsite_on_web_detail", RateOf(CLICKS), 0.05, 0.4, PAGE),
    ev("onsite_on_web_cart", RateOf(CLICKS), 0.0, 0.08, PAGE),
    ev("onsite_add_to_wishlist", RateOf(CLICKS), 0.0, 0.03, PAGE),
    ev("onsite_add_billing", RateOf(CLICKS), 0.0, 0.03, PAGE),
    ev("onsite_form", RateOf(CLICKS), 0.0, 0.03, PAGE),
    ev("onsite_download_start", RateOf(CLICKS), 0.0, 0.05, SPLIT),
    ev("complete_payment", Same(Q::CompletePayment), 0.0, 0.0, COMPLETE_PAYMENT),
    ev("vta_complete_payment", PartOf(Q::CompletePayment), 0.05, 0.3, PAGE),
    ev("page_content_view", RateOf(CLICKS), 0.1, 0.8, PAGE),
    ev("custom_page_event", RateOf(CLICKS), 0.0, 0.1, PAGE),
    ev("pageview", Same(Q::PageView), 0.0, 0.0, PAGE),
    // TikTok Shop orders: the total counts items, the value is gross revenue.
    ev("shop_order", RateOf(Q::Conversion), 0.0, 0.4, APP_VALUED),
    // Attribution splits of core conversions.
    ev("vta_app_install", PartOf(Q::AppInstall), 0.05, 0.3, SPLIT),
    ev("cta_app_install", PartOf(Q::AppInstall), 0.6, 0.9, SPLIT),
    ev("evta_app_install", PartOf(Q::AppInstall), 0.0, 0.1, SPLIT),
    ev("vta_registration", PartOf(Q::Registration), 0.05, 0.3, SPLIT),
    ev("cta_registration", PartOf(Q::Registration), 0.6, 0.9, SPLIT),
    ev("evta_registration", PartOf(Q::Registration), 0.0, 0.1, SPLIT),
    ev("evta_purchase", PartOf(Q::Purchase), 0.0, 0.1, SPLIT),
    ev("evta_payments_completed", PartOf(Q::CompletePayment), 0.0, 0.1, SPLIT),
    // SKAdNetwork (iOS) shares of conversions and results.
    ev("skan_conversion", PartOf(Q::Conversion), 0.05, 0.3, SPLIT),
    ev("skan_result", PartOf(Q::Result), 0.05, 0.3, SPLIT),
    // Purchase value within 0, 2 and 6 days of the click.
    ev("purchase_value_day0", PartOf(Q::PurchaseValueCents), 0.3, 0.6, SPLIT),
    ev("purchase_value_day2", PartOf(Q::PurchaseValueCents), 0.6, 0.8, SPLIT),
    ev("purchase_value_day6", PartOf(Q::PurchaseValueCents), 0.8, 1.0, SPLIT),
];

const fn new_slots(e: &EventDef) -> usize {
    let count = match e.basis {
        Same(_) => 0,
        _ => 1,
    };
    let value = match e.traits.valued {
        Priced | Timed => 1,
        _ => 0,
    };
    count + e.traits.total as usize + value
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
        let total = e.traits.total.then(|| {
            let s = take();
            owner.insert(s, i);
            s
        });
        let value = match e.traits.valued {
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
        self.owner(slot).is_some_and(|i| EVENTS[i].traits.late)
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
    let amount = match e.traits.valued {
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
        if let (Some(v), Priced | Timed) = (slots.value, e.traits.valued) {
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

/// Which number of an event a formula reads.
#[derive(Clone, Copy, Debug)]
enum Part {
    Count,
    /// Every occurrence (the count when the event keeps no total).
    Total,
    /// The value (the count when the event keeps no value).
    Value,
}

/// How a metric is computed from an event.
#[derive(Clone, Copy, Debug)]
enum Formula {
    /// An integer count.
    Count(&'static str, Part),
    /// A 2-decimal amount.
    Money(&'static str, Part),
    /// Spend per count or total.
    CostPer(&'static str, Part),
    /// Count per click, in percent.
    PerClick(&'static str),
    /// Count per impression, in percent.
    PerImpression(&'static str),
    /// Value per count or total.
    ValuePer(&'static str, Part),
    /// Value (or an amount kept as the count) per spend.
    Roas(&'static str, Part),
    /// Milliseconds (the value) per count, in seconds.
    Seconds(&'static str),
    /// Percentage points (an event's count) per count of another event.
    Points(&'static str, &'static str),
    /// A core quantity under another name.
    Core(Kind),
}

use Formula::{CostPer, Money, PerClick, PerImpression, Roas, ValuePer};
use Part::{Total, Value};

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

const fn core_cost(q: Q) -> Formula {
    Formula::Core(Kind::Ratio {
        num: SPEND,
        den: q as usize,
        mul: 1,
        div: 1,
    })
}

const fn core_percent(num: Q, den: Q) -> Formula {
    Formula::Core(Kind::Ratio {
        num: num as usize,
        den: den as usize,
        mul: 10_000,
        div: 1,
    })
}

/// The metrics whose names follow no family.
#[rustfmt::skip]
const NAMED: &[(&str, Formula)] = &[
    // In-app.
    ("total_purchase", Formula::Count("purchase", Total)),
    ("cost_per_total_purchase", CostPer("purchase", Total)),
    ("value_per_total_purchase", ValuePer("purchase", Total)),
    ("total_active_pay_roas", Roas("purchase", Value)),
    ("total_purchase_value_day0", Money("purchase_value_day0", Part::Count)),
    ("total_purchase_value_day2", Money("purchase_value_day2", Part::Count)),
    ("total_purchase_value_day6", Money("purchase_value_day6", Part::Count)),
    ("total_purchase_roas_day0", Roas("purchase_value_day0", Part::Count)),
    ("total_purchase_roas_day2", Roas("purchase_value_day2", Part::Count)),
    ("total_purchase_roas_day6", Roas("purchase_value_day6", Part::Count)),
    ("total_registration", Formula::Count("registration", Total)),
    ("cost_per_total_registration", CostPer("registration", Total)),
    ("checkout", Formula::Count("checkout", Part::Count)),
    ("cost_per_checkout", CostPer("checkout", Part::Count)),
    ("checkout_rate", PerClick("checkout")),
    ("total_checkout", Formula::Count("checkout", Total)),
    ("cost_per_total_checkout", CostPer("checkout", Total)),
    ("value_per_checkout", ValuePer("checkout", Part::Count)),
    ("total_checkout_value", Money("checkout", Value)),
    ("add_payment_info", Formula::Count("add_payment_info", Part::Count)),
    ("cost_per_add_payment_info", CostPer("add_payment_info", Part::Count)),
    ("add_payment_info_rate", PerClick("add_payment_info")),
    ("total_add_payment_info", Formula::Count("add_payment_info", Total)),
    ("unique_custom_app_events", Formula::Count("custom_app_event", Part::Count)),
    ("cost_per_unique_custom_app_event", CostPer("custom_app_event", Part::Count)),
    ("custom_app_event_rate", PerClick("custom_app_event")),
    ("custom_app_events", Formula::Count("custom_app_event", Total)),
    ("cost_per_custom_app_event", CostPer("custom_app_event", Total)),
    ("value_per_custom_app_event", ValuePer("custom_app_event", Total)),
    ("custom_app_events_value", Money("custom_app_event", Value)),
    // Website.
    ("cost_per_complete_payment", CostPer("complete_payment", Part::Count)),
    ("complete_payment_rate", PerClick("complete_payment")),
    ("complete_payment_roas", Roas("complete_payment", Value)),
    ("vta_complete_payment", Formula::Count("vta_complete_payment", Part::Count)),
    ("cost_per_vta_payments_completed", CostPer("vta_complete_payment", Part::Count)),
    ("vta_complete_payment_value", Money("vta_complete_payment", Value)),
    ("vta_complete_payment_roas", Roas("vta_complete_payment", Value)),
    ("total_landing_page_view", Formula::Count("landing_page_view", Part::Count)),
    ("cost_per_landing_page_view", CostPer("landing_page_view", Part::Count)),
    ("landing_page_view_rate", PerClick("landing_page_view")),
    ("cost_per_pageview", CostPer("pageview", Part::Count)),
    ("pageview_rate", PerClick("pageview")),
    ("avg_value_per_pageview", ValuePer("pageview", Part::Count)),
    ("total_value_per_pageview", Money("pageview", Value)),
    ("page_content_view_events", Formula::Count("page_content_view", Part::Count)),
    ("cost_per_page_content_view_event", CostPer("page_content_view", Part::Count)),
    ("page_content_view_event_rate", PerClick("page_content_view")),
    ("value_per_page_content_view_event", ValuePer("page_content_view", Part::Count)),
    ("total_page_view_content_events_value", Money("page_content_view", Value)),
    ("custom_page_events", Formula::Count("custom_page_event", Part::Count)),
    ("cost_per_custom_page_event", CostPer("custom_page_event", Part::Count)),
    ("custom_page_event_rate", PerClick("custom_page_event")),
    ("value_per_custom_page_event", ValuePer("custom_page_event", Part::Count)),
    ("custom_page_events_value", Money("custom_page_event", Value)),
    // TikTok Shop.
    ("onsite_shopping_roas", Roas("onsite_shopping", Value)),
    ("onsite_download_start", Formula::Count("onsite_download_start", Part::Count)),
    ("cost_per_onsite_download_start", CostPer("onsite_download_start", Part::Count)),
    ("onsite_download_start_rate", PerClick("onsite_download_start")),
    ("shop_total_purchase_by_order_submission", Formula::Count("shop_order", Part::Count)),
    ("shop_total_items_purchased", Formula::Count("shop_order", Total)),
    ("shop_gross_revenue_by_order_submission", Money("shop_order", Value)),
    // SKAdNetwork.
    ("skan_conversion", Formula::Count("skan_conversion", Part::Count)),
    ("skan_cost_per_conversion", CostPer("skan_conversion", Part::Count)),
    ("skan_conversion_rate_v2", PerImpression("skan_conversion")),
    ("skan_result", Formula::Count("skan_result", Part::Count)),
    ("skan_cost_per_result", CostPer("skan_result", Part::Count)),
    ("skan_result_rate", PerImpression("skan_result")),
    // Engagement.
    ("live_unique_views", Formula::Count("live_views", Part::Count)),
    ("live_views", Formula::Count("live_views", Total)),
    ("live_effective_views", Formula::Count("live_effective_views", Part::Count)),
    ("live_product_clicks", Formula::Count("live_product_clicks", Part::Count)),
    ("interactive_add_on_impressions", Formula::Count("interactive_add_on_impressions", Part::Count)),
    ("interactive_add_on_destination_clicks", Formula::Count("interactive_add_on_destination_clicks", Part::Count)),
    ("interactive_add_on_activity_clicks", Formula::Count("interactive_add_on_activity_clicks", Part::Count)),
    ("interactive_add_on_option_a_clicks", Formula::Count("interactive_add_on_option_a_clicks", Part::Count)),
    ("interactive_add_on_option_b_clicks", Formula::Count("interactive_add_on_option_b_clicks", Part::Count)),
    ("countdown_sticker_recall_clicks", Formula::Count("countdown_sticker_recall_clicks", Part::Count)),
    ("ix_video_views", Formula::Count("ix_video_views", Part::Count)),
    ("ix_video_views_p25", Formula::Count("ix_video_views_p25", Part::Count)),
    ("ix_video_views_p50", Formula::Count("ix_video_views_p50", Part::Count)),
    ("ix_video_views_p75", Formula::Count("ix_video_views_p75", Part::Count)),
    ("ix_video_views_p100", Formula::Count("ix_video_views_p100", Part::Count)),
    ("ix_average_video_play", Formula::Seconds("ix_video_views")),
    ("ix_page_duration_avg", Formula::Seconds("ix_page_views")),
    ("ix_page_viewrate_avg", Formula::Points("ix_page_view_points", "ix_page_views")),
    ("duet_clicks", Formula::Count("duet_clicks", Part::Count)),
    ("stitch_clicks", Formula::Count("stitch_clicks", Part::Count)),
    ("sound_usage_clicks", Formula::Count("sound_usage_clicks", Part::Count)),
    ("anchor_clicks", Formula::Count("anchor_clicks", Part::Count)),
    ("anchor_click_rate", PerImpression("anchor_clicks")),
    ("clicks_on_hashtag_challenge", Formula::Count("clicks_on_hashtag_challenge", Part::Count)),
    ("tt_playlist_visit", Formula::Count("tt_playlist_visit", Part::Count)),
    ("tt_playlist_visit_rate", PerImpression("tt_playlist_visit")),
    // Core quantities under other names.
    ("billed_cost", Formula::Core(Kind::Money(SPEND))),
    ("engagement_rate", core_percent(Q::Engagements, Q::Impressions)),
    ("cost_per_engaged_view_through_conversion", core_cost(Q::EngagedViewConversions)),
    ("cost_per_vta_conversion", core_cost(Q::VtaConversion)),
    ("cost_per_cta_conversion", core_cost(Q::CtaConversion)),
    ("cost_per_vta_purchase", core_cost(Q::VtaPurchase)),
    ("cost_per_cta_purchase", core_cost(Q::CtaPurchase)),
];

/// The families' metrics, then the named ones.
fn formulas() -> Vec<(String, Formula)> {
    let mut out: Vec<(String, Formula)> = Vec::new();
    for &x in APP_EVENTS {
        out.push((x.to_string(), Formula::Count(x, Part::Count)));
        out.push((format!("cost_per_{x}"), CostPer(x, Part::Count)));
        out.push((format!("{x}_rate"), PerClick(x)));
        out.push((format!("total_{x}"), Formula::Count(x, Total)));
        out.push((format!("cost_per_total_{x}"), CostPer(x, Total)));
    }
    for &x in APP_EVENTS {
        if EVENTS
            .iter()
            .any(|e| e.name == x && e.traits.valued != Valued::No)
        {
            out.push((format!("value_per_total_{x}"), ValuePer(x, Total)));
            out.push((format!("total_{x}_value"), Money(x, Value)));
        }
    }
    for &x in PAGE_EVENTS {
        out.push((x.to_string(), Formula::Count(x, Part::Count)));
        out.push((format!("cost_per_{x}"), CostPer(x, Part::Count)));
        out.push((format!("{x}_rate"), PerClick(x)));
        out.push((format!("value_per_{x}"), ValuePer(x, Part::Count)));
        out.push((format!("total_{x}_value"), Money(x, Value)));
    }
    for &x in SPLITS {
        out.push((x.to_string(), Formula::Count(x, Part::Count)));
        out.push((format!("cost_per_{x}"), CostPer(x, Part::Count)));
    }
    out.extend(NAMED.iter().map(|(n, f)| (n.to_string(), *f)));
    out
}

fn slot(l: &Layout, event: &str, part: Part) -> usize {
    let s = l.slots(event);
    match part {
        Part::Count => s.count,
        Total => s.total.unwrap_or(s.count),
        Value => s.value.unwrap_or(s.count),
    }
}

fn kind(l: &Layout, f: Formula) -> Kind {
    let ratio = |num, den, mul, div| Kind::Ratio { num, den, mul, div };
    let (clicks, impressions) = (Q::Clicks as usize, Q::Impressions as usize);
    match f {
        Formula::Count(e, p) => Kind::Count(slot(l, e, p)),
        Money(e, p) => Kind::Money(slot(l, e, p)),
        CostPer(e, p) => ratio(SPEND, slot(l, e, p), 1, 1),
        PerClick(e) => ratio(slot(l, e, Part::Count), clicks, 10_000, 1),
        PerImpression(e) => ratio(slot(l, e, Part::Count), impressions, 10_000, 1),
        ValuePer(e, p) => ratio(slot(l, e, Value), slot(l, e, p), 1, 1),
        Roas(e, p) => ratio(slot(l, e, p), SPEND, 100, 1),
        Formula::Seconds(e) => ratio(slot(l, e, Value), slot(l, e, Part::Count), 1, 10),
        Formula::Points(points, per) => ratio(
            slot(l, points, Part::Count),
            slot(l, per, Part::Count),
            100,
            1,
        ),
        Formula::Core(k) => k,
    }
}

fn build(l: &Layout) -> Vec<Metric> {
    // Names the catalog already has (with the same meaning) stay the catalog's.
    let catalog_has = |name: &str| super::catalog::METRICS.iter().any(|m| m.name == name);
    formulas()
        .into_iter()
        .filter(|(name, _)| !catalog_has(name))
        .map(|(name, f)| Metric {
            name: Box::leak(name.into_boxed_str()),
            kind: kind(l, f),
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
        let event = |x: &str| layout().by_name.contains_key(x);
        for x in APP_EVENTS.iter().chain(PAGE_EVENTS).chain(SPLITS) {
            assert!(event(x), "{x}");
        }
        for (name, f) in formulas() {
            let events = match f {
                Formula::Count(e, _)
                | Money(e, _)
                | CostPer(e, _)
                | PerClick(e)
                | PerImpression(e)
                | ValuePer(e, _)
                | Roas(e, _)
                | Formula::Seconds(e) => vec![e],
                Formula::Points(a, b) => vec![a, b],
                Formula::Core(_) => vec![],
            };
            assert!(
                events.iter().all(|e| event(e)),
                "{name} reads an unknown event"
            );
        }
        let names: Vec<&str> = metrics().iter().map(|m| m.name).collect();
        let unique: std::collections::HashSet<&&str> = names.iter().collect();
        assert_eq!(unique.len(), names.len(), "a metric is defined twice");
    }
}
