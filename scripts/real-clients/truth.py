"""The emulator's own data, read through its control API (`/_emulator/...`, emulator/README.md),
and what a sync of each stream must therefore return. Standard library only, so that every
client's virtualenv can import it.

What a stream must return is derived from what any user can see: the discovered catalog (its
primary key gives a report's level, time column and breakdowns), the config, and the behaviour
the README documents (entity cursors on `modify_time`; report cursors on the last day read, re-read
from there minus `attribution_window`; lifetime BASIC reports over the whole lifetime, lifetime
AUDIENCE reports over the last 365 days) — never the connector's code.
"""

from __future__ import annotations

import argparse
import json
import urllib.parse
import urllib.request
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

# The emulator's built-in app and pre-issued token (emulator/README.md).
APP_ID = "7100000000000000001"
SECRET = "emulator-secret"
ACCESS_TOKEN = "emulator-token"

# Entity and asset streams (README "Streams") and the emulator's inventory list each one reads.
ENTITY_KINDS = {
    "advertiser_ids": "advertisers",
    "advertisers": "advertisers",
    "campaigns": "campaigns",
    "ad_groups": "adgroups",
    "ads": "ads",
    "audiences": "audiences",
    "creative_assets_images": "images",
    "creative_assets_videos": "videos",
    "creative_assets_music": "music",
    "creative_assets_portfolios": "portfolios",
    "pixels": "pixels",
    "spark_ads": "spark_ads",
}

# TikTok's report `data_level` and deleted-entity filter field for each level ID dimension.
LEVELS = {
    "advertiser_id": ("AUCTION_ADVERTISER", None),
    "campaign_id": ("AUCTION_CAMPAIGN", "campaign_status"),
    "adgroup_id": ("AUCTION_ADGROUP", "adgroup_status"),
    "ad_id": ("AUCTION_AD", "ad_status"),
}
TIME_COLUMNS = ("stat_time_day", "stat_time_hour")
# Below the advertiser level TikTok leaves TopView rows out unless asked (README "Buying types").
EVERY_BUYING_TYPE = {
    "field_name": "buying_type",
    "filter_type": "IN",
    "filter_value": '["AUCTION","RESERVATION_RF","RESERVATION_TOP_VIEW"]',
}
# The objective and optimization goal pairs `pixel_instant_page_events` asks (README "Pixel events").
INSTANT_PAGE_PAIRS = (
    ("CONVERSIONS", "CONVERT"),
    ("CONVERSIONS", "VALUE"),
    ("APP_PROMOTION", "INSTALL"),
    ("APP_PROMOTION", "IN_APP_EVENT"),
    ("LEAD_GENERATION", "LEAD_GENERATION"),
)
GMV_MAX_PROMOTIONS = ("PRODUCT", "LIVE")


