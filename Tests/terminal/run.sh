#!/usr/bin/env bash
# Terminal tests for gradlab: drives the interactive shell in a private tmux
# server (120x40, NO_COLOR=1, temp history file and working directory) the way
# a person uses it: typing, Tab, Up arrow, Ctrl-C, Ctrl-D.
#
#   Tests/terminal/run.sh [FILTER]     # FILTER: run only tests whose name contains it
#   GRADLAB_BIN=/path/to/gradlab Tests/terminal/run.sh
#   TT_KEEP=1 keeps the temp directory; TT_TIMEOUT=N changes the wait bound (20 s).
#
# Prints one line per test and finally `N passed, M failed`; exit 0 iff all pass.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
tt_init

FILTER=${1:-}
PASSED=0 FAILED=0

run_test() {
    local title=$1 fn=$2
    [ -n "$FILTER" ] && [[ "$title" != *"$FILTER"* ]] && return
    local t0 ms; t0=$(now_ms)
    if ( "$fn" ); then
        PASSED=$((PASSED + 1)); ms=$(( $(now_ms) - t0 ))
        printf 'PASS  %-62s %3d.%01ds\n' "$title" $(( ms / 1000 )) $(( ms % 1000 / 100 ))
    else
        FAILED=$((FAILED + 1)); ms=$(( $(now_ms) - t0 ))
        printf 'FAIL  %-62s %3d.%01ds\n' "$title" $(( ms / 1000 )) $(( ms % 1000 / 100 ))
        [ -s "$TT_DIR/why" ] && sed 's/^/      | /' "$TT_DIR/why" | head -40
    fi
    rm -f "$TT_DIR/why"
    stop_all   # every test starts its own shells
}

# Tests run in a subshell, so failure details go through a file.
why() { printf '%s\n' "$*" >> "$TT_DIR/why"; return 1; }

# expect_out ERE DESCRIPTION: CMD_OUT must match.
expect_out() { grep -Eq -- "$1" <<< "$CMD_OUT" || why "expected $2 (/$1/) in output:" "$CMD_OUT"; }

# cmd NAME CMD [TIMEOUT]: run_cmd or record why.
cmd() { run_cmd "$@" || why "$CMD_OUT"; }

# clear_line NAME: Ctrl-A Ctrl-K empties the readline buffer.
clear_line() { tm send-keys -t "$1" C-a C-k; wait_prompt "$1" "" 5 >/dev/null; }

SETUP_MOONS=(
    "data moons n=20000 validation=2000"
    "model new"
    "add dense 64 activation=relu"
    "add dense 2 activation=softmax"
    "compile loss=sparse_categorical_crossentropy optimizer=sgd"
)

# ---------------------------------------------------------------------------

t_banner() {
    start_shell s || return 1
    wait_for s '^gradlab [0-9][^ ]* — type `help`' || why "no banner:" "$(visible s)" || return 1
    wait_prompt s 1 >/dev/null || why "no idle '[1] ' prompt:" "$(visible s)" || return 1
    local line; line=$(tm capture-pane -p -N -t s | sed -n 2p)
    [ "$line" = "[1] " ] || why "second line is '$line', expected '[1] '" || return 1
    stop_shell s
}

t_help() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    cmd s help || return 1
    expect_out '^GENERAL' "the GENERAL section" || return 1
    expect_out '^  fit +train for some epochs' "the fit summary" || return 1
    expect_out '`help COMMAND` shows its keys' "the closing hint" || return 1
    wait_prompt s 2 >/dev/null || why "prompt did not advance to [2]" || return 1
    cmd s "help fit" || return 1
    expect_out '^usage: fit ' "fit's usage line" || return 1
    stop_shell s
}

t_tab_command() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    type_text s "he" || why "typed text not echoed" || return 1
    tm send-keys -t s Tab
    wait_typed s "[1] help " 5 || why "he<Tab> gave '$(current_line s)', expected '[1] help '" || return 1
    tm send-keys -t s Enter
    wait_prompt s 2 >/dev/null || why "help did not run from the completed line" || return 1
    expect_out_of s 1 "help" '^GENERAL' || return 1
    # an ambiguous prefix lists the candidates on the second Tab
    type_text s "s" || return 1
    tm send-keys -t s Tab Tab
    wait_for s '^(seed|set|save|schedule|search|show|summary) +.*(seed|set|save|schedule|search|show|summary)' 5 ||
        why "s<Tab><Tab> listed no commands:" "$(visible s)" || return 1
    wait_typed s "[2] s" 5 || why "line not redrawn as '[2] s' after the listing: '$(current_line s)'" || return 1
    stop_shell s
}

