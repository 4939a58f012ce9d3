#!/usr/bin/env bash
# The same training gives the same bits on other kinds of x86-64 CPU: runs the
# release gradlab under QEMU user-mode emulation as a Haswell (AVX2+FMA, no
# AVX-512), a Sandy Bridge (AVX, no AVX2/FMA) and a Nehalem (SSE4.2 only: the
# release build's baseline), with no GRADLAB_KERNEL, so that CGemm's CPUID
# detection and glibc's libm (whose expf, logf, sin, cos... variants glibc
# picks by CPUID) both see the emulated CPU. Checks the detected kernel path,
# trains W1 and W2 (bench/sessions, on 400 training images, one epoch, no
# test-set evaluation: emulation is slow) and compares the saved model,
# optimizer and model.json bytes and the shell's output with a native run,
# then replays tutorials with --check under each model. QEMU 7.2's TCG has no
# AVX-512, so the AVX-512 path is the native run's when this CPU has it.
# The C side, libm function by function over all 2^32 floats, is
# scripts/cpu-kinds/libm-bits.c. Slow: 1,357 s on a shared 2-core EPYC (W1 and
# W2 40-160 s per CPU model, tutorial 02 208-438 s), so it is not a step of
# scripts/test.sh.
#   scripts/check-cpu-kinds.sh GRADLAB [WORKDIR]
# CPUS="Haswell Nehalem" and TUTORIALS="tutorials/01-....md ..." (or "") override the lists.
set -euo pipefail
bin=${1:?usage: $0 GRADLAB [WORKDIR]}
work=${2:-$(mktemp -d "${TMPDIR:-/tmp}/cpu-kinds.XXXXXX")}
here=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$work"
cpus=(${CPUS:-Haswell SandyBridge Nehalem})
tutorials=(${TUTORIALS-tutorials/02-initializers.md})

if ! command -v qemu-x86_64 >/dev/null; then
  echo "installing Debian package qemu-user"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq qemu-user >/dev/null
fi
[[ $(uname -m) == x86_64 ]] || { echo "not an x86-64 machine: nothing to emulate"; exit 1; }

# The path each CPU should get: CGemm's rule (cgemm.c cpu_best).
expected() {
  case $1 in
    native) if grep -qw avx512f /proc/cpuinfo; then echo avx512
            elif grep -qw avx2 /proc/cpuinfo && grep -qw fma /proc/cpuinfo; then echo avx2; else echo scalar; fi ;;
    Haswell|Broadwell|Skylake-Client|Skylake-Server|Icelake-Server|Cascadelake-Server|EPYC*) echo avx2 ;; # no AVX-512 in TCG
    *) echo scalar ;;
  esac
}
runner() { if [[ $1 == native ]]; then "${@:2}"; else qemu-x86_64 -cpu "$1" "${@:2}"; fi; }

run() { # cpu session output-dir
  rm -rf "$3"
  grep -v -e '^model save' -e '^quit' -e '^summary' -e '^vars' -e '^gradients' -e '^activations' -e '^predict' \
      -e '^show' -e '^weights' -e '^explain' -e '^diagnose' -e '^evaluate' "$here/bench/sessions/$2.gl" |
    sed -e 's/^data fashion-mnist validation=5000$/data fashion-mnist validation=200 limit=600/' |
    awk '/^fit / { if (fits++) next } { print }' |
    cat - <(printf '%s\n' "model save $3" quit) | runner "$1" "$bin" > "$3.log" 2>&1
  [[ -f $3/model.safetensors ]] || { echo "no model saved for $2 on $1 (see $3.log)"; return 1; }
}
# Times are the only text allowed to differ, besides QEMU's warnings about
# features its TCG lacks (AVX-512, TSX...).
scrub() { grep -v '^qemu-x86_64: warning: TCG doesn' "$2" | sed -E -e "s|$1|OUT|g" -e 's/[0-9]+s [0-9.]+(us|ms|s)\/step/T/g'; }

row() { printf '%-14s %-9s %-9s %-16s %s\n' "$@"; }
failed=0
rows=()
for w in w1 w2; do run native "$w" "$work/$w-native"; done
for cpu in native "${cpus[@]}"; do
  got=$(echo quit | runner "$cpu" "$bin" --timings 2>&1 >/dev/null | sed -n 's/^timing kernel=//p')
  want=$(expected "$cpu")
  [[ $got == "$want" ]] || { echo "DIFFER $cpu detected kernel $got, expected $want"; failed=1; }
  [[ $cpu == native ]] && { rows+=("$(row native "$got" "$want" reference -)"); continue; }
  same=yes
  for w in w1 w2; do
    s=$SECONDS
    run "$cpu" "$w" "$work/$w-$cpu" || { same=no; failed=1; continue; }
    for f in model.safetensors optimizer.safetensors model.json; do
      if cmp -s "$work/$w-native/$f" "$work/$w-$cpu/$f"; then
        echo "same   $cpu $w $f ($(sha256sum < "$work/$w-$cpu/$f" | cut -c1-16))"
      else
        echo "DIFFER $cpu $w $f"; same=no; failed=1
      fi
    done
    if diff <(scrub "$work/$w-native" "$work/$w-native.log") <(scrub "$work/$w-$cpu" "$work/$w-$cpu.log") > "$work/$w-$cpu.diff"; then
      echo "same   $cpu $w shell output ($((SECONDS - s)) s)"
    else
      echo "DIFFER $cpu $w shell output (see $work/$w-$cpu.diff)"; same=no; failed=1
    fi
  done
  replays=yes; [[ ${#tutorials[@]} -gt 0 ]] || replays=-
  for t in "${tutorials[@]}"; do
    s=$SECONDS
    if runner "$cpu" "$bin" replay --check --quiet "$here/$t" > "$work/replay-$cpu-$(basename "$t").log" 2>&1; then
      echo "same   $cpu replay --check $t ($((SECONDS - s)) s)"
    else
      echo "DIFFER $cpu replay --check $t (see $work/replay-$cpu-$(basename "$t").log)"; replays=no; failed=1
    fi
  done
  rows+=("$(row "$cpu" "$got" "$want" "$same" "$replays")")
done

echo
row "CPU model" "detected" "expected" "bytes identical" "replay --check"
for r in "${rows[@]}"; do echo "$r"; done
exit $failed
