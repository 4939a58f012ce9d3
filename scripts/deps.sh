#!/usr/bin/env bash
# Installs the Debian packages gradlab needs (only those missing).
set -euo pipefail
need=()
for p in libopenblas-dev libreadline-dev zlib1g-dev libdeflate-dev pkg-config dataset-fashion-mnist tmux gzip; do
  dpkg -s "$p" >/dev/null 2>&1 || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  echo "installing Debian packages: ${need[*]}"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
fi
