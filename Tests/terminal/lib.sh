# Helpers for gradlab's terminal tests: drive the real shell inside a private
# tmux server and poll the screen with bounded waits.
#
# Sourced by run.sh and sigint_stress.sh. Uses (and sets):
#   GRADLAB_BIN   the binary (default /work/main/.build/release/gradlab)
#   TT_TIMEOUT    default wait bound in seconds (default 20)
#   TT_DIR        temp directory (work dir, history file, tmux config)
#   TT_SOCK       private tmux socket name (tmux -L)

GRADLAB_BIN=${GRADLAB_BIN:-/work/main/.build/release/gradlab}
TT_TIMEOUT=${TT_TIMEOUT:-20}
TT_COLS=120
TT_ROWS=40

tt_init() {
    if ! command -v tmux >/dev/null 2>&1; then
        echo "tmux is not installed (Debian: apt-get install tmux)" >&2; exit 2
    fi
    if [ ! -x "$GRADLAB_BIN" ]; then
        echo "gradlab binary not found at $GRADLAB_BIN (build: swift build -c release, or set GRADLAB_BIN)" >&2; exit 2
    fi
    TT_DIR=$(mktemp -d "${TMPDIR:-/tmp}/gradlab-term.XXXXXX")
    TT_SOCK="gradlab-test-$$"
    mkdir -p "$TT_DIR/work"
    export GRADLAB_HISTORY="$TT_DIR/history"
    # remain-on-exit keeps a dead pane so its exit status can be read.
    cat > "$TT_DIR/tmux.conf" <<CONF
set -g remain-on-exit on
set -g history-limit 100000
set -g default-terminal screen
set -g status off
set -g default-size ${TT_COLS}x${TT_ROWS}
set -g escape-time 0
set -g exit-empty off
CONF
    tmux -L "$TT_SOCK" -f "$TT_DIR/tmux.conf" start-server || { echo "tmux server did not start" >&2; exit 2; }
    trap tt_cleanup EXIT
    trap 'exit 130' INT TERM
}

tt_cleanup() {
    local sock
    sock=$(tmux -L "$TT_SOCK" display-message -p '#{socket_path}' 2>/dev/null)
    tmux -L "$TT_SOCK" kill-server >/dev/null 2>&1
    [ -n "$sock" ] && rm -f "$sock"
    [ -n "${TT_KEEP:-}" ] && { echo "kept $TT_DIR" >&2; return; }
    [ -n "${TT_DIR:-}" ] && rm -rf "$TT_DIR"
}

tm() { tmux -L "$TT_SOCK" "$@"; }

# start_shell NAME [ARGS…]: a fresh gradlab in a 120x40 window.
# A small sh wrapper records the exit status in $TT_DIR/status.NAME (tmux
# 3.3 sometimes never reaps a dead pane's process, leaving its status unknown).
# The wrapper ignores nothing: `trap : INT` only keeps sh itself alive on Ctrl-C;
# gradlab starts with the default SIGINT disposition.
# Shells run with --no-autosave unless TT_AUTOSAVE=1 (the autosave tests set it),
# so one test's saved session never turns the next test's start into an offer.
start_shell() {
    local name=$1; shift
    [ -z "${TT_AUTOSAVE:-}" ] && set -- --no-autosave "$@"
    rm -f "$TT_DIR/status.$name"
    # TT_COLOR=1: colour on (NO_COLOR empty), for the colour test.
    local nocolor=1; [ -n "${TT_COLOR:-}" ] && nocolor=
    local cmd="cd '$TT_DIR/work' || exit 97; trap : INT; env NO_COLOR=$nocolor GRADLAB_HISTORY='$GRADLAB_HISTORY' '$GRADLAB_BIN' $*; echo \$? > '$TT_DIR/status.$name'"
    tm new-session -d -s "$name" -x "$TT_COLS" -y "$TT_ROWS" "$cmd" ||
        { echo "tmux could not start a session" >&2; return 1; }
    local i
    for i in $(seq 200); do pane_pid "$name" >/dev/null && return 0; sleep 0.02; done
    echo "gradlab did not start in session $name" >&2; return 1
}

