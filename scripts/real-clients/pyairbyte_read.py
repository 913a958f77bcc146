"""PyAirbyte, as a data team uses it: every stream of the connector into PyAirbyte's DuckDB cache,
then a second read after the world moved on. Checks, per stream, the rows in DuckDB against the
emulator's own data (truth.py), and that the second read is incremental: it brings only the
re-read report window, the changed entities and the streams without a cursor.

    python pyairbyte_read.py --emulator URL --executable target/release/source-tiktok-ads \
        --work DIR --summary FILE.json

Exits 1 with the differences when anything is off.
"""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import truth  # noqa: E402

# The first read covers a week (the start date to each account's today); the second, three days
# later, only the re-read window: the last day read minus one day, to the new today (five days).
# Three days, because the emulator's Business Centers make a new transaction only every day or two.
DAYS_BACK = 6
ATTRIBUTION_WINDOW = 1
SECOND_READ_AFTER_SECONDS = 3 * 86_400
# Streams the changes between the reads must reach, so that the incremental check checks something.
MUST_CHANGE = ("campaigns", "ad_groups", "ads", "smart_plus_campaigns", "smart_plus_ads", "business_center_transactions")


def key_text(value: object) -> str:
    """A DuckDB value as the emulator spells it: dates ISO, timestamps `YYYY-MM-DD HH:MM:SS`."""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def table_keys(query, table: str, key_columns: list[str], since_ms: int | None = None) -> list[tuple]:
    """The primary keys of the rows in a cache table; with `since_ms`, only the rows that a read
    started at that instant wrote (`_airbyte_extracted_at` is the record's emitted_at)."""
    columns = ", ".join(f'"{c}"' for c in key_columns)
    sql = f'SELECT {columns} FROM main."{table}"'
    if since_ms is not None:
        sql += f" WHERE epoch_ms(_airbyte_extracted_at) >= {since_ms}"
    return [tuple(key_text(v) for v in row) for row in query(sql)]


def compare(stream: str, what: str, got: list[tuple], expected: list[tuple], problems: list[str]) -> None:
    """Multisets: the same rows, each as often (the cache must hold no duplicate keys)."""
    got_c, expected_c = Counter(got), Counter(expected)
    if got_c == expected_c:
        return
    missing = list((expected_c - got_c).elements())
    extra = list((got_c - expected_c).elements())
    problems.append(
        f"{stream} ({what}): {len(got)} rows, expected {len(expected)}; "
        f"missing {len(missing)} {missing[:3]}, unexpected {len(extra)} {extra[:3]}"
    )


