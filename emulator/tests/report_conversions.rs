//! Conversion metrics in BASIC reports: every metric the connector's catalog lists
//! (`src/streams/metrics.rs`, copied here as data) is accepted and typed as TikTok sends it,
//! web, shop and in-app conversion metrics are consistent with each other (cost = spend / count,
//! rate = count / clicks, value per event, ROAS), counts add up across levels and days, and
//! conversions arrive late while engagement does not.

mod report_support;

use std::collections::BTreeMap;

use chrono::Duration;
use report_support::*;
use tiktok_emulator::model::Params;
use tiktok_emulator::report::ReportRow;

const INTEGERS: &str = "\
    achieve_level add_billing add_payment_info add_to_wishlist anchor_clicks \
    app_event_add_to_cart app_install button_click checkout clicks clicks_on_hashtag_challenge \
    clicks_on_music_disc comments complete_payment complete_tutorial conversion \
    countdown_sticker_recall_clicks create_gamerole create_group cta_app_install cta_conversion \
    cta_purchase cta_registration custom_app_events custom_page_events day7_retention \
    download_start duet_clicks engaged_view engaged_view_15s engaged_view_through_conversions \
    engagements evta_app_install evta_payments_completed evta_purchase evta_registration follows \
    form gross_impressions impressions in_app_ad_click in_app_ad_impr initiate_checkout \
    interactive_add_on_activity_clicks interactive_add_on_destination_clicks \
    interactive_add_on_impressions interactive_add_on_option_a_clicks \
    interactive_add_on_option_b_clicks ix_video_views ix_video_views_p100 ix_video_views_p25 \
    ix_video_views_p50 ix_video_views_p75 join_group launch_app likes live_effective_views \
    live_product_clicks live_unique_views live_views loan_apply loan_credit loan_disbursement \
    login next_day_open on_web_add_to_wishlist on_web_order on_web_subscribe online_consult \
    onsite_add_billing onsite_add_to_wishlist onsite_download_start onsite_form \
    onsite_initiate_checkout_count onsite_on_web_cart onsite_on_web_detail onsite_shopping \
    page_content_view_events page_event_search paid_engaged_view paid_engaged_view_15s \
    paid_engagement_engaged_view paid_engagement_engaged_view_15s product_details_page_browse \
    profile_visits purchase ratings reach real_time_app_install real_time_conversion \
    real_time_result registration result sales_lead search secondary_goal_result shares \
    shop_total_items_purchased shop_total_purchase_by_order_submission skan_conversion \
    skan_result sound_usage_clicks spend_credits start_trial stitch_clicks subscribe \
    total_achieve_level total_add_payment_info total_add_to_wishlist total_app_event_add_to_cart \
    total_checkout total_complete_tutorial total_create_gamerole total_create_group \
    total_day7_retention total_in_app_ad_click total_in_app_ad_impr total_join_group \
    total_landing_page_view total_launch_app total_loan_apply total_loan_credit \
    total_loan_disbursement total_login total_next_day_open total_pageview total_purchase \
    total_ratings total_registration total_sales_lead total_search total_spend_credits \
    total_start_trial total_subscribe total_unlock_achievement total_view_content \
    tt_playlist_visit unique_custom_app_events unlock_achievement user_registration \
    video_play_actions video_views_p100 video_views_p25 video_views_p50 video_views_p75 \
    video_watched_2s video_watched_6s view_content vta_app_install vta_complete_payment \
    vta_conversion vta_purchase vta_registration web_event_add_to_cart";
