#!/usr/bin/env bash
# SIGINT stress test for gradlab: starts a long command (fit / evaluate test mc /
# predict mc) on a small model, sends SIGINT at a random moment (tmux C-c
# through the terminal, or kill -INT to the gradlab pid), then checks that the
# shell is alive, the prompt comes back and `evaluate test` prints an accuracy.
#
#   Tests/terminal/sigint_stress.sh [TRIES]    # default 100; seed with STRESS_SEED=N
#
# Prints one line per failed try (and every 10th try), a tally of what the
# signal hit, and finally `N passed, M failed`; exit 0 iff all tries pass.
set -u
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
. "$HERE/lib.sh"
tt_init

TRIES=${1:-100}
SEED=${STRESS_SEED:-$$}
RANDOM=$SEED
MAX_DELAY_MS=${STRESS_MAX_DELAY_MS:-700}

OPS=(
    "fit epochs=300 batch_size=1"
    "evaluate test mc samples=60000"
    "predict mc samples=100000 index=0..199"
)

PASSED=0 FAILED=0
declare -A TALLY=()
FIRST_FAILURES=0
LAST_PROMPT_SIGNAL=0   # ms of the last SIGINT that hit the prompt (two within 1 s quit)
START=$(now_ms)

note() { TALLY[$1]=$(( ${TALLY[$1]:-0} + 1 )); }

dump() {
    [ "$FIRST_FAILURES" -lt 3 ] || return 0
    FIRST_FAILURES=$((FIRST_FAILURES + 1))
    echo "      --- screen ---"; screen s | grep -v '^$' | tail -25 | sed 's/^/      | /'
}

setup() {
    start_shell s || return 1
    wait_prompt s 1 >/dev/null || return 1
    local c
    for c in "data moons n=2000 validation=200" "model new" "add dense 32 activation=relu" "add dropout 0.2" \
             "add dense 2 activation=softmax" "compile loss=sparse_categorical_crossentropy optimizer=sgd" \
             "fit epochs=3 batch_size=8 verbose=0"; do
        run_cmd s "$c" 60 || { echo "setup failed: $CMD_OUT"; return 1; }
    done
}

echo "sigint stress: $TRIES tries, seed $SEED, binary $GRADLAB_BIN"
setup || { echo "0 passed, $TRIES failed"; exit 1; }

