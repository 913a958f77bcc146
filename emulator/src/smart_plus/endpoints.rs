//! `smart_plus/campaign/get/`, `smart_plus/adgroup/get/` and `smart_plus/ad/get/`: filters, page
//! caps and paging of reference §3.

use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::{render, SmartPlusAd};
use crate::entities::{
    adgroup_secondary, campaign_secondary, id_desc, id_filter, is_deleted_status, Kind,
    StatusFilter,
};
use crate::model::{ApiError, Params, World};
use crate::params::{self, filter_ids, filter_str, FieldSelection};

pub struct Request<'a> {
    pub world: &'a World,
    pub params: &'a Params,
    pub advertiser_id: &'a str,
}

/// Filters the three endpoints share: status, name, objective, sales destination, creation time.
struct Common {
    status: StatusFilter,
    name: Option<String>,
    objective_type: Option<String>,
    sales_destination: Option<String>,
    created_from: Option<DateTime<Utc>>,
    created_to: Option<DateTime<Utc>>,
}

impl Common {
    fn parse(f: &Map<String, Value>, kind: Kind, name_key: Option<&str>) -> Result<Self, ApiError> {
        let time = |key: &str| {
            filter_str(f, key)?
                .map(|s| params::parse_time(s, &format!("filtering.{key}")))
                .transpose()
        };
        Ok(Common {
            status: StatusFilter::parse(f, kind)?,
            name: match name_key {
                Some(k) => filter_str(f, k)?.map(str::to_lowercase),
                None => None,
            },
            objective_type: filter_str(f, "objective_type")?.map(str::to_string),
            sales_destination: filter_str(f, "sales_destination")?.map(str::to_string),
            created_from: time("creation_filter_start_time")?,
            created_to: time("creation_filter_end_time")?,
        })
    }

    #[allow(clippy::too_many_arguments)]
    fn matches(
        &self,
        name: &str,
        objective: Option<&str>,
        sales_destination: Option<&str>,
        created: DateTime<Utc>,
        secondary: &str,
    ) -> bool {
        let same = |want: &Option<String>, have: Option<&str>| {
            want.as_ref().is_none_or(|w| have == Some(w.as_str()))
        };
        self.status.matches(is_deleted_status(secondary), secondary)
            && self
                .name
                .as_ref()
                .is_none_or(|n| name.to_lowercase().contains(n.as_str()))
            && same(&self.objective_type, objective)
            && same(&self.sales_destination, sales_destination)
            && self.created_from.is_none_or(|t| created >= t)
            && self.created_to.is_none_or(|t| created <= t)
    }
}

fn page_of(items: Vec<Value>, page: params::Page) -> Value {
    let (list, page_info) = params::paginate(items, page);
    json!({ "list": list, "page_info": page_info })
}

pub fn campaign_get(r: &Request) -> Result<Value, ApiError> {
    let f = params::filtering(r.params)?;
    let page = params::page(r.params, 10, 1000)?;
    let sel = FieldSelection::parse(r.params)?;
    let common = Common::parse(&f, Kind::Campaign, Some("campaign_name"))?;
    let ids = filter_ids(&f, "campaign_ids", 100)?;
    let mut hits: Vec<_> = r
        .world
        .smart_plus
        .campaigns
        .iter()
        .filter_map(|s| r.world.campaign(&s.campaign_id).map(|c| (c, s)))
        .filter(|(c, _)| c.advertiser_id == r.advertiser_id && id_filter(&ids, &c.campaign_id))
        .filter(|(c, s)| {
            common.matches(
                &c.campaign_name,
                Some(&c.objective_type),
                s.sales_destination.as_deref(),
                c.create_time,
                campaign_secondary(c),
            )
        })
        .collect();
    hits.sort_by(|a, b| id_desc(&a.0.campaign_id, &b.0.campaign_id));
    let items = hits
        .into_iter()
        .map(|(c, s)| sel.apply(render::campaign(c, s)))
        .collect();
    Ok(page_of(items, page))
}

