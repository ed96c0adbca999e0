#!/usr/bin/env bash
# make bench's harness runs on the small preset and reports every figure
# it promises.  The figures themselves are not judged: they are
# measurements (make bench), and this machine may be busy.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

OUT=$E2E_TMP/results.json
LOG=$E2E_TMP/bench.out
screen() { tail -20 "$LOG" 2>/dev/null; }

BENCH_SCALE=small BENCH_RUNS=1 BENCH_STARTS=2 BENCH_OUT=$OUT \
    MKT_BIN=$MKT_BIN MKTD_BIN=${MKTD_BIN:-./mktd} \
    timeout 600 tests/bench/bench.sh > "$LOG" 2>&1
rc=$?
if [ $rc -eq 0 ]; then ok "bench.sh on small exits 0"
else not_ok "bench.sh on small exits 0 (status $rc)"; fi

# number SECTION [KEY] FIELD: a value of results.json, as bench.sh lays
# it out: a section per line, or a section of one line per key.
number() {
	local sec=$1 key= field
	if [ $# -eq 3 ]; then key=$2; field=$3; else field=$2; fi
	awk -v sec="$sec" -v key="$key" -v f="$field" '
	function pick(s) {
		if (match(s, "\"" f "\": *[^,}]*")) {
			s = substr(s, RSTART, RLENGTH); sub(/^[^:]*: */, "", s)
			print s; exit
		}
	}
	$0 ~ "^  \"" sec "\": \\{" {
		if (key == "") pick($0)
		inside = 1; next
	}
	inside && /^  [}]/ { inside = 0 }
	inside && key != "" && $0 ~ "^    \"" key "\": \\{" { pick($0) }
	' "$OUT"
}
want_number() {	# want_number LABEL KEY...
	local v
	v=$(number "${@:2}")
	if printf '%s' "$v" | grep -Eq '^-?[0-9]+(\.[0-9]+)?$'; then
		ok "$1 is a number ($v)"
	else
		not_ok "$1 is a number (got '$v')"
	fi
}

if [ ! -s "$OUT" ]; then
	not_ok "results.json is written"
	exit 1
fi
ok "results.json is written"
want_number "startup_ms median" startup_ms median
for k in row_down page_down end start switch_pane open_thread filter sort \
    search open_invoice; do
	want_number "key latency $k p99" key_latency_ms "$k" p99
done
want_number "rss_mb" rss_mb median
for k in row_down page_down switch_pane; do
	want_number "terminal bytes $k" terminal_bytes "$k" median
done
want_number "initial sync records/s" sync initial_small records_per_s
want_number "idle hour bytes" sync idle hour_bytes
want_number "one message's bytes" sync message bytes
if grep -q 'key latency' "$LOG"; then ok "the table is printed"
else not_ok "the table is printed"; fi
exit $((E2E_FAILED > 0))
