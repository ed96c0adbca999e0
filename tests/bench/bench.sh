#!/usr/bin/env bash
# make bench [BENCH_SCALE=large|small]: mkt's figures on generated data,
# measured on the real mkt and mktd.  Prints a table and writes the same
# figures as JSON (BENCH_OUT, default tests/bench/results.json).  Asserts
# nothing: these are measurements, not tests.
#
#   BENCH_SCALE   the demo preset: large (default) or small
#   BENCH_RUNS    mkt sessions replaying the key script (default 3)
#   BENCH_STARTS  timed starts (default 7)
#   BENCH_SYNC    0 skips the sync figures (default 1; tests/bench/sync.sh
#                 measures them, BENCH_SYNC_RUNS first syncs: 1 on large)
#
# The data is generated once per scale into build/bench/SCALE/pristine
# (again when mkt or mktd is newer) and copied for each run, so every run
# starts from the same cache and server.
set -eu
cd "$(dirname "$0")/../.."
ROOT=$PWD
abs() { case $1 in /*) echo "$1";; *) echo "$ROOT/$1";; esac; }
MKT=$(abs "${MKT_BIN:-build/release/mkt}")
MKTD=$(abs "${MKTD_BIN:-build/release/mktd}")
TOOLS=$(abs "${TOOL_DIR:-build/release/tools}")
SCALE=${BENCH_SCALE:-large}
RUNS=${BENCH_RUNS:-3}
STARTS=${BENCH_STARTS:-7}
OUT=${BENCH_OUT:-$ROOT/tests/bench/results.json}
USER_EMAIL=admin@demo.mkt

case $SCALE in
large)	CONVS=200000 ;;
small)	CONVS=2000 ;;
*)	echo "bench: BENCH_SCALE is large or small, not '$SCALE'" >&2; exit 2 ;;
esac

DATA=$ROOT/build/bench/$SCALE
PRISTINE=$DATA/pristine
tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkt-bench.XXXXXX")
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	# BENCH_KEEP=1 keeps the run's files (traces, ptydrive's output).
	if [ -n "${BENCH_KEEP:-}" ]; then log "bench: kept $tmp"
	else rm -rf "$tmp"; fi
}
trap cleanup EXIT

log() { printf '%s\n' "$*" >&2; }

# ---- data -------------------------------------------------------------

# waits for mktd's "listening on" line in FILE; prints the port
mktd_port() {
	local i=0 port
	while [ $i -lt 6000 ]; do
		port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$1")
		[ -n "$port" ] && { echo "$port"; return 0; }
		sleep 0.1; i=$((i + 1))
	done
	log "bench: mktd did not start: $(tail -3 "$1")"; return 1
}

write_conf() {	# write_conf FILE URL
	(umask 077; printf '[server]\nurl = %s\nuser = %s\npassword = demo\n' \
	    "$2" "$USER_EMAIL" > "$1")
}

# The name mkt gives a cache: user@url with [^A-Za-z0-9.-] as '_'.
cache_name() { printf '%s@%s' "$USER_EMAIL" "$1" | sed 's/[^A-Za-z0-9.-]/_/g'; }

generate() {
	local now t0 t1 spid
	rm -rf "$PRISTINE"; mkdir -p "$PRISTINE/home"
	now=$(date +%s)
	log "bench: generating the $SCALE data (server and cache, one core each)…"
	t0=$(date +%s.%N)
	"$MKTD" --demo --scale "$SCALE" --now "$now" --db "$PRISTINE/server.db" \
	    --listen 127.0.0.1:0 > "$PRISTINE/mktd.out" 2>&1 & spid=$!
	pids+=($spid)
	write_conf "$PRISTINE/seed.conf" http://127.0.0.1:1
	XDG_CACHE_HOME=$PRISTINE/home XDG_STATE_HOME=$PRISTINE/home \
	    "$MKT" --config "$PRISTINE/seed.conf" seed --scale "$SCALE" \
	    --now "$now" > /dev/null
	mktd_port "$PRISTINE/mktd.out" > /dev/null
	kill "$spid"; wait "$spid" 2>/dev/null || true
	t1=$(date +%s.%N)
	mv "$PRISTINE/home/mkt/$(cache_name http://127.0.0.1:1).db" "$PRISTINE/cache.db"
	rm -rf "$PRISTINE/home"
	echo "$t0 $t1" | awk '{ printf "%.1f\n", $2 - $1 }' > "$PRISTINE/generate_s"
	touch "$PRISTINE/ready"
}

if [ ! -f "$PRISTINE/ready" ] || [ "$MKT" -nt "$PRISTINE/ready" ] ||
    [ "$MKTD" -nt "$PRISTINE/ready" ]; then
	generate
fi
GENERATE_S=$(cat "$PRISTINE/generate_s")

# A server and a warm cache for this run, copied from the pristine ones.
W=$tmp/run
mkdir -p "$W/mkt"
cp "$PRISTINE/server.db" "$W/server.db"
"$MKTD" --db "$W/server.db" --listen 127.0.0.1:0 > "$W/mktd.out" 2>&1 &
pids+=($!)
PORT=$(mktd_port "$W/mktd.out")
URL=http://127.0.0.1:$PORT
write_conf "$W/mkt.conf" "$URL"
cp "$PRISTINE/cache.db" "$W/mkt/$(cache_name "$URL").db"
export XDG_CACHE_HOME=$W XDG_STATE_HOME=$W

drive() {	# drive SCRIPT TRACE: ptydrive on mkt at 200x50
	MKT_TRACE=$2 "$TOOLS/ptydrive" --size 200x50 --trace "$2" \
	    --script "$1" -- "$MKT" --config "$W/mkt.conf"
}

# ---- startup ----------------------------------------------------------
# From exec to the frame whose status bar shows the row count.
printf 'screen 1/%s 30000\nkey q\n' "$CONVS" > "$tmp/start.script"
: > "$tmp/startup"
for i in $(seq 1 "$STARTS"); do
	rm -f "$tmp/start.trace"
	drive "$tmp/start.script" "$tmp/start.trace" |
	    sed -n 's/^screen ms=\([0-9.]*\).*/\1/p' >> "$tmp/startup"
done

# ---- keys -------------------------------------------------------------
# One kind per measured key; "-" keys set the scene and are not counted.
# The first conversation of the All view (by last activity) and the
# first invoice are the generator's 500-message thread and 50-line
# invoice.
keys_script() {
	echo "screen 1/$CONVS 30000"
	echo "screen online 60000"
	for i in $(seq 30); do echo "key Down	row_down"; done
	for i in $(seq 10); do echo "key PgDn	page_down"; done
	for i in $(seq 5); do echo "key End	end"; echo "key Home	start"; done
	for i in $(seq 5); do echo "key 2	switch_pane"; echo "key 1	switch_pane"; done
	for i in $(seq 6); do echo "key s	sort"; done
	for f in '~p>=high' 'channel=whatsapp,telegram' 'label=refund'; do
		echo "key f	-"; echo "send $f"; echo "key Enter	filter"
		echo "key F	filter"
	done
	for w in спасибо delivery w; do
		echo "key /	-"; echo "send $w"; echo "key Enter	search"
		echo "screen match 60000"; echo "key Esc	-"
	done
	echo "key Home	-"
	for i in $(seq 5); do echo "key Enter	open_thread"; echo "key q	-"; done
	echo "key 4	-"; echo "key Home	-"
	for i in $(seq 5); do echo "key Enter	open_invoice"; echo "key q	-"; done
	echo "key 1	-"
	echo "rss"
	echo "key q	-"
}
keys_script > "$tmp/keys.plan"
# ptydrive reads the plan without its kinds; the kinds follow the keys.
cut -f1 "$tmp/keys.plan" > "$tmp/keys.script"
awk -F'\t' '/^key /{ print ($2 == "" ? "-" : $2) }' "$tmp/keys.plan" > "$tmp/keys.kinds"
: > "$tmp/samples"; : > "$tmp/rss"
for i in $(seq 1 "$RUNS"); do
	rm -f "$tmp/keys.trace"
	drive "$tmp/keys.script" "$tmp/keys.trace" > "$tmp/keys.out"
	grep '^key ' "$tmp/keys.out" | paste "$tmp/keys.kinds" - |
	    sed -n 's/^\([a-z_-]*\)\tkey .* bytes=\([0-9]*\) us=\([-0-9]*\) .*/\1 \2 \3/p' |
	    grep -v '^- ' >> "$tmp/samples"
	sed -n 's/^rss VmHWM_kb=\([0-9]*\).*/\1/p' "$tmp/keys.out" >> "$tmp/rss"
done

# ---- sync -------------------------------------------------------------
: > "$tmp/sync"
if [ "${BENCH_SYNC:-1}" != 0 ]; then
	# A first sync of large pulls 4.5 million rows: timed once.
	BENCH_DATA=$SCALE BENCH_SERVER_DB=$PRISTINE/server.db \
	    BENCH_SYNC_RUNS=${BENCH_SYNC_RUNS:-$([ "$SCALE" = large ] && echo 1 || echo 3)} \
	    MKT_BIN=$MKT MKTD_BIN=$MKTD TOOL_DIR=$TOOLS \
	    "$ROOT/tests/bench/sync.sh" > "$tmp/sync" || log "bench: the sync figures failed"
fi

# ---- report -----------------------------------------------------------
# stats FILE: "median min max n" of the numbers in FILE
stats() {
	sort -g "$1" | awk '{ v[NR] = $1 } END {
		if (NR == 0) { print "null null null 0"; exit }
		m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
		print m, v[1], v[NR], NR }'
}
# pct FILE P: the P-th percentile (nearest rank) of the numbers in FILE
pct() {
	sort -g "$1" | awk -v p="$2" '{ v[NR] = $1 } END {
		if (NR == 0) { print "null"; exit }
		r = int(p / 100 * NR + 0.999999); if (r < 1) r = 1
		print v[r] }'
}

