#!/usr/bin/env bash
# Offline: when mktd goes away the status bar says so, with the pending
# count and the time of the last sync; an action still works and waits in
# the outbox; when mktd is back on the same port and database, :sync ($)
# sends it at once and the pending count returns to 0.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh
. tests/e2e/lib_sync.sh

manager_online

feed_mark || exit 1
port=$MKTD_PORT
mktd_stop
check "with the server gone the status bar says offline" \
    'offline — 0 pending — last sync [0-9]+[smhdw] ago' 15

if resolve_or_reopen keys; then
	ok "an action works offline (x, or o)"
else
	not_ok "an action works offline (x, or o)"
fi
send C-l
check "it waits in the outbox, counted in the status bar" \
    'offline — 1 pending — last sync' 2
check "the row shows the pending mark" "$PENDING_ROW" 2
check_absent "nothing is lost to sync problems" 'sync problem'

mktd_start "$port" || exit 1
# The engine backs off while offline; $ (sync) retries at once.
send '$'
check "back online after \$ once the server is up again" \
    'online │ 0 pending' 15
check_gone "the pending mark goes" "$PENDING_ROW" 5
expect "one conversation, and only one, became $WANT on the server" \
    acted_conversation "$WANT"
expect "the server has the conversation $WANT" \
    server_has_status "$CONV_ID" "$WANT"

send q
check "q quits with status 0" 'mkt exited 0' 5
exit $((E2E_FAILED > 0))