for (( i = 1; i <= TRIES; i++ )); do
    op=${OPS[RANDOM % ${#OPS[@]}]}
    how=$(( RANDOM % 2 ))                       # 0: tmux C-c (tty), 1: kill -INT pid
    how_name=$([ "$how" = 0 ] && echo "C-c" || echo "kill")
    wait_submit=$(( RANDOM % 4 != 0 ))          # 1 in 4: signal together with Enter, racing readline
    delay_ms=$(( RANDOM % (MAX_DELAY_MS + 1) ))
    [ $(( RANDOM % 8 )) = 0 ] && delay_ms=0
    [ $(( RANDOM % 12 )) = 0 ] && delay_ms=$(( 1500 + RANDOM % 1500 ))   # around the command's natural end
    if [ "$wait_submit" = 1 ]; then
        label=$(printf 'try %3d  %-4s %4d ms after start  %s' "$i" "$how_name" "$delay_ms" "$op")
    else
        label=$(printf 'try %3d  %-4s with the Enter key  %s' "$i" "$how_name" "$op")
    fi
    fail_try() { FAILED=$((FAILED + 1)); echo "FAIL  $label: $*"; dump; }

    if pane_dead s; then
        fail_try "shell is dead before the try (status $(pane_status s))"
        stop_all; setup || { FAILED=$((FAILED + TRIES - i)); break; }
        continue
    fi
    # fresh screen for this try: readline's clear-screen, then drop the scrollback
    n=$(wait_prompt s "" 20) || { fail_try "no idle prompt before the try"; continue; }
    tm send-keys -t s C-l
    for _ in $(seq 100); do [ "$(tm capture-pane -p -t s -S 0 -E 0)" = "[$n]" ] && break; sleep 0.02; done
    tm clear-history -t s
    pid=$(pane_pid s)

    type_text s "$op" || { fail_try "typed text not echoed"; continue; }
    # two SIGINTs at the prompt within a second quit (by design): keep them apart
    gap=$(( $(now_ms) - LAST_PROMPT_SIGNAL ))
    [ "$gap" -lt 1200 ] && sleep "$(printf '%d.%03d' $(( (1200 - gap) / 1000 )) $(( (1200 - gap) % 1000 )))"
    if [ "$wait_submit" = 1 ]; then
        tm send-keys -t s Enter
        wait_submitted s "[$n] $op" 10 || { fail_try "command never started"; continue; }
        sleep "$(printf '%d.%03d' $(( delay_ms / 1000 )) $(( delay_ms % 1000 )))"
        sent=$(now_ms)
        if [ "$how" = 0 ]; then tm send-keys -t s C-c; else kill -INT "$pid" 2>/dev/null; fi
    else
        # racing: the signal follows Enter as closely as possible
        sent=$(now_ms)
        if [ "$how" = 0 ]; then tm send-keys -t s Enter C-c; else tm send-keys -t s Enter; kill -INT "$pid" 2>/dev/null; fi
    fi

    m=$(wait_prompt s "" 20) || {
        if pane_dead s; then fail_try "shell died (exit status $(pane_status s))"
        else fail_try "no idle prompt within 20 s of the signal"; fi
        continue
    }
    out=$(screen s)
    hint=$(grep -c 'press Ctrl-C again' <<< "$out")
    [ "$hint" -gt 0 ] && LAST_PROMPT_SIGNAL=$sent
    # what did the signal hit?
    if [ "$m" = "$n" ]; then
        kind="prompt (command discarded)"
    elif grep -Eq '^interrupted at epoch [0-9]+, step|\(interrupted after [0-9]+ of|^MC Dropout: [0-9]+ passes' <<< "$out" &&
         ! grep -Eq '^MC Dropout: 100000 passes' <<< "$out"; then
        kind="interrupted"
    elif grep -q "^\[$m\] .*press Ctrl-C again" <<< "$out"; then
        kind="the next prompt (command had finished)"
    elif [ "$hint" -gt 0 ]; then
        kind="prompt hint, yet the command ran to the end"
    elif grep -q 'stopping after the current step' <<< "$out"; then
        kind="acknowledged, yet the command ran to the end"
    else
        kind="ran to the end (signal after the last check)"
    fi
    case "$kind" in *yet*)
        echo "NOTE  $label -> $kind"
        grep -v '^$' <<< "$out" | grep -v '^sample\|^  \|━' | head -8 | sed 's/^/      | /' ;;
    esac
    note "$kind"

    # the shell works: evaluate test prints an accuracy
    if ! run_cmd s "evaluate test" 20; then fail_try "evaluate test did not finish: $CMD_OUT"; continue; fi
    if ! grep -Eq '^test: loss: [0-9.]+ - accuracy: [0-9.]+ +\(400 samples\)' <<< "$CMD_OUT"; then
        fail_try "evaluate test printed no accuracy: $CMD_OUT"; continue
    fi
    if grep -Eiq 'fatal error|segmentation|illegal instruction|assertion' <<< "$out"; then
        fail_try "crash text on screen"; continue
    fi
    PASSED=$((PASSED + 1))
    [ $(( i % 10 )) = 0 ] && printf 'ok    %s -> %s  (%ds)\n' "$label" "$kind" $(( ($(now_ms) - START) / 1000 ))
done

echo "signal landed:"
for k in "${!TALLY[@]}"; do printf '  %4d  %s\n' "${TALLY[$k]}" "$k"; done | sort -rn
echo "elapsed $(( ($(now_ms) - START) / 1000 )) s"
echo "$PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
