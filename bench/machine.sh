# Sourced by bench/run.sh and bench/sweep.sh: how busy the machine is.
# Needs log(), QUIET_PCT and QUIET_WAIT from the caller.

# Percent of all CPUs that other processes use while we sleep for 0.5 s.
busy_pct() {
  local a b
  a=($(head -1 /proc/stat)); sleep 0.5; b=($(head -1 /proc/stat))
  # fields: cpu user nice system idle iowait irq softirq steal
  local busy=$(( (b[1]+b[2]+b[3]+b[6]+b[7]+b[8]) - (a[1]+a[2]+a[3]+a[6]+a[7]+a[8]) ))
  local total=$(( busy + (b[4]+b[5]) - (a[4]+a[5]) ))
  [ "$total" -gt 0 ] && echo $(( 100 * busy / total )) || echo 0
}

# Waits (up to QUIET_WAIT s) for a quiet machine; appends "segment pct waited" to DIR/busy.txt
wait_quiet() {  # wait_quiet DIR SEGMENT
  [ -r /proc/stat ] || return 0
  local pct waited=0
  pct="$(busy_pct)"
  while [ "$pct" -ge "$QUIET_PCT" ] && [ "$waited" -lt "$QUIET_WAIT" ]; do
    [ "$waited" = 0 ] && log "  machine busy (${pct}% CPU used by others); waiting up to ${QUIET_WAIT}s"
    sleep 2; waited=$((waited + 3)); pct="$(busy_pct)"
  done
  echo "$2 $pct $waited" >> "$1/busy.txt"
}
