#!/usr/bin/env bash
# The invoice view against a real mktd, checked on the server.  The test
# bills a company an invoice of 60 lines through the API (a discount,
# the company's VAT, notes) and issues it; then, in mkt as billing:
#  - Enter on its row opens it full-pane: the title, the header's dates
#    and every total as the server has them, the lines (scrolled to the
#    60th with G) and, at 200 columns, the payments in a side panel;
#  - p records a payment from inside the view: it shows at once with
#    its pending mark, paid and due move, and the server has it once;
#  - J and K walk the list without leaving the view; q, Esc and Left go
#    back to the list on the same row;
#  - at 80x24 the payments move under the lines; at 40x10 nothing
#    crashes or spills; ? lists the view's keys;
#  - a draft whose notes and line carry terminal escapes and bidi
#    overrides shows clean.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh
. tests/e2e/lib_sync.sh

COLS=200 ROWS=50
STRAY='pwned|\[2J|\[31m|\]0;|\^\['

# money MINOR CURRENCY: as mkt shows it ("1,234.50 EUR", "1,250 IQD").
money() {
	local m=$1 c=$2 sign= units frac=
	[ "$m" -lt 0 ] && { sign=-; m=${m#-}; }
	if [ "$c" = IQD ]; then units=$m
	else units=$((m / 100)); frac=$(printf '.%02d' $((m % 100))); fi
	units=$(printf '%s' "$units" | sed ':a;s/\([0-9]\)\([0-9]\{3\}\)\($\|,\)/\1,\2\3/;ta')
	printf '%s%s%s %s' "$sign" "$units" "$frac" "$c"
}
# A regex matching the text literally.
literal() { printf '%s' "$1" | sed 's#[][\.*^$+?(){}|]#\\&#g'; }

no_stray() { ! screen | grep -Eq -- "$STRAY"; }

# invoice_json ID: the server's invoice (as billing sees it) in INV_JSON.
invoice_json() {
	INV_JSON=
	api_login "$MKTD_PORT" billing@demo.mkt || return 1
	http GET "$MKTD_PORT" "/api/v1/invoices/$1"
	[ "$HTTP_STATUS" = 200 ] || return 1
	INV_JSON=$HTTP_BODY
}
# field NAME: one of the invoice's own fields (json_field would find a
# line's id or description last).
field() { printf '%s' "${INV_JSON%%,\"lines\":*}" | json_field "$1" | tr -d '"'; }
# The id of the invoice the server just answered with: its first field.
answered_id() { printf '%s' "$HTTP_BODY" | sed -n 's/^{"id":\([0-9]*\),.*/\1/p'; }

# select_row REGEX: from the top of the list, moves to the first row
# matching it (on the first screen); sets ROW to its place, 1-based.
select_row() {
	local l
	send g
	sleep 0.2
	l=$(screen | grep -nE -- "$1" | head -1 | cut -d: -f1)
	[ -n "$l" ] || return 1
	ROW=$((l - 2))
	[ "$ROW" -gt 1 ] && for _ in $(seq 2 "$ROW"); do send j; done
	wait_for " $ROW/[0-9]+ │" 2
}

mktd_start || exit 1
write_conf billing@demo.mkt demo

# ---- an invoice of 60 lines, issued -------------------------------------
api_login "$MKTD_PORT" billing@demo.mkt || exit 1
lines=
for i in $(seq 1 60); do
	lines="$lines${lines:+,}{\"description\":\"E2E line $i of $$\",\"quantity\":$((i % 3 + 1)),\"unit_price_minor\":$((i * 37 + 100))}"
done
http POST "$MKTD_PORT" /api/v1/invoices "{\"company_id\":7,\"kind\":\"commission\",\"period_start\":\"2026-10-01\",\"period_end\":\"2026-10-31\",\"discount_minor\":500,\"notes\":\"Issued by the e2e test $$.\",\"lines\":[$lines]}"
expect "the server takes a draft of 60 lines" test "$HTTP_STATUS" = 201
id=$(answered_id)
http POST "$MKTD_PORT" "/api/v1/invoices/$id/issue" '{}'
expect "and issues it" test "$HTTP_STATUS" = 200
invoice_json "$id" || exit 1
num=$(field number) cur=$(field currency)
subtotal=$(field subtotal_minor) discount=$(field discount_minor)
tax=$(field tax_minor) total=$(field total_minor)
due_minor=$(field amount_due_minor)
expect "it has a number, a total and a due date" \
    test -n "$num" -a "${total:-0}" -gt 0 -a -n "$(field due_date)"

e2e_start $COLS $ROWS -- --config "$CONF"
check "mkt logs in and goes online" 'billing@demo\.mkt │ online' 15
send 4
check "the invoices list has the new invoice" "^  $num +COMP" 15
select_row "^  $num +COMP"
expect "its row is selected" test -n "${ROW:-}"
row=$(screen | grep -E "^  $num +COMP")
expect "the row shows the server's total and due" \
    grep -qE "$(literal "$(money "$total" "$cur")") +$(literal "$(money "$due_minor" "$cur")")" <<< "$row"
place=$(position)

# ---- the header --------------------------------------------------------
send Enter
check "Enter opens it: number, kind, company, its place in the list" \
    "^ $num · commission · COMP[0-9]{3} .* invoice $place *\$" 2
check "the period" '^ period   2026-10-01 – 2026-10-31 ' 1
check "the status" '^ status   sent ' 1
check "the issue date" "^ issued   $(field issue_date) " 1
check "the due date, with the days left" \
    "^ due date $(field due_date) · due in [0-9]+ days " 1
check "the currency" "^ currency $cur " 1
check "the subtotal as the server has it" \
    "subtotal +$(literal "$(money "$subtotal" "$cur")") " 1
check "the discount" "discount +-$(literal "$(money "$discount" "$cur")") " 1
check "VAT at the rate the server charged" \
    "(VAT|tax)( [0-9.]+ %)? +$(literal "$(money "$tax" "$cur")") " 1
check "the total" " total +$(literal "$(money "$total" "$cur")") " 1
check "nothing paid" " paid +$(literal "$(money 0 "$cur")") " 1
check "all of it due" " due +$(literal "$(money "$due_minor" "$cur")") " 1
check "the notes" "^ notes    Issued by the e2e test $$\\. " 1
check "the side panel has the payments at 200 columns" \
    "│ Payments 0 · paid $(literal "$(money 0 "$cur")") of $(literal "$(money "$total" "$cur")")" 1
check "and says there are none" '│ No payments yet\.' 1

# ---- the lines ---------------------------------------------------------
check "the lines have their columns" \
    '^ +# description +qty +unit price +amount ' 1
check "the first line is selected, of 60" ' 1/60 │' 1
check "its amount is quantity × unit price" \
    "^ +1 E2E line 1 of $$ +2 +1\\.37 +2\\.74 " 1
send G
check "G goes to the 60th line" ' 60/60 │' 2
check "which is on screen" "^ +60 E2E line 60 of $$ +1 +23\\.20 +23\\.20 " 1
send PPage
check "PgUp moves up a screen" ' [0-9]+/60 │' 1
expect "and not to the start" test "$(position)" != "1/60" -a \
    "$(position)" != "60/60"
send Home
check "Home goes back to the first" ' 1/60 │' 2
send Down
check "Down moves a line" ' 2/60 │' 1

# ---- a payment from the view --------------------------------------------
feed_mark billing@demo.mkt || exit 1
# Frozen, the server holds the payment pending for as long as we look.
mktd_freeze
send p
check "p asks for the amount" '^:pay *$' 2
type_text "12.34 cash E2E-$$"
send Enter
check "the payment is queued on this invoice" \
    "queued: payment of 12\\.34 $cur on $num" 2
check "it shows in the side panel, pending" '│ ↻ [0-9-]+ [0-9:]+ +queued *$' 2
check "with its method" '│   cash *$' 1
check "and its reference and amount" "│   E2E-$$ +12\\.34 $cur *\$" 1
check "paid moves at once" " paid +12\\.34 $cur " 1
check "and due" " due +$(literal "$(money $((due_minor - 1234)) "$cur")") " 1
check "the view stays on the invoice" "^ $num · " 1
check "the status bar counts it as pending" '│ 1 pending' 2
mktd_thaw
check "the payment reaches the server" '│ 0 pending' 15
check "where it is confirmed" '│   [0-9-]+ [0-9:]+ +confirmed *$' 5
invoice_json "$id"
expect "the server has 12.34 paid" test "$(field amount_paid_minor)" = 1234
expect "and the rest due" test "$(field amount_due_minor)" = $((due_minor - 1234))
expect "the server has the payment exactly once" test "$(feed_since billing@demo.mkt |
    grep '^{"seq":[0-9]*,"type":"payment",' | grep -c "\"reference\":\"E2E-$$\"")" = 1

# ---- walking the list ----------------------------------------------------
send J
check "J opens the next invoice in place" "^ INV-[0-9-]+ · .* invoice $((ROW + 1))/" 2
expect "another one" test -z "$(line 2 | grep -F " $num ")"
send K
check "K comes back" "^ $num · .* invoice $ROW/" 2
send q
check "q goes back to the list" '^  number +company ' 2
check "on the same row" " $place │" 1
send Enter
check "Enter opens it again" "^ $num · " 2
send Escape
check "Esc goes back to the same row" " $place │" 2
send Enter
check "and again" "^ $num · " 2
send Left
check "Left goes back to the same row" " $place │" 2
check_absent "the list is showing" "^ $num · "
send Enter
check "open again" "^ $num · " 2

# ---- other sizes ------------------------------------------------------------
resize 80 24
check "at 80x24 the payments go under the lines" \
    "^ Payments 1 · paid 12\\.34 $cur of $(literal "$(money "$total" "$cur")")" 2
check "one row each: when, method, state, reference, amount" \
    "^  [0-9-]+ [0-9:]+ cash +confirmed +E2E-$$ +12\\.34 $cur *\$" 1
check "the header keeps its two columns" \
    "^ period   2026-10-01 – 2026-10-31 +subtotal +$(literal "$(money "$subtotal" "$cur")") *\$" 1
check_absent "no side panel" '│ Payments'
expect "every line fits 80 columns" lines_fit 80 24
resize 40 10
sleep 0.3
check "at 40x10 the title is still there" "^ $num · commission · COMP" 2
check "what is owed first" '^ status   sent' 1
check "and the lines: #, description, amount" '^ +# description +amount *$' 1
expect "every line fits 40 columns" lines_fit 40 10
resize 30 8
check "smaller still, mkt says so" 'terminal too small' 2
resize $COLS $ROWS
check "back at 200x50 the view is whole" \
    "│ Payments 1 · paid 12\\.34 $cur of " 2
expect "every line fits 200 columns" lines_fit $COLS $ROWS
screen > "${INVOICE_VIEW_CAPTURE:-/dev/null}"

send '?'
check "? opens the help" 'Help — keys and commands' 2
send G
check "it lists the view's keys: J and K" \
    '^   J +:next-invoice +open the next invoice' 2
check "q, Esc and Left" '^   q, Esc, Left +:back ' 1
check "and Enter in the list" '^   Enter +:open ' 1
send q
check "q closes the help, not the view" "^ $num · " 2
send q

# ---- hostile text ------------------------------------------------------------
evil='Notes \u001b]0;pwned\u0007\u001b[2J \u001b[31mred\u001b[0m \u202egnp.exe \u009b31m end'
http POST "$MKTD_PORT" /api/v1/invoices "{\"company_id\":7,\"kind\":\"commission\",\"notes\":\"$evil\",\"lines\":[{\"description\":\"Line $evil\",\"quantity\":1,\"unit_price_minor\":100}]}"
expect "the server takes a draft with escapes in it" test "$HTTP_STATUS" = 201
evil_id=$(answered_id)
# A row that sorts in above the window's first stays out of view
# until the list goes to its top, as in every list but the queue.
for _ in $(seq 1 75); do
	send g
	screen | grep -qE "^  draft #$evil_id +COMP" && break
	sleep 0.2
done
check "it arrives at the top of the list" "^  draft #$evil_id +COMP" 1
send Enter
check "it opens" "^ draft #$evil_id · commission · " 2
check "the notes show, cleaned" '^ notes    Notes +red gnp\.exe' 1
check "and so does the line" '^ +1 Line Notes +red gnp\.exe' 1
expect "no escape sequence left text on screen" no_stray
expect "only colours reached the terminal" only_sgr
expect "every line fits" lines_fit $COLS $ROWS
check "a draft takes no payments" '│ A draft takes no payments\.' 1
send q
check "q goes back" '^  number +company ' 2
send q
check "and q again quits, with status 0" 'mkt exited 0' 10

[ "$E2E_FAILED" -eq 0 ]
