#!/usr/bin/env bash
# Container test: builds the connector's image, then runs it the way users (`docker run`) and the Airbyte
# platform (`sh -c` + `eval "$AIRBYTE_ENTRYPOINT ..."` as uid 1000 in /source) do, against the emulator
# running on the host. Any failed expectation stops the script with a message and a non-zero exit.
#
#   bash scripts/container-test.sh
#
# Environment (all optional):
#   CONTAINER       docker-compatible command      default: ../shared/tools/container (beside the repository)
#   IMAGE           tag to build and test          default: source-tiktok-ads:dev
#   EMULATOR_ARGS   extra emulator flags           default: --seed 42
#   START_DATE / END_DATE  the sync's date range  default: 2026-11-17 / 2026-11-19 (before the emulator's clock)
#   RUN_TIMEOUT     seconds allowed per container run, default 600
#   KEEP_WORK=1     keep the temporary directory (it is always kept on failure)
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
CONTAINER=${CONTAINER:-$ROOT/../shared/tools/container}
IMAGE=${IMAGE:-source-tiktok-ads:dev}
EMULATOR_ARGS=${EMULATOR_ARGS:---seed 42}
START_DATE=${START_DATE:-2026-11-17}
END_DATE=${END_DATE:-2026-11-19}
RUN_TIMEOUT=${RUN_TIMEOUT:-600}
# The emulator's built-in credentials (emulator/README.md).
APP_ID=7100000000000000001
APP_SECRET=emulator-secret
ACCESS_TOKEN=emulator-token

T0=$SECONDS
step() { printf '\n==> [%4ds] %s\n' "$((SECONDS - T0))" "$*"; }
ok() { printf '    ok: %s\n' "$*"; }
fail() {
  printf '\ncontainer-test: FAILED: %s\n' "$*" >&2
  exit 1
}
show() { # show FILE LABEL: the tail of a file, to explain a failure
  [[ -s $1 ]] || return 0
  printf -- '---- %s (last 40 lines of %s) ----\n' "$2" "$1" >&2
  tail -n 40 "$1" >&2
}

[[ -x $CONTAINER ]] || command -v "$CONTAINER" >/dev/null 2>&1 ||
  fail "no container tool at '$CONTAINER' (set CONTAINER=docker, or check out shared/ beside the repository)"
command -v python3 >/dev/null 2>&1 || fail "python3 is needed for the JSON checks"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/container-test.XXXXXX")
EMU_PID=""
RUN_NAMES=()
cleanup() {
  local rc=$?
  if [[ -n $EMU_PID ]]; then
    kill "$EMU_PID" 2>/dev/null || true
    wait "$EMU_PID" 2>/dev/null || true
  fi
  for name in "${RUN_NAMES[@]}"; do "$CONTAINER" rm -f "$name" >/dev/null 2>&1 || true; done
  if ((rc != 0)) || [[ ${KEEP_WORK:-} == 1 ]]; then
    echo "container-test: outputs kept in $WORK" >&2
  else
    rm -rf "$WORK"
  fi
}
trap cleanup EXIT