def client_arguments(description: str | None) -> argparse.Namespace:
    """The command line every client check takes: the emulator, the connector, an output folder."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--emulator", required=True, help="the emulator's URL")
    parser.add_argument("--executable", required=True, type=Path, help="the connector binary")
    parser.add_argument("--out", required=True, type=Path, help="where reports and files go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    return args


def parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class Emulator:
    """The control API of one running emulator."""

    def __init__(self, url: str) -> None:
        self.url = url.rstrip("/")

    def _call(self, method: str, path: str, body: dict | None = None, query: str = "") -> dict:
        data = None if body is None else json.dumps(body).encode()
        target = f"{self.url}/_emulator/{path}" + (f"?{query}" if query else "")
        request = urllib.request.Request(target, data=data, method=method)
        request.add_header("Content-Type", "application/json")
        with urllib.request.urlopen(request, timeout=300) as response:
            return json.loads(response.read())

    def now(self) -> datetime:
        return parse_time(self._call("GET", "clock")["now"])

    def advance(self, seconds: int) -> datetime:
        return parse_time(self._call("POST", "clock", {"advance_seconds": seconds})["now"])

    def inventory(self) -> dict:
        return self._call("GET", "inventory")

    def change(self, action: str, advertiser_id: str, level: str, n: int) -> list[str]:
        """`action` is modify, add or delete; returns the IDs changed."""
        body = {"advertiser_id": advertiser_id, "level": level, "n": n}
        return self._call("POST", f"entities/{action}", body)["ids"]

    def change_smart_plus(self, action: str, advertiser_id: str, level: str, n: int) -> list[str]:
        body = {"advertiser_id": advertiser_id, "level": level, "n": n}
        return self._call("POST", f"smart_plus/{action}", body)["ids"]

    def _rows(self, endpoint: str, params: dict[str, str]) -> list[dict]:
        answer = self._call("GET", endpoint, query=urllib.parse.urlencode(params))
        if "rows" not in answer:
            raise AssertionError(f"the emulator refused the truth query {endpoint} {params}: {answer}")
        return answer["rows"]

    def report_rows(self, params: dict[str, str]) -> list[dict]:
        return self._rows("report_truth", params)

    def gmv_max_report_rows(self, params: dict[str, str]) -> list[dict]:
        return self._rows("gmv_max_report_truth", params)

    def pixel_stats(self, pixel_id: str, first: date, last: date) -> list[dict]:
        params = {"pixel_id": pixel_id, "start_date": first.isoformat(), "end_date": last.isoformat()}
        return self._rows("pixel_stats", params)


class Api:
    """TikTok's API as the emulator serves it, for the data that has no control endpoint (Smart+,
    GMV Max, Business Centers, Instant Page events): what any client with the token sees."""

    def __init__(self, url: str, token: str = ACCESS_TOKEN) -> None:
        self.base = url.rstrip("/") + "/open_api/v1.3/"
        self.token = token

    def get(self, path: str, params: dict[str, object]) -> dict:
        query = {k: v if isinstance(v, str) else json.dumps(v) for k, v in params.items()}
        request = urllib.request.Request(self.base + path + "?" + urllib.parse.urlencode(query))
        request.add_header("Access-Token", self.token)
        with urllib.request.urlopen(request, timeout=300) as response:
            answer = json.loads(response.read())
        if answer.get("code") != 0:
            raise AssertionError(f"{path} {params}: TikTok (the emulator) answered {answer}")
        return answer["data"]

    def pages(self, path: str, params: dict[str, object], items: str = "list", page_size: int = 50) -> list[dict]:
        """Every item of a paged list."""
        out: list[dict] = []
        page = 1
        while True:
            data = self.get(path, {**params, "page": str(page), "page_size": str(page_size)})
            out.extend(data[items])
            if page >= data["page_info"]["total_page"]:
                return out
            page += 1


def config_for(emulator_url: str, start: date, attribution_window: int) -> dict:
    """The config of the checks: deleted entities included, no artificial pacing."""
    return {
        "app_id": APP_ID,
        "secret": SECRET,
        "access_token": ACCESS_TOKEN,
        "start_date": start.isoformat(),
        "include_deleted": True,
        "attribution_window": attribution_window,
        "api_base_url": emulator_url,
        # Not in the spec's form (hidden knobs): the emulator here has no rate limit to respect.
        "requests_per_second": 1000,
        "requests_per_minute": 60000,
    }


@dataclass(frozen=True)
class Report:
    """A report stream as its catalog entry describes it."""

    name: str
    dimensions: tuple[str, ...]  # the primary key: level ID, time column (if any), breakdowns
    audience: bool

    @property
    def level(self) -> str:
        return self.dimensions[0]

    @property
    def asked(self) -> tuple[str, ...]:
        """The dimensions TikTok is asked for: at ad level `ad_id_v2`, which the record's `ad_id`
        holds (README "Ad level and Upgraded Smart+")."""
        return tuple("ad_id_v2" if d == "ad_id" else d for d in self.dimensions)

    @property
    def time(self) -> str | None:
        return self.dimensions[1] if len(self.dimensions) > 1 and self.dimensions[1] in TIME_COLUMNS else None

    @property
    def incremental(self) -> bool:
        return self.time is not None


def report_of(name: str, keys: tuple[str, ...]) -> Report | None:
    """A report stream of TikTok's integrated report (README "Reports"), or None."""
    if "reports" not in name or not keys or keys[0] not in LEVELS or name.startswith("gmv_max"):
        return None
    # The README names AUDIENCE report streams `*_audience_reports_*`.
    return Report(name, keys, "audience" in name)


