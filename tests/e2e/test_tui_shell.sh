#!/usr/bin/env bash
# The TUI shell on demo data: panes, movement, help, the command prompt,
# resizing and a clean exit.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

e2e_start 120 40 --

check "starts on the Conversations pane with demo rows" \
    '1 Conversations.*2 Orders.*3 Knowledge base.*4 Invoices' 10
check "status bar shows demo, no server, pending count, position and clock" \
    'demo │ no server │ 0 pending .* 1/[0-9]{3,} │ [0-9]{2}:[0-9]{2}'
check "conversation rows show channel, company and contact" \
    '^[* ](↻ |  )(!!|! |· |  ) ?(WA|TG|IG|FB|EM|TT|OR) +COMP[0-9]{3}'

total=$(position | cut -d/ -f2)
send j; check "j moves down one row" " 2/$total "
send Down Down; check "Down moves on" " 4/$total "
send k; check "k moves up" " 3/$total "
send G; check "G goes to the last row" " $total/$total "
send g; check "g goes back to the first" " 1/$total "
send End; check "End goes to the last row" " $total/$total "
send Home; check "Home goes to the first" " 1/$total "
# 40 lines less the tab bar, the view tabs, the header and the status bar.
send PgDn; check "PgDn moves a screen down" " 37/$total "
send PgUp; check "PgUp moves a screen up" " 1/$total "

send 2
check "2 shows Orders with order numbers and amounts" \
    '(M|X8)-[0-9]{6} .*(RUB|EUR)'
check "orders show statuses from the offer cycle" 'open|in_progress'
send 3
check "3 shows the knowledge-base tables" 'table +company +kind +rows'
send Enter
check "Enter opens the selected table's rows as a grid" \
    '(product_name|service_name)'
send Escape
send 4
check "4 shows Invoices with numbers and due dates" \
    'INV-20[0-9]{2}-[0-9]{6} .*20[0-9]{2}-[0-9]{2}-[0-9]{2}'
check "invoices carry RUB, EUR and IQD amounts" 'IQD'
send Tab
check "Tab wraps around to Conversations" \
    '^[* ](↻ |  )(!!|! |· |  ) ?(WA|TG|IG|FB|EM|TT|OR) +COMP[0-9]{3}'
send BTab
check "Shift-Tab goes back to Invoices" 'INV-20'

send '?'
check "? opens the help generated from the command table" \
    'Help — keys and commands'
check "help lists commands with their keys" 'j, Down +:down +move down one row'
check "help lists the keys bound with arguments" '1, 2, 3, 4 +:pane NAME'
check "help has the pane section for the knowledge base" 'Knowledge base'
send q
check_absent "q closes the help, not mkt" 'Help — keys and commands'

type_text ':pa'; send Tab
check "Tab on an ambiguous prefix lists the candidates" ':pa +page-down +page-up +pane'
type_text 'n'; send Tab; type_text 'ord'; send Tab
check "Tab completes command names and pane names" ':pane orders'
send Enter
check ":pane orders switches pane" '(M|X8)-[0-9]{6}'
type_text ':frobnicate'; send Enter
check "an unknown command gives a clear error" "unknown command 'frobnicate'"
send ':' Up
check "Up in the prompt recalls the history" ':frobnicate'
send Escape

send 1
resize 60 15
check "at 60x15 the tab bar and status bar still show" \
    '1 Conversations' 5
check "at 60x15 the position is still shown" ' 1/[0-9]+ │'
resize 30 6
check "below the minimum size a note replaces the panes" 'too small'
resize 120 40
check "back at 120x40 the panes return" '4 Invoices' 5
send j
check "keys work after the resizes" " 2/$total "

send q
check "q quits with status 0" 'mkt exited 0' 5
check_absent "the alternate screen is gone after exit" '1 Conversations'
if grep -q -- ' icanon' "$E2E_TMP/stty" && grep -q -- ' echo ' "$E2E_TMP/stty"; then
	ok "the terminal is back in canonical mode with echo"
else
	not_ok "the terminal is back in canonical mode with echo"
fi

exit $((E2E_FAILED > 0))