pub fn adgroup_get(r: &Request) -> Result<Value, ApiError> {
    let f = params::filtering(r.params)?;
    let page = params::page(r.params, 10, 1000)?;
    let sel = FieldSelection::parse(r.params)?;
    let common = Common::parse(&f, Kind::AdGroup, Some("adgroup_name"))?;
    let campaign_ids = filter_ids(&f, "campaign_ids", 100)?;
    let adgroup_ids = filter_ids(&f, "adgroup_ids", 100)?;
    let promotion_type = filter_str(&f, "promotion_type")?;
    let goal = filter_str(&f, "optimization_goal")?;
    let sp = &r.world.smart_plus;
    let mut hits: Vec<_> = sp
        .adgroups
        .iter()
        .filter_map(|s| r.world.adgroup(&s.adgroup_id).map(|g| (g, s)))
        .filter(|(g, _)| {
            g.advertiser_id == r.advertiser_id
                && id_filter(&campaign_ids, &g.campaign_id)
                && id_filter(&adgroup_ids, &g.adgroup_id)
        })
        .filter(|(g, s)| {
            promotion_type.is_none_or(|p| p == s.promotion_type)
                && goal.is_none_or(|o| o == g.optimization_goal)
        })
        .map(|(g, s)| (g, s, r.world.campaign(&g.campaign_id)))
        .filter(|(g, _, c)| {
            let destination = sp
                .campaign(&g.campaign_id)
                .and_then(|x| x.sales_destination.as_deref());
            common.matches(
                &g.adgroup_name,
                c.map(|c| c.objective_type.as_str()),
                destination,
                g.create_time,
                adgroup_secondary(g, *c),
            )
        })
        .collect();
    hits.sort_by(|a, b| id_desc(&a.0.adgroup_id, &b.0.adgroup_id));
    let items = hits
        .into_iter()
        .map(|(g, s, c)| sel.apply(render::adgroup(r.world, g, s, c)))
        .collect();
    Ok(page_of(items, page))
}

pub fn ad_get(r: &Request) -> Result<Value, ApiError> {
    let f = params::filtering(r.params)?;
    // Smart+ ads are big records: TikTok caps this page at 100.
    let page = params::page(r.params, 10, 100)?;
    let sel = FieldSelection::parse(r.params)?;
    let common = Common::parse(&f, Kind::Ad, None)?;
    let campaign_ids = filter_ids(&f, "campaign_ids", 100)?;
    let adgroup_ids = filter_ids(&f, "adgroup_ids", 100)?;
    let ad_ids = filter_ids(&f, "smart_plus_ad_ids", 100)?;
    let goal = filter_str(&f, "optimization_goal")?;
    let modified_after = filter_str(&f, "modified_after")?
        .map(|s| params::parse_time(s, "filtering.modified_after"))
        .transpose()?;
    let w = r.world;
    let matches = |a: &SmartPlusAd| {
        let campaign = w.campaign(&a.campaign_id);
        let destination = w
            .smart_plus
            .campaign(&a.campaign_id)
            .and_then(|x| x.sales_destination.as_deref());
        let secondary = render::ad_secondary(w, a);
        a.advertiser_id == r.advertiser_id
            && id_filter(&campaign_ids, &a.campaign_id)
            && id_filter(&adgroup_ids, &a.adgroup_id)
            && id_filter(&ad_ids, &a.smart_plus_ad_id)
            && modified_after.is_none_or(|t| a.modify_time >= t)
            && goal.is_none_or(|o| {
                w.adgroup(&a.adgroup_id)
                    .is_some_and(|g| g.optimization_goal == o)
            })
            && common.matches(
                "",
                campaign.map(|c| c.objective_type.as_str()),
                destination,
                a.create_time,
                secondary,
            )
    };
    let mut hits: Vec<&SmartPlusAd> = w.smart_plus.ads.iter().filter(|a| matches(a)).collect();
    hits.sort_by(|a, b| id_desc(&a.smart_plus_ad_id, &b.smart_plus_ad_id));
    let items = hits
        .into_iter()
        .map(|a| sel.apply(render::ad(w, a)))
        .collect();
    Ok(page_of(items, page))
}