const NUMBERS: &str = "\
    achieve_level_rate add_billing_rate add_payment_info_rate add_to_wishlist_rate \
    anchor_click_rate app_event_add_to_cart_rate average_video_play average_video_play_per_user \
    avg_value_per_pageview billed_cost button_click_rate checkout_rate complete_payment_rate \
    complete_payment_roas complete_tutorial_rate conversion_rate conversion_rate_v2 \
    cost_per_1000_reached cost_per_achieve_level cost_per_add_billing cost_per_add_payment_info \
    cost_per_add_to_wishlist cost_per_app_event_add_to_cart cost_per_app_install \
    cost_per_button_click cost_per_checkout cost_per_complete_payment cost_per_complete_tutorial \
    cost_per_conversion cost_per_create_gamerole cost_per_create_group cost_per_cta_app_install \
    cost_per_cta_conversion cost_per_cta_purchase cost_per_cta_registration \
    cost_per_custom_app_event cost_per_custom_page_event cost_per_day7_retention \
    cost_per_download_start cost_per_engaged_view_through_conversion cost_per_evta_app_install \
    cost_per_evta_payments_completed cost_per_evta_purchase cost_per_evta_registration \
    cost_per_form cost_per_in_app_ad_click cost_per_in_app_ad_impr cost_per_initiate_checkout \
    cost_per_join_group cost_per_landing_page_view cost_per_launch_app cost_per_loan_apply \
    cost_per_loan_credit cost_per_loan_disbursement cost_per_login cost_per_next_day_open \
    cost_per_on_web_add_to_wishlist cost_per_on_web_order cost_per_on_web_subscribe \
    cost_per_online_consult cost_per_onsite_add_billing cost_per_onsite_add_to_wishlist \
    cost_per_onsite_download_start cost_per_onsite_form cost_per_onsite_initiate_checkout_count \
    cost_per_onsite_on_web_cart cost_per_onsite_on_web_detail cost_per_onsite_shopping \
    cost_per_page_content_view_event cost_per_page_event_search cost_per_pageview \
    cost_per_product_details_page_browse cost_per_purchase cost_per_ratings \
    cost_per_registration cost_per_result cost_per_sales_lead cost_per_search \
    cost_per_secondary_goal_result cost_per_spend_credits cost_per_start_trial \
    cost_per_subscribe cost_per_total_achieve_level cost_per_total_add_to_wishlist \
    cost_per_total_app_event_add_to_cart cost_per_total_checkout \
    cost_per_total_complete_tutorial cost_per_total_create_gamerole cost_per_total_create_group \
    cost_per_total_day7_retention cost_per_total_in_app_ad_click cost_per_total_in_app_ad_impr \
    cost_per_total_join_group cost_per_total_launch_app cost_per_total_loan_apply \
    cost_per_total_loan_credit cost_per_total_loan_disbursement cost_per_total_login \
    cost_per_total_next_day_open cost_per_total_purchase cost_per_total_ratings \
    cost_per_total_registration cost_per_total_sales_lead cost_per_total_search \
    cost_per_total_spend_credits cost_per_total_start_trial cost_per_total_subscribe \
    cost_per_total_unlock_achievement cost_per_total_view_content \
    cost_per_unique_custom_app_event cost_per_unlock_achievement cost_per_user_registration \
    cost_per_view_content cost_per_vta_app_install cost_per_vta_conversion \
    cost_per_vta_payments_completed cost_per_vta_purchase cost_per_vta_registration \
    cost_per_web_event_add_to_cart cpc cpm create_gamerole_rate create_group_rate ctr \
    custom_app_event_rate custom_app_events_value custom_page_event_rate \
    custom_page_events_value day7_retention_rate download_start_rate engagement_rate form_rate \
    frequency in_app_ad_click_rate in_app_ad_impr_rate initiate_checkout_rate \
    ix_average_video_play ix_page_duration_avg ix_page_viewrate_avg join_group_rate \
    landing_page_view_rate launch_app_rate loan_apply_rate loan_credit_rate \
    loan_disbursement_rate login_rate next_day_open_rate on_web_add_to_wishlist_rate \
    on_web_order_rate on_web_subscribe_rate online_consult_rate onsite_add_billing_rate \
    onsite_add_to_wishlist_rate onsite_download_start_rate onsite_form_rate \
    onsite_initiate_checkout_count_rate onsite_on_web_cart_rate onsite_on_web_detail_rate \
    onsite_shopping_rate onsite_shopping_roas page_content_view_event_rate \
    page_event_search_rate pageview_rate product_details_page_browse_rate profile_visits_rate \
    purchase_rate ratings_rate real_time_app_install_cost real_time_conversion_rate \
    real_time_conversion_rate_v2 real_time_cost_per_conversion real_time_cost_per_result \
    real_time_result_rate registration_rate result_rate sales_lead_rate search_rate \
    secondary_goal_result_rate shop_gross_revenue_by_order_submission skan_conversion_rate_v2 \
    skan_cost_per_conversion skan_cost_per_result skan_result_rate spend spend_credits_rate \
    start_trial_rate subscribe_rate total_achieve_level_value total_active_pay_roas \
    total_add_billing_value total_add_to_wishlist_value total_app_event_add_to_cart_value \
    total_button_click_value total_checkout_value total_complete_payment_rate \
    total_complete_tutorial_value total_create_gamerole_value total_create_group_value \
    total_day7_retention_value total_download_start_value total_form_value \
    total_in_app_ad_click_value total_in_app_ad_impr_value total_initiate_checkout_value \
    total_join_group_value total_on_web_add_to_wishlist_value total_on_web_order_value \
    total_on_web_subscribe_value total_online_consult_value total_onsite_add_billing_value \
    total_onsite_add_to_wishlist_value total_onsite_form_value \
    total_onsite_initiate_checkout_count_value total_onsite_on_web_cart_value \
    total_onsite_on_web_detail_value total_onsite_shopping_value total_page_event_search_value \
    total_page_view_content_events_value total_product_details_page_browse_value \
    total_purchase_roas_day0 total_purchase_roas_day2 total_purchase_roas_day6 \
    total_purchase_value total_purchase_value_day0 total_purchase_value_day2 \
    total_purchase_value_day6 total_ratings_value total_sales_lead_value \
    total_spend_credits_value total_subscribe_value total_unlock_achievement_value \
    total_user_registration_value total_value_per_pageview total_view_content_value \
    total_web_event_add_to_cart_value tt_playlist_visit_rate unlock_achievement_rate \
    user_registration_rate value_per_add_billing value_per_button_click value_per_checkout \
    value_per_complete_payment value_per_custom_app_event value_per_custom_page_event \
    value_per_download_start value_per_form value_per_initiate_checkout \
    value_per_on_web_add_to_wishlist value_per_on_web_order value_per_on_web_subscribe \
    value_per_online_consult value_per_onsite_add_billing value_per_onsite_add_to_wishlist \
    value_per_onsite_form value_per_onsite_initiate_checkout_count value_per_onsite_on_web_cart \
    value_per_onsite_on_web_detail value_per_onsite_shopping value_per_page_content_view_event \
    value_per_page_event_search value_per_product_details_page_browse \
    value_per_total_achieve_level value_per_total_add_to_wishlist \
    value_per_total_app_event_add_to_cart value_per_total_complete_tutorial \
    value_per_total_create_gamerole value_per_total_create_group value_per_total_day7_retention \
    value_per_total_in_app_ad_click value_per_total_in_app_ad_impr value_per_total_join_group \
    value_per_total_purchase value_per_total_ratings value_per_total_sales_lead \
    value_per_total_spend_credits value_per_total_subscribe value_per_total_unlock_achievement \
    value_per_total_view_content value_per_user_registration value_per_web_event_add_to_cart \
    view_content_rate vta_complete_payment_roas vta_complete_payment_value \
    web_event_add_to_cart_rate";