def _normalise(dimension: str, value: str) -> str:
    # TikTok sends "2026-11-18 00:00:00" for a day; the connector's column is a date.
    if dimension == "stat_time_day":
        return value[:10]
    return value


def day_windows(first: date, last: date, days: int) -> list[tuple[date, date]]:
    out = []
    day = first
    while day <= last:
        end = min(day + timedelta(days=days - 1), last)
        out.append((day, end))
        day = end + timedelta(days=1)
    return out


def report_keys(
    emulator: Emulator,
    report: Report,
    advertiser: dict,
    first: date,
    last: date,
    include_deleted: bool,
) -> list[tuple[str, ...]]:
    """The primary keys of the rows TikTok (the emulator) reports for one account and days."""
    data_level, status_field = LEVELS[report.level]
    base = {
        "advertiser_id": advertiser["advertiser_id"],
        "service_type": "AUCTION",
        "report_type": "AUDIENCE" if report.audience else "BASIC",
        "data_level": data_level,
        "dimensions": json.dumps(list(report.asked)),
        # Rows exist where there are impressions whatever the metrics; one metric keeps it cheap.
        "metrics": json.dumps(["impressions"]),
        "page_size": "1000",
    }
    filters = []
    if include_deleted and status_field:
        filters.append({"field_name": status_field, "filter_type": "IN", "filter_value": '["STATUS_ALL"]'})
    if status_field:
        filters.append(EVERY_BUYING_TYPE)
    if filters:
        base["filtering"] = json.dumps(filters)
    requests: list[dict[str, str]] = []
    if report.time is None and not report.audience:
        requests.append({**base, "query_lifetime": "true"})
    else:
        # Hourly reports allow one day per request, daily ones 30 days.
        step = 1 if report.time == "stat_time_hour" else 30
        for day, end in day_windows(first, last, step):
            requests.append({**base, "start_date": day.isoformat(), "end_date": end.isoformat()})
    keys = []
    for params in requests:
        for row in emulator.report_rows(params):
            dims = row["dimensions"]
            keys.append(tuple(_normalise(d, dims[a]) for d, a in zip(report.dimensions, report.asked)))
    return keys


def today(advertiser: dict, now: datetime) -> date:
    return now.astimezone(ZoneInfo(advertiser["timezone"])).date()


def utc_text(text: str, zone: str = "UTC") -> datetime:
    """TikTok's `YYYY-MM-DD HH:MM:SS` in `zone`, as an instant."""
    return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(tzinfo=ZoneInfo(zone))


def changed_since(item: dict, previous: datetime | None, zone: str = "UTC") -> bool:
    """Whether an incremental read after `previous` returns the item (cursor on `modify_time`, or
    `create_time` for an item without one); every item when there is no previous read."""
    if previous is None:
        return True
    stamp = item.get("modify_time") or item.get("create_time")
    return stamp is not None and utc_text(stamp, zone) > previous


