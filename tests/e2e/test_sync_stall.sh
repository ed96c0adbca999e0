#!/usr/bin/env bash
# The UI keeps answering keys while the network stalls: mkt syncs through
# the fault-injecting proxy, the proxy then holds every request for 20
# seconds, and pane switches still work at once.  When the stall ends the
# queued action reaches the server.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

MKTD_BIN=${MKTD_BIN:-./mktd}
PROXY=${TOOL_DIR:-build/release/tools}/faultproxy

# start_listening NAME ARGS...: runs a server in the background and sets
# PORT from its "listening on" line (bounded wait).
start_listening() {
	local name=$1 i=0; shift
	"$@" > "$E2E_TMP/$name.out" 2> "$E2E_TMP/$name.err" &
	eval "${name}_PID=$!"
	while [ $i -lt 200 ]; do
		PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		    "$E2E_TMP/$name.out")
		[ -n "$PORT" ] && return 0
		sleep 0.05; i=$((i + 1))
	done
	echo "# $name did not start:"; sed 's/^/#   /' "$E2E_TMP/$name.err"
	return 1
}

stop_servers() {
	[ -n "${proxy_PID:-}" ] && kill "$proxy_PID" 2>/dev/null
	[ -n "${mktd_PID:-}" ] && kill "$mktd_PID" 2>/dev/null
	wait 2>/dev/null
	e2e_cleanup
}
trap stop_servers EXIT

# fault QUERY: sets the proxy's fault mode (bash's /dev/tcp: no curl).
fault() {
	exec 3<>"/dev/tcp/127.0.0.1/$PROXY_PORT" || return 1
	printf 'GET /__fault?%s HTTP/1.1\r\nHost: proxy\r\nConnection: close\r\n\r\n' \
	    "$1" >&3
	timeout 5 cat <&3 >/dev/null
	exec 3>&-
}

start_listening mktd "$MKTD_BIN" --listen 127.0.0.1:0 \
    --db "$E2E_TMP/server.db" --demo || exit 1
MKTD_PORT=$PORT
start_listening proxy "$PROXY" --listen 127.0.0.1:0 \
    --upstream "127.0.0.1:$MKTD_PORT" || exit 1
PROXY_PORT=$PORT

conf="$E2E_TMP/mkt.conf"
umask 077
cat > "$conf" <<CONF
[server]
url = http://127.0.0.1:$PROXY_PORT
user = admin@demo.mkt
password = demo
[sync]
poll_wait = 5
CONF

e2e_start 120 30 -- --config "$conf"
check "the first sync fills the conversations" \
    '(WA|TG|IG|FB|EM|TT|OR) +COMP[0-9]{3} ' 30
check "the status bar says online" 'online' 30

# From now on every request hangs for 20 s without an answer.
fault 'mode=stall&ms=20000'
send ':'; type_text 'note written during a stall'; send Enter
check "the action is queued and pending" '1 pending' 5
t0=$(date +%s)
send 2; check "during the stall, 2 shows Orders" '(M|X8)-[0-9]{6} ' 2
send 3; check "during the stall, 3 shows the knowledge base" \
    'table +company +kind +rows' 2
send 4; check "during the stall, 4 shows Invoices" 'INV-20[0-9]{2}-' 2
send 1; check "during the stall, 1 shows Conversations again" \
    '(WA|TG|IG|FB|EM|TT|OR) +COMP[0-9]{3} ' 2
send j; check "during the stall, j still moves" ' 2/[0-9]+ ' 2
t1=$(date +%s)
if [ $((t1 - t0)) -lt 15 ]; then
	ok "all of that answered inside the stall ($((t1 - t0)) s)"
else
	not_ok "the keys took $((t1 - t0)) s: longer than the stall"
fi
check "the action is still pending while the network hangs" '1 pending' 1

fault 'mode=none'
# The stalled request ends at the proxy's 20 s (or the client's low-speed
# limit); the retry goes through.
check "after the stall the action reaches the server" '0 pending' 60
check_absent "and the server took it" 'sync problem'

send ':'; type_text 'quit'; send Enter
check "mkt exits cleanly" 'mkt exited 0' 10
exit 0