expect_out_of() {
    local out; out=$(output_of "$1" "$2" "$3")
    grep -Eq -- "$4" <<< "$out" || why "expected /$4/ in the output of '$3':" "$out"
}

t_tab_layers() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    type_text s "add " || return 1
    tm send-keys -t s Tab Tab
    wait_for s '(^| )batchnorm( |$)' 5 || why "add <Tab><Tab> did not list batchnorm:" "$(visible s)" || return 1
    local v; v=$(visible s)
    local k
    for k in dense batchnorm dropout flatten activation residual; do
        grep -Eq "(^| )$k( |$)" <<< "$v" || why "layer kind '$k' missing from the listing:" "$v" || return 1
    done
    wait_typed s "[1] add " 5 || why "line not redrawn as '[1] add ' after the listing" || return 1
    # a unique layer-kind prefix completes in place
    type_text s "batchn" || return 1
    tm send-keys -t s Tab
    wait_typed s "[1] add batchnorm " 5 || why "add batchn<Tab> gave '$(current_line s)'" || return 1
    stop_shell s
}

t_tab_keys() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    type_text s "compile opt" || return 1
    tm send-keys -t s Tab
    wait_typed s "[1] compile optimizer=" 5 || why "compile opt<Tab> gave '$(current_line s)'" || return 1
    # no space after a key=, so the value can be typed right away; values complete too
    tm send-keys -t s Tab Tab
    # readline lays the seven out in columns, so look for each one
    wait_for s 'optimizer=rmsprop' 5 || why "optimizer=<Tab><Tab> listed nothing:" "$(visible s)" || return 1
    for o in adagrad adam adamax adamw nadam rmsprop sgd; do
        visible s | grep -qE "(^| )optimizer=$o( |$)" || why "optimizer=<Tab><Tab> did not list optimizer=$o:" "$(visible s)" || return 1
    done
    wait_typed s "[1] compile optimizer=" 5 || why "line not redrawn after the listing: '$(current_line s)'" || return 1
    type_text s "ad" || why "typing after optimizer= failed: '$(current_line s)'" || return 1
    tm send-keys -t s Tab
    wait_typed s "[1] compile optimizer=ada" 5 || why "optimizer=ad<Tab> gave '$(current_line s)', expected the common prefix ada" || return 1
    type_text s "m" || return 1
    tm send-keys -t s Tab
    wait_typed s "[1] compile optimizer=adam" 5 || why "optimizer=adam<Tab> gave '$(current_line s)'" || return 1
    sleep 0.2
    [[ "$(current_line s)" == *"adam " ]] && why "adam is a prefix of adamax: Tab must not add a space" && return 1
    clear_line s || return 1
    # keys of a layer kind
    # (activ is a prefix of activation= and activity_regularizer=: "activa" is unique)
    type_text s "add dense 8 activa" || return 1
    tm send-keys -t s Tab
    wait_typed s "[1] add dense 8 activation=" 5 || why "add dense 8 activa<Tab> gave '$(current_line s)'" || return 1
    stop_shell s
}

t_tab_path() {
    mkdir -p "$TT_DIR/work/runs_dir/inner"
    printf 'x,y,label\n0,1,0\n' > "$TT_DIR/work/points_train.csv"
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    type_text s "data csv points_t" || return 1
    tm send-keys -t s Tab
    wait_typed s "[1] data csv points_train.csv " 5 || why "file completion gave '$(current_line s)'" || return 1
    clear_line s || return 1
    type_text s "model load runs_" || return 1
    tm send-keys -t s Tab
    wait_typed s "[1] model load runs_dir/" 5 || why "directory completion gave '$(current_line s)'" || return 1
    tm send-keys -t s Tab
    wait_typed s "[1] model load runs_dir/inner/" 5 || why "nested directory completion gave '$(current_line s)'" || return 1
    clear_line s || return 1
    # the completed file name is really usable
    type_text s "data csv points_t" || return 1
    tm send-keys -t s Tab
    wait_typed s "points_train.csv " 5 || return 1
    tm send-keys -t s Enter
    wait_prompt s 2 >/dev/null || why "no prompt after data csv" || return 1
    expect_out_of s 1 "data csv points_train.csv " 'points_train|train 1 ' || return 1
    stop_shell s
}

