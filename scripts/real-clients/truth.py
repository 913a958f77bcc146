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
from datetime import date, datetime, timedelta
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

    def report_rows(self, params: dict[str, str]) -> list[dict]:
        answer = self._call("GET", "report_truth", query=urllib.parse.urlencode(params))
        if "rows" not in answer:
            raise AssertionError(f"the emulator refused the truth query {params}: {answer}")
        return answer["rows"]


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
    def time(self) -> str | None:
        return self.dimensions[1] if len(self.dimensions) > 1 and self.dimensions[1] in TIME_COLUMNS else None

    @property
    def incremental(self) -> bool:
        return self.time is not None


def report_of(stream: dict) -> Report:
    keys = tuple(path[0] for path in stream["source_defined_primary_key"])
    if not keys or keys[0] not in LEVELS:
        raise AssertionError(f"{stream['name']}: primary key {keys} does not start with a level ID")
    # The README names AUDIENCE report streams `*_audience_reports_*`.
    return Report(stream["name"], keys, "audience" in stream["name"])


def _normalise(dimension: str, value: str) -> str:
    # TikTok sends "2026-11-18 00:00:00" for a day; the connector's column is a date.
    if dimension == "stat_time_day":
        return value[:10]
    return value


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
        "dimensions": json.dumps(list(report.dimensions)),
        # Rows exist where there are impressions whatever the metrics; one metric keeps it cheap.
        "metrics": json.dumps(["impressions"]),
        "page_size": "1000",
    }
    if include_deleted and status_field:
        base["filtering"] = json.dumps(
            [{"field_name": status_field, "filter_type": "IN", "filter_value": '["STATUS_ALL"]'}]
        )
    requests: list[dict[str, str]] = []
    if report.time is None and not report.audience:
        requests.append({**base, "query_lifetime": "true"})
    else:
        # Hourly reports allow one day per request, daily ones 30 days.
        step = 1 if report.time == "stat_time_hour" else 30
        day = first
        while day <= last:
            end = min(day + timedelta(days=step - 1), last)
            requests.append({**base, "start_date": day.isoformat(), "end_date": end.isoformat()})
            day = end + timedelta(days=1)
    keys = []
    for params in requests:
        for row in emulator.report_rows(params):
            dims = row["dimensions"]
            keys.append(tuple(_normalise(d, dims[d]) for d in report.dimensions))
    return keys


def today(advertiser: dict, now: datetime) -> date:
    return now.astimezone(ZoneInfo(advertiser["timezone"])).date()


def expected_report_keys(
    emulator: Emulator,
    report: Report,
    advertisers: list[dict],
    now: datetime,
    start: date,
    since: dict[str, date] | None = None,
) -> list[tuple[str, ...]]:
    """Every row key of `report` a read at `now` returns: from `start` (or, per account, from
    `since`, the re-read window's first day) to each account's today."""
    keys = []
    for advertiser in advertisers:
        last = today(advertiser, now)
        first = start
        if report.time is None and report.audience:
            first = max(start, last - timedelta(days=364))
        elif since is not None and report.incremental:
            first = max(start, since[advertiser["advertiser_id"]])
        keys.extend(report_keys(emulator, report, advertiser, first, last, include_deleted=True))
    return keys


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
