#!/usr/bin/env bash
# Installs what profgate needs, with apt, on the systems CI runs on: Debian 12
# (bookworm) and 13 (trixie), Ubuntu 22.04 (jammy) and 24.04 (noble), e.g.
# GitHub's ubuntu-latest and GitLab's debian/ubuntu images. Elsewhere it says
# which packages to install and stops (exit 2) rather than guess.
#
#   bash ci/install-deps.sh          what building and testing profgate needs
#   bash ci/install-deps.sh --print  print the package names for this system, install nothing
# (The tarball of ci/package.sh needs none of these: it carries its libraries.)
#
# PROFGATE_BROWSER_TESTS=1 adds Chromium, Node and playwright-core (the
# browser tests of the HTML reports); PROFGATE_PACKAGE_TESTS=1 adds debootstrap
# (the test that installs the .deb into a fresh Debian root).
# Idempotent: packages already present are left alone. Needs root or sudo.
set -euo pipefail

mode=build
case "${1:-}" in
  "") ;;
  --print) mode=print ;;
  *) echo "ci/install-deps.sh: unknown option '$1' (--print)" >&2; exit 2 ;;
esac

# The system, from /etc/os-release (PROFGATE_OS_RELEASE names another file: tests).
os_release="${PROFGATE_OS_RELEASE:-/etc/os-release}"
id="" version="" pretty="an unknown system (no $os_release)"
if [ -r "$os_release" ]; then
  # shellcheck disable=SC1090 # os-release is a file of shell assignments
  id=$(. "$os_release" && echo "${ID:-}")
  version=$(. "$os_release" && echo "${VERSION_ID:-}")
  pretty=$(. "$os_release" && echo "${PRETTY_NAME:-$id $version}")
fi

# The -dev packages have the same names on the four; the one runtime library
# the tests load directly (tcmalloc) was renamed by the 64-bit time_t
# transition of Debian 13 and Ubuntu 24.04.
case "$id:$version" in
  debian:12|ubuntu:22.04) perftools=libgoogle-perftools4 ;;
  debian:13|ubuntu:24.04) perftools=libgoogle-perftools4t64 ;;
  *)
    cat >&2 <<EOF
ci/install-deps.sh: $pretty is not one this script knows (Debian 12/13, Ubuntu 22.04/24.04); nothing installed.
To build profgate, install with your package manager: a C compiler and make, CMake >= 3.18, pkg-config, git,
python3, and the development files of libunwind, libdw and libelf (elfutils), cJSON, libgit2 (>= 1.1) and
Check (tests only); then run 'bash ci/build.sh build -DPG_TESTS=OFF'.
EOF
    exit 2 ;;
esac
# build-essential brings dpkg-dev, whose dpkg-shlibdeps ci/package.sh (CPack) uses,
# with file.
pkgs=(build-essential cmake pkg-config git
      libunwind-dev libcjson-dev libgit2-dev check libdw-dev libelf-dev
      python3 binutils file "$perftools")
if [ "${PROFGATE_PACKAGE_TESTS:-0}" = 1 ]; then
  pkgs+=(debootstrap)
fi
if [ "${PROFGATE_BROWSER_TESTS:-0}" = 1 ]; then
  case "$id" in
    debian) pkgs+=(chromium) ;;
    # Ubuntu's chromium-browser is a snap wrapper that containers cannot run.
    *) echo "ci/install-deps.sh: the browser tests need Debian's chromium; not installed on $pretty" >&2 ;;
  esac
  # Node may come from elsewhere than the distribution (NodeSource's nodejs
  # bundles npm, and Debian's npm would conflict with it): only fill in what
  # is missing.
  command -v node >/dev/null 2>&1 || pkgs+=(nodejs)
  command -v npm >/dev/null 2>&1 || pkgs+=(npm)
fi

if [ "$mode" = print ]; then
  echo "${pkgs[*]}"
  exit 0
fi

missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "ci/install-deps.sh: $pretty: installing ${missing[*]}"
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
