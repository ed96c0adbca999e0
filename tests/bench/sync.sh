#!/usr/bin/env bash
# The sync's figures, one line each: "sync PART key=value...", for a
# harness to read (tests/bench/bench.sh turns each into a JSON object).
# Asserts nothing.
#
#   sync initial_DATA[_low_bandwidth] records=N requests=Q bytes=B
#        bytes_per_record=X seconds=S seconds_min=S seconds_max=S
#        records_per_s=R runs=K
#   sync idle[_low_bandwidth] poll_bytes=N cycles=K hour_bytes=H real_wait_s=W
#        real_ttl_s=T measured_wait_s=w measured_ttl_s=t method=scaled
#   sync message bytes=N feed_entries=E requests=Q
#
# Bytes are HTTP bytes both ways, headers included, counted by the fault
# proxy (tests/tools/faultproxy, pass-through) between mkt and mktd on
# loopback.  TCP/IP headers and keepalive probes are not in them.  Times
# are wall-clock seconds of `mkt sync --once` straight to mktd (no
# proxy) into a fresh cache, as the admin, login and cache creation
# included: the median of BENCH_SYNC_RUNS runs.
#
# An idle hour is measured at a shortened scale: the client's wait and
# the server's access-token lifetime are divided by the same factor (the
# real ones are mkt.conf's poll_wait and mktd's default token lifetime),
# so a measured cycle makes the same requests a real one does: a poll,
# and a token refresh whenever the real one would need one.  Cycles run
# from one long-poll request to the next as the proxy logs them, enough
# of them to hold a whole token lifetime; the hour is the bytes of those
# whole cycles times the real cycles an hour.  Only numbers in the
# requests are shorter (wait=, expires_in): a few bytes a cycle.
#
# One message: a customer writes (POST /channels/{id}/inbound) in an open
# conversation while a synced client with the real wait and token idles
# in a long-poll; the bytes of the answer that brings it and of the
# request that re-arms the poll.
#
#   BENCH_DATA       data sets for the first sync: demo and any --scale
#                    name mktd knows (default "demo small")
#   BENCH_SERVER_DB  a server database to copy instead of generating the
#                    data (with a single BENCH_DATA)
#   BENCH_SYNC_RUNS  timed runs of each first sync (default 3)
#   BENCH_IDLE_WAIT  the measured wait in seconds (default 4)
#   BENCH_PARTS      any of "initial idle message" (default all)
#   BENCH_REAL_WAIT, BENCH_REAL_TTL  the real wait and token lifetime, to
#                    measure a build whose defaults are not this tree's
set -eu
cd "$(dirname "$0")/../.."
MKT=${MKT_BIN:-build/release/mkt}
MKTD=${MKTD_BIN:-build/release/mktd}
PROXY=${TOOL_DIR:-build/release/tools}/faultproxy
RUNS=${BENCH_SYNC_RUNS:-3}
SHORT_WAIT=${BENCH_IDLE_WAIT:-4}
DATA=${BENCH_DATA:-demo small}
PARTS=${BENCH_PARTS:-initial idle message}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mkt-bench.XXXXXX")
# Servers start inside $(...), so their pids go to a file, not a variable.
cleanup() {
	[ -f "$tmp/pids" ] && kill $(cat "$tmp/pids") 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

want() { case " $PARTS " in *" $1 "*) return 0;; esac; return 1; }

# listen NAME CMD...: runs it in the background, prints its port.
listen() {
	local name=$1 i=0 port; shift
	"$@" > "$tmp/$name.out" 2> "$tmp/$name.err" &
	echo $! >> "$tmp/pids"
	while [ $i -lt 3000 ]; do
		port=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		    "$tmp/$name.out" 2>/dev/null)
		[ -n "$port" ] && { echo "$port"; return; }
		sleep 0.1; i=$((i + 1))
	done
	echo "bench: $name did not start: $(head -c 300 "$tmp/$name.err")" >&2
	exit 1
}

# mktd_up NAME DATA [ENV...]: a demo mktd; prints its port.
mktd_up() {
	local name=$1 data=$2 scale=(); shift 2
	mkdir -p "$tmp/$name"
	if [ -n "${BENCH_SERVER_DB:-}" ] && [ "$data" != demo ]; then
		cp "$BENCH_SERVER_DB" "$tmp/$name/s.db"
	elif [ "$data" != demo ]; then
		scale=(--scale "$data")
	fi
	listen "$name" env "$@" "$MKTD" --listen 127.0.0.1:0 \
	    --db "$tmp/$name/s.db" --demo "${scale[@]}"
}

