#!/usr/bin/env bash
# The UI keeps answering keys while the network stalls: mkt syncs through
# the fault-injecting proxy, the proxy then holds every request for 20
# seconds, and pane switches still work at once.  When the stall ends the
# queued action reaches the server.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

. tests/e2e/lib_sync.sh

PROXY=${TOOL_DIR:-build/release/tools}/faultproxy
trap 'stop_pid "${proxy_PID:-}"; sync_cleanup' EXIT

# fault QUERY: sets the proxy's fault mode.
fault() { http GET "$PROXY_PORT" "/__fault?$1"; }

mktd_start || exit 1
start_listening proxy "$PROXY" --listen 127.0.0.1:0 \
    --upstream "127.0.0.1:$MKTD_PORT" || exit 1
PROXY_PORT=$PORT
# mkt talks to the proxy, not to mktd.
MKTD_PORT=$PROXY_PORT write_conf admin@demo.mkt demo
conf=$CONF

e2e_start 120 30 -- --config "$conf"
check "the first sync fills the conversations" \
    "$CONV_ROW" 30
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
    "$CONV_ROW" 2
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