class Truth:
    """The primary keys a read of each stream returns, from the emulator's data at its clock.

    `previous` is the instant of the read before when the read is incremental (None for a first or
    full-refresh read); the config is `config_for`'s, with `include_deleted` on."""

    def __init__(self, emulator: Emulator, api: Api, start: date, attribution_window: int) -> None:
        self.emulator = emulator
        self.api = api
        self.start = start
        self.window = attribution_window

    def keys(self, name: str, key_columns: tuple[str, ...], at: datetime, previous: datetime | None) -> list[tuple]:
        inventory = self.emulator.inventory()
        advertisers = inventory["advertisers"]
        if name in ENTITY_KINDS:
            return [(i,) for i in expected_entity_ids(inventory, name, previous)]
        report = report_of(name, key_columns)
        if report is not None:
            return self.report(report, advertisers, at, previous)
        per_stream = {
            "pixel_events_statistics": lambda: self.pixel_events(inventory, at, previous),
            "pixel_instant_page_events": lambda: self.instant_page_events(advertisers),
            "smart_plus_campaigns": lambda: self.smart_plus(advertisers, "campaign", "campaign_id", previous),
            "smart_plus_ad_groups": lambda: self.smart_plus(advertisers, "adgroup", "adgroup_id", previous),
            "smart_plus_ads": lambda: self.smart_plus(advertisers, "ad", "smart_plus_ad_id", previous),
            "gmv_max_campaigns": lambda: self.gmv_max_campaigns(advertisers, previous),
            "gmv_max_reports_daily": lambda: self.gmv_max_report(advertisers, at, previous),
            "business_centers": lambda: [(bc["bc_id"],) for bc in self.business_centers()],
            "business_center_ad_accounts": lambda: self.per_business_center(
                "bc/asset/get/", {"asset_type": "ADVERTISER"}, "list", "asset_id"
            ),
            "advertiser_balances": lambda: self.per_business_center(
                "advertiser/balance/get/", {}, "advertiser_account_list", "advertiser_id"
            ),
            "business_center_transactions": lambda: self.transactions(at, previous),
        }
        if name not in per_stream:
            raise AssertionError(f"{name}: a stream truth.py does not know; add it")
        return per_stream[name]()

    def first_day(self, last_read: date | None) -> date:
        """Where a read starts: `start_date`, or the last day read minus the attribution window."""
        if last_read is None:
            return self.start
        return max(self.start, last_read - timedelta(days=self.window))

    def report(self, report: Report, advertisers: list[dict], at: datetime, previous: datetime | None) -> list[tuple]:
        keys = []
        for advertiser in advertisers:
            last = today(advertiser, at)
            first = self.start
            if report.time is None and report.audience:
                first = max(self.start, last - timedelta(days=364))
            elif previous is not None and report.incremental:
                first = self.first_day(today(advertiser, previous))
            keys.extend(report_keys(self.emulator, report, advertiser, first, last, include_deleted=True))
        return keys

    def pixel_events(self, inventory: dict, at: datetime, previous: datetime | None) -> list[tuple]:
        """Per pixel, event and UTC day (README "Pixel events")."""
        last = at.astimezone(timezone.utc).date()
        first = self.first_day(None if previous is None else previous.astimezone(timezone.utc).date())
        keys = []
        for pixel in inventory["pixels"]:
            for row in self.emulator.pixel_stats(pixel["id"], first, last):
                event = row.get("pixel_event_type") or row.get("custom_event_type")
                keys.append((row["pixel_id"], event, row["date"]))
        return keys

    def instant_page_events(self, advertisers: list[dict]) -> list[tuple]:
        keys = []
        for advertiser in advertisers:
            for objective, goal in INSTANT_PAGE_PAIRS:
                params = {
                    "advertiser_id": advertiser["advertiser_id"],
                    "business_type": "TIKTOK_INSTANT_PAGE",
                    "objective_type": objective,
                    "optimization_goal": goal,
                }
                for item in self.api.get("pixel/instant_page/event/", params)["list"]:
                    for o in item["instant_page_events"]["objective_types"]:
                        for g in o["optimization_goals"]:
                            for event in g["optimization_events"]:
                                keys.append(
                                    (advertiser["advertiser_id"], item["business_type"], o["objective_type"], g["optimization_goal"], event)
                                )
        return keys

    def smart_plus(self, advertisers: list[dict], level: str, id_field: str, previous: datetime | None) -> list[tuple]:
        keys = []
        for advertiser in advertisers:
            params = {"advertiser_id": advertiser["advertiser_id"], "filtering": {"primary_status": "STATUS_ALL"}}
            for item in self.api.pages(f"smart_plus/{level}/get/", params, page_size=100):
                if changed_since(item, previous):
                    keys.append((item[id_field],))
        return keys

    def gmv_max_campaigns(self, advertisers: list[dict], previous: datetime | None) -> list[tuple]:
        """Both promotion types, and the deleted campaigns TikTok shows only when asked."""
        keys = set()
        for advertiser in advertisers:
            for promotion in ("PRODUCT_GMV_MAX", "LIVE_GMV_MAX"):
                for extra in ({}, {"primary_status": "STATUS_DELETE"}):
                    params = {
                        "advertiser_id": advertiser["advertiser_id"],
                        "filtering": {"gmv_max_promotion_types": [promotion], **extra},
                    }
                    for item in self.api.pages("gmv_max/campaign/get/", params, page_size=100):
                        if changed_since(item, previous):
                            keys.add((item["campaign_id"],))
        return sorted(keys)

    def gmv_max_report(self, advertisers: list[dict], at: datetime, previous: datetime | None) -> list[tuple]:
        """Per available store, promotion type, campaign and day (README "GMV Max")."""
        keys = []
        for advertiser in advertisers:
            account = advertiser["advertiser_id"]
            first = self.first_day(None if previous is None else today(advertiser, previous))
            stores = self.api.get("gmv_max/store/list/", {"advertiser_id": account})["store_list"]
            for store in (s for s in stores if s["is_gmv_max_available"]):
                for promotion in GMV_MAX_PROMOTIONS:
                    for day, end in day_windows(first, today(advertiser, at), 30):
                        params = {
                            "advertiser_id": account,
                            "store_ids": json.dumps([store["store_id"]]),
                            "dimensions": json.dumps(["campaign_id", "stat_time_day"]),
                            "metrics": json.dumps(["cost"]),
                            "start_date": day.isoformat(),
                            "end_date": end.isoformat(),
                            "filtering": json.dumps(
                                {"gmv_max_promotion_types": [promotion], "campaign_statuses": ["STATUS_ALL"]}
                            ),
                            "page_size": "1000",
                        }
                        for row in self.emulator.gmv_max_report_rows(params):
                            dims = row["dimensions"]
                            keys.append((account, store["store_id"], dims["campaign_id"], _normalise("stat_time_day", dims["stat_time_day"])))
        return keys

    def business_centers(self) -> list[dict]:
        return [item["bc_info"] for item in self.api.pages("bc/get/", {})]

    def per_business_center(self, path: str, params: dict, items: str, id_field: str) -> list[tuple]:
        keys = []
        for bc in self.business_centers():
            for item in self.api.pages(path, {"bc_id": bc["bc_id"], **params}, items=items):
                keys.append((bc["bc_id"], item[id_field]))
        return keys

    def transactions(self, at: datetime, previous: datetime | None) -> list[tuple]:
        """Both transaction levels from `start_date` in each Business Center's zone to now; an
        incremental read, those made after the previous read (no lookback)."""
        ids = set()
        for bc in self.business_centers():
            zone = bc["timezone"]
            filtering = {
                "start_time": f"{self.start.isoformat()} 00:00:00",
                "end_time": at.astimezone(ZoneInfo(zone)).strftime("%Y-%m-%d %H:%M:%S"),
            }
            for level in ("ADVERTISER", "BC"):
                params = {"bc_id": bc["bc_id"], "transaction_level": level, "filtering": filtering}
                for item in self.api.pages("bc/account/transaction/get/", params, items="transaction_list"):
                    if changed_since(item, previous, zone):
                        ids.add(item["transaction_id"])
        return [(i,) for i in sorted(ids)]


def expected_entity_ids(
    inventory: dict, stream: str, changed_after: datetime | None = None
) -> list[str]:
    """The IDs an entity or asset stream returns with deleted items included; with
    `changed_after`, only those whose `modify_time` is later (what an incremental read returns)."""
    items = inventory[ENTITY_KINDS[stream]]
    if changed_after is None:
        return [item["id"] if "id" in item else item["advertiser_id"] for item in items]
    return [
        item["id"]
        for item in items
        if item.get("modify_time") and parse_time(item["modify_time"]) > changed_after
    ]