json=$tmp/results.json
{
	printf '{\n  "scale": "%s",\n  "conversations": %s,\n' "$SCALE" "$CONVS"
	printf '  "generate_s": %s,\n' "$GENERATE_S"
	read -r m lo hi n < <(stats "$tmp/startup")
	printf '  "startup_ms": {"median": %s, "min": %s, "max": %s, "runs": %s},\n' \
	    "$m" "$lo" "$hi" "$n"
	printf '  "key_latency_ms": {\n'
	first=1
	for k in row_down page_down end start switch_pane open_thread filter sort search open_invoice; do
		awk -v k="$k" '$1 == k && $3 >= 0 { print $3 / 1000 }' "$tmp/samples" > "$tmp/k"
		[ $first = 1 ] || printf ',\n'; first=0
		printf '    "%s": {"p50": %s, "p99": %s, "max": %s, "n": %s}' "$k" \
		    "$(pct "$tmp/k" 50)" "$(pct "$tmp/k" 99)" "$(pct "$tmp/k" 100)" \
		    "$(wc -l < "$tmp/k")"
	done
	printf '\n  },\n'
	awk '{ print $1 / 1024 }' "$tmp/rss" > "$tmp/r"
	read -r m lo hi n < <(stats "$tmp/r")
	printf '  "rss_mb": {"median": %s, "min": %s, "max": %s, "runs": %s},\n' \
	    "$m" "$lo" "$hi" "$n"
	printf '  "terminal_bytes": {\n'
	first=1
	for k in row_down page_down switch_pane; do
		awk -v k="$k" '$1 == k { print $2 }' "$tmp/samples" > "$tmp/b"
		read -r m lo hi n < <(stats "$tmp/b")
		[ $first = 1 ] || printf ',\n'; first=0
		printf '    "%s": {"median": %s, "min": %s, "max": %s, "n": %s}' \
		    "$k" "$m" "$lo" "$hi" "$n"
	done
	printf '\n  },\n'
	# sync.sh's lines are "sync PART k=v ...": each becomes an object.
	printf '  "sync": {'
	awk 'BEGIN { first = 1 } $1 == "sync" {
		printf "%s\n    \"%s\": {", (first ? "" : ","), $2; first = 0
		for (i = 3; i <= NF; i++) {
			split($i, kv, "="); v = kv[2]
			if (v !~ /^-?[0-9.]+$/) v = "\"" v "\""
			printf "%s\"%s\": %s", (i > 3 ? ", " : ""), kv[1], v
		}
		printf "}" } END { if (!first) printf "\n  " }' "$tmp/sync"
	printf '}\n}\n'
} > "$json"
cp "$json" "$OUT"

