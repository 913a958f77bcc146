//! Creative assets, audiences, pixels and spark ads: their generation and their endpoints
//! (reference §4.7–4.10). Records are stored as ready-made JSON in the shape TikTok returns.

use chrono::{DateTime, Duration, Utc};
use serde_json::{json, Map, Value};

use crate::entities::fmt_time;
use crate::model::{ApiError, Asset, Params, World};
use crate::params::{self, filter_ids, Page};
use crate::rng::Rng;

pub fn iso(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%SZ").to_string()
}

fn digits(rng: &mut Rng, first: char, n: usize) -> String {
    let mut s = String::with_capacity(n);
    s.push(first);
    for _ in 1..n {
        s.push(char::from(b'0' + rng.below(10) as u8));
    }
    s
}

fn when(rng: &mut Rng, now: DateTime<Utc>, history: Duration) -> (DateTime<Utc>, DateTime<Utc>) {
    let earliest = now - history - Duration::days(30);
    let span = (now - Duration::hours(1) - earliest).num_seconds().max(0);
    let create = earliest + Duration::seconds(rng.range(0, span));
    let modify = if rng.chance(0.6) {
        create
    } else {
        create
            + Duration::seconds(rng.range(
                0,
                (now - Duration::minutes(5) - create).num_seconds().max(0),
            ))
    };
    (create, modify)
}

const SIZES: &[(u32, u32)] = &[
    (720, 1280),
    (1080, 1920),
    (1200, 628),
    (640, 640),
    (1080, 1080),
];

