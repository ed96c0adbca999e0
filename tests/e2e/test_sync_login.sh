#!/usr/bin/env bash
# Logging in from the TUI: with no token mkt asks for the password in the
# command line, shows nothing of what is typed (not even its length),
# says why a wrong one was refused, lets Esc put it off until :login, and
# once logged in goes online and fills the lists.
cd "$(dirname "$0")/../.."
. tests/e2e/lib.sh
. tests/e2e/lib_sync.sh

mktd_start || exit 1
write_conf manager@demo.mkt		# no password: mkt must ask
e2e_start 120 30 -- --config "$CONF"

check "with no token the password prompt opens" \
    '^Password for manager@demo\.mkt: ' 10
type_text 'not-the-password'; send Enter
check "a refused password reopens the prompt with the server's reason" \
    '^Password for manager@demo\.mkt: .*HTTP 401' 10
send Escape
check "Esc puts the login off" 'not logged in; :login'
send C-l
check "the status bar then says a login is needed" \
    'manager@demo\.mkt │ login needed — 0 pending'

send ':'; type_text 'login'; send Enter
check ":login opens the prompt again" '^Password for manager@demo\.mkt: '
before=$(status_line); x0=$(cursor_x)
type_text 'demo'
# Nothing may change, so there is nothing to wait for: give the keys a
# moment to arrive, then compare.
sleep 0.5
after=$(status_line); x1=$(cursor_x)
if [ "$before" = "$after" ] && [ "$x0" = "$x1" ]; then
	ok "typing the password changes nothing on screen, not even the cursor"
else
	not_ok "typing the password changes nothing on screen ('$before' at $x0, then '$after' at $x1)"
fi
if printf '%s' "${after#Password for manager@demo.mkt:}" |
    grep -Eq 'demo|\*|•'; then
	not_ok "the prompt line shows no trace of the password"
else
	ok "the prompt line shows no trace of the password"
fi
send Enter
check "the status becomes online" 'manager@demo\.mkt │ online │ 0 pending' 15
check "the conversations list fills" "$CONV_ROW" 15
if grep -qs 'demo' "$XDG_STATE_HOME/mkt/history"; then
	not_ok "the password is not in the command history"
else
	ok "the password is not in the command history"
fi

send q
check "q quits with status 0" 'mkt exited 0' 5
exit $((E2E_FAILED > 0))