# history_roundtrip: two runs sharing $GRADLAB_HISTORY.
history_roundtrip() {
    start_shell h1 || return 1
    wait_prompt h1 1 >/dev/null || why "no prompt" || return 1
    cmd h1 "seed 1234" || return 1
    cmd h1 "data moons n=300" || return 1
    tm send-keys -t h1 C-d
    wait_dead h1 || why "Ctrl-D did not end the first run" || return 1
    stop_shell h1
    [ -s "$GRADLAB_HISTORY" ] || why "history file $GRADLAB_HISTORY is empty or missing" || return 1
    grep -qx "data moons n=300" "$GRADLAB_HISTORY" || why "history file lacks the command:" "$(cat "$GRADLAB_HISTORY")" || return 1
    start_shell h2 || return 1
    wait_prompt h2 1 >/dev/null || why "no prompt in the second run" || return 1
    tm send-keys -t h2 Up
    wait_typed h2 "[1] data moons n=300" 5 || why "Up gave '$(current_line h2)', expected the last command" || return 1
    tm send-keys -t h2 Up
    wait_typed h2 "[1] seed 1234" 5 || why "Up Up gave '$(current_line h2)'" || return 1
    tm send-keys -t h2 Down
    wait_typed h2 "[1] data moons n=300" 5 || why "Down gave '$(current_line h2)'" || return 1
    tm send-keys -t h2 Enter
    wait_prompt h2 2 >/dev/null || why "recalled command did not run" || return 1
    expect_out_of h2 1 "data moons n=300" 'moons: train 300' || return 1
    # the second run's commands append to the same file
    tm send-keys -t h2 C-d
    wait_dead h2 || return 1
    [ "$(grep -cx "data moons n=300" "$GRADLAB_HISTORY")" -ge 2 ] || why "second run did not append:" "$(cat "$GRADLAB_HISTORY")" || return 1
    stop_shell h2
}

t_history_existing() {
    export GRADLAB_HISTORY="$TT_DIR/history-existing"
    : > "$GRADLAB_HISTORY"
    history_roundtrip
}

t_history_new_file() {
    # A first-time user: the history file does not exist yet.
    export GRADLAB_HISTORY="$TT_DIR/history-new"
    rm -f "$GRADLAB_HISTORY"
    history_roundtrip
}

t_progress() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    local c
    for c in "${SETUP_MOONS[@]}"; do cmd s "$c" || return 1; done
    cmd s "fit epochs=3 batch_size=8" 60 || return 1
    local e
    for e in 1 2 3; do expect_out "^Epoch $e/3$" "Epoch $e/3" || return 1; done
    # one final bar per epoch: the live bar was redrawn in place, not scrolled
    local bars; bars=$(grep -c '━' <<< "$CMD_OUT")
    [ "$bars" -eq 3 ] || why "expected 3 bar lines (one per epoch), got $bars:" "$CMD_OUT" || return 1
    expect_out '^2250/2250 ━{20} ' "a full 2250/2250 bar" || return 1
    local last; last=$(grep -v '^$' <<< "$CMD_OUT" | tail -1)
    [[ $last =~ \ -\ val_accuracy:\ [01]\.[0-9]{4}$ ]] || why "last line does not end with val_accuracy: '$last'" || return 1
    [[ $last =~ loss:\ [0-9.]+\ -\ accuracy:\ [0-9.]+\ -\ val_loss:\ [0-9.]+ ]] || why "metrics missing in '$last'" || return 1
    grep -q $'\r' <<< "$CMD_OUT" && why "carriage return left in the pane" && return 1
    stop_shell s
}

# start_long_fit: shell `s` with the moons model, running `fit epochs=200 batch_size=1`.
start_long_fit() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    local c
    for c in "${SETUP_MOONS[@]}"; do cmd s "$c" || return 1; done
    type_text s "fit epochs=200 batch_size=1" || return 1
    tm send-keys -t s Enter
}

t_ctrl_c_fit() {
    start_long_fit || return 1
    # a live, partially filled bar redrawn in place (N/18000 with N < 18000)
    wait_for s '^ *[0-9]+/18000 ━*[─ ]' 20 || why "no live progress bar:" "$(visible s)" || return 1
    wait_for s '^Epoch 2/200$' 30 || why "training never reached epoch 2:" "$(visible s)" || return 1
    local t0; t0=$(now_ms)
    tm send-keys -t s C-c
    wait_prompt s 7 >/dev/null || why "prompt [7] did not return after Ctrl-C:" "$(visible s)" || return 1
    local dt=$(( $(now_ms) - t0 ))
    local out; out=$(output_of s 6 "fit epochs=200 batch_size=1")
    grep -Eq 'stopping after the current step' <<< "$out" || why "no immediate Ctrl-C acknowledgement:" "$out" || return 1
    grep -Eq '^ *[0-9]+/18000 [━─]+ ' <<< "$out" || why "no line for the partial epoch:" "$out" || return 1
    grep -Eq '^interrupted at epoch [0-9]+, step [0-9]+/18000: the partial epoch is not in the history \([0-9]+ complete epochs?\) and its validation was not run; the weights learned so far are kept$' <<< "$out" ||
        why "no 'interrupted at epoch' message:" "$out" || return 1
    grep -Eq '^Epoch 200/200$' <<< "$out" && why "fit ran to the end despite Ctrl-C" && return 1
    [ "$dt" -lt 10000 ] || why "took ${dt} ms to stop" || return 1
    pane_dead s && why "shell died" && return 1
    cmd s "evaluate test" || return 1
    expect_out '^test: loss: [0-9.]+ - accuracy: (0\.[5-9][0-9]*|1\.0+) +\(4000 samples\)' "a trained test accuracy" || return 1
    # the terminal is still in readline mode: completion works after the interrupt
    type_text s "evalu" || return 1
    tm send-keys -t s Tab
    wait_typed s "[8] evaluate " 5 || why "Tab after Ctrl-C gave '$(current_line s)'" || return 1
    stop_shell s
}