/// A few of every asset kind for one advertiser (`n` images and videos, fewer of the others).
pub fn generate(
    world: &mut World,
    rng: &mut Rng,
    adv_id: &str,
    n: usize,
    now: DateTime<Utc>,
    history: Duration,
) {
    let few = n.div_ceil(2);
    let push = |list: &mut Vec<Asset>, id: String, data: Value| {
        list.push(Asset {
            advertiser_id: adv_id.to_string(),
            id,
            data,
        });
    };
    for i in 0..n {
        let (create, modify) = when(rng, now, history);
        let (w, h) = *rng.pick(SIZES);
        let id = format!("ad-site-i18n-sg/{}{}", create.format("%Y%m%d"), rng.hex(24));
        let data = json!({
            "image_id": id,
            "material_id": digits(rng, '7', 19),
            "is_carousel_usable": w == h || h > w,
            "width": w,
            "height": h,
            "format": if i % 3 == 2 { "png" } else { "jpeg" },
            "image_url": format!("https://p21-ad-sg.ibyteimg.com/obj/{id}"),
            "signature": rng.hex(32),
            "size": rng.range(40_000, 900_000),
            "file_name": format!("image_{:02}.{}", i + 1, if i % 3 == 2 { "png" } else { "jpg" }),
            "displayable": i % 4 != 3,
            "create_time": iso(create),
            "modify_time": iso(modify),
        });
        push(&mut world.images, id, data);
    }
    for i in 0..n {
        let (create, modify) = when(rng, now, history);
        let (w, h) = *rng.pick(&SIZES[..2]);
        let id = format!("v10044g50000{}", rng.alnum(20));
        let data = json!({
            "video_id": id,
            "video_cover_url": format!("https://p16-sign-sg.tiktokcdn.com/tos-alisg-p-0051c001-sg/{}~tplv-noop.image", rng.hex(32)),
            "preview_url": format!("https://v16m-default.akamaized.net/{}/video/tos/alisg/{}/", rng.hex(32), id),
            "preview_url_expire_time": fmt_time(modify + Duration::hours(6)),
            "format": "mp4",
            "duration": (rng.range(5_000, 60_000) as f64) / 1000.0,
            "width": w,
            "height": h,
            "bit_rate": rng.range(800_000, 6_000_000),
            "signature": rng.hex(32),
            "size": rng.range(1_000_000, 40_000_000),
            "material_id": digits(rng, '7', 19),
            "allowed_placements": ["PLACEMENT_TIKTOK", "PLACEMENT_PANGLE", "PLACEMENT_GLOBAL_APP_BUNDLE"],
            "allow_download": i % 2 == 0,
            "file_name": format!("video_{:02}.mp4", i + 1),
            "displayable": true,
            "create_time": iso(create),
            "modify_time": iso(modify),
        });
        push(&mut world.videos, id, data);
    }
    const STYLES: &[&str] = &["Pop", "Electronic", "Hip Hop", "Acoustic", "Lo-fi"];
    for i in 0..few {
        let (create, modify) = when(rng, now, history);
        let id = digits(rng, '7', 19);
        let data = json!({
            "music_id": id,
            "material_id": digits(rng, '7', 19),
            "sources": [if i % 2 == 0 { "CUSTOM" } else { "PUBLIC_LIBRARY" }],
            "author": format!("Studio {}", char::from(b'A' + (i % 26) as u8)),
            "name": format!("Track {:02}", i + 1),
            "style": rng.pick(STYLES),
            "duration": (rng.range(10_000, 60_000) as f64) / 1000.0,
            "cover_url": format!("https://p16-sg.tiktokcdn.com/music/{}.jpeg", rng.hex(16)),
            "url": format!("https://sf16-sg.tiktokcdn.com/obj/music/{}.mp3", rng.hex(16)),
            "signature": rng.hex(32),
            "file_name": format!("track_{:02}.mp3", i + 1),
            "copyright": if i % 2 == 0 { "NORMAL" } else { "COMMERCIAL" },
            "liked": false,
            "create_time": iso(create),
            "modify_time": iso(modify),
        });
        push(&mut world.music, id, data);
    }
    const PORTFOLIO_TYPES: &[&str] = &["CTA", "CARD", "GIFT_CODE", "PREMIUM_BADGE"];
    for i in 0..few {
        let (create, _) = when(rng, now, history);
        let id = digits(rng, '7', 19);
        let kind = PORTFOLIO_TYPES[i % PORTFOLIO_TYPES.len()];
        let data = json!({
            "creative_portfolio_id": id,
            "creative_portfolio_type": kind,
            "creative_portfolio_preview_url": format!("https://ads.tiktok.com/creative/preview/{}", rng.hex(16)),
            "create_time": fmt_time(create),
        });
        push(&mut world.portfolios, id, data);
    }
    const AUDIENCE_TYPES: &[(&str, &str)] = &[
        ("Customer File Audience", "MULTIPLE_TYPES"),
        ("Lookalike Audience", "LOOKALIKE"),
        ("Engagement Audience", "ENGAGEMENT"),
        ("Website Traffic Audience", "PIXEL"),
    ];
    for i in 0..n {
        let (create, _) = when(rng, now, history);
        let (kind, calc) = AUDIENCE_TYPES[i % AUDIENCE_TYPES.len()];
        let id = digits(rng, '1', 10);
        let expired = create + Duration::days(365);
        let data = json!({
            "audience_id": id,
            "name": format!("{kind} {}", i + 1),
            "audience_type": kind,
            "calculate_type": calc,
            "shared": i % 3 == 1,
            "is_creator": true,
            "cover_num": rng.range(1_000, 2_000_000),
            "is_valid": i % 5 != 4,
            "is_expiring": expired - now < Duration::days(30),
            "create_time": fmt_time(create),
            "expired_time": fmt_time(expired),
        });
        push(&mut world.audiences, id, data);
    }
    for i in 0..few.min(3) {
        let (create, _) = when(rng, now, history);
        let id = digits(rng, '7', 19);
        let code = format!("C{}", rng.alnum(19).to_uppercase());
        let data = json!({
            "pixel_id": id,
            "pixel_code": code,
            "pixel_name": format!("Website Pixel {}", i + 1),
            "pixel_category": "THIRD_PARTY",
            "pixel_setup_mode": if i == 0 { "DEVELOPER" } else { "MANUAL" },
            "partner_name": Value::Null,
            "activity_status": if i == 0 { "ACTIVE" } else { "INACTIVE" },
            "advanced_matching_fields": {"email": true, "phone_number": i == 0},
            "create_time": fmt_time(create),
            "events": [
                {"event_id": digits(rng, '7', 19), "name": "Purchase", "event_type": "COMPLETE_PAYMENT", "event_code": "CompletePayment", "statistic_type": "EVERY_TIME", "currency": "USD"},
                {"event_id": digits(rng, '7', 19), "name": "Add to cart", "event_type": "ADD_TO_CART", "event_code": "AddToCart", "statistic_type": "EVERY_TIME", "currency": Value::Null},
                {"event_id": digits(rng, '7', 19), "name": "View content", "event_type": "ON_WEB_DETAIL", "event_code": "ViewContent", "statistic_type": "ONCE", "currency": Value::Null},
            ],
        });
        push(&mut world.pixels, id, data);
    }
    for i in 0..few {
        let (create, _) = when(rng, now, history);
        let item_id = digits(rng, '7', 19);
        let video_id = format!("v09044g40000{}", rng.alnum(20));
        let data = json!({
            "item_info": {
                "item_id": item_id,
                "text": format!("Behind the scenes #{} #fyp", i + 1),
                "anchor_list": [],
            },
            "video_info": {
                "video_id": video_id,
                "duration": (rng.range(8_000, 60_000) as f64) / 1000.0,
                "width": 1080,
                "height": 1920,
                "bit_rate": rng.range(800_000, 4_000_000),
                "file_size": rng.range(2_000_000, 30_000_000),
                "format": "mp4",
                "signature": rng.hex(32),
                "poster_url": format!("https://p16-sign-va.tiktokcdn.com/obj/{}.jpeg", rng.hex(16)),
                "preview_url": format!("https://v16m.tiktokcdn.com/{}/", rng.hex(16)),
            },
            "user_info": {
                "identity_id": digits(rng, '6', 19),
                "identity_type": "AUTH_CODE",
                "tiktok_name": format!("creator_{}", rng.alnum(6)),
                "profile_image": format!("https://p16-sign-va.tiktokcdn.com/avatar/{}.jpeg", rng.hex(16)),
            },
            "auth_info": {
                "ad_auth_status": if i % 3 == 2 { "EXPIRED" } else { "AUTHORIZED" },
                "auth_start_time": fmt_time(create),
                "auth_end_time": fmt_time(create + Duration::days(365)),
                "invite_start_time": fmt_time(create - Duration::days(1)),
            },
        });
        push(&mut world.spark_ads, item_id, data);
    }
}

