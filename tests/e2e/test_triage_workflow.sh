#!/usr/bin/env bash
# The triage workspace against a real mktd, checked on the server:
#  - in the Unassigned view (u; s cycles the sort), a conversation is
#    taken (a), answered through the composer (r; C-j breaks the line, C-t
#    inserts a canned response), given a private note (N) and snoozed for
#    an hour (z); another one is resolved (x);
#  - filtered to WhatsApp (:filter, f, F), a reply over the channel's cap
#    (3,800 characters) is refused in the composer and nothing reaches the
#    server; at the cap it goes;
#  - five tagged conversations (t x5) are resolved with one x;
#  - / searches message text, Esc clears the search.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh
. tests/e2e/lib_sync.sh

manager_online
check "the tab line shows every view with its count, All by default" \
    '^ Mine [0-9]+  Unassigned [0-9]+  Waiting [0-9]+  Unpaid [0-9]+  All [0-9]+  Resolved [0-9]+  sort activity' 5
me=$(user_id manager@demo.mkt)
expect "the server knows the user" test -n "$me"

# ---- take, reply, note, snooze ------------------------------------------
feed_mark || exit 1
send u
check "u shows the Unassigned view, sorted by waiting" \
    '^ Mine [0-9]+  Unassigned [0-9]+ .* sort waiting' 2
send s
check "s sorts by the next order" '^ Mine .* sort activity *$' 2
send s
check "and the next" '^ Mine .* sort priority *$' 2
send s
check "and back to waiting" '^ Mine .* sort waiting *$' 2
unassigned=$(view_count Unassigned)
check "the list holds as many rows as the tab says" " 1/$unassigned │" 2
send Enter
check "Enter opens the thread with its title line" '^ .* · unassigned *$' 2
check "the thread has a side panel at 120 columns" '│ Contact *$' 2
send a
check "a takes the conversation" 'queued: assign to me' 2
check "the title names the new assignee" '^ .* · → Мария Петрова *$' 2

# The reply: a line, C-j, a second line ending in a canned response
# chosen with C-t from the fuzzy picker ("thnk" finds "thanks").
reply="Taken by the e2e test $$: we are on it."
send r
check "r opens the composer with a live count" \
    '── Reply to .* on [a-z_]+ ─+ 0 / [0-9,]+ ──' 2
type_text "$reply"
check "the count follows the typing" "─ ${#reply} / [0-9,]+ ──" 2
send C-j
type_text 'Second line: '
check "C-j starts a new line in the composer" '^Second line: +│' 2
send C-t
check "C-t opens the canned responses picker" '┌─ Canned responses ─+ [0-9]+/[0-9]+ ─┐' 2
type_text thnk
check "typing narrows it, fuzzily" '│   thanks  ' 2
send Enter
check_gone "Enter picks one and closes the picker" 'Canned responses' 2
check "its text is inserted at the cursor" '^Second line: [^ │]' 2
send Enter
check "Enter sends the reply" 'queued: reply in conversation [0-9]+' 2
id=$(status_line | sed -n 's/.*queued: reply in conversation \([0-9]*\).*/\1/p')
check_gone "and closes the composer" '── Reply to ' 2

note="Private note $$: check the stock first."
send N
check "N opens the composer for a private note" '── Private note on ' 2
type_text "$note"
send Enter
check "Enter adds the note" "queued: note in conversation $id" 2

send z
check "z asks when until" '^:snooze *$' 2
type_text 1h; send Enter
check "1h snoozes it" 'queued: snooze until [0-9-]+ [0-9]{2}:[0-9]{2}' 2
check "the title says snoozed" '^ .* · snoozed · → Мария Петрова *$' 2
snoozed_at=$(date +%s)
check "all of it reaches the server" '│ 0 pending' 15

conversation_json "$id"
expect "the server has the conversation assigned to the user" \
    test "$(printf '%s' "$CONV_JSON" | json_field assignee_id)" = "$me"
expect "the server has it snoozed" \
    test "$(printf '%s' "$CONV_JSON" | json_field status)" = '"snoozed"'
until=$(printf '%s' "$CONV_JSON" | json_field snoozed_until)
expect "snoozed until about an hour from now ($until)" \
    test "${until:-0}" -ge $((snoozed_at + 3600 - 120)) -a \
    "${until:-0}" -le $((snoozed_at + 3600 + 120))
# The canned response's text as the server has it, JSON-escaped as the
# message's body will be.
company=$(printf '%s' "$CONV_JSON" | json_field company_id)
http GET "$MKTD_PORT" "/api/v1/canned-responses?company_id=$company"
thanks=$(printf '%s' "$HTTP_BODY" | sed 's/{"id":/\n&/g' |
    grep '"short_code":"thanks"' | json_field content)