stop_shell() { tm kill-session -t "$1" >/dev/null 2>&1; true; }

# stop_all: ends every session (the server stays up: exit-empty off).
stop_all() {
    local s
    for s in $(tm list-sessions -F '#{session_name}' 2>/dev/null); do tm kill-session -t "$s" 2>/dev/null; done
    true
}

# Whole pane history plus the visible screen, wrapped lines joined.
screen() { tm capture-pane -p -J -S - -t "$1" 2>/dev/null; }
# Only the visible screen.
visible() { tm capture-pane -p -t "$1" 2>/dev/null; }

# pane_pid NAME: the gradlab process (child of the pane's sh wrapper).
pane_pid() {
    local sh kids
    sh=$(tm display-message -p -t "$1" '#{pane_pid}' 2>/dev/null) || return 1
    kids=$(cat "/proc/$sh/task/$sh/children" 2>/dev/null) || return 1
    set -- $kids
    [ -n "${1:-}" ] && echo "$1"
}
# pane_dead: the process ended (or the tmux session is gone altogether).
pane_dead() { [ "$(tm display-message -p -t "$1" '#{pane_dead}' 2>/dev/null || echo 1)" = 1 ]; }
# pane_status NAME: gradlab's exit status (128+N if killed by signal N),
# waiting (bounded) for the wrapper to record it.
pane_status() {
    local end=$(( $(now_ms) + 5000 ))
    while :; do
        [ -s "$TT_DIR/status.$1" ] && { cat "$TT_DIR/status.$1"; return 0; }
        [ "$(now_ms)" -ge "$end" ] && { echo "unknown"; return 1; }
        sleep 0.05
    done
}
cursor() { tm display-message -p -t "$1" '#{cursor_x} #{cursor_y}' 2>/dev/null; }

# now_ms: monotonic-ish milliseconds.
now_ms() { date +%s%3N; }

# wait_for NAME ERE [TIMEOUT]: until the pane (with scrollback) has a line matching ERE.
wait_for() {
    local name=$1 re=$2 t=${3:-$TT_TIMEOUT}
    local end=$(( $(now_ms) + t * 1000 ))
    while :; do
        screen "$name" | grep -Eq -- "$re" && return 0
        tm has-session -t "$name" 2>/dev/null || return 1
        [ "$(now_ms)" -ge "$end" ] && return 1
        sleep 0.05
    done
}

# wait_gone NAME ERE [TIMEOUT]: until the visible screen no longer matches ERE.
wait_gone() {
    local name=$1 re=$2 t=${3:-$TT_TIMEOUT}
    local end=$(( $(now_ms) + t * 1000 ))
    while :; do
        visible "$name" | grep -Eq -- "$re" || return 0
        [ "$(now_ms)" -ge "$end" ] && return 1
        sleep 0.05
    done
}

# current_line NAME: the text of the cursor's line up to the cursor (so a
# trailing space readline typed is kept, and nothing after the cursor counts).
current_line() {
    local x y line
    read -r x y < <(cursor "$1") || return 1
    [ -n "$y" ] || return 1
    line=$(tm capture-pane -p -N -t "$1" -S "$y" -E "$y" 2>/dev/null) || return 1
    printf '%-*s' "$x" "${line:0:x}"
}

