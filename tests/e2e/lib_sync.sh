# Helpers for end-to-end tests of mkt syncing with a real mktd.  Source
# after lib.sh.  Only functions and settings: run on its own (tests/run.sh
# runs every tests/e2e/*.sh) it does nothing.
#
# The server is driven with bash's /dev/tcp, so the tests need no HTTP
# client beyond what the build already installs.  Every wait is bounded.

# Run rather than sourced: nothing to do.
[ -n "${E2E_TMP:-}" ] || return 0 2>/dev/null || exit 0

MKTD_BIN=${MKTD_BIN:-./mktd}
SERVER_DB="$E2E_TMP/server.db"
CONF="$E2E_TMP/mkt.conf"

# A conversation row: the tag column ("*" when tagged), the pending mark
# column, priority, channel, company.
CONV_ROW='^[* ](↻ |  )(!!|! |· |  ) ?(WA|TG|IG|FB|EM|TT|OR) +COMP[0-9]{3}'
# The start of a row that shows the pending mark.
PENDING_ROW='^[* ]↻ '

# start_listening NAME ARGS...: runs a server in the background, sets
# NAME_PID, and PORT from its "listening on" line.
start_listening() {
	local name=$1 i=0; shift
	"$@" > "$E2E_TMP/$name.out" 2> "$E2E_TMP/$name.err" &
	eval "${name}_PID=$!"
	while [ $i -lt 200 ]; do
		PORT=$(sed -n 's/^listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		    "$E2E_TMP/$name.out")
		[ -n "$PORT" ] && return 0
		sleep 0.05; i=$((i + 1))
	done
	echo "# $name did not start:"; sed 's/^/#   /' "$E2E_TMP/$name.err"
	return 1
}

# mktd_start [PORT]: the demo server on SERVER_DB; sets MKTD_PORT.
mktd_start() {
	start_listening mktd "$MKTD_BIN" --listen "127.0.0.1:${1:-0}" \
	    --db "$SERVER_DB" --demo || return 1
	MKTD_PORT=$PORT
}

# stop_pid PID: ends a server even if it was frozen, and reaps it.
stop_pid() {
	[ -n "${1:-}" ] || return 0
	kill -CONT "$1" 2>/dev/null
	kill "$1" 2>/dev/null
	wait "$1" 2>/dev/null
}

mktd_stop() { stop_pid "${mktd_PID:-}"; mktd_PID=; }
# A frozen server accepts connections and answers nothing: the client's
# requests wait, so its pending state holds still for as long as needed.
mktd_freeze() { kill -STOP "$mktd_PID"; }
mktd_thaw() { kill -CONT "$mktd_PID"; }

sync_cleanup() {
	mktd_stop
	stop_pid "${other_PID:-}"
	e2e_cleanup
}
trap sync_cleanup EXIT

# write_conf USER [PASSWORD]: the config mkt is started with, private as
# a file holding a password must be.
write_conf() {
	(
		umask 077
		printf '[server]\nurl = http://127.0.0.1:%s\nuser = %s\n' \
		    "$MKTD_PORT" "$1"
		[ -n "${2:-}" ] && printf 'password = %s\n' "$2"
		printf '[sync]\npoll_wait = 5\n'
	) > "$CONF"
	chmod 600 "$CONF"
}

# http METHOD PORT PATH [BODY]: one request with $TOKEN if set; sets
# HTTP_STATUS and HTTP_BODY.
http() {
	local method=$1 port=$2 path=$3 body=${4:-} resp
	HTTP_STATUS=0 HTTP_BODY=
	exec 3<>"/dev/tcp/127.0.0.1/$port" || return 1
	{
		printf '%s %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n' \
		    "$method" "$path"
		[ -n "${TOKEN:-}" ] &&
		    printf 'Authorization: Bearer %s\r\n' "$TOKEN"
		[ "$method" != GET ] &&
		    printf 'Idempotency-Key: e2e-%s-%s\r\n' "$$" "$RANDOM$RANDOM"
		printf 'Content-Type: application/json\r\nContent-Length: %d\r\n\r\n%s' \
		    "$(printf '%s' "$body" | wc -c)" "$body"
	} >&3
	resp=$(timeout 5 cat <&3)
	exec 3>&-
	HTTP_STATUS=$(printf '%s\n' "$resp" | sed -n '1s/^HTTP\/1\.[01] \([0-9]*\).*/\1/p')
	HTTP_BODY=$(printf '%s\n' "$resp" | sed '1,/^\r*$/d')
}

# api_login PORT USER: sets TOKEN (password "demo").
api_login() {
	TOKEN=
	http POST "$1" /api/v1/auth/login \
	    "{\"email\":\"$2\",\"password\":\"demo\"}"
	TOKEN=$(printf '%s' "$HTTP_BODY" |
	    sed -n 's/.*"access_token":"\([^"]*\)".*/\1/p')
	[ -n "$TOKEN" ]
}

# manager_online: mktd up, mkt signed in as the manager at 120x30, online
# and showing its conversations (the start of most sync tests).
manager_online() {
	mktd_start || exit 1
	write_conf manager@demo.mkt demo
	e2e_start 120 30 -- --config "$CONF"
	check "mkt logs in and goes online" 'manager@demo\.mkt │ online' 15
	check "the conversations list fills" "$CONV_ROW" 15
}

# The bottom line: the status bar, or the command line.
status_line() { screen | tail -1; }
# line N: the screen's Nth line.
line() { screen | sed -n "${1}p"; }
# view_count VIEW: the count the tab line gives a view, once it has
# counted (a thread counts the views; a few seconds at most).
view_count() {
	local i=0 n
	while [ $i -lt 50 ]; do
		n=$(line 2 | sed -n "s/.* $1 \([0-9]*\) .*/\1/p")
		[ -n "$n" ] && { echo "$n"; return 0; }
		sleep 0.1; i=$((i + 1))
	done
	return 1
}
cursor_x() { tm display-message -p -t e2e '#{cursor_x}'; }

# wait_gone REGEX [SECONDS]: polls until the screen no longer shows it.
wait_gone() {
	local re=$1 limit=${2:-5} i=0
	while [ $i -lt $((limit * 20)) ]; do
		screen | grep -Eq -- "$re" || return 0
		sleep 0.05; i=$((i + 1))
	done
	return 1
}

# check_gone NAME REGEX [SECONDS]: one assertion that something went.
check_gone() {
	if wait_gone "$2" "${3:-5}"; then ok "$1"; else not_ok "$1"; fi
}

# expect NAME COMMAND...: an assertion on a command's success.
expect() {
	local name=$1; shift
	if "$@"; then ok "$name"; else not_ok "$name"; fi
}

# run_command NAME: types ":NAME" and Enter.
run_command() { send ':'; type_text "$1"; send Enter; }

# resolve_or_reopen [keys]: acts on the selected conversation so that its
# status changes whatever it was, with :resolve (or :reopen), or with
# their keys x and o; sets WANT (the status expected).  The status bar
# does not name the conversation: feed_mark before, and
# acted_conversation once the server has it, tell which one it was.
resolve_or_reopen() {
	WANT=
	if [ "${1:-}" = keys ]; then send x; else run_command resolve; fi
	wait_for 'queued: resolve( |$)|resolved already' 5
	if status_line | grep -q 'resolved already'; then
		if [ "${1:-}" = keys ]; then send o; else run_command reopen; fi
		wait_for 'queued: reopen( |$)' 5 || return 1
		WANT=open
	else
		status_line | grep -Eq 'queued: resolve( |$)' || return 1
		WANT=resolved
	fi
}

# server_has_status ID STATUS: the server's row says so.
server_has_status() {
	api_login "$MKTD_PORT" manager@demo.mkt || return 1
	http GET "$MKTD_PORT" "/api/v1/conversations/$1"
	[ "$HTTP_STATUS" = 200 ] &&
	    printf '%s' "$HTTP_BODY" | grep -q "\"status\":\"$2\""
}

# ---- reading the server's side -------------------------------------------
# The change feed tells what an action did on the server, whichever row it
# was: mark its end before acting, read what came after.  The JSON is read
# with sed: each entry starts with {"seq": and strings in it are escaped,
# so a body can never fake a field.

# feed_mark [USER]: logs in (default manager@demo.mkt) and sets FEED_AT to
# the end of the change feed as that user sees it.
feed_mark() {
	local since=0 i=0
	api_login "$MKTD_PORT" "${1:-manager@demo.mkt}" || return 1
	while [ $i -lt 50 ]; do
		http GET "$MKTD_PORT" "/api/v1/changes?since=$since&limit=5000"
		[ "$HTTP_STATUS" = 200 ] || return 1
		since=$(printf '%s' "$HTTP_BODY" |
		    sed -n 's/.*"next":\([0-9]*\).*/\1/p')
		[ -n "$since" ] || return 1
		printf '%s' "$HTTP_BODY" | grep -q '"more":true' || break
		i=$((i + 1))
	done
	FEED_AT=$since
}

# feed_since [USER]: the feed's entries after FEED_AT, one a line.
feed_since() {
	api_login "$MKTD_PORT" "${1:-manager@demo.mkt}" || return 1
	http GET "$MKTD_PORT" "/api/v1/changes?since=$FEED_AT&limit=5000"
	[ "$HTTP_STATUS" = 200 ] || return 1
	printf '%s' "$HTTP_BODY" | sed 's/{"seq":/\n&/g' | grep '^{"seq":'
}

# changed_conversations STATUS: the ids of the conversations that changed
# after FEED_AT and now have STATUS, one a line.
changed_conversations() {
	feed_since | grep '^{"seq":[0-9]*,"type":"conversation",' |
	    grep "\"status\":\"$1\"" |
	    sed 's/^{"seq":[0-9]*,"type":"conversation","id":\([0-9]*\),.*/\1/' |
	    sort -un
}

# acted_conversation STATUS: sets CONV_ID to the conversation that changed
# after FEED_AT and now has STATUS; fails unless there is exactly one.
acted_conversation() {
	local ids
	CONV_ID=
	ids=$(changed_conversations "$1")
	[ "$(printf '%s\n' "$ids" | grep -c .)" = 1 ] || return 1
	CONV_ID=$ids
}

# new_messages: the messages stored after FEED_AT, one a line.
new_messages() {
	feed_since | grep '^{"seq":[0-9]*,"type":"message",'
}

# json_field NAME: the value of "NAME" in the JSON object on stdin, as
# written (a number, null, or a string with its quotes).
json_field() {
	sed -n "s/^{\\(.*[,{]\\)\\{0,1\\}\"$1\":\\(\"\\([^\"\\\\]\\|\\\\.\\)*\"\\|[^,}]*\\).*/\\2/p" | head -1
}

# conversation_json ID: the server's row for the conversation (as the
# manager sees it) in CONV_JSON.
conversation_json() {
	CONV_JSON=
	api_login "$MKTD_PORT" manager@demo.mkt || return 1
	http GET "$MKTD_PORT" "/api/v1/conversations/$1"
	[ "$HTTP_STATUS" = 200 ] || return 1
	CONV_JSON=$HTTP_BODY
}

# conversation_messages ID: its newest messages, one a line.
conversation_messages() {
	api_login "$MKTD_PORT" manager@demo.mkt || return 1
	http GET "$MKTD_PORT" "/api/v1/conversations/$1/messages?limit=50"
	[ "$HTTP_STATUS" = 200 ] || return 1
	printf '%s' "$HTTP_BODY" | sed 's/{"id":/\n&/g' | grep '^{"id":'
}

# user_id EMAIL: the server's id of the user (password "demo").
user_id() {
	api_login "$MKTD_PORT" "$1" || return 1
	http GET "$MKTD_PORT" /api/v1/auth/me
	printf '%s' "$HTTP_BODY" | sed -n 's/^{"id":\([0-9]*\),.*/\1/p'
}

# channel_on PLATFORM: the id of the first channel on that platform the
# manager sees (from the feed, read from the start).
channel_on() {
	local since=0 i=0 id
	api_login "$MKTD_PORT" manager@demo.mkt || return 1
	while [ $i -lt 50 ]; do
		http GET "$MKTD_PORT" "/api/v1/changes?since=$since&limit=5000"
		[ "$HTTP_STATUS" = 200 ] || return 1
		id=$(printf '%s' "$HTTP_BODY" | sed 's/{"seq":/\n&/g' |
		    grep '^{"seq":[0-9]*,"type":"channel",' |
		    grep "\"platform\":\"$1\"" | head -1 |
		    sed 's/^{"seq":[0-9]*,"type":"channel","id":\([0-9]*\),.*/\1/')
		[ -n "$id" ] && { echo "$id"; return 0; }
		printf '%s' "$HTTP_BODY" | grep -q '"more":true' || return 1
		since=$(printf '%s' "$HTTP_BODY" |
		    sed -n 's/.*"next":\([0-9]*\).*/\1/p')
		i=$((i + 1))
	done
	return 1
}

# inbound CHANNEL JSON: a customer writes, as the channel's connector (an
# admin) posts it; sets HTTP_STATUS and HTTP_BODY (the new message).
inbound() {
	api_login "$MKTD_PORT" admin@demo.mkt || return 1
	http POST "$MKTD_PORT" "/api/v1/channels/$1/inbound" "$2"
}

# wait_until SECONDS COMMAND...: retries the command every 200 ms.
wait_until() {
	local limit=$1 i=0; shift
	while [ $i -lt $((limit * 5)) ]; do
		"$@" && return 0
		sleep 0.2; i=$((i + 1))
	done
	return 1
}

# No line is wider than the pane, as wcwidth(3) counts (wc -L) the cells
# tmux holds (capture-pane -N keeps the blanks written at the end): a line
# the terminal draws narrower than mkt measured comes out too long.
lines_fit() {
	local l n=0 w=${1:-$COLS}
	while IFS= read -r l; do
		n=$((n + 1))
		[ "$(printf '%s\n' "$l" | wc -L)" -le "$w" ] && continue
		echo "# line $n is $(printf '%s\n' "$l" | wc -L) columns wide:"
		printf '#   %s\n' "$l"
		return 1
	done <<< "$(tm capture-pane -p -N -t e2e)"
	[ $n -eq "${2:-$ROWS}" ]
}
# Only colours and attributes (SGR) reach the terminal: capture-pane -e
# shows every other sequence that got through.
only_sgr() {
	! tm capture-pane -p -e -t e2e | sed 's/\x1b\[[0-9;:]*m//g' |
	    grep -q $'\x1b'
}