# proxy_up NAME SPORT: a logging pass-through proxy; prints its port.
proxy_up() {
	listen "$1" "$PROXY" --listen 127.0.0.1:0 --upstream "127.0.0.1:$2" \
	    --verbose
}

# stats PORT: "requests to_client from_client" since the proxy started.
stats() {
	curl -s "http://127.0.0.1:$1/__fault/stats" |
	    sed 's/.*"requests":\([0-9]*\).*"bytes_to_client":\([0-9]*\),"bytes_from_client":\([0-9]*\).*/\1 \2 \3/'
}

# conf DIR PORT LOW [EXTRA]: a client of 127.0.0.1:PORT as the admin.
conf() {
	mkdir -p "$1"
	(umask 077; printf '[server]\nurl = http://127.0.0.1:%s\nuser = admin@demo.mkt\npassword = demo\n[sync]\nlow_bandwidth = %s\n%s' \
	    "$2" "$3" "${4:-}" > "$1/mkt.conf")
}

client() {	# client DIR ARGS...: mkt with DIR's config, cache and token
	local d=$1; shift
	XDG_CACHE_HOME="$d" XDG_STATE_HOME="$d" "$MKT" --config "$d/mkt.conf" "$@"
}

syncing() {	# syncing DIR: `mkt sync` in the background, until the end
	XDG_CACHE_HOME="$1" XDG_STATE_HOME="$1" "$MKT" --config "$1/mkt.conf" \
	    sync > /dev/null 2>&1 &
	echo $! >> "$tmp/pids"
}

# sync_once DIR: `mkt sync --once`; prints the records it pulled.
sync_once() {
	client "$1" sync --once > "$1/sync.out"
	sed -n 's/^pulled \([0-9]*\) changes*, \([0-9]*\) deletion.*/\1 \2/p' \
	    "$1/sync.out" | awk '{ print $1 + $2 }'
}

now() { date +%s.%N; }

median() {
	sort -g | awk '{ v[NR] = $1 } END {
		print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# polls LOG: long-poll requests the proxy has forwarded so far.
polls() { grep -c 'GET /api/v1/changes?.*wait=[1-9]' "$1" || true; }

# until_polls LOG N [SECONDS]: waits (bounded) for the N-th long-poll.
until_polls() {
	local i=0 limit=$(( (${3:-$SHORT_WAIT} + 30) * 20 ))
	while [ "$(polls "$1")" -lt "$2" ]; do
		sleep 0.05; i=$((i + 1))
		[ $i -lt $limit ] || { echo "bench: no long-poll in time" >&2; exit 1; }
	done
}

# ---- the first sync ---------------------------------------------------------
# initial DATA SPORT PPORT PART LOW: bytes through the proxy, then time
# straight to mktd.
initial() {
	local data=$1 sport=$2 pport=$3 part=$4 low=$5 d a b n t lo hi i times=()
	d="$tmp/$part-bytes"
	conf "$d" "$pport" "$low"
	a=$(stats "$pport")
	n=$(sync_once "$d")
	b=$(stats "$pport")
	for i in $(seq "$RUNS"); do
		d="$tmp/$part-time$i"
		conf "$d" "$sport" "$low"
		t=$(now)
		sync_once "$d" > /dev/null
		times+=("$(echo "$(now) $t" | awk '{ print $1 - $2 }')")
		rm -rf "$d"
	done
	t=$(printf '%s\n' "${times[@]}" | median)
	lo=$(printf '%s\n' "${times[@]}" | sort -g | head -1)
	hi=$(printf '%s\n' "${times[@]}" | sort -g | tail -1)
	echo "$a $b $n $t $lo $hi" | awk -v p="$part" -v k="$RUNS" '{
		bytes = $5 - $2 + $6 - $3
		printf "sync %s records=%d requests=%d bytes=%d bytes_per_record=%.1f seconds=%.3f seconds_min=%.3f seconds_max=%.3f records_per_s=%.0f runs=%d\n",
		    p, $7, $4 - $1, bytes, bytes / $7, $8, $9, $10, $7 / $8, k }'
}

if want initial; then
	for data in $DATA; do
		if [ "$data" != demo ] && [ -z "${BENCH_SERVER_DB:-}" ] &&
		    ! "$MKTD" --help 2>&1 | grep -q -- --scale; then
			echo "sync initial_$data skipped=no_scale_option"
			continue
		fi
		sport=$(mktd_up "mktd-$data" "$data")
		pport=$(proxy_up "proxy-$data" "$sport")
		initial "$data" "$sport" "$pport" "initial_$data" false
		if [ "$data" = demo ]; then
			initial "$data" "$sport" "$pport" \
			    "initial_${data}_low_bandwidth" true
		fi
	done