# JSON checks, one mode per assertion group; each prints what it verified or exits 1 with the reason.
pycheck() {
  python3 - "$@" <<'PY'
import json, re, sys

mode, args = sys.argv[1], sys.argv[2:]

def die(msg):
    print("    check failed: " + msg, file=sys.stderr)
    sys.exit(1)

def say(text):
    print("    ok: " + text)

def messages(path):
    """Every stdout line must be one AirbyteMessage: anything else is a stray print."""
    out = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                m = json.loads(line)
            except ValueError:
                die(f"{path}:{n} is not JSON: {line[:200]!r}")
            if not isinstance(m, dict) or not isinstance(m.get("type"), str):
                die(f"{path}:{n} is not an AirbyteMessage (no 'type'): {line[:200]!r}")
            out.append(m)
    return out

def of_type(msgs, t):
    return [m for m in msgs if m["type"] == t]

def errors(msgs):
    return [m["trace"].get("error", {}) for m in of_type(msgs, "TRACE")
            if isinstance(m.get("trace"), dict) and m["trace"].get("type") == "ERROR"]

def metadata(path):
    text = open(path, encoding="utf-8").read()
    try:
        import yaml
        return yaml.safe_load(text)
    except ImportError:
        # Without PyYAML: the scalar keys of this file are simple `key: value` lines under `data:`.
        data = {}
        for m in re.finditer(r'^  (\w+): *"?([^"\n]*?)"?\s*$', text, re.M):
            data[m.group(1)] = m.group(2)
        return {"data": data}

def stream_name(m):
    return m["record"]["stream"]

if mode == "metadata":
    d = (metadata(args[0]) or {}).get("data") or {}
    required = ["name", "definitionId", "connectorType", "dockerRepository", "dockerImageTag", "license",
                "documentationUrl", "githubIssueLabel", "connectorSubtype", "releaseStage"]
    missing = [k for k in required if not d.get(k)]
    if missing:
        die(f"metadata.yaml lacks {missing}")
    if d["connectorType"] != "source" or d["connectorSubtype"] != "api":
        die("metadata.yaml must say connectorType: source, connectorSubtype: api")
    if not re.fullmatch(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", str(d["definitionId"])):
        die(f"definitionId {d['definitionId']!r} is not a uuid")
    if "tags" in d and "language:rust" not in d["tags"]:
        die("metadata.yaml tags must include language:rust")
    print(f'{d["dockerRepository"]}\t{d["dockerImageTag"]}')

elif mode == "image":
    inspect_path, repo, tag = args
    info = json.load(open(inspect_path, encoding="utf-8"))
    info = info[0] if isinstance(info, list) else info
    cfg = info.get("Config") or {}
    labels = cfg.get("Labels") or info.get("Labels") or {}
    if labels.get("io.airbyte.name") != repo:
        die(f"label io.airbyte.name is {labels.get('io.airbyte.name')!r}, metadata.yaml dockerRepository is {repo!r}")
    if labels.get("io.airbyte.version") != tag:
        die(f"label io.airbyte.version is {labels.get('io.airbyte.version')!r}, metadata.yaml dockerImageTag is {tag!r}")
    env = dict(e.split("=", 1) for e in cfg.get("Env") or [] if "=" in e)
    entry = env.get("AIRBYTE_ENTRYPOINT")
    if not entry:
        die("AIRBYTE_ENTRYPOINT is not set in the image")
    ep = cfg.get("Entrypoint") or []
    if entry != " ".join(ep):
        die(f"AIRBYTE_ENTRYPOINT {entry!r} differs from ENTRYPOINT {ep!r} joined")
    if not entry.startswith("/") or re.search(r"\s", entry):
        die(f"AIRBYTE_ENTRYPOINT {entry!r} must be one absolute path (the platform evals it from /source)")
    say(f"labels io.airbyte.name={repo} io.airbyte.version={tag}; AIRBYTE_ENTRYPOINT={entry} == ENTRYPOINT {ep}; "
          f"USER={cfg.get('User')!r} WORKDIR={cfg.get('WorkingDir')!r}")

elif mode == "spec":
    msgs = messages(args[0])
    specs = of_type(msgs, "SPEC")
    if len(specs) != 1:
        die(f"expected exactly one SPEC, got {len(specs)}")
    cs = specs[0].get("spec", {}).get("connectionSpecification")
    if not isinstance(cs, dict) or cs.get("type") != "object":
        die("spec.connectionSpecification is not an object schema")
    say(f"one SPEC with {len(cs.get('properties') or {})} config properties")

elif mode == "check":
    msgs = messages(args[0])
    st = of_type(msgs, "CONNECTION_STATUS")
    if len(st) != 1:
        die(f"expected exactly one CONNECTION_STATUS, got {len(st)}; errors: {errors(msgs)}")
    status = st[0].get("connectionStatus", {})
    if status.get("status") != "SUCCEEDED":
        die(f"check status {status.get('status')!r}: {status.get('message')!r}")
    say("CONNECTION_STATUS SUCCEEDED")

elif mode == "discover":
    msgs = messages(args[0])
    cats = of_type(msgs, "CATALOG")
    if len(cats) != 1:
        die(f"expected exactly one CATALOG, got {len(cats)}; errors: {errors(msgs)}")
    streams = cats[0].get("catalog", {}).get("streams") or []
    if not streams:
        die("the CATALOG has no streams")
    names = [s.get("name") for s in streams]
    if len(set(names)) != len(names):
        die(f"duplicate stream names in the CATALOG: {sorted(n for n in set(names) if names.count(n) > 1)}")
    for s in streams:
        if not isinstance(s.get("json_schema"), dict) or not s.get("supported_sync_modes"):
            die(f"stream {s.get('name')!r} lacks json_schema or supported_sync_modes")
    say(f"one CATALOG with {len(streams)} streams")

elif mode == "configure":
    # Every discovered stream, incremental where it can be (so the second read exercises input state).
    msgs = messages(args[0])
    streams = of_type(msgs, "CATALOG")[0]["catalog"]["streams"]
    configured = []
    for s in streams:
        inc = "incremental" in s["supported_sync_modes"]
        pk = s.get("source_defined_primary_key") or []
        c = {"stream": s, "sync_mode": "incremental" if inc else "full_refresh",
             "destination_sync_mode": "append_dedup" if inc and pk else "overwrite", "primary_key": pk}
        if inc and s.get("default_cursor_field"):
            c["cursor_field"] = s["default_cursor_field"]
        configured.append(c)
    with open(args[1], "w", encoding="utf-8") as f:
        json.dump({"streams": configured}, f)
    incs = sum(c["sync_mode"] == "incremental" for c in configured)
    say(f"configured {len(configured)} streams ({incs} incremental)")

elif mode == "read":
    path, catalog_path, need_records = args[0], args[1], args[2] == "records"
    msgs = messages(path)
    wanted = [c["stream"]["name"] for c in json.load(open(catalog_path, encoding="utf-8"))["streams"]]
    errs = errors(msgs)
    if errs:
        die(f"{len(errs)} TRACE ERROR(s), first: {errs[0].get('message')!r} ({errs[0].get('internal_message')!r})")
    records = of_type(msgs, "RECORD")
    counts = {}
    for m in records:
        r = m.get("record") or {}
        name = r.get("stream")
        if name not in wanted:
            die(f"RECORD for stream {name!r}, which is not in the configured catalog")
        if not isinstance(r.get("data"), dict) or not r["data"]:
            die(f"RECORD of {name!r} has empty or non-object data")
        if not isinstance(r.get("emitted_at"), int):
            die(f"RECORD of {name!r} has a non-integer emitted_at {r.get('emitted_at')!r}")
        counts[name] = counts.get(name, 0) + 1
    if need_records and not records:
        die("the read emitted no RECORD")
    states = of_type(msgs, "STATE")
    stated = set()
    for m in states:
        st = m.get("state") or {}
        if st.get("type") != "STREAM":
            die(f"STATE of type {st.get('type')!r}; expected per-stream (STREAM) state")
        if "recordCount" not in (st.get("sourceStats") or {}):
            die(f"STATE without sourceStats.recordCount: {json.dumps(st)[:200]}")
        stated.add(st["stream"]["stream_descriptor"]["name"])
    unstated = [n for n in wanted if n not in stated]
    if unstated:
        die(f"no STATE for {len(unstated)} configured stream(s): {unstated[:10]}")
    final = {}
    for m in of_type(msgs, "TRACE"):
        t = m["trace"]
        if t.get("type") == "STREAM_STATUS":
            final[t["stream_status"]["stream_descriptor"]["name"]] = t["stream_status"]["status"]
    unfinished = {n: final.get(n) for n in wanted if final.get(n) != "COMPLETE"}
    if unfinished:
        die(f"{len(unfinished)} stream(s) did not end COMPLETE: {dict(list(unfinished.items())[:10])}")
    top = ", ".join(f"{n}={c}" for n, c in sorted(counts.items(), key=lambda x: -x[1])[:6])
    say(f"{len(records)} RECORDs over {len(counts)} streams ({top}{', ...' if len(counts) > 6 else ''}); "
          f"{len(states)} STATEs covering all {len(wanted)} streams; every stream COMPLETE")

elif mode == "state":
    # The input state the platform would pass next time: the latest STATE per stream.
    latest = {}
    for m in of_type(messages(args[0]), "STATE"):
        d = m["state"]["stream"]["stream_descriptor"]
        latest[(d.get("namespace"), d["name"])] = m["state"]
    with open(args[1], "w", encoding="utf-8") as f:
        json.dump(list(latest.values()), f)
    say(f"input state with {len(latest)} stream states")

elif mode == "emulator-url":
    with open(args[0], encoding="utf-8") as f:
        first = f.readline()
    m = re.match(r"listening on (http://127\.0\.0\.1:(\d+))\s*$", first)
    if m:
        print(m.group(1))
    else:
        sys.exit(2)

elif mode == "listening":
    # /proc/net/tcp inside the container lists the sockets of the container's network namespace; the
    # emulator's listening socket is there only when the container shares the host's network.
    port = int(args[1])
    for line in open(args[0], encoding="utf-8").read().splitlines()[1:]:
        cols = line.split()
        if len(cols) > 3 and cols[3] == "0A" and int(cols[1].split(":")[1], 16) == port:
            say(f"the container sees the emulator's socket on port {port}: host network shared")
            break
    else:
        die(f"port {port} is not listening inside the container: it does not share the host's network")

elif mode == "executable":
    for line in open(args[1], encoding="utf-8"):
        try:
            m = json.loads(line)
        except ValueError:
            continue
        if m.get("reason") == "compiler-artifact" and m.get("target", {}).get("name") == args[0] \
                and m.get("executable"):
            print(m["executable"])
            break
    else:
        sys.exit(1)
else:
    die(f"unknown mode {mode}")
PY
}

# crun NAME DOCKER-RUN-ARGS...: one `run`, bounded in time, stdout/stderr/exit code in $WORK/NAME.*
crun() {
  local name=$1 cname="container-test-$$-$1"
  shift
  RUN_NAMES+=("$cname")
  local rc=0
  timeout "$RUN_TIMEOUT" "$CONTAINER" run --rm --name "$cname" "$@" \
    >"$WORK/$name.out" 2>"$WORK/$name.err" </dev/null || rc=$?
  echo "$rc" >"$WORK/$name.rc"
  if ((rc == 124)); then
    show "$WORK/$name.err" "stderr"
    fail "'$name' ran longer than ${RUN_TIMEOUT}s"
  fi
  return 0
}
expect_rc() { # expect_rc NAME CODE
  local rc
  rc=$(cat "$WORK/$1.rc")
  if [[ $rc != "$2" ]]; then
    show "$WORK/$1.out" "stdout"
    show "$WORK/$1.err" "stderr"
    fail "'$1' exited $rc, expected $2"
  fi
}
check_out() { # check_out NAME MODE ARGS...: a pycheck on NAME's stdout, showing its output on failure
  local name=$1 mode=$2
  shift 2
  if ! pycheck "$mode" "$WORK/$name.out" "$@"; then
    show "$WORK/$name.out" "stdout"
    show "$WORK/$name.err" "stderr"
    fail "'$name' output is not as expected"
  fi
}

step "metadata.yaml"
meta=$(pycheck metadata "$ROOT/metadata.yaml") || fail "metadata.yaml is incomplete"
REPO=${meta%%$'\t'*}
TAG=${meta#*$'\t'}
ok "dockerRepository=$REPO dockerImageTag=$TAG"

step "building the image $IMAGE (also tagged $REPO:$TAG)"
if ! "$CONTAINER" build -t "$IMAGE" -t "$REPO:$TAG" "$ROOT" </dev/null >"$WORK/build.log" 2>&1; then
  show "$WORK/build.log" "build log"
  fail "the image did not build"
fi
ok "built"

step "image labels, environment and entrypoint"
"$CONTAINER" image inspect "$IMAGE" >"$WORK/inspect.json" || fail "cannot inspect $IMAGE"
pycheck image "$WORK/inspect.json" "$REPO" "$TAG" || fail "the image's metadata is wrong"
size=$("$CONTAINER" image inspect --format '{{.Size}}' "$IMAGE")
ok "image size: $size bytes ($(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1000000 }'))"

step "user, /airbyte ownership, writable temporary directory"
# shellcheck disable=SC2016 # expanded by the container's shell
crun whoami --entrypoint sh "$IMAGE" -c 'echo "$(id -u):$(id -g) $(stat -c %u:%g /airbyte) $(test -w "${TMPDIR:-/tmp}" && echo tmp-ok)"'
expect_rc whoami 0
read -r who owner tmp <"$WORK/whoami.out" || true
[[ $who == 1000:1000 ]] || fail "the image runs as $who, expected uid:gid 1000:1000"
[[ $owner == 1000:1000 ]] || fail "/airbyte is owned by $owner, expected 1000:1000"
[[ $tmp == tmp-ok ]] || fail "the temporary directory is not writable by uid 1000"
ok "runs as 1000:1000, /airbyte owned by 1000:1000, temporary directory writable"

step "docker run ... spec"
crun spec "$IMAGE" spec
expect_rc spec 0
check_out spec spec

step "starting the emulator on the host"
cargo build -p tiktok-emulator --bin tiktok-emulator --message-format=json-render-diagnostics \
  </dev/null >"$WORK/emulator-build.json" 2>"$WORK/emulator-build.err" || {
  show "$WORK/emulator-build.err" "cargo"
  fail "the emulator did not build"
}
EMU_BIN=$(pycheck executable tiktok-emulator "$WORK/emulator-build.json") || fail "cargo built no tiktok-emulator binary"
# shellcheck disable=SC2086 # EMULATOR_ARGS is a list of flags
"$EMU_BIN" --port 0 $EMULATOR_ARGS </dev/null >"$WORK/emulator.out" 2>"$WORK/emulator.err" &
EMU_PID=$!
EMU_URL=""
for _ in $(seq 1 100); do
  EMU_URL=$(pycheck emulator-url "$WORK/emulator.out" 2>/dev/null) && break
  kill -0 "$EMU_PID" 2>/dev/null || {
    show "$WORK/emulator.err" "emulator stderr"
    fail "the emulator exited before listening"
  }
  sleep 0.2
done
[[ -n $EMU_URL ]] || fail "the emulator did not print 'listening on http://127.0.0.1:PORT' within 20s"
ok "emulator at $EMU_URL (pid $EMU_PID, args: $EMULATOR_ARGS)"

step "host networking: the container reaches 127.0.0.1"
crun netns --entrypoint cat "$IMAGE" /proc/net/tcp
expect_rc netns 0
pycheck listening "$WORK/netns.out" "${EMU_URL##*:}" || fail "containers started by $CONTAINER do not share the host network"

CONF="$WORK/conf"
mkdir -p "$CONF"
python3 - "$CONF/config.json" "$APP_ID" "$APP_SECRET" "$ACCESS_TOKEN" "$START_DATE" "$END_DATE" "$EMU_URL" <<'PY'
import json, sys
path, app_id, secret, token, start, end, url = sys.argv[1:]
json.dump({"app_id": app_id, "secret": secret, "access_token": token, "start_date": start, "end_date": end,
           "api_base_url": url}, open(path, "w"), indent=2)
PY
# The container's user (uid 1000) must read what root wrote here.
chmod 0755 "$WORK" "$CONF"
chmod 0644 "$CONF/config.json"

step "docker run ... check --config"
crun check -v "$CONF:/secrets:ro" "$IMAGE" check --config /secrets/config.json
expect_rc check 0
check_out check check

step "docker run ... discover --config"
crun discover -v "$CONF:/secrets:ro" "$IMAGE" discover --config /secrets/config.json
expect_rc discover 0
check_out discover discover
pycheck configure "$WORK/discover.out" "$CONF/catalog.json"
chmod 0644 "$CONF/catalog.json"

step "docker run ... read --config --catalog ($START_DATE .. $END_DATE)"
crun read -v "$CONF:/secrets:ro" "$IMAGE" read --config /secrets/config.json --catalog /secrets/catalog.json
expect_rc read 0
check_out read read "$CONF/catalog.json" records

# The platform's own wrapper (airbyte-platform ContainerCommandFactory), verbatim but for the state branch
# being taken: it runs in /source as uid 1000, with stdout/stderr/exitCode.txt as files there.
read -r -d '' SOURCE_WRAPPER <<'SH' || true
if [ -z "$AIRBYTE_ENTRYPOINT" ]; then echo "Entrypoint was not set! AIRBYTE_ENTRYPOINT must be set in the container."; exit 127; fi
( if [ ! -f /source/inputState.json ]; then
    eval "$AIRBYTE_ENTRYPOINT read --config /source/connectorConfig.json --catalog /source/catalog.json" 2> stderr > stdout
  else
    eval "$AIRBYTE_ENTRYPOINT read --config /source/connectorConfig.json --catalog /source/catalog.json --state /source/inputState.json" 2> stderr > stdout
  fi ) &
CHILD_PID=$!
(while true; do if [ -f TERMINATED ]; then kill $CHILD_PID; exit 0; fi; sleep 10; done) &
wait $CHILD_PID; EXIT_CODE=$?
echo $EXIT_CODE > TEMP_EXIT_CODE.txt; mv TEMP_EXIT_CODE.txt exitCode.txt
exit $EXIT_CODE
SH
read -r -d '' CHECK_WRAPPER <<'SH' || true
if [ -z "$AIRBYTE_ENTRYPOINT" ]; then echo "Entrypoint was not set! AIRBYTE_ENTRYPOINT must be set in the container."; exit 127; fi
eval "$AIRBYTE_ENTRYPOINT check --config /config/connectionConfiguration.json" > /config/jobOutput.json
EXIT_CODE=$?
echo $EXIT_CODE > TEMP_EXIT_CODE.txt; mv TEMP_EXIT_CODE.txt exitCode.txt
exit $EXIT_CODE
SH

step "as Airbyte runs check: sh -c 'eval \"\$AIRBYTE_ENTRYPOINT check ...\"' in /config as uid 1000"
PCONF="$WORK/config"
mkdir -p "$PCONF"
cp "$CONF/config.json" "$PCONF/connectionConfiguration.json"
chmod 0777 "$PCONF"
chmod 0644 "$PCONF/connectionConfiguration.json"
crun platform-check --user 1000:1000 -w /config -v "$PCONF:/config" --entrypoint sh "$IMAGE" -c "$CHECK_WRAPPER"
expect_rc platform-check 0
[[ $(cat "$PCONF/exitCode.txt" 2>/dev/null) == 0 ]] || fail "the check wrapper wrote no exitCode.txt of 0"
cp "$PCONF/jobOutput.json" "$WORK/platform-check.out"
check_out platform-check check

step "as Airbyte runs read: sh -c 'eval \"\$AIRBYTE_ENTRYPOINT read ... --state /source/inputState.json\"' in /source as uid 1000"
SRC="$WORK/source"
mkdir -p "$SRC"
cp "$CONF/config.json" "$SRC/connectorConfig.json"
cp "$CONF/catalog.json" "$SRC/catalog.json"
pycheck state "$WORK/read.out" "$SRC/inputState.json"
chmod 0777 "$SRC"
chmod 0644 "$SRC"/*.json
crun platform-read --user 1000:1000 -w /source -v "$SRC:/source" --entrypoint sh "$IMAGE" -c "$SOURCE_WRAPPER"
cp "$SRC/stdout" "$WORK/platform-read.out" 2>/dev/null || : >"$WORK/platform-read.out"
cp "$SRC/stderr" "$WORK/platform-read.err" 2>/dev/null || true
expect_rc platform-read 0
[[ $(cat "$SRC/exitCode.txt" 2>/dev/null) == 0 ]] || fail "the read wrapper wrote no exitCode.txt of 0"
check_out platform-read read "$SRC/catalog.json" any
ok "exit code 0, exitCode.txt 0"

step "done"
echo "container-test: PASSED (image $IMAGE, $(awk -v s="$size" 'BEGIN { printf "%.1f MB", s / 1000000 }'), $((SECONDS - T0))s)"
