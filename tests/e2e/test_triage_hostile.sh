#!/usr/bin/env bash
# Hostile content from customers: messages posted through mktd's inbound
# endpoint (as the channel connector would) on a WhatsApp channel carry
# terminal escapes (a window title with its BEL, clear screen, colours,
# the alternate screen, cursor moves, a DCS, an 8-bit CSI), bidi
# overrides, RTL Arabic, combining marks, emoji, and a 200 KiB body.  The
# list, the opened thread and the notifications must stay intact: no
# sequence text on screen, nothing but colours reaching the terminal, no
# bell but the one for the new chat, the tab line, header and status bar
# where they were, and every line within the width.  Last, an emoji ZWJ
# sequence, which terminals measure differently.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh
. tests/e2e/lib_sync.sh

COLS=120 ROWS=30
unread() { status_line | sed -n 's/.*✉ \([0-9]*\) new.*/\1/p'; }
# The text a leaked sequence would leave, or its effect on the title.
STRAY='pwned|\[2J|\[31m|\[0m|\]0;|\[\?1049|P\+q|10;10H|\^\['

no_stray() { ! screen | grep -Eq -- "$STRAY"; }
title_kept() { ! tm display-message -p -t e2e '#{pane_title}' | grep -q pwned; }
# The frame: tab bar on top, status bar at the bottom (narrow, it drops
# the user first).
frame_intact() {
	line 1 | grep -q '^ 1 Conversations   2 Orders   3 Knowledge base   4 Invoices' &&
	    status_line | grep -Eq '(manager@demo\.mkt │ )?online │ [0-9]+ pending'
}
# In the thread, the side panel's rule is at the same column on every
# row: nothing drawn before it was wider than measured.
side_rule_at() {
	local l n=0
	while IFS= read -r l; do
		n=$((n + 1))
		[ $n -ge 3 ] && [ $n -lt $ROWS ] || continue
		case $l in *│*) ;; *) return 1 ;; esac
		[ "$(printf '%s\n' "${l%│*}" | wc -L)" -eq "$1" ] || return 1
	done <<< "$(screen)"
}
# What is on screen is what mkt meant to draw: a full redraw (C-l) changes
# nothing.  Were the terminal to measure some text differently from mkt,
# the cells mkt thinks unchanged would keep stale or shifted text until
# then.  An unbound key (~) leaves a message once the redraw is done.
# Ages ("37m", "now") are masked: a clock tick in between is no change.
mask_ages() {
	head -n $((ROWS - 1)) | sed -E 's/ *\<([0-9]{1,2}[smhdw]|now)\>/ ~/g'
}
redraw_same() {
	local before after
	before=$(screen | mask_ages)
	send C-l '~'
	wait_for '^~ is not bound' 2 || return 1
	after=$(screen | mask_ages)
	[ "$after" = "$before" ] && return 0
	echo "# before and after the redraw:"
	diff <(printf '%s\n' "$before") <(printf '%s\n' "$after") |
	    sed 's/^/#   /'
	return 1
}
# A list row's status column ("open", after a blank) starts where its
# header does.
status_aligned() {
	local hdr row
	hdr=$(line 3) row=$(screen | grep -m1 -- "$1")
	[ -n "$row" ] &&
	    [ "$(printf '%s\n' "${hdr%%status*}" | wc -L)" -eq \
	    "$(printf '%s \n' "${row%% open *}" | wc -L)" ]
}

mktd_start || exit 1
write_conf manager@demo.mkt demo
e2e_start $COLS $ROWS -- --config "$CONF"
check "mkt logs in and goes online" 'manager@demo\.mkt │ online' 15
check "the conversations list fills" "$CONV_ROW" 15
all=$(view_count All)
n0=$(unread)
# Count the bells mkt rings: tmux runs the hook for each one.
tm set-hook -g alert-bell "run-shell 'echo bell >> $E2E_TMP/bells'"
bells_are() { [ "$(cat "$E2E_TMP/bells" 2>/dev/null | wc -l)" -eq "$1" ]; }
feed_mark || exit 1

