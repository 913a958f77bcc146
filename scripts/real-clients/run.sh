#!/usr/bin/env bash
# Real clients: the connector driven by the Airbyte tools people use, each installed from PyPI at
# pinned versions into its own virtualenv, against the emulator:
#   1. PyAirbyte reads every stream into its DuckDB cache, twice (pyairbyte_read.py);
#   2. airbyte-protocol-models validates every stdout line of spec/check/discover/read
#      (protocol_lines.py);
#   3. airbyte-cdk's Docker standard tests run against the image (test_airbyte_standards.py).
# All three run even when one fails; the script exits non-zero if any did.
#
#   bash scripts/real-clients/run.sh
#
# Environment (all optional):
#   PYTHON          interpreter for the virtualenvs   default: python3.11, else python3
#   CONTAINER       docker-compatible command         default: ../shared/tools/container
#   IMAGE           image to test (built if missing)  default: source-tiktok-ads:dev (scripts/container-test.sh's)
#   XDG_CACHE_HOME  the venvs and pip's downloads are kept in $XDG_CACHE_HOME/source-tiktok-ads
#                   (default ~/.cache/source-tiktok-ads), keyed by a hash of each requirements file
#   KEEP_WORK=1     keep the temporary directory (it is always kept on failure)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
cd "$ROOT"
exec </dev/null

CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/source-tiktok-ads
CONTAINER=${CONTAINER:-$ROOT/../shared/tools/container}
IMAGE=${IMAGE:-source-tiktok-ads:dev}
if [[ -z ${PYTHON:-} ]]; then
  PYTHON=$(command -v python3.11 || command -v python3 || true)
fi
CONNECTOR=$ROOT/target/release/source-tiktok-ads
EMULATOR=$ROOT/target/release/tiktok-emulator

T0=$SECONDS
phase() { printf '\n--> [%4ds] %s\n' "$((SECONDS - T0))" "$*"; }
die() {
  printf 'real clients: %s\n' "$*" >&2
  exit 1
}

[[ -n $PYTHON ]] || die "no python3.11 or python3 on PATH (set PYTHON)"
"$PYTHON" -c 'import sys; sys.exit(sys.version_info < (3, 10))' ||
  die "$PYTHON is $("$PYTHON" --version 2>&1); PyAirbyte needs Python 3.10 or newer"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/real-clients.XXXXXX")
