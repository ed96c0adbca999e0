#!/usr/bin/env bash
# Replying offline: with mktd gone a reply written in the composer waits
# in the outbox (the row shows the pending mark, the status bar says
# offline); when mktd is back on the same port and database the reply
# reaches it exactly once.  A draft closed with Esc survives a restart of
# mkt and is never sent by itself.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh
. tests/e2e/lib_sync.sh

manager_online

# Reading the thread marks it read, which is an action too: done online
# first, so the reply is all that waits later.
send Enter
check "Enter opens the thread" '│ Contact *$' 2
send q
check "it is read on the server" '│ 0 pending' 10
feed_mark || exit 1
port=$MKTD_PORT
mktd_stop
check "with the server gone the status bar says offline" \
    'offline — 0 pending — last sync' 15

reply="Offline reply $$ $RANDOM, sent when the server is back"
send r
check "r opens the thread and its composer" '── Reply to .* on [a-z_]+ ─' 2
type_text "$reply"
send Enter
check "Enter queues the reply" 'queued: reply in conversation [0-9]+' 2
id=$(status_line | sed -n 's/.*queued: reply in conversation \([0-9]*\).*/\1/p')
check "the thread shows it as sending" "│ $reply" 2
check "with the sending mark" 'sending…' 2
send q
check "back on the list, the row shows the pending mark and the reply" \
    "$PENDING_ROW"'.* Offline reply' 2
send C-l
check "the status bar says offline, 1 pending" \
    'offline — 1 pending — last sync' 2
check_absent "nothing is lost to sync problems" 'sync problem'

mktd_start "$port" || exit 1
# The engine backs off while offline; $ (sync) retries at once.
send '$'
check "back online after \$ once the server is up again" \
    'online │ 0 pending' 15
check_gone "the pending mark goes" "$PENDING_ROW" 5
count_reply() {
	conversation_messages "$id" | grep -cF "\"body\":\"$reply\""
}
expect "the server has the reply exactly once" test "$(count_reply)" = 1
expect "the feed carries exactly one new message, the reply" \
    test "$(new_messages | grep -c .)" = 1 -a \
    "$(new_messages | grep -cF "\"body\":\"$reply\"")" = 1
send '$'
check "another sync sends nothing more" 'online │ 0 pending' 5
expect "still exactly once" test "$(count_reply)" = 1

# ---- a draft survives a restart ----------------------------------------
draft="Draft $$ kept across a restart"
run_command "search $reply"
check "a search finds the conversation by the reply's text" \
    '1 conversation match' 2
send r
check "r opens the composer" '── Reply to ' 2
type_text "$draft"
send Escape
check "Esc closes the composer and keeps the draft" \
    'draft kept; r or N opens it again' 2
check_gone "the composer is closed" '── Reply to ' 2
send q
check "q goes back to the list" "$CONV_ROW" 2
send q
check "q quits with status 0" 'mkt exited 0' 5

tm kill-session -t e2e
e2e_start 120 30 -- --config "$CONF"
check "mkt starts again, online" 'manager@demo\.mkt │ online' 15
check "the list is there" "$CONV_ROW" 15
run_command "search $reply"
check "the search finds the conversation again" '1 conversation match' 2
send r
check "r opens the composer with the draft" "^$draft *│" 2
check "the count includes the draft" "─ ${#draft} / [0-9,]+ ──" 2
send Escape
expect "the draft never reached the server" \
    test "$(new_messages | grep -cF "$draft")" = 0
send q q
check "q quits with status 0" 'mkt exited 0' 5
exit $((E2E_FAILED > 0))
