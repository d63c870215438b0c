#!/usr/bin/env bash
# falco-ts benchmarks: one command runs them all, prints a table with the targets and writes
# bench/RESULTS.md (machine details, date, commit). Not part of scripts/test.sh.
#
#   sudo bash bench/run.sh            # everything (~5-8 minutes on 2 cores)
#   BENCH_REPS=3 bash bench/run.sh    # repetitions per measurement (default 5 replay, 3 live)
#   BENCH_ONLY="replay reload" ...    # subset: replay live prefill reload startup
#
# Needs root (the live benchmarks attach the eBPF probe). Installs sysdig and hyperfine from
# Debian if missing. Every figure is a median with min-max over repeated runs; every ratio is
# against a baseline measured in the same run (interleaved with ours where the order could matter).
# Raw measurements: bench/out/raw.jsonl (one JSON object per run); bench/report.ts aggregates them.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
OUT=bench/out
RAW=$OUT/raw.jsonl
BUN=node_modules/.bin/bun
RULES=${BENCH_RULES:-../shared/rules/falco_rules.yaml}
SRC_CAPTURE=${BENCH_CAPTURE:-../shared/captures/sf-collector/mpm-worker/full_capture.scap}
COPIES=${BENCH_COPIES:-40}
REPLAY_REPS=${BENCH_REPS:-5}
LIVE_REPS=${BENCH_LIVE_REPS:-${BENCH_REPS:-3}}
STORM_SECONDS=${BENCH_STORM_SECONDS:-2}
LIVE_RATES=${BENCH_RATES:-"50000 100000 200000 400000 800000 0"}
PREFILL_RING=${BENCH_PREFILL_RING:-$((64 << 20))}
PREFILL_STORM=${BENCH_PREFILL_STORM:-1.5}
ONLY=${BENCH_ONLY:-"replay live prefill reload startup"}