pub struct Request<'a> {
    pub world: &'a World,
    pub params: &'a Params,
    pub advertiser_id: &'a str,
}

fn owned<'a>(items: &'a [Asset], adv: &'a str) -> impl Iterator<Item = &'a Asset> + 'a {
    items.iter().filter(move |a| a.advertiser_id == adv)
}

/// Newest first, ties broken by id, so pages are stable.
fn newest_first(items: &mut [&Asset]) {
    items.sort_by(|a, b| {
        let ta = a
            .data
            .get("create_time")
            .and_then(Value::as_str)
            .unwrap_or("");
        let tb = b
            .data
            .get("create_time")
            .and_then(Value::as_str)
            .unwrap_or("");
        tb.cmp(ta).then_with(|| b.id.cmp(&a.id))
    });
}

fn page_of(mut items: Vec<&Asset>, p: Page, key: &str) -> Value {
    newest_first(&mut items);
    let (page, info) = params::paginate(items, p);
    let list: Vec<Value> = page.into_iter().map(|a| a.data.clone()).collect();
    let mut data = Map::new();
    data.insert(key.to_string(), Value::Array(list));
    data.insert("page_info".to_string(), info);
    Value::Object(data)
}

fn field_in(a: &Asset, field: &str, ids: &Option<Vec<String>>) -> bool {
    ids.as_ref().is_none_or(|ids| {
        let v = a.data.get(field).and_then(Value::as_str).unwrap_or("");
        ids.iter().any(|x| x == v)
    })
}

