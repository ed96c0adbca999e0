#!/usr/bin/env bash
# Actions against a real mktd: a resolved conversation shows the pending
# mark until the server has it, then loses it; a knowledge-base edit the
# server refuses (the row changed there first: 412) rolls back to the
# server's row and waits in :problems with the server's words, where d
# discards it after asking.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh
. tests/e2e/lib_sync.sh

mktd_start || exit 1
write_conf manager@demo.mkt demo
# The "editor" writes a reply, with the newline every editor adds.
cat > "$E2E_TMP/editor.sh" <<'ED'
#!/bin/sh
printf 'Written in the editor, line 1\nline 2\n' > "$1"
ED
chmod +x "$E2E_TMP/editor.sh"
e2e_start 120 30 VISUAL= EDITOR="$E2E_TMP/editor.sh" -- --config "$CONF"
check "mkt logs in and goes online" 'manager@demo\.mkt │ online' 15
check "the conversations list fills" "$CONV_ROW" 15

# ---- an action, pending until the server acknowledges it ----------------
# The server is frozen, so the action stays pending as long as we look.
feed_mark || exit 1
mktd_freeze
if resolve_or_reopen; then
	ok ":resolve (or :reopen) queues a change to the selected conversation"
else
	not_ok ":resolve (or :reopen) queues a change to the selected conversation"
fi
check "the conversation shows the pending mark at once" "$PENDING_ROW" 2
send C-l
check "the status bar counts it as pending" '│ 1 pending' 2
mktd_thaw
check_gone "the mark goes once the server has acknowledged it" "$PENDING_ROW" 15
check "the pending count returns to 0" '│ 0 pending' 10
expect "one conversation, and only one, became $WANT on the server" \
    acted_conversation "$WANT"
expect "the server has the conversation $WANT" \
    server_has_status "$CONV_ID" "$WANT"

# ---- a reply written in $EDITOR ---------------------------------------
# E opens the thread's composer and runs $EDITOR in it; what the editor
# wrote comes back into the composer, to be read over and sent with Enter.
send E
check "E runs \$EDITOR and puts what it wrote in the composer" \
    '^Written in the editor, line 1 *(│|$)' 5
check "the screen comes back whole after the editor" \
    '1 Conversations +2 Orders' 2
check "the composer is open on the thread" '── Reply to .* on [a-z_]+ ─' 2
send Enter
check "Enter queues it" "queued: reply in conversation $CONV_ID" 5
send q
check "the list shows the reply as the last message" \
    "$CONV_ROW"' .* Written in the editor, line' 2
send C-l
check "the reply reaches the server" '│ 0 pending' 10
has_reply() {
	http GET "$MKTD_PORT" "/api/v1/conversations/$CONV_ID/messages?limit=5"
	printf '%s' "$HTTP_BODY" |
	    grep -q '"body":"Written in the editor, line 1\\nline 2"'
}
expect "the server has the text, the trailing newline stripped" has_reply

# ---- a refusal: the row changed on the server first -------------------
send 3
check "3 shows the knowledge-base tables" 'table +company +kind +rows' 5
send Enter
check "Enter opens the first table's rows" '│.*[a-z_]+ ' 5
mktd_freeze
send e
check "e opens the cell's text in the command line" '^[a-z_]+: .+' 5
send C-u; type_text 'Edited in mkt'; send Enter
check "the edit is queued" 'queued: set [a-z_]+ of row [0-9]+' 5
col=$(status_line | sed -n 's/.*queued: set \([a-z_]*\) of row.*/\1/p')
row=$(status_line | sed -n 's/.*queued: set [a-z_]* of row \([0-9]*\).*/\1/p')
send C-l
check "the edited row shows the pending mark" '│↻ Edited in mkt' 2

# Meanwhile someone changes the same row through the server: a second
# mktd on the same database, as a second server process would.
start_listening other "$MKTD_BIN" --listen 127.0.0.1:0 --db "$SERVER_DB" ||
    exit 1
OTHER_PORT=$PORT
patched=
if api_login "$OTHER_PORT" manager@demo.mkt; then
	# The grid does not show table ids: find the row's table (bounded).
	for t in $(seq 1 60); do
		http PATCH "$OTHER_PORT" "/api/v1/kb/tables/$t/rows/$row" \
		    "{\"cells\":{\"$col\":\"Changed on the server\"}}"
		if [ "$HTTP_STATUS" = 200 ]; then patched=$t; break; fi
	done
fi
expect "the row is changed on the server first" test -n "$patched"
stop_pid "$other_PID"; other_PID=
mktd_thaw

check "the refusal shows in the status bar" '⚠ 1 sync problem \(:problems\)' 15
check "the row shows the server's version again, unmarked" \
    '│  Changed on the server' 5
send '!'
check ":problems lists it with the HTTP status and the server's words" \
    "412 set $col of row $row +the row has changed" 5
check "the details show the request" \
    "request: PATCH /api/v1/kb/tables/$patched/rows/$row — HTTP 412" 2
send d
check "d asks before discarding" 'Discard "set [a-z_]+ of row [0-9]+"\? .*\(y/n\)' 2
send n
check "any key but y keeps it" 'cancelled' 2
check "and it is still listed" "412 set $col of row $row" 2
send d y
check "d y discards it" 'No sync problems\.' 5
send q
check_gone "the status bar no longer warns of sync problems" 'sync problem' 5
check "q closes the view, back on the grid" 'Changed on the server' 2

send ':'; type_text 'quit'; send Enter
check "mkt quits with status 0" 'mkt exited 0' 5
exit $((E2E_FAILED > 0))