# ---- the hostile customer writes ---------------------------------------
# JSON escapes (\u001b) are decoded by mktd: the bytes stored are ESC, BEL,
# C1 and bidi controls.  100 bytes, 2,048 times: 200 KiB.
chunk='Long line \u001b[2J\u001b]0;pwned\u0007 RTL مرحبا بكم e\u0301\u0302 👍🏽 \u202eevil\u202c Z\u0336 \u001b[31mred\u001b[0m ok. abcdef'
big=$chunk
for i in 1 2 3 4 5 6 7 8 9 10 11; do big=$big$big; done
short='ABC\u001b]0;pwned\u0007DEF\u001b[2JGHI\u001b[31mJKL\u001b[0mMNO\u009b2JPQR\u001bP+q\u001b\\STU\u001b[?1049lVWX\u001b[10;10HYZ\r\bab\tcd \u202eevil\u202c مرحبا بالعالم e\u0301\u0301\u0301 Z\u0336\u0336 👍🏽 \ud83d\ude00 🇪🇸 END-OF-HOSTILE'
from="{\"handle\":\"@hostile.$$\",\"name\":\"Hostile Tester é\\u0301 مرحبا 👍🏽 \\u202eevil\\u202c\"}"
wa=$(channel_on whatsapp)
expect "the manager sees a WhatsApp channel ($wa)" test -n "$wa"
inbound "$wa" "{\"from\":$from,\"body\":\"START-OF-LONG $big END-OF-LONG\"}"
expect "mktd takes a 200 KiB message full of escapes (201)" \
    test "$HTTP_STATUS" = 201
hostile=$(printf '%s' "$HTTP_BODY" | sed -n 's/.*"conversation_id":\([0-9]*\),.*/\1/p')
inbound "$wa" "{\"from\":$from,\"body\":\"$short\"}"
expect "and a short one in the same conversation" \
    test "$HTTP_STATUS" = 201 -a -n "$hostile" -a \
    "$(printf '%s' "$HTTP_BODY" | json_field conversation_id)" = "$hostile"

# ---- the list ----------------------------------------------------------
check "the new conversation is counted" " All $((all + 1)) " 15
check "the status bar announces the new chat" "✉ $((n0 + 1)) new \(@\)" 5
expect "the bell rings once for it" wait_until 3 bells_are 1
send g
check "it is the newest row, with the sanitized preview" \
    "^[* ](↻ |  )(!!|! |· |  ) ?WA +COMP[0-9]{3} Hostile Tester .* ABCDEFGHIJKLMNOPQRS" 5
expect "no sequence text shows in the list" no_stray
expect "no sequence but colours reaches the terminal (capture-pane -e)" only_sgr
expect "the preview is drawn in one attribute (no colour from the data)" \
    grep -qF 'ABCDEFGHIJKLMNOPQRS' <<< "$(tm capture-pane -p -e -t e2e)"
expect "the window title is not the data's" title_kept
expect "tab bar and status bar are where they were" frame_intact
expect "the view tabs are on line 2" \
    grep -q '^ Mine [0-9]*  Unassigned [0-9]*  Waiting' <<< "$(line 2)"
expect "the column header is on line 3" \
    grep -Eq '^ +ch company contact +last message' <<< "$(line 3)"
expect "every line fits in $COLS columns, $ROWS lines" lines_fit
expect "the row's status column is aligned with the header" \
    status_aligned 'Hostile Tester'
expect "a full redraw (C-l) changes nothing in the list" redraw_same

# ---- the thread ----------------------------------------------------------
send Enter
check "Enter opens the thread at once, 200 KiB and all" 'END-OF-HOSTILE' 5
expect "the title line is the thread's, on line 2" \
    grep -Eq '^ Hostile Tester .* · whatsapp · COMP[0-9]{3} · open · .*unassigned *$' <<< "$(line 2)"
check "the short message is drawn sanitized" '│ ABCDEFGHIJKLMNOPQRSTUVWXYZ' 2
expect "no sequence text shows in the thread" no_stray
expect "no sequence but colours reaches the terminal (thread)" only_sgr
expect "the window title is still not the data's" title_kept
expect "tab bar and status bar are where they were (thread)" frame_intact
expect "every line fits in $COLS columns (thread)" lines_fit
expect "the side panel's rule is straight: nothing overflowed" \
    side_rule_at $((COLS - 34))
expect "the message header has nothing stray after it" \
    grep -Eq '^▸?Hostile Tester .* · now +│' <<< "$(screen)"