expect "the company has a canned response \"thanks\"" test -n "$thanks"
msgs=$(conversation_messages "$id")
expect "the server has the reply: outbound text, both lines, the canned text" \
    grep -qF "\"direction\":\"out\",\"kind\":\"text\",\"author_kind\":\"user\",\"author_id\":$me,\"body\":\"$reply\\nSecond line: ${thanks#\"}" <<< "$msgs"
expect "the server has the note: kind note, the body as typed" \
    grep -qF "\"kind\":\"note\",\"author_kind\":\"user\",\"author_id\":$me,\"body\":\"$note\"" <<< "$msgs"

send q
check "q goes back to the list" " Unassigned $((unassigned - 1)) " 2
check "the taken conversation has left Unassigned" \
    " 1/$((unassigned - 1)) │" 2
feed_mark || exit 1
send x
check "x resolves the selected one" 'queued: resolve' 2
check "it leaves the view" " 1/$((unassigned - 2)) │" 2
check "it reaches the server" '│ 0 pending' 15
resolved=$(changed_conversations resolved)
expect "the server has exactly one more conversation resolved" \
    test "$(printf '%s\n' "$resolved" | grep -c .)" = 1
expect "and it is another one than the snoozed one" \
    test -n "$resolved" -a "$resolved" != "$id"

# ---- over the channel's cap ---------------------------------------------
run_command 'filter channel=whatsapp'
check "the filter shows in the tab line" ' sort waiting · filter channel=whatsapp' 2
send f
check "f opens the current filter on the command line" \
    '^:filter channel=whatsapp *$' 2
send Escape
check_gone "Esc leaves it as it was" '^:filter' 2
check "the first row is on WhatsApp" "^[* ](↻ |  )(!!|! |· |  ) ?WA +COMP" 2
expect "every row is on WhatsApp" \
    test "$(screen | grep -E "$CONV_ROW" | grep -Evc ' WA +COMP')" = 0
feed_mark || exit 1
send r
check "r opens the composer with WhatsApp's cap" \
    '── Reply to .* on whatsapp ─+ 0 / 3,800 ──' 2
type_text "$(printf 'x%.0s' $(seq 1 3801))"
check "3,801 characters counted against 3,800" '─ 3,801 / 3,800 ──' 5
send Enter
check "Enter refuses it, saying why in the composer" \
    '^3,801 / 3,800 characters: 1 over the cap' 2
check "the composer stays open with the text" '─ 3,801 / 3,800 ──' 1
check_absent "nothing is queued" 'queued: reply'
# Opening the thread marked it read: that may still be on its way.
check "nothing is pending" '│ 0 pending' 10
expect "nothing reaches the server" test -z "$(new_messages)"
send BSpace
check "one character less is at the cap" '─ 3,800 / 3,800 ──' 2
send Enter
check "at the cap Enter sends it" 'queued: reply in conversation [0-9]+' 2
capped=$(status_line | sed -n 's/.*queued: reply in conversation \([0-9]*\).*/\1/p')
check "it reaches the server" '│ 0 pending' 15
expect "the server has it whole: 3,800 characters" \
    grep -qF "\"body\":\"$(printf 'x%.0s' $(seq 1 3800))\"" \
    <<< "$(conversation_messages "$capped")"
send q
send F
check_gone "F clears the filter" '· filter ' 2

# ---- five tagged, resolved at once -------------------------------------
before=$(view_count Unassigned)
resolved_before=$(view_count Resolved)
feed_mark || exit 1
send g t t t t t
check "t x5 tags five rows" ' · tagged 5' 2
expect "five rows show the tag mark" test "$(screen | grep -c '^\*')" = 5
send x
check "x resolves the five" 'queued: resolve: 5 conversations' 2
check "they leave Unassigned" " Unassigned $((before - 5)) " 2
check "Resolved counts them" " Resolved $((resolved_before + 5)) " 2
check_gone "the tags are spent" '^\*' 2
check "they reach the server" '│ 0 pending' 15
expect "the server has five more conversations resolved" \
    test "$(changed_conversations resolved | grep -c .)" = 5

# ---- search ------------------------------------------------------------
send '*'
check "* shows All" '^ Mine .* sort activity *$' 2
send /
check "/ opens a search on the command line" '^:search *$' 2
type_text "e2e test $$"; send Enter
check "it finds the conversation by the reply's text" \
    '1 conversation match "e2e test [0-9]+"' 2
check "the tab line says so" " · search e2e test $$" 2
expect "one row" test "$(screen | grep -cE "$CONV_ROW")" = 1
send Escape
check "Esc clears the search" 'search cleared' 2
check_gone "the tab line no longer shows it" ' · search ' 2

send q
check "q quits with status 0" 'mkt exited 0' 5
exit $((E2E_FAILED > 0))
