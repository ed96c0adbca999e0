#!/usr/bin/env bash
# Colour modes and bad input at start-up: NO_COLOR, 8-colour and
# monochrome terminals, a broken config, and no terminal at all.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh

# An SGR sequence that sets a foreground or background colour.
has_colour() {
	tm capture-pane -p -e -t e2e |
	    grep -Eq $'\e\\[([0-9]+;)*(3[0-7]|4[0-7]|38;5;[0-9]+|48;5;[0-9]+)(;[0-9]+)*m'
}

for term in xterm-256color xterm vt100; do
	tm kill-server 2>/dev/null
	e2e_start 100 30 TERM=$term --
	check "TERM=$term shows rows" ' 1/[0-9]+ │' 10
	if [ $term = vt100 ]; then
		if has_colour; then not_ok "vt100 is drawn without colour"
		else ok "vt100 is drawn without colour"; fi
	elif has_colour; then ok "TERM=$term is drawn in colour"
	else not_ok "TERM=$term is drawn in colour"; fi
	send q
	check "TERM=$term quits cleanly" 'mkt exited 0'
done

tm kill-server 2>/dev/null
e2e_start 100 30 NO_COLOR=1 --
check "NO_COLOR shows rows" ' 1/[0-9]+ │' 10
if has_colour; then
	not_ok "NO_COLOR draws no colours"
else
	ok "NO_COLOR draws no colours"
fi
send q
check "NO_COLOR quits cleanly" 'mkt exited 0'

tm kill-server 2>/dev/null
rm -f "$E2E_TMP/stty"
e2e_start 100 30 --
check "starts for the SIGTERM check" ' 1/[0-9]+ │' 10
send ':'
type_text 'pa'
resize 70 20
check "a resize with the prompt open keeps the prompt" '^:pa'
send Escape
pkill -TERM -P "$(tm display-message -p -t e2e '#{pane_pid}')" -x "$(basename "$MKT_BIN")"
check "SIGTERM ends mkt cleanly" 'mkt exited 0'
sleep 0.2
if grep -q -- ' icanon' "$E2E_TMP/stty" 2>/dev/null; then
	ok "SIGTERM leaves the terminal in canonical mode"
else
	not_ok "SIGTERM leaves the terminal in canonical mode"
fi

printf '[sync]\npoll_wait = 99999\n' > "$E2E_TMP/bad.conf"
out=$("$MKT_BIN" --config "$E2E_TMP/bad.conf" --demo 2>&1 </dev/null); rc=$?
if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "bad.conf:2: "; then
	ok "a config error prints FILE:LINE and exits 2"
else
	not_ok "a config error prints FILE:LINE and exits 2 (got $rc: $out)"
fi

printf '[keys]\nC-n = no-such-command\n' > "$E2E_TMP/keys.conf"
out=$("$MKT_BIN" --config "$E2E_TMP/keys.conf" 2>&1 </dev/null); rc=$?
if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "keys.conf:2: unknown command"; then
	ok "a binding to an unknown command is a config error"
else
	not_ok "a binding to an unknown command is a config error (got $rc: $out)"
fi

printf '[keys]\nC-n = down\n' > "$E2E_TMP/good.conf"
tm kill-server 2>/dev/null
e2e_start 100 30 -- --config "$E2E_TMP/good.conf"
check "a [keys] binding starts" ' 1/[0-9]+ │' 10
send C-n
check "the [keys] binding runs its command" ' 2/[0-9]+ │'
send q

printf '[ui]\nview = "inbox"\n' > "$E2E_TMP/view.conf"
out=$("$MKT_BIN" --config "$E2E_TMP/view.conf" 2>&1 </dev/null); rc=$?
if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "view.conf: \[ui\] view: no view 'inbox'"; then
	ok "an unknown [ui] view is a config error"
else
	not_ok "an unknown [ui] view is a config error (got $rc: $out)"
fi

# Unassigned sorts by waiting time; All, the default, by activity.
printf '[ui]\nview = "unassigned"\n' > "$E2E_TMP/view.conf"
tm kill-server 2>/dev/null
e2e_start 100 30 -- --config "$E2E_TMP/view.conf"
check "[ui] view opens on that view" ' sort waiting' 10
send q

out=$("$MKT_BIN" --demo 2>&1 </dev/null); rc=$?
if [ $rc -eq 1 ] && printf '%s' "$out" | grep -q "needs a terminal"; then
	ok "without a terminal mkt says so and exits 1"
else
	not_ok "without a terminal mkt says so and exits 1 (got $rc: $out)"
fi

out=$("$MKT_BIN" --bogus 2>&1); rc=$?
if [ $rc -eq 2 ] && printf '%s' "$out" | grep -q "unknown option '--bogus'"; then
	ok "an unknown flag is an error with exit 2"
else
	not_ok "an unknown flag is an error with exit 2 (got $rc: $out)"
fi
out=$("$MKT_BIN" --version); rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -Eq '^mkt [0-9]+\.[0-9]+\.[0-9]+$'; then
	ok "--version prints mkt <version>"
else
	not_ok "--version prints mkt <version> (got $rc: $out)"
fi
out=$("$MKT_BIN" --help); rc=$?
if [ $rc -eq 0 ] && printf '%s' "$out" | grep -q '^usage: mkt'; then
	ok "--help prints usage and exits 0"
else
	not_ok "--help prints usage and exits 0"
fi

exit $((E2E_FAILED > 0))