fn number_filter(f: &Map<String, Value>, key: &str) -> Result<Option<f64>, ApiError> {
    match f.get(key) {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v
            .as_f64()
            .map(Some)
            .ok_or_else(|| ApiError::param(format!("filtering.{key}: Not a valid number."))),
    }
}

pub fn image_search(r: &Request) -> Result<Value, ApiError> {
    let f = params::filtering(r.params)?;
    let p = params::page(r.params, 20, 100)?;
    let image_ids = filter_ids(&f, "image_ids", 100)?;
    let material_ids = filter_ids(&f, "material_ids", 100)?;
    let width = number_filter(&f, "width")?;
    let height = number_filter(&f, "height")?;
    let displayable = match f.get("displayable") {
        None | Some(Value::Null) => None,
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            return Err(ApiError::param(
                "filtering.displayable: Not a valid boolean.",
            ))
        }
    };
    let ratios: Option<Vec<f64>> = match f.get("ratio") {
        None | Some(Value::Null) => None,
        Some(Value::Array(v)) => Some(
            v.iter()
                .map(|x| {
                    x.as_f64()
                        .ok_or_else(|| ApiError::param("filtering.ratio: Not a valid number."))
                })
                .collect::<Result<_, _>>()?,
        ),
        Some(_) => return Err(ApiError::param("filtering.ratio: Not a valid list.")),
    };
    let num = |a: &Asset, k: &str| a.data.get(k).and_then(Value::as_f64).unwrap_or(0.0);
    let items: Vec<&Asset> = owned(&r.world.images, r.advertiser_id)
        .filter(|a| {
            field_in(a, "image_id", &image_ids) && field_in(a, "material_id", &material_ids)
        })
        .filter(|a| {
            width.is_none_or(|w| num(a, "width") == w)
                && height.is_none_or(|h| num(a, "height") == h)
        })
        .filter(|a| {
            displayable
                .is_none_or(|d| a.data.get("displayable").and_then(Value::as_bool) == Some(d))
        })
        .filter(|a| {
            ratios.as_ref().is_none_or(|rs| {
                let ratio = num(a, "width") / num(a, "height").max(1.0);
                rs.iter().any(|x| (x - ratio).abs() < 0.01)
            })
        })
        .collect();
    Ok(page_of(items, p, "list"))
}

/// `file/image/ad/info/` and `file/video/ad/info/`: the listed ids, no paging.
pub fn asset_info(r: &Request, video: bool) -> Result<Value, ApiError> {
    let (key, field, max, pool) = if video {
        ("video_ids", "video_id", 60, &r.world.videos)
    } else {
        ("image_ids", "image_id", 100, &r.world.images)
    };
    let ids = params::json(r.params, key)?.ok_or_else(|| params::missing(key))?;
    let ids = Some(params::id_list(&ids, key, max)?);
    let list: Vec<Value> = owned(pool, r.advertiser_id)
        .filter(|a| field_in(a, field, &ids))
        .map(|a| a.data.clone())
        .collect();
    Ok(json!({ "list": list }))
}

pub fn video_search(r: &Request) -> Result<Value, ApiError> {
    let f = params::filtering(r.params)?;
    let p = params::page(r.params, 20, 100)?;
    let video_ids = filter_ids(&f, "video_ids", 100)?;
    let material_ids = filter_ids(&f, "material_ids", 20)?;
    let name = params::filter_str(&f, "video_name")?.map(str::to_lowercase);
    let items: Vec<&Asset> = owned(&r.world.videos, r.advertiser_id)
        .filter(|a| {
            field_in(a, "video_id", &video_ids) && field_in(a, "material_id", &material_ids)
        })
        .filter(|a| {
            name.as_ref().is_none_or(|n| {
                let file = a
                    .data
                    .get("file_name")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                file.to_lowercase().contains(n.as_str())
            })
        })
        .collect();
    Ok(page_of(items, p, "list"))
}

