#!/usr/bin/env bash
# Builds gradlab's libFuzzer targets and runs each for a while.
#
#   Fuzz/run.sh [SECONDS] [TARGET…]        (make fuzz SECONDS=600)
#
# SECONDS is per target (default 60); TARGETs default to all of them:
#   command      Parser + Session.run (up to 4 lines) in a prepared session;
#                a failed line must say `error:` and leave the session as it was
#   idx          IDX.parse, and IDX.load on an images/labels pair
#   csv          CSV.parse (+ validation split, limit, standardize)
#   transcript   Transcript.parse (+ render/parse round trip)
#   safetensors  SafeTensors.decode, raw and re-framed (+ re-encode), under ASan
#   model-json   ModelStore.fromArchitecture on parsed model.json
#   npy          NPY.parse and NPY.parseArchive (.npz), then a data set from x and y
#
# Targets run one after another in libFuzzer's fork mode, which keeps going
# after a crash, timeout or out-of-memory; each finding is saved under
# Fuzz/.build/fuzz/TARGET/artifacts/ and replayed at the end to print its
# cause. The growing corpus is kept in Fuzz/.build/fuzz/TARGET/corpus/.
# Replay one finding:  Fuzz/.build/release/fuzz-TARGET ARTIFACT
# Environment: FUZZ_TIMEOUT (s per input, default 20), FUZZ_RSS_MB (6144),
# FUZZ_SKIP_BUILD=1 to reuse the last build.
set -uo pipefail

seconds="${1:-60}"
shift || true
all=(command idx csv transcript safetensors model-json npy)
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=("${all[@]}")
case "$seconds" in ''|*[!0-9]*) echo "usage: Fuzz/run.sh [SECONDS] [TARGET…]; targets: ${all[*]}" >&2; exit 2 ;; esac
for t in "${targets[@]}"; do
    [[ " ${all[*]} " == *" $t "* ]] || { echo "unknown target '$t'; targets: ${all[*]}" >&2; exit 2; }
done

fuzz_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(dirname "$fuzz_dir")"
work="$fuzz_dir/.build/fuzz"
bad="$root/Tests/BadInput"
timeout_s="${FUZZ_TIMEOUT:-20}"
rss_mb="${FUZZ_RSS_MB:-6144}"
build_flags=(-c release -Xswiftc -O -Xswiftc -enable-testing -Xswiftc -sanitize=fuzzer,address)

cd "$fuzz_dir"
if [ "${FUZZ_SKIP_BUILD:-0}" != 1 ]; then
    echo "building fuzz targets (release, -O, -sanitize=fuzzer,address)…"
    for t in "${targets[@]}"; do
        if ! out=$(swift build "${build_flags[@]}" --product "fuzz-$t" 2>&1); then
            echo "$out" | grep -E "error|warning: unable" | head -40
            echo "build of fuzz-$t failed" >&2
            exit 1
        fi
    done
fi
bin="$(swift build "${build_flags[@]}" --show-bin-path)"

# Seeds: committed ones, the bad-input corpus, the tutorials.
seed_dir() {
    local t="$1" d="$work/$1/seeds"
    rm -rf "$d"; mkdir -p "$d"
    [ -d "$fuzz_dir/seeds/fuzz-$t" ] && cp "$fuzz_dir/seeds/fuzz-$t"/* "$d/" 2>/dev/null
    case "$t" in
        command)
            # One seed per command line of the tutorials and the corpus.
            local n=0
            { grep -h '^> ' "$root"/tutorials/*.md 2>/dev/null | sed 's/^> //'
              for f in "$bad"/commands/*.txt; do case "$f" in */findings*) ;; *) grep -v "^;;" "$f" | grep -v "^@" ;; esac; done 2>/dev/null; } |
            sed -e "s|{BAD}|$bad|g" -e "s|{SANDBOX}|/tmp/gradlab-fuzz-sandbox|g" -e "s|{OUTSIDE}|/tmp/gradlab-fuzz-outside|g" |
            while IFS= read -r line; do
                [ -z "$line" ] && continue
                n=$((n + 1)); printf '%s' "$line" > "$d/line-$n"
            done ;;
        idx) cp "$bad"/files/idx/* "$d/" 2>/dev/null ;;
        csv) for f in "$bad"/files/csv/*; do [ -f "$f" ] && { printf '\0'; cat "$f"; } > "$d/$(basename "$f")"; done ;;
        transcript) cp "$root"/tutorials/*.md "$bad"/files/transcripts/* "$d/" 2>/dev/null ;;
        safetensors) cp "$bad"/files/safetensors/* "$d/" 2>/dev/null ;;
        model-json) cp "$bad"/files/json/* "$d/" 2>/dev/null
                    for m in "$bad"/files/models/*/model.json; do [ -f "$m" ] && cp "$m" "$d/$(basename "$(dirname "$m")").json"; done ;;
        npy) ;;   # seeds/fuzz-npy only: Tests/BadInput holds no .npy or .npz files yet
    esac
    echo "$d"
}

