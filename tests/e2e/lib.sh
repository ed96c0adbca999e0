# Helpers for end-to-end tests that drive the real mkt inside tmux.
# Each test file sources this, calls e2e_start, then uses send/wait_for/
# screen and reports with ok / not_ok.  Every wait is bounded.

MKT_BIN=${MKT_BIN:-./mkt}
E2E_TMP=$(mktemp -d "${TMPDIR:-/tmp}/mkt-e2e.XXXXXX")
E2E_SOCK="mkt-e2e-$$"
E2E_FAILED=0

# mkt gets its own HOME and XDG dirs so a test never touches the user's
# cache, history or config, and never reads a stray mkt.conf.
export HOME="$E2E_TMP/home"
export XDG_CACHE_HOME="$E2E_TMP/cache" XDG_STATE_HOME="$E2E_TMP/state"
export XDG_CONFIG_HOME="$E2E_TMP/config"
mkdir -p "$HOME" "$XDG_CACHE_HOME" "$XDG_STATE_HOME" "$XDG_CONFIG_HOME"
unset MKT_CONFIG

tm() { tmux -L "$E2E_SOCK" -f /dev/null "$@"; }

e2e_cleanup() {
	tm kill-server 2>/dev/null
	rm -rf "$E2E_TMP"
}
trap e2e_cleanup EXIT

ok() { echo "ok - $*"; }
not_ok() {
	echo "not ok - $*"
	E2E_FAILED=$((E2E_FAILED + 1))
	echo "# screen was:"; screen | sed 's/^/#   /'
}

# e2e_start COLS ROWS ENV... -- ARGS...: runs mkt in a shell that reports
# its exit status and the terminal modes after it, then waits.
e2e_start() {
	local cols=$1 rows=$2; shift 2
	local envs=() args=()
	while [ $# -gt 0 ] && [ "$1" != "--" ]; do envs+=("$1"); shift; done
	[ "${1:-}" = "--" ] && shift
	args=("$@")
	cat > "$E2E_TMP/run.sh" <<RUN
cd "$PWD"
env ${envs[*]} LC_ALL=C.UTF-8 "$MKT_BIN" ${args[*]}
echo "mkt exited \$?"
stty -a > "$E2E_TMP/stty"
sleep 600
RUN
	tm new-session -d -s e2e -x "$cols" -y "$rows" "sh $E2E_TMP/run.sh"
	tm set-option -g window-size manual >/dev/null
}

screen() { tm capture-pane -p -t e2e 2>/dev/null; }
send() { tm send-keys -t e2e "$@"; }
# Literal text, no key-name lookup.
type_text() { tm send-keys -t e2e -l "$1"; }
resize() { tm resize-window -t e2e -x "$1" -y "$2"; }

# wait_for REGEX [SECONDS]: polls the screen every 50 ms.
wait_for() {
	local re=$1 limit=${2:-5} i=0
	while [ $i -lt $((limit * 20)) ]; do
		screen | grep -Eq -- "$re" && return 0
		sleep 0.05; i=$((i + 1))
	done
	return 1
}

# check NAME REGEX [SECONDS]: one assertion on the screen.
check() {
	if wait_for "$2" "${3:-5}"; then ok "$1"; else not_ok "$1"; fi
}

# check_absent NAME REGEX: the screen must not show REGEX (after a beat).
check_absent() {
	sleep 0.2
	if screen | grep -Eq -- "$2"; then not_ok "$1"; else ok "$1"; fi
}

# The "n/N" of the status bar.
position() { screen | tail -1 | grep -Eo '[0-9]+/[0-9]+' | head -1; }