log() { printf 'bench: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }
want() { [[ " $ONLY " == *" $1 "* ]]; }
rec() { printf '%s\n' "$1" >>"$RAW"; }

[[ $EUID -eq 0 ]] || die "run as root (the live benchmarks load the eBPF probe)"
[[ -e $RULES ]] || die "rules file $RULES not found (set BENCH_RULES)"
[[ -e $SRC_CAPTURE ]] || die "capture $SRC_CAPTURE not found (set BENCH_CAPTURE)"
mkdir -p "$OUT"
: >"$RAW"
T_START=$(date +%s)

# --- build and tools ----------------------------------------------------------------------------
log "building (scripts/build.sh)"
bash scripts/build.sh
need=()
command -v sysdig >/dev/null || need+=(sysdig)
command -v hyperfine >/dev/null || need+=(hyperfine)
[[ -x /usr/bin/time ]] || need+=(time)
command -v gcc >/dev/null || need+=(gcc)
if ((${#need[@]})); then
  log "installing ${need[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}"
fi
gcc -O2 -Wall -Wextra -o $OUT/loadgen bench/loadgen.c
gcc -O2 -Wall -Wextra -o $OUT/cdrain bench/cdrain.c -Lffi/build -lfts -Wl,-rpath,"$ROOT/ffi/build" -lbpf

# --- captures -----------------------------------------------------------------------------------
BIG=$OUT/replay${COPIES}.scap
TINY=$OUT/startup.scap
if [[ ! -e $BIG || ! -e $OUT/capture.json || $BIG -ot $SRC_CAPTURE || $BIG -ot src/capture/writer.ts || $BIG -ot bench/make_capture.ts ]]; then
  log "writing $BIG ($COPIES copies of $SRC_CAPTURE)"
  $BUN bench/make_capture.ts "$SRC_CAPTURE" "$BIG" "$COPIES" >$OUT/capture.json
fi
$BUN bench/make_capture.ts "$SRC_CAPTURE" "$TINY" 1 200 >/dev/null

# --- which falco-ts to time: the single binary when it works, else the sources under bun ---------
FTS=(./falco-ts)
if ! ./falco-ts -e "$TINY" -r "$RULES" >/dev/null 2>$OUT/fts_check.err; then
  log "./falco-ts does not replay (see $OUT/fts_check.err); timing '$BUN src/cli/main.ts' instead"
  FTS=("$BUN" src/cli/main.ts)
fi
FTS_CMD="${FTS[*]}"
rec "{\"bench\":\"meta\",\"fts_cmd\":\"$FTS_CMD\",\"load_start\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"capture\":$(cat $OUT/capture.json),\"big\":\"$BIG\",\"rules\":\"$RULES\",\"storm_seconds\":$STORM_SECONDS,\"prefill_ring\":$PREFILL_RING,\"prefill_storm\":$PREFILL_STORM}"

# --- 1. replay throughput vs sysdig, and peak RSS (interleaved runs) -----------------------------
SYSDIG_FILTER="evt.type in (execve,execveat,open,openat,openat2,connect,accept,mount) and proc.name in (nonexistent1,nonexistent2)"
if want replay; then
  log "replay: $REPLAY_REPS interleaved runs each of sysdig and falco-ts on $BIG"
  sysdig -r "$BIG" "$SYSDIG_FILTER" >/dev/null # warm the page cache
  for ((i = 1; i <= REPLAY_REPS; i++)); do
    /usr/bin/time -f '%e %M %U %S' -o $OUT/time.txt sysdig -r "$BIG" "$SYSDIG_FILTER" >/dev/null 2>$OUT/sysdig.err
    read -r wall rss usr sys < <(tail -1 $OUT/time.txt)
    rec "{\"bench\":\"replay\",\"tool\":\"sysdig\",\"rep\":$i,\"wall\":$wall,\"rss_kb\":$rss,\"user\":$usr,\"sys\":$sys}"
    /usr/bin/time -f '%e %M %U %S' -o $OUT/time.txt "${FTS[@]}" -e "$BIG" -r "$RULES" >/dev/null 2>$OUT/fts_replay.err ||
      log "  falco-ts replay exited non-zero: $(tail -2 $OUT/fts_replay.err)"
    read -r wall rss usr sys < <(tail -1 $OUT/time.txt)
    processed=$(sed -n 's/.*stopped: \([0-9]*\) events processed.*/\1/p' $OUT/fts_replay.err | tail -1)
    loadms=$(sed -n 's/.*loaded [0-9]* rules from .* in \([0-9.]*\) ms.*/\1/p' $OUT/fts_replay.err | tail -1)
    rec "{\"bench\":\"replay\",\"tool\":\"falco-ts\",\"rep\":$i,\"wall\":$wall,\"rss_kb\":$rss,\"user\":$usr,\"sys\":$sys,\"processed\":${processed:-0},\"rules_load_ms\":${loadms:-0}}"
    log "  run $i: falco-ts ${wall}s (${rss} KiB), sysdig $(grep -c '"tool":"sysdig"' $RAW) runs"
  done
fi

# --- 2. live pipeline under an openat/close storm at rising rates --------------------------------
SEL=$($BUN bench/selection.ts "$RULES")
wait_for() { # file pattern timeout_s
  local i
  for ((i = 0; i < $3 * 20; i++)); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    sleep 0.05
  done
  return 1
}
stop_pid() {
  kill -INT "$1" 2>/dev/null || true
  local i
  for ((i = 0; i < 200; i++)); do kill -0 "$1" 2>/dev/null || break; sleep 0.05; done
  kill -KILL "$1" 2>/dev/null || true
  wait "$1" 2>/dev/null || true
}
live_try() { # tool rate rep: one attempt; returns 1 if the reader did not start
  local tool=$1 rate=$2 rep=$3 pid lg res
  if [[ $tool == c ]]; then
    $OUT/cdrain live ffi/build/probe.bpf.o "$SEL" >$OUT/live.out 2>$OUT/live.err &
    pid=$!
    wait_for $OUT/live.out ready 10 || { stop_pid $pid; log "  cdrain did not start: $(grep -m1 -i 'fail\|error' $OUT/live.err)"; return 1; }
  else
    $BUN bench/agent_live.ts "$RULES" >/dev/null 2>$OUT/live.err &
    pid=$!
    wait_for $OUT/live.err "capture started" 30 || { stop_pid $pid; log "  agent did not start: $(grep -m1 -i 'error' $OUT/live.err)"; return 1; }
  fi
  lg=$($OUT/loadgen "$rate" "$STORM_SECONDS")
  sleep 0.3
  stop_pid $pid
  if [[ $tool == c ]]; then res=$(grep '^{' $OUT/live.out | tail -1); else res=$(sed -n 's/^RESULT //p' $OUT/live.err | tail -1); fi
  [[ -n $res ]] || { log "  $tool at $rate: no result"; return 0; }
  rec "{\"bench\":\"live\",\"tool\":\"$tool\",\"target\":$rate,\"rep\":$rep,\"loadgen\":$lg,\"result\":$res}"
  log "  $tool target=$rate rep=$rep: $lg $res"
}
# The probe load sometimes fails with EAGAIN while other probes load at the same time: retry.
live_run() { local a; for a in 1 2 3; do live_try "$@" && return 0; sleep 0.5; done; log "  giving up: $*"; return 0; }
if want live; then
  log "live: storms of ${STORM_SECONDS}s at rates ($LIVE_RATES; 0 = unthrottled), $LIVE_REPS reps, C reader vs agent"
  for rate in $LIVE_RATES; do
    for ((i = 1; i <= LIVE_REPS; i++)); do
      live_run c "$rate" "$i"
      live_run agent "$rate" "$i"
    done
  done
fi

# --- 3. consumer ceiling: pre-filled ring, then drain -----------------------------------------
prefill_try() { # tool rep [mode]: one attempt; returns 1 if the reader did not start
  local tool=$1 rep=$2 mode=${3:-full} pid lg res
  if [[ $tool == c ]]; then
    $OUT/cdrain prefill ffi/build/probe.bpf.o "$SEL" "$PREFILL_RING" >$OUT/pf.out 2>$OUT/pf.err &
    pid=$!
  else
    rm -f $OUT/pf.go
    # go signal by file (a SIGUSR1 sent to Bun was once fatal: the handler was not yet installed)
    DRAIN_GO_FILE=$OUT/pf.go $BUN bench/drain.ts "$RULES" "$PREFILL_RING" "$mode" >$OUT/pf.out 2>$OUT/pf.err &
    pid=$!
  fi
  wait_for $OUT/pf.out ready 30 || { stop_pid $pid; log "  $tool prefill did not start: $(grep -m1 -i 'fail\|error' $OUT/pf.err)"; return 1; }
  lg=$($OUT/loadgen 0 "$PREFILL_STORM")
  if [[ $tool == c ]]; then kill -USR1 $pid; else touch $OUT/pf.go; fi
  wait $pid || true
  if [[ $tool == c ]]; then res=$(grep '^{' $OUT/pf.out | tail -1); else res=$(sed -n 's/^RESULT //p' $OUT/pf.err | tail -1); fi
  [[ -n $res ]] || { log "  $tool prefill: no result ($(tail -2 $OUT/pf.err))"; return 0; }
  rec "{\"bench\":\"prefill\",\"tool\":\"$tool\",\"mode\":\"$mode\",\"rep\":$rep,\"loadgen\":$lg,\"result\":$res}"
  log "  $tool prefill ($mode) rep=$rep: $(printf '%s' "$res" | cut -c1-160)"
}
prefill_run() { local a; for a in 1 2 3; do prefill_try "$@" && return 0; sleep 0.5; done; log "  giving up: $*"; return 0; }
if want prefill; then
  log "prefill: ring $PREFILL_RING bytes, unthrottled storm ${PREFILL_STORM}s while nobody reads, then drain"
  for ((i = 1; i <= LIVE_REPS; i++)); do
    prefill_run c "$i"
    prefill_run bun "$i" full
    # timing splits of the Bun pipeline: decode only, decode + state
    prefill_run bun "$i" decode
    prefill_run bun "$i" state
  done
fi

# --- 4. reload latency ------------------------------------------------------------------------
if want reload; then
  log "reload: load+compile $RULES in-process"
  for ((i = 1; i <= 3; i++)); do
    rec "{\"bench\":\"reload\",\"rep\":$i,\"result\":$($BUN bench/reload.ts "$RULES" 15)}"
  done
  # live agent on a rules dir ($RULES + a marker file): 12 reloads, then 12 new rules up to their first
  # alert, one agent for all; bounded (< 2 min), retried if the agent does not start (probe EAGAIN)
  log "reload: live agent, hot reload of a rules directory (bench/reload_live.ts)"
  for a in 1 2 3; do
    if res=$(timeout -k 10 150 $BUN bench/reload_live.ts "$RULES" 12 2>$OUT/reload_live.err); then
      rec "{\"bench\":\"reload_live\",\"result\":$res}"
      log "  $(grep -v '^{' $OUT/reload_live.err | tail -2 | tr '\n' ' ')"
      break
    fi
    log "  attempt $a failed: $(tail -1 $OUT/reload_live.err)"
    sleep 0.5
  done
fi

# --- 5. start-up, --version, binary size ---------------------------------------------------------
if want startup; then
  log "startup: hyperfine"
  hyperfine -N --warmup 2 --runs 15 --export-json $OUT/hf_startup.json \
    -n falco-ts "$FTS_CMD -e $TINY -r $RULES" -n sysdig "sysdig -r $TINY" >/dev/null 2>&1 ||
    hyperfine --warmup 2 --runs 15 --export-json $OUT/hf_startup.json \
      -n falco-ts "$FTS_CMD -e $TINY -r $RULES" -n sysdig "sysdig -r $TINY" >/dev/null
  hyperfine -N --warmup 3 --runs 30 --export-json $OUT/hf_version.json \
    -n falco-ts "./falco-ts --version" -n sysdig "sysdig --version" >/dev/null 2>&1 ||
    hyperfine --warmup 3 --runs 30 --export-json $OUT/hf_version.json \
      -n falco-ts "./falco-ts --version" -n sysdig "sysdig --version" >/dev/null
  rec "{\"bench\":\"startup\",\"hyperfine\":$(tr -d '\n' <$OUT/hf_startup.json)}"
  rec "{\"bench\":\"version\",\"hyperfine\":$(tr -d '\n' <$OUT/hf_version.json)}"
  rec "{\"bench\":\"size\",\"falco_ts\":$(stat -c %s falco-ts),\"sysdig\":$(stat -c %s "$(command -v sysdig)")}"
fi

rec "{\"bench\":\"meta_end\",\"load_end\":\"$(cut -d' ' -f1-3 /proc/loadavg)\",\"seconds\":$(($(date +%s) - T_START))}"
$BUN bench/report.ts "$RAW" bench/RESULTS.md
log "done in $(($(date +%s) - T_START)) s; results in bench/RESULTS.md (raw: $RAW)"
