#!/usr/bin/env bash
# The benchmark's instruments on the real mkt: tests/tools/ptydrive runs
# `mkt --demo` on a 200x50 pty and MKT_TRACE times every key from its input
# to the frame after it.  Each check is on what mkt did, not on the tools'
# own say-so: the screen, the trace file and the exit status.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

DRIVE=${TOOL_DIR:-build/release/tools}/ptydrive
TRACE=$E2E_TMP/trace
OUT=$E2E_TMP/drive.out
ERR=$E2E_TMP/drive.err
# There is no tmux here: a failure shows what ptydrive said, with its
# dump of the screen.
screen() { cat "$ERR" 2>/dev/null; }

if [ ! -x "$DRIVE" ]; then
	not_ok "ptydrive is built (make $DRIVE)"
	exit 1
fi

# drive ENV... : runs the script on stdin against mkt --demo, with ENV.
drive() {
	env "$@" LC_ALL=C.UTF-8 TERM=xterm-256color timeout 180 \
	    "$DRIVE" --size 200x50 --trace "$TRACE" -- "$MKT_BIN" --demo \
	    > "$OUT" 2> "$ERR"
}

# line N: the Nth result line.
line() { sed -n "${1}p" "$OUT"; }
# field LINE NAME: the value of NAME=... in a result line.
field() { printf '%s\n' "$1" | sed -n "s/.* $2=\([^ ]*\).*/\1/p"; }
# want NAME LINE ERE: one check on one result line.
want() {
	if printf '%s\n' "$2" | grep -Eq -- "$3"; then ok "$1"
	else not_ok "$1 (got: $2)"; fi
}

drive MKT_TRACE="$TRACE" <<'SCRIPT'
screen 1/320 20000
screen │ online 30000
quiet 300
mark
key Down
key PgDn
mark
key End
screen 320/320 5000
key Home
key 2
key 1
rss
key q
SCRIPT
rc=$?
while IFS= read -r l; do echo "# $l"; done < "$OUT"
[ -f "$TRACE" ] &&
    while IFS= read -r l; do echo "# trace: $l"; done < "$TRACE"

if [ $rc -eq 0 ]; then ok "ptydrive ran the script to its end"
else not_ok "ptydrive ran the script to its end (exit $rc)"; fi
want "mkt --demo shows 1/320 in the status bar" "$(line 1)" \
    '^screen ms=[0-9]+\.[0-9]{3} bytes=[1-9][0-9]*$'
want "the first sync ends online" "$(line 2)" '^screen ms=[0-9.]+ bytes='

# The trace: one "frame first", then one line per key, in order.
if [ "$(grep -c '^frame' "$TRACE" 2>/dev/null)" = 1 ] &&
    grep -Eq $'^frame\tfirst\t[1-9][0-9]*$' "$TRACE"; then
	ok "the trace has one frame first line with the time to it"
else
	not_ok "the trace has one frame first line with the time to it"
fi
expected=$'Down\tdown\nPgDn\tpage-down\nEnd\tbottom\nHome\ttop\n2\tpane orders\n1\tpane conversations\nq\tquit'
got=$(grep '^key' "$TRACE" 2>/dev/null | cut -f2,3)
if [ "$got" = "$expected" ]; then
	ok "the trace names each key and the command it ran"
else
	not_ok "the trace names each key and the command it ran (got: $got)"
fi
if [ "$(grep -c '^key' "$TRACE" 2>/dev/null)" = 7 ] &&
    ! grep '^key' "$TRACE" | grep -Evq $'^key\t[^\t]+\t[^\t]+\t[1-9][0-9]*\t1$'; then
	ok "every key line has a positive latency and a batch of one key"
else
	not_ok "every key line has a positive latency and a batch of one key"
fi

# ptydrive's own lines carry the trace's figures and count mkt's bytes.
n=0
for spec in Down PgDn End Home 2 1 q; do
	l=$(grep -m1 "^key $spec " "$OUT")
	t=$(grep -m1 $'^key\t'"$spec"$'\t' "$TRACE" 2>/dev/null)
	[ -n "$l" ] && [ "$(field "$l" us)" = "$(printf '%s' "$t" | cut -f4)" ] &&
	    [ "${l#* cmd=}" = "$(printf '%s' "$t" | cut -f3)" ] &&
	    [ "$(field "$l" bytes)" -gt 0 ] && n=$((n + 1))
done
if [ $n = 7 ]; then ok "ptydrive reports each key's trace latency, command and bytes"
else not_ok "ptydrive reports each key's trace latency, command and bytes ($n of 7)"; fi

down=$(field "$(grep -m1 '^key Down ' "$OUT")" bytes)
pgdn=$(field "$(grep -m1 '^key PgDn ' "$OUT")" bytes)
if [ "${down:-0}" -gt 0 ] && [ "$down" -lt "${pgdn:-0}" ]; then
	ok "a row down writes fewer bytes than a page down ($down < $pgdn)"
else
	not_ok "a row down writes fewer bytes than a page down ($down, $pgdn)"
fi
want "after End the status bar shows 320/320" \
    "$(sed -n '/^key End /{n;p}' "$OUT")" \
    '^screen ms=[0-9.]+ bytes=[1-9]'
hwm=$(field "$(grep -m1 '^rss ' "$OUT")" VmHWM_kb)
if [ "${hwm:-0}" -gt 0 ]; then ok "rss reports mkt's peak resident size (${hwm} kB)"
else not_ok "rss reports mkt's peak resident size"; fi
want "q quits mkt with status 0" "$(tail -1 "$OUT")" '^exit status=0$'

# A trace file mkt cannot write stops it at start, saying why.
drive MKT_TRACE="$E2E_TMP/no/such/dir/trace" <<'SCRIPT'
expect MKT_TRACE 20000
SCRIPT
want "an unwritable MKT_TRACE is a clear error" "$(line 1)" '^expect ms='
want "an unwritable MKT_TRACE exits non-zero" "$(tail -1 "$OUT")" \
    '^exit status=[1-9]'

[ "$E2E_FAILED" -eq 0 ]
