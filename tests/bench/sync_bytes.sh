#!/usr/bin/env bash
# Bytes on the wire for an initial sync and for an idle hour, with and
# without [sync] low_bandwidth, measured by the fault proxy (pass-through)
# between mkt and a demo mktd on loopback.  Prints figures; asserts nothing.
set -eu
cd "$(dirname "$0")/../.."
MKT=${MKT_BIN:-build/release/mkt}
MKTD=${MKTD_BIN:-build/release/mktd}
PROXY=${TOOL_DIR:-build/release/tools}/faultproxy
IDLE=${BENCH_IDLE_POLLS:-3}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkt-bench.XXXXXX")
pids=()
cleanup() { kill "${pids[@]}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$tmp"; }
trap cleanup EXIT

listen() {	# listen NAME CMD...: runs it, prints its port
	local name=$1 i=0 port; shift
	"$@" > "$tmp/$name.out" 2>/dev/null &
	pids+=($!)
	while [ $i -lt 200 ]; do
		port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/$name.out")
		[ -n "$port" ] && { echo "$port"; return; }
		sleep 0.05; i=$((i + 1))
	done
	echo "bench: $name did not start" >&2; exit 1
}

stats() {	# bytes to + from the client since the proxy started
	exec 3<>"/dev/tcp/127.0.0.1/$1"
	printf 'GET /__fault/stats HTTP/1.1\r\nHost: p\r\nConnection: close\r\n\r\n' >&3
	timeout 5 cat <&3 | tr -d '\r' | tail -1 |
	    sed 's/.*"bytes_to_client":\([0-9]*\),"bytes_from_client":\([0-9]*\).*/\1 \2/'
	exec 3>&-
}

initial() {	# initial LABEL LOW_BANDWIDTH: prints the bytes of a first sync
	local label=$1 low=$2 d="$tmp/$1" sport a b
	mkdir -p "$d"
	sport=$(listen "mktd-$label" "$MKTD" --listen 127.0.0.1:0 --db "$d/s.db" --demo)
	PPORT=$(listen "proxy-$label" "$PROXY" --listen 127.0.0.1:0 --upstream "127.0.0.1:$sport")
	(umask 077; printf '[server]\nurl = http://127.0.0.1:%s\nuser = admin@demo.mkt\npassword = demo\n[sync]\nlow_bandwidth = %s\nhistory_days = 90\n' \
	    "$PPORT" "$low" > "$d/mkt.conf")
	export XDG_CACHE_HOME="$d" XDG_STATE_HOME="$d"
	a=$(stats "$PPORT")
	"$MKT" --config "$d/mkt.conf" sync --once > /dev/null
	b=$(stats "$PPORT")
	echo "$a $b" | awk -v l="$label" '{ printf "%-15s initial sync %9.1f KB\n", l, ($3 - $1 + $4 - $2) / 1000 }'
}

echo "== bytes on the wire (demo data, admin, 90 days of history, gzip,"
echo "   counted by a pass-through proxy between mkt and mktd)"
initial low_bandwidth true
initial default false
# Idle: a running sync that sees no change makes one long-poll per
# poll_wait, whatever the wait; count a few short ones and scale to an
# hour at each mode's wait (25 s, and 60 s with low_bandwidth).
d="$tmp/default"
printf 'poll_wait = 5\n' >> "$d/mkt.conf"
"$MKT" --config "$d/mkt.conf" sync & spid=$!
sleep 2; c=$(stats "$PPORT")
sleep $((5 * IDLE)); e=$(stats "$PPORT")
kill "$spid"; wait "$spid" 2>/dev/null || true
echo "$c $e" | awk -v n="$IDLE" '{ poll = ($3 - $1 + $4 - $2) / n;
	printf "idle long-poll  %6.0f B each: idle hour %.1f KB (poll 25 s), %.1f KB (low_bandwidth, poll 60 s)\n",
	    poll, poll * 144 / 1000, poll * 60 / 1000 }'
