"""Every stdout line of the connector, checked with Airbyte's own message models
(`airbyte-protocol-models`, pydantic 1): `spec`, `check` with a valid and an invalid config,
`discover`, a full-refresh `read` of every stream, an incremental `read` from its state, and a
`read` of a bad catalog.

Each line must be JSON and parse with `AirbyteMessage.parse_obj`. Pydantic 1 coerces (`"17"` passes
as an integer), so each line is also validated, without coercion, against the JSON Schema the
models export (the package does not ship the protocol's YAML), and checked for what neither
catches: the payload key of its `type` is present, and `record.emitted_at` is an integer.

    python protocol_lines.py --emulator URL --executable target/release/source-tiktok-ads --out DIR

DIR gets the files passed to the connector, `report.txt` (lines per command) and `summary.json`.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import truth  # noqa: E402

PAYLOAD_KEY = {
    "RECORD": "record",
    "STATE": "state",
    "LOG": "log",
    "SPEC": "spec",
    "CONNECTION_STATUS": "connectionStatus",
    "CATALOG": "catalog",
    "TRACE": "trace",
    "CONTROL": "control",
}


class Checker:
    def __init__(self) -> None:
        from airbyte_protocol.models import AirbyteMessage
        from jsonschema import Draft7Validator

        self.model = AirbyteMessage
        schema = AirbyteMessage.schema()
        Draft7Validator.check_schema(schema)
        self.schema = Draft7Validator(schema)
        self.counts: dict[str, int] = {}
        self.problems: list[str] = []

    def lines(self, label: str, stdout: str) -> list[dict]:
        """Validates every line; returns the messages as plain JSON."""
        messages = []
        for number, line in enumerate(stdout.splitlines(), 1):
            where = f"{label} line {number}"
            if not line.strip():
                self.problems.append(f"{where}: an empty line")
                continue
            try:
                raw = json.loads(line)
            except ValueError as e:
                self.problems.append(f"{where}: not JSON ({e}): {line[:200]!r}")
                continue
            try:
                self.model.parse_obj(raw)
            except Exception as e:  # pydantic's ValidationError
                self.problems.append(f"{where}: AirbyteMessage rejects it: {e}; {line[:300]}")
            for error in list(self.schema.iter_errors(raw))[:3]:
                path = "/".join(str(p) for p in error.absolute_path)
                self.problems.append(f"{where}: JSON Schema: {error.message} at /{path}; {line[:300]}")
            kind = raw.get("type") if isinstance(raw, dict) else None
            key = PAYLOAD_KEY.get(kind)
            if key is None:
                self.problems.append(f"{where}: unknown message type {kind!r}")
            elif not isinstance(raw.get(key), dict):
                self.problems.append(f"{where}: type {kind!r} without its '{key}' object")
            elif kind == "RECORD":
                emitted_at = raw["record"].get("emitted_at")
                if not isinstance(emitted_at, int) or isinstance(emitted_at, bool):
                    self.problems.append(f"{where}: record.emitted_at {emitted_at!r} is not an integer")
            messages.append(raw)
        self.counts[label] = self.counts.get(label, 0) + len(stdout.splitlines())
        return messages

    def expect(self, condition: bool, what: str) -> None:
        if not condition:
            self.problems.append(what)


def of_type(messages: list[dict], kind: str) -> list[dict]:
    return [m for m in messages if m.get("type") == kind]


def errors(messages: list[dict]) -> list[dict]:
    return [m["trace"]["error"] for m in of_type(messages, "TRACE") if m["trace"].get("type") == "ERROR"]


def main() -> int:
    args = truth.client_arguments(__doc__)

    emulator = truth.Emulator(args.emulator)
    now = emulator.now()
    config = truth.config_for(args.emulator, (now - timedelta(days=3)).date(), 2)
    invalid = {**config, "secret": "wrong-secret", "access_token": "revoked-or-mistyped-token"}
    env = {**os.environ, "TIKTOK_ADS_NOW": now.isoformat()}
    checker = Checker()

    def write(name: str, value: object) -> str:
        path = args.out / name
        path.write_text(json.dumps(value))
        return str(path)

    def run(label: str, *argv: str) -> tuple[int, list[dict]]:
        done = subprocess.run(
            [str(args.executable), *argv], capture_output=True, text=True, env=env, timeout=900
        )
        return done.returncode, checker.lines(label, done.stdout)

    code, out = run("spec", "spec")
    checker.expect(code == 0 and len(of_type(out, "SPEC")) == 1, f"spec: exit {code}, {len(of_type(out, 'SPEC'))} SPEC")

    code, out = run("check", "check", "--config", write("config.json", config))
    statuses = [m["connectionStatus"]["status"] for m in of_type(out, "CONNECTION_STATUS")]
    checker.expect(code == 0 and statuses == ["SUCCEEDED"], f"check: exit {code}, statuses {statuses}")
    code, out = run("check (invalid config)", "check", "--config", write("invalid_config.json", invalid))
    statuses = [m["connectionStatus"]["status"] for m in of_type(out, "CONNECTION_STATUS")]
    checker.expect(code == 0 and statuses == ["FAILED"], f"check (invalid config): exit {code}, statuses {statuses}")

    code, out = run("discover", "discover", "--config", write("config.json", config))
    catalogs = of_type(out, "CATALOG")
    checker.expect(code == 0 and len(catalogs) == 1, f"discover: exit {code}, {len(catalogs)} CATALOG")
    streams = catalogs[0]["catalog"]["streams"] if catalogs else []

    def configured(mode_of) -> dict:
        return {
            "streams": [
                {
                    "stream": s,
                    "sync_mode": mode_of(s),
                    "destination_sync_mode": "append",
                    "cursor_field": s.get("default_cursor_field") or [],
                    "primary_key": s.get("source_defined_primary_key") or [],
                }
                for s in streams
            ]
        }

    full = configured(lambda s: "full_refresh")
    code, out = run("read", "read", "--config", write("config.json", config), "--catalog", write("full.json", full))
    read_streams = {m["record"]["stream"] for m in of_type(out, "RECORD")}
    checker.expect(code == 0 and not errors(out), f"read: exit {code}, errors {errors(out)[:1]}")
    checker.expect(len(read_streams) > 0, "read: no RECORD")

    # The state the platform would pass on: the last STATE of each stream.
    last = {}
    for m in of_type(out, "STATE"):
        last[m["state"]["stream"]["stream_descriptor"]["name"]] = m["state"]
    incremental = configured(lambda s: "incremental" if "incremental" in s["supported_sync_modes"] else "full_refresh")
    code, out = run(
        "read (incremental, with state)",
        "read", "--config", write("config.json", config), "--catalog", write("incremental.json", incremental),
        "--state", write("state.json", list(last.values())),
    )
    checker.expect(code == 0 and not errors(out), f"read (incremental): exit {code}, errors {errors(out)[:1]}")

    bad = {"streams": [{"stream": {"name": "__AIRBYTE__stream_that_does_not_exist", "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
                        "sync_mode": "INVALID", "destination_sync_mode": "overwrite"}]}
    code, out = run("read (bad catalog)", "read", "--config", write("config.json", config), "--catalog", write("bad.json", bad))
    checker.expect(code != 0 and len(errors(out)) >= 1, f"read (bad catalog): exit {code}, {len(errors(out))} ERROR trace(s)")

    width = max(len(k) for k in checker.counts)
    lines = [f"{'command':<{width}}  lines validated"]
    lines += [f"{label:<{width}}  {n:>15}" for label, n in checker.counts.items()]
    total = sum(checker.counts.values())
    lines.append(f"{'total':<{width}}  {total:>15}")
    report = "\n".join(lines) + "\n"
    (args.out / "report.txt").write_text(report)
    print("\n" + report)
    (args.out / "summary.json").write_text(json.dumps({"lines": checker.counts, "total": total, "streams_read": len(read_streams),
                                                      "streams": len(streams), "problems": checker.problems}, indent=2))
    if checker.problems:
        print(f"\nprotocol check FAILED: {len(checker.problems)} problem(s)", file=sys.stderr)
        for p in checker.problems[:30]:
            print(f"  - {p}", file=sys.stderr)
        return 1
    print(f"\nProtocol models: {total} lines, every one a valid AirbyteMessage ({len(read_streams)} of {len(streams)} streams had records).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