const TEXT_ATTRIBUTES: &str = "\
    ad_name ad_profile_image ad_text ad_url adgroup_download_url adgroup_id adgroup_name \
    advertiser_name aeo_type app_promotion_type bid_strategy billing_event call_to_action \
    campaign_dedicate_type campaign_id campaign_name currency dpa_target_audience_type is_aco \
    is_smart_creative mobile_app_id objective_type opt_status placement_type profile_image \
    promotion_type smart_target split_test tt_app_id tt_app_name";
const NUMBER_ATTRIBUTES: &str = "\
    bid bid_secondary_goal budget campaign_budget";

fn names(list: &str) -> Vec<&str> {
    list.split_whitespace().collect()
}

fn daily(level: &str, id_dim: &str, metrics: &[&str], extra: &[(&str, &str)]) -> Params {
    let m = json_list(metrics);
    let dims = format!(r#"["{id_dim}", "stat_time_day"]"#);
    let mut p = basic(&[
        ("data_level", level),
        ("dimensions", &dims),
        ("metrics", &m),
        ("start_date", "2026-11-01"),
        ("end_date", "2026-11-20"),
    ]);
    for (k, v) in extra {
        p.insert(k.to_string(), v.to_string());
    }
    p
}

fn is_integer(v: &str) -> bool {
    v == "-" || (!v.is_empty() && v.chars().all(|c| c.is_ascii_digit()))
}

fn is_two_decimals(v: &str) -> bool {
    v == "-"
        || v.split_once('.').is_some_and(|(whole, frac)| {
            !whole.is_empty()
                && whole.chars().all(|c| c.is_ascii_digit())
                && frac.len() == 2
                && frac.chars().all(|c| c.is_ascii_digit())
        })
}

const LEVELS: [(&str, &str); 3] = [
    ("AUCTION_AD", "ad_id"),
    ("AUCTION_ADGROUP", "adgroup_id"),
    ("AUCTION_CAMPAIGN", "campaign_id"),
];

#[test]
fn every_metric_the_connector_lists_is_accepted_and_typed() {
    let w = small_world("America/New_York");
    let s = settings(31);
    let (integers, numbers) = (names(INTEGERS), names(NUMBERS));
    let all: Vec<&str> = integers.iter().chain(&numbers).copied().collect();
    for (level, id_dim) in LEVELS {
        let got = rows(&w, &daily(level, id_dim, &all, &[]), now(), &s);
        assert!(!got.is_empty(), "{level}");
        for r in &got {
            assert_eq!(r.metrics.len(), all.len(), "{level}");
            for m in &integers {
                assert!(is_integer(&r.metrics[*m]), "{level} {m}: {}", r.metrics[*m]);
            }
            for m in &numbers {
                assert!(
                    is_two_decimals(&r.metrics[*m]),
                    "{level} {m}: {}",
                    r.metrics[*m]
                );
            }
        }
    }
    // Attributes, at the levels that have them.
    for m in names(TEXT_ATTRIBUTES)
        .into_iter()
        .chain(names(NUMBER_ATTRIBUTES))
    {
        let (level, id_dim) = if m == "is_aco" {
            ("AUCTION_ADGROUP", "adgroup_id")
        } else {
            ("AUCTION_AD", "ad_id")
        };
        let got = rows(&w, &daily(level, id_dim, &["spend", m], &[]), now(), &s);
        assert!(got.iter().all(|r| !r.metrics[m].is_empty()), "{m}");
    }
    // Cash and voucher spend: advertiser level, daily.
    let got = rows(
        &w,
        &daily(
            "AUCTION_ADVERTISER",
            "advertiser_id",
            &["cash_spend", "voucher_spend"],
            &[],
        ),
        now(),
        &s,
    );
    assert!(!got.is_empty());
    // Names TikTok does not have stay refused.
    let e = error(
        &w,
        &daily("AUCTION_AD", "ad_id", &["web_event_add_to_carts"], &[]),
    );
    assert!(
        e.message.contains("'web_event_add_to_carts'"),
        "{}",
        e.message
    );
}

/// `a / b` in hundredths, rounded half up; "0.00" when `b` is 0 (TikTok's ratio format).
fn hundredths(a: i64, b: i64, scale: i64) -> String {
    if b == 0 {
        return "0.00".to_string();
    }
    let h = (2 * a * scale + b) / (2 * b);
    format!("{}.{:02}", h / 100, h % 100)
}

fn v(r: &ReportRow, m: &str) -> i64 {
    units(&r.metrics[m])
}

/// Website and shop events: `x, cost_per_x, x_rate, value_per_x, total_x_value`.
const PAGE_EVENTS: &[&str] = &[
    "web_event_add_to_cart",
    "initiate_checkout",
    "on_web_order",
    "add_billing",
    "onsite_shopping",
    "onsite_initiate_checkout_count",
    "onsite_on_web_detail",
    "onsite_on_web_cart",
    "onsite_add_to_wishlist",
];
/// In-app events: `x, cost_per_x, x_rate, total_x, cost_per_total_x, value_per_total_x,
/// total_x_value`.
const APP_EVENTS: &[&str] = &["app_event_add_to_cart", "view_content", "subscribe"];

#[test]
fn web_shop_and_app_conversions_are_consistent() {
    let w = small_world("Asia/Tokyo");
    let s = settings(13);
    let mut metrics: Vec<String> = ["spend", "clicks", "impressions"]
        .iter()
        .map(|m| m.to_string())
        .collect();
    for x in PAGE_EVENTS {
        for m in [
            x.to_string(),
            format!("cost_per_{x}"),
            format!("{x}_rate"),
            format!("value_per_{x}"),
            format!("total_{x}_value"),
        ] {
            metrics.push(m);
        }
    }
    for x in APP_EVENTS {
        for m in [
            x.to_string(),
            format!("cost_per_{x}"),
            format!("{x}_rate"),
            format!("total_{x}"),
            format!("cost_per_total_{x}"),
            format!("value_per_total_{x}"),
            format!("total_{x}_value"),
        ] {
            metrics.push(m);
        }
    }
    for m in [
        "complete_payment",
        "cost_per_complete_payment",
        "complete_payment_rate",
        "value_per_complete_payment",
        "page_content_view_events",
        "cost_per_page_content_view_event",
        "total_page_view_content_events_value",
        "checkout",
        "total_checkout",
        "purchase",
        "total_purchase",
        "total_purchase_value",
        "total_purchase_value_day0",
        "total_purchase_value_day2",
        "total_purchase_value_day6",
        "total_onsite_shopping_value",
        "onsite_shopping_roas",
    ] {
        metrics.push(m.to_string());
    }
    let refs: Vec<&str> = metrics.iter().map(String::as_str).collect();
    let got = rows(&w, &daily("AUCTION_AD", "ad_id", &refs, &[]), now(), &s);
    assert!(!got.is_empty());
    let mut seen: BTreeMap<&str, i64> = BTreeMap::new();
    for r in &got {
        let (spend, clicks) = (v(r, "spend"), v(r, "clicks"));
        for x in PAGE_EVENTS {
            let n = v(r, x);
            let value = v(r, &format!("total_{x}_value"));
            *seen.entry(x).or_default() += n;
            assert_eq!(
                r.metrics[&format!("cost_per_{x}")],
                hundredths(spend, n, 1),
                "{x}"
            );
            assert_eq!(
                r.metrics[&format!("{x}_rate")],
                hundredths(n, clicks, 10_000),
                "{x}"
            );
            assert_eq!(
                r.metrics[&format!("value_per_{x}")],
                hundredths(value, n, 1),
                "{x}"
            );
            if dim(r, "stat_time_day").as_str() < "2026-11-12" {
                // Counts and values arrive late separately; once final, a value comes exactly
                // with events.
                assert_eq!(
                    n == 0,
                    value == 0,
                    "{x}: a value exactly when there are events"
                );
            }
        }
        for x in APP_EVENTS {
            let (n, total) = (v(r, x), v(r, &format!("total_{x}")));
            let value = v(r, &format!("total_{x}_value"));
            *seen.entry(x).or_default() += n;
            assert!(
                total >= n,
                "{x}: every occurrence is at least every unique one"
            );
            assert_eq!(
                r.metrics[&format!("cost_per_{x}")],
                hundredths(spend, n, 1),
                "{x}"
            );
            assert_eq!(
                r.metrics[&format!("{x}_rate")],
                hundredths(n, clicks, 10_000),
                "{x}"
            );
            assert_eq!(
                r.metrics[&format!("cost_per_total_{x}")],
                hundredths(spend, total, 1),
                "{x}"
            );
            assert_eq!(
                r.metrics[&format!("value_per_total_{x}")],
                hundredths(value, total, 1),
                "{x}"
            );
        }
        let payment = v(r, "complete_payment");
        assert_eq!(
            r.metrics["cost_per_complete_payment"],
            hundredths(spend, payment, 1)
        );
        assert_eq!(
            r.metrics["complete_payment_rate"],
            hundredths(payment, clicks, 10_000)
        );
        assert!(v(r, "total_checkout") >= v(r, "checkout"));
        assert!(v(r, "total_purchase") >= v(r, "purchase"));
        let (d0, d2, d6, all) = (
            v(r, "total_purchase_value_day0"),
            v(r, "total_purchase_value_day2"),
            v(r, "total_purchase_value_day6"),
            v(r, "total_purchase_value"),
        );
        assert!(d0 <= d2 && d2 <= d6 && d6 <= all, "{d0} {d2} {d6} {all}");
        assert_eq!(
            r.metrics["onsite_shopping_roas"],
            hundredths(v(r, "total_onsite_shopping_value"), spend, 100)
        );
        assert_eq!(
            r.metrics["cost_per_page_content_view_event"],
            hundredths(spend, v(r, "page_content_view_events"), 1)
        );
    }
    for x in [
        "web_event_add_to_cart",
        "onsite_on_web_detail",
        "view_content",
        "initiate_checkout",
    ] {
        assert!(seen[x] > 0, "{x} happens in this world: {seen:?}");
    }
}

/// Additive conversion metrics: counts and money.
const CONVERSION_SUMS: &[&str] = &[
    "web_event_add_to_cart",
    "total_web_event_add_to_cart_value",
    "on_web_order",
    "initiate_checkout",
    "page_content_view_events",
    "complete_payment",
    "onsite_shopping",
    "onsite_on_web_detail",
    "onsite_initiate_checkout_count",
    "onsite_add_to_wishlist",
    "app_event_add_to_cart",
    "total_app_event_add_to_cart",
    "view_content",
    "total_view_content_value",
    "checkout",
    "purchase",
    "total_purchase",
    "cta_app_install",
    "skan_conversion",
    "total_landing_page_view",
    "duet_clicks",
    "live_views",
    "ix_video_views",
];

const ALL_AD_STATUS: (&str, &str) = ("filtering", ALL_STATUS_AD);

#[test]
fn conversion_counts_add_up_across_levels_and_days() {
    let w = small_world("Europe/Berlin");
    let s = settings(17);
    let day = |r: &ReportRow| dim(r, "stat_time_day");
    let parent: BTreeMap<String, (String, String)> = w
        .ads
        .iter()
        .map(|a| {
            (
                a.ad_id.clone(),
                (a.adgroup_id.clone(), a.campaign_id.clone()),
            )
        })
        .collect();
    let ads = rows(
        &w,
        &daily("AUCTION_AD", "ad_id", CONVERSION_SUMS, &[ALL_AD_STATUS]),
        now(),
        &s,
    );
    let groups = rows(
        &w,
        &daily("AUCTION_ADGROUP", "adgroup_id", CONVERSION_SUMS, &[]),
        now(),
        &s,
    );
    let campaigns = rows(
        &w,
        &daily("AUCTION_CAMPAIGN", "campaign_id", CONVERSION_SUMS, &[]),
        now(),
        &s,
    );
    let advertiser = rows(
        &w,
        &daily("AUCTION_ADVERTISER", "advertiser_id", CONVERSION_SUMS, &[]),
        now(),
        &s,
    );
    assert_eq!(
        sums_by(&ads, CONVERSION_SUMS, |r| (
            parent[&dim(r, "ad_id")].0.clone(),
            day(r)
        )),
        sums_by(&groups, CONVERSION_SUMS, |r| (dim(r, "adgroup_id"), day(r)))
    );
    assert_eq!(
        sums_by(&ads, CONVERSION_SUMS, |r| (
            parent[&dim(r, "ad_id")].1.clone(),
            day(r)
        )),
        sums_by(&campaigns, CONVERSION_SUMS, |r| (
            dim(r, "campaign_id"),
            day(r)
        ))
    );
    assert_eq!(
        sums_by(&ads, CONVERSION_SUMS, day),
        sums_by(&advertiser, CONVERSION_SUMS, day)
    );
    // Days add up to the range, and hours to their day.
    let mut whole = daily("AUCTION_AD", "ad_id", CONVERSION_SUMS, &[ALL_AD_STATUS]);
    whole.insert("dimensions".into(), r#"["ad_id"]"#.into());
    let by_range = rows(&w, &whole, now(), &s);
    assert_eq!(
        sums_by(&ads, CONVERSION_SUMS, |r| dim(r, "ad_id")),
        sums_by(&by_range, CONVERSION_SUMS, |r| dim(r, "ad_id"))
    );
    let mut hourly = daily("AUCTION_AD", "ad_id", CONVERSION_SUMS, &[ALL_AD_STATUS]);
    hourly.insert("dimensions".into(), r#"["ad_id", "stat_time_hour"]"#.into());
    hourly.insert("start_date".into(), "2026-11-12".into());
    hourly.insert("end_date".into(), "2026-11-12".into());
    let hours = rows(&w, &hourly, now(), &s);
    let one_day: Vec<ReportRow> = ads
        .iter()
        .filter(|r| day(r).starts_with("2026-11-12"))
        .cloned()
        .collect();
    assert_eq!(
        sums_by(&hours, CONVERSION_SUMS, |r| dim(r, "ad_id")),
        sums_by(&one_day, CONVERSION_SUMS, |r| dim(r, "ad_id"))
    );
    let total: i64 = sums_by(&ads, CONVERSION_SUMS, |_| ())[&()].iter().sum();
    assert!(total > 0);
}

#[test]
fn conversions_arrive_late_and_engagement_does_not() {
    let w = small_world("UTC");
    let late = [
        "web_event_add_to_cart",
        "onsite_shopping",
        "view_content",
        "total_checkout",
    ];
    let prompt = [
        "duet_clicks",
        "total_landing_page_view",
        "ix_video_views",
        "anchor_clicks",
    ];
    let at = |metrics: &[&str], day: &str, later: i64| {
        let mut p = daily("AUCTION_ADVERTISER", "advertiser_id", metrics, &[]);
        p.insert("start_date".into(), day.into());
        p.insert("end_date".into(), day.into());
        let clock = now() + Duration::days(later);
        sums_by(&rows(&w, &p, clock, &settings(3)), metrics, |_| ())
            .remove(&())
            .unwrap_or_default()
    };
    let (before, after) = (at(&late, "2026-11-19", 0), at(&late, "2026-11-19", 8));
    assert!(before.iter().zip(&after).all(|(b, a)| a >= b));
    assert!(
        before.iter().sum::<i64>() < after.iter().sum::<i64>(),
        "yesterday's conversions keep arriving: {before:?} {after:?}"
    );
    assert_eq!(at(&prompt, "2026-11-19", 0), at(&prompt, "2026-11-19", 8));
    assert!(at(&prompt, "2026-11-19", 0).iter().sum::<i64>() > 0);
    assert_eq!(at(&late, "2026-11-01", 0), at(&late, "2026-11-01", 8));
}

#[test]
fn attributes_follow_their_levels() {
    let w = small_world("UTC");
    let s = settings(1);
    let e = error(&w, &daily("AUCTION_AD", "ad_id", &["spend", "is_aco"], &[]));
    assert!(e.message.contains("'is_aco'"), "{}", e.message);
    let groups = rows(
        &w,
        &daily("AUCTION_ADGROUP", "adgroup_id", &["spend", "is_aco"], &[]),
        now(),
        &s,
    );
    assert!(!groups.is_empty() && groups.iter().all(|r| r.metrics["is_aco"] == "false"));
    let ads = rows(
        &w,
        &daily("AUCTION_AD", "ad_id", &["ad_url", "currency"], &[]),
        now(),
        &s,
    );
    for r in &ads {
        let ad = w.ads.iter().find(|a| a.ad_id == dim(r, "ad_id")).unwrap();
        assert_eq!(r.metrics["ad_url"], ad.landing_page_url);
        assert_eq!(r.metrics["currency"], "USD");
    }
    let adv = rows(
        &w,
        &daily(
            "AUCTION_ADVERTISER",
            "advertiser_id",
            &["advertiser_name", "spend"],
            &[],
        ),
        now(),
        &s,
    );
    assert!(
        !adv.is_empty()
            && adv
                .iter()
                .all(|r| r.metrics["advertiser_name"] == "Advertiser 7001")
    );
}
