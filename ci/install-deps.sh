#!/usr/bin/env bash
# Installs what profgate needs to build and test on a fresh Debian 12 machine.
# Idempotent: packages already present are left alone. Needs root (CI is root).
set -euo pipefail

pkgs=(build-essential cmake pkg-config git
      libunwind-dev libcjson-dev libgit2-dev check libdw-dev libelf-dev
      python3 binutils libgoogle-perftools4)
if [ "${PROFGATE_BROWSER_TESTS:-0}" = 1 ]; then
  pkgs+=(chromium)
  # Node may come from elsewhere than Debian (NodeSource's nodejs bundles
  # npm, and Debian's npm would conflict with it): only fill in what is
  # missing.
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ci/install-deps.sh: installing ${missing[*]}"
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  export DEBIAN_FRONTEND=noninteractive
  "${sudo_cmd[@]}" apt-get update -q
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# The browser tests drive that Chromium with playwright-core from npm (no
# browser download), pinned by tests/browser/package-lock.json.
if [ "${PROFGATE_BROWSER_TESTS:-0}" = 1 ]; then
  browser_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
  if [ ! -f "$browser_dir/node_modules/.package-lock.json" ] ||
     [ "$browser_dir/package-lock.json" -nt "$browser_dir/node_modules/.package-lock.json" ]; then
    echo "ci/install-deps.sh: npm ci in tests/browser"
    (cd "$browser_dir" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  fi
fi