pub fn music_get(r: &Request) -> Result<Value, ApiError> {
    let f = params::filtering(r.params)?;
    let p = params::page(r.params, 20, 100)?;
    let ids = filter_ids(&f, "music_ids", 100)?;
    let items: Vec<&Asset> = owned(&r.world.music, r.advertiser_id)
        .filter(|a| field_in(a, "music_id", &ids))
        .collect();
    Ok(page_of(items, p, "musics"))
}

pub fn portfolio_list(r: &Request) -> Result<Value, ApiError> {
    let f = params::filtering(r.params)?;
    let p = params::page(r.params, 20, 100)?;
    let ids = filter_ids(&f, "creative_portfolio_ids", 100)?;
    let types = filter_ids(&f, "creative_portfolio_types", 100)?;
    let items: Vec<&Asset> = owned(&r.world.portfolios, r.advertiser_id)
        .filter(|a| {
            field_in(a, "creative_portfolio_id", &ids)
                && field_in(a, "creative_portfolio_type", &types)
        })
        .collect();
    Ok(page_of(items, p, "creative_portfolios"))
}

pub fn audience_list(r: &Request) -> Result<Value, ApiError> {
    let p = params::page(r.params, 10, 100)?;
    let ids = match params::json(r.params, "custom_audience_ids")? {
        None => None,
        Some(v) => Some(params::id_list(&v, "custom_audience_ids", 100)?),
    };
    let items: Vec<&Asset> = owned(&r.world.audiences, r.advertiser_id)
        .filter(|a| field_in(a, "audience_id", &ids))
        .collect();
    Ok(page_of(items, p, "list"))
}

pub fn pixel_list(r: &Request) -> Result<Value, ApiError> {
    let p = params::page(r.params, 10, 20)?;
    let get = |k: &str| r.params.get(k).map(|s| s.trim()).filter(|s| !s.is_empty());
    let order = get("order_by").unwrap_or("EARLIEST_CREATE");
    if order != "EARLIEST_CREATE" && order != "LATEST_CREATE" {
        return Err(ApiError::param(
            "order_by: Must be one of: EARLIEST_CREATE, LATEST_CREATE.",
        ));
    }
    let (id, code, name) = (
        get("pixel_id"),
        get("code"),
        get("name").map(str::to_lowercase),
    );
    let mut items: Vec<&Asset> = owned(&r.world.pixels, r.advertiser_id)
        .filter(|a| id.is_none_or(|x| a.id == x))
        .filter(|a| {
            code.is_none_or(|c| a.data.get("pixel_code").and_then(Value::as_str) == Some(c))
        })
        .filter(|a| {
            name.as_ref().is_none_or(|n| {
                let pn = a
                    .data
                    .get("pixel_name")
                    .and_then(Value::as_str)
                    .unwrap_or("");
                pn.to_lowercase().contains(n.as_str())
            })
        })
        .collect();
    newest_first(&mut items);
    if order == "EARLIEST_CREATE" {
        items.reverse();
    }
    let (page, info) = params::paginate(items, p);
    let list: Vec<Value> = page.into_iter().map(|a| a.data.clone()).collect();
    Ok(json!({ "pixels": list, "page_info": info }))
}

pub fn spark_ads(r: &Request) -> Result<Value, ApiError> {
    let p = params::page(r.params, 20, 50)?;
    let mut items: Vec<&Asset> = owned(&r.world.spark_ads, r.advertiser_id).collect();
    items.sort_by(|a, b| b.id.cmp(&a.id));
    let (page, info) = params::paginate(items, p);
    let list: Vec<Value> = page.into_iter().map(|a| a.data.clone()).collect();
    Ok(json!({ "list": list, "page_info": info }))
}