t_ctrl_c_mc() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    local c
    for c in "data moons n=2000 validation=200" "model new" "add dense 32 activation=relu" "add dropout 0.2" \
             "add dense 2 activation=softmax" "compile loss=sparse_categorical_crossentropy optimizer=sgd" \
             "fit epochs=5 batch_size=4 verbose=0"; do cmd s "$c" 60 || return 1; done
    local mc="evaluate test mc samples=100000"
    type_text s "$mc" || return 1
    tm send-keys -t s Enter
    wait_submitted s "[8] $mc" || return 1
    sleep 0.3
    tm send-keys -t s C-c
    wait_prompt s 9 >/dev/null || why "prompt [9] did not return after Ctrl-C in evaluate mc:" "$(visible s)" || return 1
    local out; out=$(output_of s 8 "$mc")
    grep -Eq '^test mc \([0-9]+ passes\): mc accuracy: [0-9.]+ +\(interrupted after [0-9]+ of 100000 passes\)' <<< "$out" ||
        why "evaluate mc did not report the interruption:" "$out" || return 1
    local pm="predict mc samples=100000 index=0..399"
    type_text s "$pm" || return 1
    tm send-keys -t s Enter
    wait_submitted s "[9] $pm" || return 1
    sleep 0.3
    tm send-keys -t s C-c
    wait_prompt s 10 >/dev/null || why "prompt [10] did not return after Ctrl-C in predict mc:" "$(visible s)" || return 1
    out=$(output_of s 9 "$pm")
    grep -Eq '^MC Dropout: [0-9]+ passes' <<< "$out" || why "predict mc printed no pass count:" "$out" || return 1
    grep -Eq '^MC Dropout: 100000 passes' <<< "$out" && why "predict mc was not interrupted:" "$out" && return 1
    cmd s "evaluate test" || return 1
    expect_out '^test: loss: [0-9.]+ - accuracy: [0-9.]+' "an accuracy" || return 1
    stop_shell s
}

t_ctrl_c_mc_accuracy() {
    # An interrupted `evaluate test mc` must score only what it computed: its
    # accuracy stays near the deterministic one (test split 4000 > mc batch 1000).
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    local c
    for c in "data moons n=20000" "model new" "add dense 32 activation=relu" "add dropout 0.2" \
             "add dense 2 activation=softmax" "compile loss=sparse_categorical_crossentropy optimizer=sgd" \
             "fit epochs=3 batch_size=8 verbose=0" "evaluate test"; do cmd s "$c" 60 || return 1; done
    local det; det=$(sed -n 's/^test: loss: [0-9.]* - accuracy: \([0-9.]*\).*/\1/p' <<< "$CMD_OUT")
    [ -n "$det" ] || why "no deterministic accuracy:" "$CMD_OUT" || return 1
    local mc="evaluate test mc samples=20000"
    type_text s "$mc" || return 1
    tm send-keys -t s Enter
    wait_submitted s "[9] $mc" || return 1
    sleep 0.5
    tm send-keys -t s C-c
    wait_prompt s 10 >/dev/null || why "no prompt after Ctrl-C" || return 1
    local out; out=$(output_of s 9 "$mc")
    grep -q 'interrupted after' <<< "$out" || why "evaluate mc was not interrupted (too fast?):" "$out" || return 1
    local acc; acc=$(sed -n 's/.*mc accuracy: \([0-9.]*\).*/\1/p' <<< "$out")
    awk -v a="$acc" -v d="$det" 'BEGIN { exit !(a != "" && a - d < 0.05 && d - a < 0.05) }' ||
        why "interrupted mc accuracy $acc is far from the deterministic $det:" "$out" || return 1
    stop_shell s
}