fi

# ---- an idle hour -------------------------------------------------------------
real_wait=${BENCH_REAL_WAIT:-$(sed -n 's/^poll_wait = \([0-9]*\).*/\1/p' mkt.conf)}
real_ttl=${BENCH_REAL_TTL:-$("$MKTD" --help 2>&1 | tr '\n' ' ' |
    sed -n 's/.*access-token lifetime in *seconds *(default \([0-9]*\)).*/\1/p')}
real_ttl=${real_ttl:-1800}

# The demo's timers (overdue invoices, snoozes ending) write to the feed
# now and then: real changes, which an idle measurement must not count.
quiet_server="MKTD_OVERDUE_INTERVAL=86400 MKTD_SNOOZE_INTERVAL=86400"

# idle PART LOW: the idle cycle of a client in that mode.
idle() {
	local part=$1 low=$2 ttl cycles sport pport log d n0 a b
	ttl=$(( (real_ttl * SHORT_WAIT + real_wait / 2) / real_wait ))
	[ "$ttl" -ge 1 ] || ttl=1
	cycles=$(( (real_ttl + real_wait - 1) / real_wait + 1 ))
	[ "$cycles" -ge 3 ] || cycles=3
	sport=$(mktd_up "mktd-$part" demo "MKTD_ACCESS_TTL=$ttl" $quiet_server)
	pport=$(proxy_up "proxy-$part" "$sport")
	log="$tmp/proxy-$part.err" d="$tmp/$part"
	conf "$d" "$pport" "$low" "poll_wait = $SHORT_WAIT
"
	sync_once "$d" > /dev/null
	syncing "$d"
	# Settled: the second long-poll has begun.
	n0=$(( $(polls "$log") + 2 ))
	until_polls "$log" "$n0"
	a=$(stats "$pport")
	until_polls "$log" $((n0 + cycles)) $((SHORT_WAIT * cycles))
	b=$(stats "$pport")
	echo "$a $b" | awk -v p="$part" -v k="$cycles" -v rw="$real_wait" \
	    -v rt="$real_ttl" -v sw="$SHORT_WAIT" -v st="$ttl" '{
		poll = ($5 - $2 + $6 - $3) / k
		printf "sync %s poll_bytes=%.0f cycles=%d hour_bytes=%.0f real_wait_s=%d real_ttl_s=%d measured_wait_s=%d measured_ttl_s=%d method=scaled\n",
		    p, poll, k, poll * 3600 / rw, rw, rt, sw, st }'
}

if want idle; then
	idle idle false
	idle idle_low_bandwidth true
fi

# ---- one message ----------------------------------------------------------------
if want message; then
	sport=$(mktd_up mktd-message demo $quiet_server)
	pport=$(proxy_up proxy-message "$sport")
	log="$tmp/proxy-message.err" d="$tmp/message" sdb="$tmp/mktd-message/s.db"
	conf "$d" "$pport" false
	sync_once "$d" > /dev/null
	syncing "$d"
	n0=$(( $(polls "$log") + 1 ))
	until_polls "$log" "$n0"
	sleep 0.3
	token=$(curl -s -H 'Content-Type: application/json' \
	    -d '{"email":"admin@demo.mkt","password":"demo"}' \
	    "http://127.0.0.1:$sport/api/v1/auth/login" |
	    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
	IFS='|' read -r channel handle name <<< "$(sqlite3 "$sdb" "SELECT
	    v.channel_id, t.handle, t.name FROM conversations v JOIN contacts t
	    ON t.id = v.contact_id JOIN channels c ON c.id = v.channel_id WHERE
	    v.status = 'open' AND c.platform = 'whatsapp' ORDER BY v.id LIMIT 1")"
	a=$(stats "$pport")
	seq0=$(sqlite3 "$sdb" "SELECT max(seq) FROM changes")
	curl -s -o /dev/null -H "Authorization: Bearer $token" \
	    -H 'Content-Type: application/json' \
	    -d "{\"from\":{\"handle\":\"$handle\",\"name\":\"$name\"},\"body\":\"Hello, is my order on its way?\"}" \
	    "http://127.0.0.1:$sport/api/v1/channels/$channel/inbound"
	seq1=$(sqlite3 "$sdb" "SELECT max(seq) FROM changes")
	until_polls "$log" $((n0 + 1)) 30
	b=$(stats "$pport")
	echo "$a $b" | awk -v c=$((seq1 - seq0)) '{
		printf "sync message bytes=%d feed_entries=%d requests=%d\n",
		    $5 - $2 + $6 - $3, c, $4 - $1 }'
fi