# idle_prompt NAME: prints N if the shell sits at an empty `[N] ` prompt
# with the cursor right after it and nothing typed, else fails.
idle_prompt() {
    local x y line
    read -r x y < <(cursor "$1") || return 1
    [ -n "$y" ] || return 1
    line=$(tm capture-pane -p -t "$1" -S "$y" -E "$y" 2>/dev/null)
    [[ $line =~ ^\[([0-9]+)\]$ ]] || return 1
    [ "$x" -eq $(( ${#BASH_REMATCH[1]} + 3 )) ] || return 1
    echo "${BASH_REMATCH[1]}"
}

# wait_prompt NAME [N] [TIMEOUT]: until an empty prompt (numbered N if given); prints its number.
wait_prompt() {
    local name=$1 want=${2:-} t=${3:-$TT_TIMEOUT} n
    local end=$(( $(now_ms) + t * 1000 ))
    while :; do
        if n=$(idle_prompt "$name"); then
            if [ -z "$want" ] || [ "$n" = "$want" ]; then echo "$n"; return 0; fi
        fi
        pane_dead "$name" && return 1
        [ "$(now_ms)" -ge "$end" ] && return 1
        sleep 0.05
    done
}

# logical_line NAME: the cursor's line joined with the rows it wrapped from
# (trailing spaces stripped). Empty unless the line really wraps.
logical_line() {
    local x y w line
    read -r x y < <(cursor "$1") || return 1
    w=$(tm display-message -p -t "$1" '#{pane_width}' 2>/dev/null) || return 1
    line=$(tm capture-pane -p -J -t "$1" -S $(( y > 6 ? y - 6 : 0 )) -E "$y" 2>/dev/null | tail -1)
    line="${line%"${line##*[! ]}"}"
    [ "${#line}" -gt "$w" ] && printf '%s' "$line"
}

# wait_typed NAME TEXT [TIMEOUT]: until the text before the cursor ends with
# TEXT (what was typed, as readline echoed it). Lines that wrap are joined.
wait_typed() {
    local name=$1 text=$2 t=${3:-$TT_TIMEOUT} ll
    local end=$(( $(now_ms) + t * 1000 ))
    while :; do
        [[ "$(current_line "$name")" == *"$text" ]] && return 0
        if [[ "$text" != *" " ]]; then
            ll=$(logical_line "$name") && [[ "$ll" == *"$text" ]] && return 0
        fi
        pane_dead "$name" && return 1
        [ "$(now_ms)" -ge "$end" ] && return 1
        sleep 0.05
    done
}

# wait_submitted NAME LINE: after Enter, until the cursor has left the typed
# line (readline returned and the command is running).
wait_submitted() {
    local name=$1 text=$2 t=${3:-$TT_TIMEOUT}
    local end=$(( $(now_ms) + t * 1000 ))
    while :; do
        [ "$(current_line "$name")" != "$text" ] && return 0
        pane_dead "$name" && return 1
        [ "$(now_ms)" -ge "$end" ] && return 1
        sleep 0.02
    done
}

# wait_dead NAME [TIMEOUT]
wait_dead() {
    local name=$1 t=${2:-$TT_TIMEOUT}
    local end=$(( $(now_ms) + t * 1000 ))
    while :; do
        pane_dead "$name" && return 0
        [ "$(now_ms)" -ge "$end" ] && return 1
        sleep 0.05
    done
}

# type_text NAME TEXT: literal keystrokes, waiting until readline echoed them.
type_text() { tm send-keys -t "$1" -l -- "$2"; wait_typed "$1" "$2" 5; }

# run_cmd NAME CMD [TIMEOUT]: at an idle prompt [N], types CMD + Enter and
# waits for prompt [N+1]. Sets CMD_OUT to the output between the two prompts.
CMD_OUT=
run_cmd() {
    local name=$1 cmd=$2 t=${3:-$TT_TIMEOUT} n
    CMD_OUT=
    n=$(wait_prompt "$name" "" 5) || { CMD_OUT="(no idle prompt before '$cmd')"; return 1; }
    type_text "$name" "$cmd" || { CMD_OUT="(typed text never echoed: '$cmd')"; return 1; }
    tm send-keys -t "$1" Enter
    if ! wait_prompt "$name" $((n + 1)) "$t" >/dev/null; then
        CMD_OUT="(no prompt [$((n + 1))] after '$cmd' within ${t}s)"$'\n'"$(screen "$name" | tail -15)"
        return 1
    fi
    CMD_OUT=$(output_of "$name" "$n" "$cmd")
}

# output_of NAME N CMD: the lines after the last "[N] CMD" line, up to the
# "[N+1]" prompt.
output_of() {
    screen "$1" | awk -v head="[$2] $3" -v next_="[$(( $2 + 1 ))]" '
        BEGIN { sub(/ +$/, "", head) }
        { sub(/ +$/, "") }
        $0 == head { buf = ""; on = 1; next }
        on && (index($0, next_ " ") == 1 || $0 == next_) { on = 0 }
        on { buf = buf $0 "\n" }
        END { printf "%s", buf }'
}