dict_for() {
    local t="$1"
    case "$t" in
        command)
            local d="$work/command.dict"
            cp "$fuzz_dir/dicts/command.dict" "$d"
            # Every string literal of the command sources: names, keys, choices.
            grep -oh '"[a-z_][a-z0-9_.-]\{1,30\}"' "$root"/Sources/GradShell/Commands/*.swift "$root"/Sources/GradNN/*/*.swift 2>/dev/null |
                sort -u >> "$d"
            echo "$d" ;;
        model-json|safetensors) echo "$fuzz_dir/dicts/json.dict" ;;
        *) echo "" ;;
    esac
}

# The first line of a finding's cause and the first frame in gradlab's sources.
signature() {
    local t="$1" f="$2" log
    log=$(SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:symbolize=1 timeout 120 \
          "$bin/fuzz-$t" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" "$f" 2>&1 </dev/null)
    local cause frame
    local p
    for p in "==== FINDING: .*" "Swift runtime failure: .*" "Fatal error: .*" "ERROR: AddressSanitizer: [a-z-]+" \
             "malloc\([0-9]+\) exceeds limit" "ERROR: libFuzzer: [a-z-]+( [a-z-]+)?"; do
        cause=$(echo "$log" | grep -m1 -oE "$p" | sed 's| /<compiler-generated>||')
        [ -n "$cause" ] && break
    done
    frame=$(echo "$log" | grep -m1 -oE "/Sources/(GradShell|GradNN|GradTensor)/[A-Za-z/]+\.swift:[0-9]+" | sed 's|^/Sources/||')
    [ -z "$cause" ] && cause="no longer reproduces (or needs the fuzzer's earlier state)"
    echo "$cause${frame:+ at $frame}"
}

summary=()
for t in "${targets[@]}"; do
    tw="$work/$t"
    mkdir -p "$tw/corpus" "$tw/artifacts"
    seeds=$(seed_dir "$t")
    dict=$(dict_for "$t")
    marker="$tw/.started"; touch "$marker"; sleep 1
    echo
    echo "=== fuzz-$t for ${seconds}s (corpus $(ls "$tw/corpus" | wc -l) + $(ls "$seeds" | wc -l) seeds) ==="
    args=(-fork=1 -ignore_crashes=1 -ignore_timeouts=1 -ignore_ooms=1
          -max_total_time="$seconds" -timeout="$timeout_s" -rss_limit_mb="$rss_mb" -malloc_limit_mb="$rss_mb"
          -artifact_prefix="$tw/artifacts/" -print_final_stats=1 -close_fd_mask=1)
    [ -n "$dict" ] && args+=(-dict="$dict")
    [ "$t" = command ] && args+=(-max_len=2048)
    # The tutorials (up to 56 kB) would set the length limit: parsing one under
    # ASan takes milliseconds. Mutants of their first 4 kB reach the same code.
    [ "$t" = transcript ] && args+=(-max_len=4096)
    # malloc_context_size=0: ASan records no stack per allocation (a third of
    # fuzz-command's time went to that); a finding replayed below still gets them.
    SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=0:allocator_may_return_null=0:malloc_context_size=0 \
        "$bin/fuzz-$t" "${args[@]}" "$tw/corpus" "$seeds" </dev/null > "$tw/log.txt" 2>&1
    # Only this target's folders: runs of other targets may go on side by side.
    rm -rf "${TMPDIR:-/tmp}"/gradlab-fuzz-"$t"-* /dev/shm/gradlab-fuzz-"$t"-*
    # Fork mode reports "#EXECS: cov: … exec/s: … oom/timeout/crash: a/b/c time: …".
    last=$(grep -E '^#[0-9]+: cov:' "$tw/log.txt" | tail -1)
    execs=$(echo "$last" | sed -E 's/^#([0-9]+):.*/\1/')
    [ -z "$execs" ] && execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$tw/log.txt" | awk '{s+=$2} END {print s+0}')
    rate=$(echo "$last" | grep -oE 'exec/s: [0-9]+' | awk '{print $2}')
    cov=$(echo "$last" | grep -oE 'cov: [0-9]+' | awk '{print $2}')
    echo "$last"
    new=$(find "$tw/artifacts" -type f -newer "$marker" | sort)
    count=$(echo -n "$new" | grep -c . || true)
    echo "execs: ${execs:-0}  exec/s: ${rate:-?}  coverage: ${cov:-?}  corpus: $(ls "$tw/corpus" | wc -l)  new findings: $count"
    if [ "$count" -gt 0 ]; then
        echo "findings (replayed to find their cause; at most 25):"
        echo "$new" | head -25 | while read -r f; do
            printf '%s\t%s\n' "$(signature "$t" "$f")" "$f"
        done | sort | awk -F'\t' '{ if ($1 != prev) { n[$1]=0; order[++k]=$1; ex[$1]=$2 } n[$1]++; prev=$1 }
            END { for (i = 1; i <= k; i++) printf "  %3d × %s\n        e.g. %s\n", n[order[i]], order[i], ex[order[i]] }'
        echo "  input of each example: head -c 300 FILE | cat -v"
    fi
    summary+=("$(printf '%-12s %8s execs  %6s exec/s  %5s findings' "$t" "${execs:-0}" "${rate:-?}" "$count")")
done

echo
echo "=== summary (${seconds}s per target) ==="
printf '%s\n' "${summary[@]}"