# The table, from the JSON's own numbers.
{
	echo "mkt bench: $SCALE ($CONVS conversations), $(nproc) cores, $(date -u +%Y-%m-%dT%H:%MZ)"
	echo "  data generated in ${GENERATE_S} s"
	read -r m lo hi n < <(stats "$tmp/startup")
	printf '  %-28s %10s ms   (min %s, max %s; %s starts)\n' "startup to first frame" "$m" "$lo" "$hi" "$n"
	printf '  %-28s %10s %10s %10s %5s\n' "key latency (ms)" p50 p99 max n
	for k in row_down page_down end start switch_pane open_thread filter sort search open_invoice; do
		awk -v k="$k" '$1 == k && $3 >= 0 { print $3 / 1000 }' "$tmp/samples" > "$tmp/k"
		printf '    %-26s %10.2f %10.2f %10.2f %5s\n' "$k" "$(pct "$tmp/k" 50)" \
		    "$(pct "$tmp/k" 99)" "$(pct "$tmp/k" 100)" "$(wc -l < "$tmp/k")"
	done
	awk '{ print $1 / 1024 }' "$tmp/rss" > "$tmp/r"
	read -r m lo hi n < <(stats "$tmp/r")
	printf '  %-28s %10.1f MB   (min %.1f, max %.1f)\n' "peak RSS (VmHWM)" "$m" "$lo" "$hi"
	printf '  %-28s\n' "terminal bytes at 200x50"
	for k in row_down page_down switch_pane; do
		awk -v k="$k" '$1 == k { print $2 }' "$tmp/samples" > "$tmp/b"
		read -r m lo hi n < <(stats "$tmp/b")
		printf '    %-26s %10s      (min %s, max %s)\n' "$k" "$m" "$lo" "$hi"
	done
	[ -s "$tmp/sync" ] && sed 's/^/  /' "$tmp/sync"
	echo "  JSON: $OUT"
}
