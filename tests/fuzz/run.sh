#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 + ASan/UBSan in build-fuzz/ and runs each for a
# short campaign; fails if any target finds a crash, a sanitizer report or a broken decoder
# contract (see fuzz_decode.h).
#
#   tests/fuzz/run.sh [seconds-per-target] [parallel-jobs]     (defaults: 30, 2)
#
# Seeds: the committed corpus/<target>/ (kizashi's own samples) plus, when ../shared/data is
# present, its real samples cut into small files in a temporary directory. New inputs go to a
# temporary work directory: the committed corpus is never modified (to grow it, run a long
# campaign and minimise into it, see docs/decoding.md). Crash reproducers are kept in
# build-fuzz/fuzz-artifacts/.
set -euo pipefail

secs="${1:-30}"
jobs="${2:-2}"
root="$(cd "$(dirname "$0")/../.." && pwd)"
build="${KIZASHI_FUZZ_BUILD:-$root/build-fuzz}"
shared="${KIZASHI_SHARED_DATA:-$(dirname "$root")/shared/data}"
targets=(fuzz_eve fuzz_syslog fuzz_cef fuzz_fastlog fuzz_json fuzz_input fuzz_ledger_record)

command -v clang++-14 >/dev/null || { echo "run.sh: clang++-14 not found (apt-get install clang-14)" >&2; exit 2; }

CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo -DKIZASHI_FUZZ=ON -DKIZASHI_ASAN=ON \
  -DKIZASHI_TESTS=OFF -DKIZASHI_BENCH=OFF >/dev/null
ninja -C "$build" -j"$jobs" "${targets[@]}"

work="$(mktemp -d "${TMPDIR:-/tmp}/kizashi-fuzz.XXXXXX")"
trap 'rm -rf "$work"' EXIT
artifacts="$build/fuzz-artifacts"
mkdir -p "$artifacts"

# Real samples as extra seeds: 4-line chunks, each prefixed with a selector byte (the first
# byte of every input picks option variants).
add_seeds() {  # target file...
  local t="$1"; shift
  local dir="$work/seeds-$t"
  mkdir -p "$dir"
  local f
  for f in "$@"; do
    [ -f "$shared/$f" ] || continue
    local base; base="$(echo "$f" | tr '/' '_')"
    local tmp="$work/$base.txt"
    case "$f" in
      *.gz) { gzip -dc "$shared/$f" || true; } | head -400 > "$tmp" ;;
      *) head -400 "$shared/$f" > "$tmp" ;;
    esac
    split -l 4 -a 3 "$tmp" "$work/chunk-$base-"
    local c i=0
    for c in "$work/chunk-$base-"*; do
      # shellcheck disable=SC2059
      { printf "$(printf '\\x%02x' $((i * 37 % 256)))"; cat "$c"; } > "$dir/$base-$i"
      rm -f "$c"
      i=$((i + 1))
    done
  done
}
if [ -d "$shared" ]; then
  add_seeds fuzz_eve suricata-eve-surevego/eve.json suricata-eve-surevego/eve_broken.json \
    crowdsec-hub/tests/suricata-logs-evelog/suricata-logs-evelog.log \
    crowdsec-hub/tests/suricata-eve-detect/suricata-eve-detect.log \
    suricata-verify/output-eve-fileinfo.eve.json
  add_seeds fuzz_syslog crowdsec-hub/tests/sshd-logs/sshd-logs.log \
    crowdsec-hub/tests/iptables-scan-multi-port/iptables-scan-multi-port.log \
    crowdsec-hub/tests/fortinet-vpn-bf/fortinet-vpn-bf.log crowdsec-hub/tests/pf-logs/pf-logs.log \
    crowdsec-hub/tests/opnsense-sshd/opnsense-sshd.log metron-samples/cisco_asa_rfc3164.log \
    metron-samples/paloalto.log metron-samples/syslog_rfc5424.log fail2ban/logs/sshd \
    derived/wrccdc_syslog_rfc5424.log.gz
  add_seeds fuzz_fastlog suricata-verify/http2-files.fast.log suricata-verify/lua-fastlog.fast.log \
    crowdsec-hub/tests/suricata-logs-fastlog/suricata-logs-fastlog.log
  add_seeds fuzz_json metron-samples/bro_json.log
fi

run_one() {  # target
  local t="$1"
  local dict="$root/tests/fuzz/dict/json.dict"
  case "$t" in fuzz_syslog|fuzz_cef|fuzz_fastlog) dict="$root/tests/fuzz/dict/syslog.dict" ;; esac
  mkdir -p "$work/new-$t" "$work/seeds-$t"
  "$build/tests/fuzz/$t" "$work/new-$t" "$root/tests/fuzz/corpus/$t" "$work/seeds-$t" \
    -max_total_time="$secs" -max_len=8192 -timeout=10 -rss_limit_mb=2048 -dict="$dict" \
    -artifact_prefix="$artifacts/$t-" -print_final_stats=1 >"$work/$t.log" 2>&1
}

failed=0
pids=()
names=()
for t in "${targets[@]}"; do
  run_one "$t" &
  pids+=($!)
  names+=("$t")
  if [ "${#pids[@]}" -ge "$jobs" ]; then
    if ! wait "${pids[0]}"; then echo "FAIL ${names[0]}"; tail -40 "$work/${names[0]}.log"; failed=1; fi
    grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$work/${names[0]}.log" | tail -1 | sed "s/^/${names[0]}: /"
    pids=("${pids[@]:1}")
    names=("${names[@]:1}")
  fi
done
for i in "${!pids[@]}"; do
  if ! wait "${pids[$i]}"; then echo "FAIL ${names[$i]}"; tail -40 "$work/${names[$i]}.log"; failed=1; fi
  grep -E "stat::number_of_executed_units|Done [0-9]+ runs" "$work/${names[$i]}.log" | tail -1 | sed "s/^/${names[$i]}: /"
done
if [ "$failed" -ne 0 ]; then
  echo "fuzz: crashes found; reproducers in $artifacts" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} targets x ${secs}s, no crash"