t_ctrl_c_prompt() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    type_text s "data moo" || return 1
    tm send-keys -t s C-c
    wait_for s 'press Ctrl-C again within a second to quit' 5 || why "no hint after Ctrl-C at the prompt:" "$(visible s)" || return 1
    wait_prompt s 1 5 >/dev/null || why "the typed text was not cleared: '$(current_line s)'" || return 1
    pane_dead s && why "shell died after one Ctrl-C" && return 1
    # after more than a second, Ctrl-C is a "first" one again
    sleep 1.3
    tm send-keys -t s C-c
    local hints
    for _ in $(seq 100); do
        hints=$(screen s | grep -c 'press Ctrl-C again')
        [ "$hints" -ge 2 ] && break; sleep 0.05
    done
    [ "$hints" -ge 2 ] || why "no second hint:" "$(visible s)" || return 1
    sleep 0.2
    pane_dead s && why "shell quit on two Ctrl-C more than a second apart" && return 1
    cmd s "data moons n=100" || return 1
    expect_out '^moons: train 100' "the data command to work after Ctrl-C" || return 1
    stop_shell s
}

t_ctrl_c_completion_question() {
    # Tab Tab on >100 candidates lists them without readline's blocking
    # "Display all N possibilities? (y or n)" question (gradlab turns it off
    # and caps lists at 200); Ctrl-C afterwards must give back a usable prompt.
    mkdir -p "$TT_DIR/work/big"
    (cd "$TT_DIR/work/big" && seq -f 'f_%03g.csv' 1 150 | xargs touch)
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    type_text s "data csv big/f_" || return 1
    tm send-keys -t s Tab Tab
    wait_for s 'f_150\.csv' 5 || why "Tab Tab did not list the candidates:" "$(visible s)" || return 1
    visible s | grep -q 'Display all' && why "readline still asks 'Display all N possibilities?'" && return 1
    tm send-keys -t s C-c
    wait_for s 'press Ctrl-C again' 5 || why "no hint after Ctrl-C at the question" || return 1
    sleep 0.2
    tm send-keys -t s -l "help"
    wait_typed s "[1] help" 5 || why "keys typed after Ctrl-C at the question are swallowed; line: '$(current_line s)'" "$(visible s | grep -v '^$' | tail -4)" || return 1
    tm send-keys -t s Enter
    wait_prompt s 2 >/dev/null || why "help did not run" || return 1
    stop_shell s
}

t_ctrl_c_slow_completion() {
    # Ctrl-C while a slow Tab completion (15000 files) is being computed.
    mkdir -p "$TT_DIR/work/many"
    (cd "$TT_DIR/work/many" && seq -f 'file_%06g.csv' 1 15000 | xargs touch)
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    type_text s "data csv many/file_0" || return 1
    tm send-keys -t s Tab
    sleep 0.01
    tm send-keys -t s C-c
    wait_for s 'press Ctrl-C again' 5 || why "no hint" || return 1
    sleep 0.3
    wait_prompt s 1 5 >/dev/null || why "line not cleared after Ctrl-C: '$(current_line s | cat -v)'" || return 1
    tm send-keys -t s -l "help"
    wait_typed s "[1] help" 5 || why "line corrupted after Ctrl-C during completion: '$(current_line s | cat -v)'" || return 1
    tm send-keys -t s Enter
    wait_prompt s 2 >/dev/null || why "help did not run" || return 1
    stop_shell s
}

t_ctrl_c_twice() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    tm send-keys -t s C-c
    wait_for s 'press Ctrl-C again' 5 || why "no hint" || return 1
    tm send-keys -t s C-c
    wait_dead s 5 || why "two quick Ctrl-C did not quit:" "$(visible s)" || return 1
    local st; st=$(pane_status s)
    [ "$st" = 130 ] || [ "$st" = 0 ] || why "exit status $st (expected 130 or 0)" || return 1
    stop_shell s
}