expect "a full redraw (C-l) changes nothing in the thread" redraw_same
send g
check "g scrolls to the top of the 200 KiB message" 'START-OF-LONG' 5
expect "still nothing stray at the top" no_stray
expect "still only colours at the top" only_sgr
expect "every line still fits (top)" lines_fit
expect "the side panel's rule is straight (top)" side_rule_at $((COLS - 34))
expect "a full redraw (C-l) changes nothing (top)" redraw_same
send C-d C-d C-d
expect "half pages down through it keep the frame" frame_intact
expect "and the lines within the width" lines_fit
send G
check "G comes back to the end" 'END-OF-HOSTILE' 5
resize 80 24
check "at 80x24 the thread drops the side panel" '^ .*END-OF-HOSTILE|^ │ END-OF-HOSTILE' 5
expect "at 80x24 tab bar and status bar are where they were" frame_intact
expect "at 80x24 every line fits" lines_fit 80 24
expect "at 80x24 nothing stray" no_stray
resize $COLS $ROWS
check "back at ${COLS}x$ROWS the side panel returns" '│ Contact *$' 5

# ---- the notifications ---------------------------------------------------
send q
send @
check "@ lists the notifications" '^ Notifications — [0-9]+ unread' 5
check "the new chat is there, its title sanitized" \
    'new chat +Hostile Tester .*\(whatsapp\): START-OF-LONG Long line +RTL' 2
expect "no sequence text shows in the notifications" no_stray
expect "no sequence but colours reaches the terminal (notifications)" only_sgr
expect "every line fits (notifications)" lines_fit
expect "tab bar and status bar are where they were (notifications)" frame_intact
expect "a full redraw (C-l) changes nothing in the notifications" redraw_same
send g Enter
check "Enter opens the conversation it is about" \
    '^ Hostile Tester .* · whatsapp · COMP[0-9]{3} · ' 5
if [ "${n0:-0}" -gt 0 ]; then
	check "and marks it read: one new less" "✉ $n0 new \(@\)" 5
else
	check_gone "and marks it read: no new one" '✉ [0-9]+ new' 5
fi
notice_read() {
	feed_since | grep '^{"seq":[0-9]*,"type":"notification",' |
	    grep "\"ref_type\":\"conversation\",\"ref_id\":$hostile," |
	    grep -q '"read_at":[0-9]'
}
expect "the server has the notification read" wait_until 10 notice_read
expect "the data's BEL never rang the bell: one bell in all" bells_are 1
send q
check "q goes back to the list" "$CONV_ROW" 2

# ---- an emoji ZWJ sequence ---------------------------------------------
# 👩‍👩‍👧 is three emoji joined by U+200D: wcwidth(3) counts 6 columns,
# tmux 3.3 (as other terminals that join emoji sequences) draws one
# 2-column glyph.  Whatever the terminal does, the screen must be what mkt
# drew: no stale or shifted text that only a redraw (C-l) puts right.
inbound "$wa" '{"from":{"handle":"@zwj.'$$'","name":"ZWJ Family 👩\u200d👩\u200d👧"},"body":"family 👩\u200d👩\u200d👧 and coder 👩\u200d💻 END-OF-ZWJ"}'
expect "mktd takes a message with emoji ZWJ sequences (201)" \
    test "$HTTP_STATUS" = 201
check "it is counted" " All $((all + 2)) " 15
send g
check "it is the newest row" '^[* ](↻ |  )(!!|! |· |  ) ?WA +COMP[0-9]{3} ZWJ Family ' 5
expect "ZWJ: the row's status column is aligned with the header" \
    status_aligned 'ZWJ Family'
expect "ZWJ: every line fits (list)" lines_fit
expect "ZWJ: a full redraw (C-l) changes nothing in the list" redraw_same
send Enter
check "ZWJ: Enter opens the thread" 'END-OF-ZWJ' 5
expect "ZWJ: the side panel's rule is straight" side_rule_at $((COLS - 34))
expect "ZWJ: the message header has nothing stray after it" \
    grep -Eq '^▸?ZWJ Family .* · now +│' <<< "$(screen)"
expect "ZWJ: a full redraw (C-l) changes nothing in the thread" redraw_same
expect "ZWJ: every line fits (thread)" lines_fit
send q

send q
check "q quits with status 0" 'mkt exited 0' 5
exit $((E2E_FAILED > 0))