def main() -> int:
    args = truth.client_arguments(__doc__)

    import airbyte as ab  # imported late: `--help` works without the venv
    from sqlalchemy import text

    emulator = truth.Emulator(args.emulator)
    t0 = emulator.now()
    start = (t0 - timedelta(days=DAYS_BACK)).date()
    config = truth.config_for(args.emulator, start, ATTRIBUTION_WINDOW)
    # The connector's clock is the emulator's (TIKTOK_ADS_NOW); PyAirbyte passes its environment on.
    os.environ["TIKTOK_ADS_NOW"] = t0.isoformat()

    source = ab.get_source(
        "source-tiktok-ads",
        local_executable=str(args.executable.resolve()),
        config=config,
        streams="*",
    )
    source.check()
    catalog = {s.name: s for s in source.discovered_catalog.streams}
    cache = ab.new_local_cache("tiktok_ads", cache_dir=args.out / "cache", cleanup=True)

    # The cache's own engine: what `cache.get_sql_engine()` gives a user to query DuckDB.
    engine = cache.get_sql_engine()

    def db(sql: str) -> list:
        with engine.connect() as connection:
            return list(connection.execute(text(sql)).fetchall())

    problems: list[str] = []
    truth_of = truth.Truth(emulator, truth.Api(args.emulator), start, ATTRIBUTION_WINDOW)
    keys_of = {name: [path[0] for path in stream.source_defined_primary_key] for name, stream in catalog.items()}
    incremental = {name: any(m.value == "incremental" for m in stream.supported_sync_modes) for name, stream in catalog.items()}
    known = set(catalog)

    def expected(name: str, at: datetime, previous: datetime | None = None) -> list[tuple]:
        """The keys a read at `at` returns; `previous` (the first read's instant) makes it the
        incremental read, for the streams that have one."""
        return truth_of.keys(name, tuple(keys_of[name]), at, previous if incremental[name] else None)

    # First read: everything from the start date, as the emulator has it now.
    first = source.read(cache=cache)
    first_counts = dict(first._progress_tracker.stream_read_counts)  # records PyAirbyte received
    advertisers = emulator.inventory()["advertisers"]
    first_expected = {name: expected(name, t0) for name in known}
    tables = {n for (n,) in db("SELECT table_name FROM information_schema.tables WHERE table_schema = 'main'")}
    for name in sorted(known):
        if name not in tables:
            problems.append(f"{name}: no table in the DuckDB cache")
            continue
        if first_counts.get(name, 0) != len(first_expected[name]):
            problems.append(f"{name}: the first read delivered {first_counts.get(name, 0)} records, the emulator has {len(first_expected[name])}")
        compare(name, "cache after the first read", table_keys(db, name, keys_of[name]), first_expected[name], problems)

    # The world moves on: a day passes, entities change in every account.
    t1 = emulator.advance(SECOND_READ_AFTER_SECONDS)
    ids = [a["advertiser_id"] for a in advertisers]
    changed = {
        "modified campaigns": emulator.change("modify", ids[0], "campaign", 2),
        "added ad groups": emulator.change("add", ids[1 % len(ids)], "adgroup", 2),
        "deleted ads": emulator.change("delete", ids[2 % len(ids)], "ad", 1),
        "modified ads": emulator.change("modify", ids[3 % len(ids)], "ad", 1),
        "modified Smart+ ads": emulator.change_smart_plus("modify", ids[0], "ad", 1),
        "added Smart+ campaigns": emulator.change_smart_plus("add", ids[1 % len(ids)], "campaign", 1),
    }
    os.environ["TIKTOK_ADS_NOW"] = t1.isoformat()
    second_started_ms = int(datetime.now().timestamp() * 1000)
    second = source.read(cache=cache)
    second_counts = dict(second._progress_tracker.stream_read_counts)

    rows: list[tuple[str, int, int, int, int]] = []
    for name in sorted(n for n in known if n in tables):
        second_expected = expected(name, t1, previous=t0)
        if name in MUST_CHANGE and not second_expected:
            problems.append(f"{name}: nothing changed between the reads, so its incremental read is not checked")
        total_expected = expected(name, t1)
        if not incremental[name]:
            # A full-refresh row of the first read that is no longer there (a lifetime report's
            # entity without delivery any more) stays in the cache.
            total_expected = sorted(set(total_expected) | set(first_expected[name]))
        if second_counts.get(name, 0) != len(second_expected):
            problems.append(f"{name}: the second read delivered {second_counts.get(name, 0)} records, expected {len(second_expected)}")
        compare(name, "rows written by the second read", table_keys(db, name, keys_of[name], second_started_ms), second_expected, problems)
        compare(name, "cache after both reads", table_keys(db, name, keys_of[name]), total_expected, problems)
        rows.append((name, len(first_expected[name]), first_counts.get(name, 0), second_counts.get(name, 0), len(second_expected)))

    width = max([len(r[0]) for r in rows] + [6])
    lines = [f"{'stream':<{width}}  {'rows':>8}  {'second-read rows':>16}  emulator: first / second"]
    for name, expected1, got1, got2, expected2 in rows:
        lines.append(f"{name:<{width}}  {got1:>8}  {got2:>16}  {expected1:>8} / {expected2}")
    total1 = sum(r[2] for r in rows)
    total2 = sum(r[3] for r in rows)
    lines.append(f"{'total':<{width}}  {total1:>8}  {total2:>16}")
    lines.append("changes between the reads: " + ", ".join(f"{k} {len(v)}" for k, v in changed.items()))
    lines.append(f"first read {start} .. today at {t0.isoformat()}; second read at {t1.isoformat()}, attribution_window {ATTRIBUTION_WINDOW}")
    report = "\n".join(lines) + "\n"
    (args.out / "report.txt").write_text(report)
    print("\n" + report)

    summary = {
        "streams": len(catalog),
        "streams_checked": len(rows),
        "rows_first_read": total1,
        "rows_second_read": total2,
        "per_stream": {r[0]: {"rows": r[2], "second_read_rows": r[3]} for r in rows},
        "problems": problems,
    }
    (args.out / "summary.json").write_text(json.dumps(summary, indent=2))
    if problems:
        print(f"\nPyAirbyte check FAILED: {len(problems)} problem(s)", file=sys.stderr)
        for p in problems:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"\nPyAirbyte: {len(rows)}/{len(catalog)} streams into DuckDB, {total1} rows, then {total2} on the incremental read: all as the emulator says.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