# A student who quits and comes back: the next start offers the last session;
# declining, typing a command, then `resume` brings back its cells, data and model.
t_resume() {
    export TT_AUTOSAVE=1
    start_shell s || return 1
    wait_for s 'this session saves itself to sessions/autosave/' 5 || why "no autosave line in the banner:" "$(visible s)" || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    local c
    for c in "seed 3" "data moons n=400 validation=100" "model new" "add dense 16 activation=relu" "add dense 2 activation=softmax" \
             "compile loss=sparse_categorical_crossentropy optimizer=adam metrics=accuracy" "fit epochs=3" "# a note" "evaluate validation"; do
        cmd s "$c" || return 1
    done
    local before; before=$(output_of s 9 "evaluate validation")
    type_text s quit || return 1
    tm send-keys -t s Enter
    wait_dead s 5 || why "quit did not exit" || return 1
    screen s | grep -Eq 'your work is saved in sessions/autosave/.*gradlab --resume' || why "quit did not say where the work is:" "$(visible s)" || return 1
    start_shell s2 || return 1
    wait_for s2 'your last session: .* 9 cells, model of 2 layers, 3 epochs trained' 5 || why "no offer:" "$(visible s2)" || return 1
    wait_for s2 'resume it\? \[Y/n\]' 5 || why "no question:" "$(visible s2)" || return 1
    tm send-keys -t s2 n Enter
    wait_prompt s2 1 >/dev/null || why "no prompt after declining:" "$(visible s2)" || return 1
    cmd s2 "data xor" || return 1
    type_text s2 resume || return 1
    tm send-keys -t s2 Enter
    wait_prompt s2 10 >/dev/null || why "the prompt did not continue at [10]:" "$(visible s2)" || return 1
    screen s2 | grep -Eq '^resumed sessions/autosave/.*: 9 cells, data moons, a model of 2 layers trained 3 epochs' ||
        why "no resume report:" "$(visible s2)" || return 1
    cmd s2 "evaluate validation" || return 1
    [ "$CMD_OUT" = "$before" ] || why "evaluate differs after resume: '$CMD_OUT' vs '$before'" || return 1
    cmd s2 history || return 1
    expect_out '^\[7\] fit epochs=3' "the first session's cells in history" || return 1
    # The third start offers the session that was just resumed from, not the declined one twice.
    stop_shell s2
    answer_offer s3 "" '^resumed sessions/autosave/' "accepting the offer did not resume:" || return 1
    # Answering with the command the banner names resumes too.
    answer_offer s4 resume '^resumed sessions/autosave/' "answering 'resume' did not resume:" || return 1
    # A learner who types a command at the question declines, and the command runs.
    answer_offer s5 "data moons n=200" '^moons: train 200' "a command typed at the question did not run:" 2 || return 1
}

# answer_offer NAME ANSWER EXPECT WHY [PROMPT]: a new start, "resume it? [Y/n]"
# answered with ANSWER (empty: Enter alone), EXPECT on the screen, then the prompt
# (number PROMPT when given), and the shell stopped.
answer_offer() {
    local name=$1 answer=$2 expect=$3 what=$4 prompt=${5:-}
    start_shell "$name" || return 1
    wait_for "$name" 'resume it\? \[Y/n\]' 5 || why "no offer on start $name:" "$(visible "$name")" || return 1
    if [ -n "$answer" ]; then type_text "$name" "$answer" || return 1; fi
    tm send-keys -t "$name" Enter
    wait_for "$name" "$expect" 10 || why "$what" "$(visible "$name")" || return 1
    wait_prompt "$name" $prompt >/dev/null || why "no prompt${prompt:+ [$prompt]} after answering '$answer':" "$(visible "$name")" || return 1
    stop_shell "$name"
}

# People press Ctrl-C several times to stop training: the presses that land
# while it stops never quit the shell; two presses at an idle prompt still do.
t_ctrl_c_burst() {
    start_long_fit || return 1
    wait_for s '^Epoch 2/200$' 30 || why "training never reached epoch 2:" "$(visible s)" || return 1
    local i
    for i in 1 2 3 4; do tm send-keys -t s C-c; sleep 0.15; done
    wait_prompt s 7 >/dev/null || why "prompt [7] did not return:" "$(visible s)" || return 1
    sleep 0.3
    pane_dead s && why "a burst of Ctrl-C during fit quit the shell" && return 1
    cmd s "evaluate validation" || why "the shell is not usable after the burst" || return 1
    sleep 1.6
    tm send-keys -t s C-c
    wait_for s 'press Ctrl-C again' 5 || why "no hint at the idle prompt:" "$(visible s)" || return 1
    tm send-keys -t s C-c
    wait_dead s 5 || why "two Ctrl-C at an idle prompt did not quit:" "$(visible s)" || return 1
    stop_shell s
}

t_did_you_mean() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    cmd s "fitt epochs=2" || return 1
    expect_out "^error: 'fitt' is not a command; did you mean 'fit'\?" "did you mean 'fit'" || return 1
    cmd s "hepl" || return 1
    expect_out "did you mean 'help'\?" "did you mean 'help'" || return 1
    cmd s "add dense 4 activation=reul" || return 1
    expect_out "did you mean 'relu'|relu" "a suggestion for reul" || return 1
    pane_dead s && why "shell died" && return 1
    stop_shell s
}