EMU_PIDS=()
FAILED=()
cleanup() {
  local rc=$?
  for pid in "${EMU_PIDS[@]}"; do
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  if ((rc != 0)) || [[ ${KEEP_WORK:-} == 1 ]]; then
    echo "real clients: outputs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# venv NAME: prints the path of a virtualenv with requirements/NAME.txt installed. A venv is made
# once per content of that file (and Python version) and then reused; venvs of older contents
# are removed. The wheels come from a wheelhouse beside them (pip's own HTTP cache is not kept
# here), filled from PyPI only when a pinned file is missing from it.
venv() {
  local name=$1 req="$HERE/requirements/$1.txt" key dir
  key=$( (cat "$req" && "$PYTHON" -c 'import sys; print(sys.version)') | sha256sum | cut -c1-16)
  dir=$CACHE/venvs/$name-$key
  if [[ ! -f $dir/.complete ]]; then
    rm -rf "$dir"
    mkdir -p "$CACHE/venvs" "$CACHE/wheels"
    "$PYTHON" -m venv "$dir" >&2
    local pip=("$dir/bin/python" -m pip --disable-pip-version-check --no-input -q)
    if ! "${pip[@]}" install --no-index --find-links "$CACHE/wheels" -r "$req" >/dev/null 2>&1; then
      "${pip[@]}" download -d "$CACHE/wheels" -r "$req" >&2 &&
        "${pip[@]}" install --no-index --find-links "$CACHE/wheels" -r "$req" >&2 || {
        rm -rf "$dir"
        return 1
      }
    fi
    touch "$dir/.complete"
    for old in "$CACHE/venvs/$name"-*; do [[ $old == "$dir" ]] || rm -rf "$old"; done
    echo "    installed $name ($req) into $dir" >&2
  else
    echo "    reused $dir" >&2
  fi
  echo "$dir"
}

# start_emulator NAME: a fresh emulator (default world, fixed clock, no rate limits) per client, so
# one client's changes to the world never reach another's truth. Sets EMU_URL.
start_emulator() {
  local out=$WORK/$1-emulator
  "$EMULATOR" --port 0 --seed 42 --qps 0 --qpm 0 >"$out.out" 2>"$out.err" &
  local pid=$!
  EMU_PIDS+=("$pid")
  EMU_URL=""
  for _ in $(seq 1 100); do
    # The background shell may not have opened the file yet.
    EMU_URL=$(sed -n '1s/^listening on \(http:\/\/127\.0\.0\.1:[0-9]*\)$/\1/p' "$out.out" 2>/dev/null || true)
    [[ -n $EMU_URL ]] && return 0
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  cat "$out.err" >&2
  die "the emulator did not start"
}

# client NAME LOG COMMAND...: runs one client, its output to LOG; a failure is recorded, shown and
# does not stop the others.
client() {
  local name=$1 log=$2 t=$SECONDS
  shift 2
  if "$@" >"$log" 2>&1; then
    echo "    $name passed in $((SECONDS - t))s"
  else
    echo "    $name FAILED (exit $?) after $((SECONDS - t))s; the end of its output:" >&2
    tail -n 40 "$log" >&2
    FAILED+=("$name")
  fi
}

phase "release binaries"
cargo build --release --locked -p source-tiktok-ads -p tiktok-emulator >"$WORK/cargo-build.log" 2>&1 || {
  tail -n 40 "$WORK/cargo-build.log" >&2
  die "the release build failed"
}
tail -n 1 "$WORK/cargo-build.log"

phase "virtualenvs (pinned, cached in $CACHE)"
PYAIRBYTE_VENV=$(venv pyairbyte) || die "could not install requirements/pyairbyte.txt"
PROTOCOL_VENV=$(venv protocol) || die "could not install requirements/protocol.txt"
CDK_VENV=$(venv cdk) || die "could not install requirements/cdk.txt"

phase "PyAirbyte: every stream into DuckDB, then an incremental read"
start_emulator pyairbyte
mkdir -p "$WORK/pyairbyte"
# Offline mode: no registry lookup and no telemetry (the connector is a local executable).
client PyAirbyte "$WORK/pyairbyte/log.txt" env AIRBYTE_OFFLINE_MODE=1 DO_NOT_TRACK=1 \
  AIRBYTE_LOGGING_ROOT="$WORK/pyairbyte/logs" AIRBYTE_TEMP_DIR="$WORK/pyairbyte" \
  "$PYAIRBYTE_VENV/bin/python" "$HERE/pyairbyte_read.py" --emulator "$EMU_URL" --executable "$CONNECTOR" \
  --out "$WORK/pyairbyte"
[[ -f $WORK/pyairbyte/report.txt ]] && sed 's/^/    /' "$WORK/pyairbyte/report.txt"

phase "airbyte-protocol-models: every line of spec, check, discover and read"
start_emulator protocol
client "protocol models" "$WORK/protocol-log.txt" \
  "$PROTOCOL_VENV/bin/python" "$HERE/protocol_lines.py" --emulator "$EMU_URL" --executable "$CONNECTOR" \
  --out "$WORK/protocol"
[[ -f $WORK/protocol/report.txt ]] && sed 's/^/    /' "$WORK/protocol/report.txt"

phase "airbyte-cdk Docker standard tests against $IMAGE"
[[ -x $CONTAINER ]] || command -v "$CONTAINER" >/dev/null 2>&1 ||
  die "no container tool at '$CONTAINER' (set CONTAINER=docker, or check out shared/ beside the repository)"
if ! "$CONTAINER" image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "    $IMAGE is not built yet: building it"
  "$CONTAINER" build -t "$IMAGE" "$ROOT" >"$WORK/image-build.log" 2>&1 || {
    tail -n 40 "$WORK/image-build.log" >&2
    die "the image did not build"
  }
fi
start_emulator cdk
# The suite reads the connector root: a copy of the files it reads, with secrets/ written here
# for this emulator, so that a developer's own secrets/config.json is never touched.
STD=$WORK/source-tiktok-ads
mkdir -p "$STD/secrets" "$WORK/bin"
cp -r "$ROOT/metadata.yaml" "$ROOT/acceptance-test-config.yml" "$ROOT/spec.json" "$ROOT/integration_tests" "$STD/"
"$PYTHON" - "$ROOT/integration_tests" "$STD/secrets" "$EMU_URL" <<'PY'
import json, sys
src, dst, url = sys.argv[1:]
for name in ("sample_config.json", "invalid_config.json"):
    config = json.load(open(f"{src}/{name}"))
    config["api_base_url"] = url
    out = "config.json" if name == "sample_config.json" else name
    json.dump(config, open(f"{dst}/{out}", "w"), indent=2)
PY
chmod -R a+rX "$STD"
ln -s "$(readlink -f "$(command -v "$CONTAINER")")" "$WORK/bin/docker"
# Not run: test_docker_image_spec_backward_compatibility compares with the spec published in
# Airbyte's registry; this connector is not published there, and CI reaches no other network.
client "standard tests" "$WORK/standard-tests-log.txt" env PATH="$WORK/bin:$PATH" \
  AIRBYTE_CONNECTOR_ROOT="$STD" "$CDK_VENV/bin/python" -m pytest \
  -p airbyte_cdk.test.standard_tests.pytest_hooks -p no:cacheprovider --rootdir "$HERE" \
  -m image_tests -k "not backward_compatibility" -rA \
  --connector-image "$IMAGE" --read-from-streams=all --junitxml "$WORK/standard-tests.xml" \
  "$HERE/test_airbyte_standards.py"
# A suite that skipped everything (no docker on PATH, no scenario) must not pass as green.
STANDARD=$("$PYTHON" - "$WORK/standard-tests.xml" <<'PY'
import re, sys, xml.etree.ElementTree as ET
expected = {
    "test_docker_image_build_and_spec",
    "test_docker_image_build_and_check[config]",
    "test_docker_image_build_and_check[invalid_config]",
    "test_docker_image_build_and_config_matches_spec[config]",
    "test_docker_image_build_and_discover[config]",
    "test_docker_image_build_and_read[config]",
}
try:
    cases = ET.parse(sys.argv[1]).getroot().iter("testcase")
except (OSError, ET.ParseError) as e:
    print(f"no test report ({e})"); sys.exit(1)
passed, other = [], []
for case in cases:
    outcome = next((c.tag for c in case if c.tag in ("failure", "error", "skipped")), "passed")
    # pytest names a scenario "['config' Test Scenario]": shown here as "[config]".
    name = re.sub(r"\['(\w+)' Test Scenario\]", r"[\1]", case.get("name") or "")
    (passed if outcome == "passed" else other).append((name, outcome))
names = {n for n, _ in passed}
skipped = sum(1 for _, o in other if o == "skipped")
bad = [f"{n} {o}" for n, o in other if o != "skipped"] + [f"{n} did not pass" for n in sorted(expected - names)]
print(f"{len(passed)} passed, {len(bad)} failed, {skipped} skipped (not applicable to their scenario): "
      + ", ".join(sorted(names)))
sys.exit(1 if bad else 0)
PY
) || FAILED+=("standard tests (expected set)")
echo "    $STANDARD"

phase "figures"
"$PYTHON" - "$WORK" "$STANDARD" <<'PY'
import json, sys
from pathlib import Path
work, standard = Path(sys.argv[1]), sys.argv[2]
def load(p):
    try:
        return json.loads((work / p).read_text())
    except (OSError, ValueError):
        return None
pa, proto = load("pyairbyte/summary.json"), load("protocol/summary.json")
if pa:
    print(f"PyAirbyte: {pa['streams_checked']} of {pa['streams']} streams; {pa['rows_first_read']} rows, "
          f"then {pa['rows_second_read']} on the second (incremental) read; {len(pa['problems'])} problem(s)")
if proto:
    per = ", ".join(f"{k} {v}" for k, v in proto["lines"].items())
    print(f"protocol models: {proto['total']} lines validated ({per}); {len(proto['problems'])} problem(s)")
print(f"standard tests: {standard}")
PY

if ((${#FAILED[@]})); then
  die "FAILED: ${FAILED[*]} ($((SECONDS - T0))s)"
fi
echo "real clients: PASSED in $((SECONDS - T0))s"