t_ctrl_d() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    cmd s "data xor" || return 1
    tm send-keys -t s C-d
    wait_dead s 5 || why "Ctrl-D did not exit:" "$(visible s)" || return 1
    local st; st=$(pane_status s)
    [ "$st" = 0 ] || why "exit status $st after Ctrl-D" || return 1
    screen s | grep -Eiq 'fatal|segmentation|crash|abort|error' && why "error text on exit:" "$(visible s)" && return 1
    # Ctrl-D on a non-empty line deletes a character instead of quitting
    start_shell s2 || return 1
    wait_prompt s2 1 >/dev/null || return 1
    type_text s2 "helpx" || return 1
    tm send-keys -t s2 Left C-d
    wait_typed s2 "[1] help" 5 || why "Ctrl-D mid-line: '$(current_line s2)'" || return 1
    sleep 0.2
    pane_dead s2 && why "Ctrl-D on a non-empty line quit" && return 1
    tm send-keys -t s2 C-a C-k
    cmd s2 quit || true
    wait_dead s2 5 || why "'quit' did not exit" || return 1
    [ "$(pane_status s2)" = 0 ] || why "exit status $(pane_status s2) after quit" || return 1
    stop_shell s; stop_shell s2
}

t_narrow() {
    # In a 60-column terminal the live bar must still be redrawn in place:
    # one bar line per epoch, no stale copies left behind.
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    tm resize-window -t s -x 60 -y 30 || why "tmux could not resize" || return 1
    local c
    for c in "data moons n=20000" "model new" "add dense 64 activation=relu" "add dense 2 activation=softmax" \
             "compile loss=sparse_categorical_crossentropy optimizer=sgd"; do cmd s "$c" || return 1; done
    cmd s "fit epochs=2 batch_size=1" 60 || return 1
    local bars; bars=$(grep -c '━\|─' <<< "$CMD_OUT")
    [ "$bars" -eq 2 ] || why "expected 2 bar lines (one per epoch) at 60 columns, got $bars:" "$CMD_OUT" || return 1
    stop_shell s
}

# longer_than N: the lines of standard input wider than N characters (not bytes).
longer_than() { local LC_ALL=C.UTF-8 l; while IFS= read -r l; do [ "${#l}" -gt "$1" ] && printf '%s\n' "$l"; done; true; }

t_colour() {
    # On a terminal without NO_COLOR: error: in red, ✓ in green; the saved
    # transcript stays plain. With NO_COLOR=1 (every other test): no colour.
    local esc=$'\e'
    TT_COLOR=1 start_shell c || return 1
    wait_prompt c 1 >/dev/null || why "no prompt" || return 1
    run_cmd c "fitt" || true
    local coloured; coloured=$(tm capture-pane -p -e -t c)
    grep -q "${esc}\[[0-9;]*31m[^ ]*error:" <<< "$coloured" || why "error: is not red on a colour terminal:" "$(cat -v <<< "$coloured")" || return 1
    cmd c "model new" || return 1
    cmd c "add dense 2 activation=softmax" || return 1
    cmd c "expect layer 0 is dense" || return 1
    coloured=$(tm capture-pane -p -e -t c)
    grep -q "${esc}\[[0-9;]*32m✓" <<< "$coloured" || why "✓ is not green:" "$(cat -v <<< "$coloured")" || return 1
    cmd c "save session plain.md" || return 1
    grep -q "$esc" "$TT_DIR/work/plain.md" && why "escape codes in the saved transcript:" "$(cat -v "$TT_DIR/work/plain.md")" && return 1
    grep -q '^error: ' "$TT_DIR/work/plain.md" || why "the failed cell's plain 'error:' is not in the transcript:" "$(cat "$TT_DIR/work/plain.md")" || return 1
    start_shell n || return 1
    wait_prompt n 1 >/dev/null || why "no prompt (NO_COLOR)" || return 1
    run_cmd n "fitt" || true
    tm capture-pane -p -e -t n | grep -q "${esc}\[[0-9;]*3[12]m" && why "colour despite NO_COLOR=1:" "$(tm capture-pane -p -e -t n | cat -v)" && return 1
    stop_shell c; stop_shell n
}

t_resize() {
    # Resizing the terminal while fit runs (SIGWINCH): the live bar is laid out
    # again for the new width at its next redraw, the rows the terminal reflowed
    # the old bar onto are cleared (no stale copies), and the epoch lines wrap
    # whole metrics instead of letting the terminal cut a number.
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || why "no prompt" || return 1
    local c
    for c in "data moons n=40000 validation=2000" "model new" "add dense 256 activation=relu" "add dense 256 activation=relu" \
             "add dense 2 activation=softmax" "compile loss=sparse_categorical_crossentropy optimizer=sgd"; do cmd s "$c" || return 1; done
    type_text s "fit epochs=2 batch_size=1" || return 1
    tm send-keys -t s Enter
    wait_for s '^ *[0-9]+/38000 ━*─+ ETA' 30 || why "no live progress bar:" "$(visible s)" || return 1
    tm resize-window -t s -x 60 -y 30 || why "tmux could not resize" || return 1
    # The live line is redrawn at the new width: one row, off the last column.
    local end=$(( $(now_ms) + 10000 )) line=
    while :; do
        line=$(current_line s)
        [[ $line =~ ^\ *[0-9]+/38000\ ━*─+\ ETA ]] && [ -z "$(longer_than 59 <<< "$line")" ] && break
        [ "$(now_ms)" -ge "$end" ] && { why "the live bar was not redrawn for 60 columns: '$line'" "$(visible s)"; return 1; }
        sleep 0.05
    done
    wait_for s '^Epoch 2/2$' 30 || why "no second epoch:" "$(visible s)" || return 1
    tm resize-window -t s -x 120 -y 40 || why "tmux could not resize back" || return 1
    wait_prompt s 8 60 >/dev/null || why "fit did not finish:" "$(visible s)" || return 1
    local out; out=$(output_of s 7 "fit epochs=2 batch_size=1")
    local bars; bars=$(grep -c '━\|─' <<< "$out")
    [ "$bars" -eq 2 ] || why "expected 2 bar lines (one per epoch, no stale copies of the live bar), got $bars:" "$out" || return 1
    # Epoch 1 ended at 60 columns: no row wider, metrics wrapped whole under the bar.
    local first; first=$(sed -n '/^Epoch 1\/2$/,/^Epoch 2\/2$/p' <<< "$out")
    local wide; wide=$(longer_than 60 <<< "$first")
    [ -z "$wide" ] || why "lines wider than the 60-column pane (the terminal wrapped them):" "$wide" || return 1
    grep -Eq '^38000/38000 ━+ [0-9]+s [0-9]+(us|ms|s)/step - loss: [0-9.]+$' <<< "$first" || why "epoch 1's line at 60 columns is not the bar with the loss:" "$first" || return 1
    grep -Eq '^ {12}- accuracy: [0-9.]+ - val_loss: [0-9.]+$' <<< "$first" || why "no continuation row of whole metrics:" "$first" || return 1
    # Epoch 2 ended at 120 columns: the width was read again, one row.
    local last; last=$(grep -v '^$' <<< "$out" | tail -1)
    [[ $last =~ ^38000/38000\ ━+\ .*\ -\ val_accuracy:\ [01]\.[0-9]{4}$ ]] && [ -z "$(longer_than 120 <<< "$last")" ] ||
        why "epoch 2's line at 120 columns is not one row: '$last'" "$out" || return 1
    stop_shell s
}

run_test "1  startup banner and [1] prompt"                 t_banner
run_test "1  help lists the commands; help fit"             t_help
run_test "2  Tab completes he -> help; lists s* commands"   t_tab_command
run_test "2  add <Tab><Tab> lists layer kinds"              t_tab_layers
run_test "2  compile opt<Tab> -> optimizer=, values, keys"  t_tab_keys
run_test "2  Tab completes file and directory paths"        t_tab_path
run_test "3  history persists; Up recalls previous run"     t_history_existing
run_test "3  history file is created when missing"          t_history_new_file
run_test "4  fit draws a bar per epoch with val_accuracy"   t_progress
run_test "4  bar redrawn in place in a 60-column terminal"   t_narrow
run_test "4  resize during fit: bar re-laid out, nothing wider" t_resize
run_test "5  Ctrl-C during fit stops, evaluate works"       t_ctrl_c_fit
run_test "5  Ctrl-C during evaluate mc / predict mc"        t_ctrl_c_mc
run_test "5  interrupted evaluate mc scores what it ran"    t_ctrl_c_mc_accuracy
run_test "6  Ctrl-C at prompt hints, clears, stays alive"   t_ctrl_c_prompt
run_test "6  two quick Ctrl-C at the prompt quit"           t_ctrl_c_twice
run_test "6  Ctrl-C at 'Display all N possibilities?'"      t_ctrl_c_completion_question
run_test "6  Ctrl-C during a slow Tab completion"           t_ctrl_c_slow_completion
run_test "6  a burst of Ctrl-C while fit stops never quits"  t_ctrl_c_burst
run_test "8  quit, come back: offered, declined, resume"     t_resume
run_test "7  unknown command suggests 'did you mean'"       t_did_you_mean
run_test "7  Ctrl-D exits cleanly (status 0), quit too"     t_ctrl_d
run_test "7  colour on a terminal, none with NO_COLOR or saved" t_colour

echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
