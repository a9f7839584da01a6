#!/usr/bin/env bash
# Steps of ci/action.yml that put profgate on the runner's PATH, in seconds
# on every run but the first:
#
#   action-install.sh key      prints key=... (for actions/cache) and tree=DIR
#                              to $GITHUB_OUTPUT: the relocatable tree of
#                              this profgate source (ci/package.sh --tree) on
#                              this system, e.g. profgate-ubuntu24.04-x86_64-<hash>
#   action-install.sh install  when DIR holds profgate (restored by actions/cache),
#                              nothing to do; with PG_PACKAGE (a path or an
#                              https URL of a tarball of ci/package.sh), unpacks
#                              it into DIR; else installs the build dependencies
#                              (ci/install-deps.sh, apt) and builds the tree into
#                              DIR (a minute or two; actions/cache keeps it for
#                              the next runs). Then adds DIR/bin to $GITHUB_PATH.
#
#   PG_TREE     DIR (from `key`)
#   PG_PACKAGE  tarball to install instead of building (optional)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
src="$(dirname "$here")"
out="${GITHUB_OUTPUT:-/dev/stdout}"

case "${1:-}" in
  key)
    # The tree depends on the sources that are built and on the system whose
    # libraries it carries.
    os=$(. /etc/os-release && echo "${ID:-linux}${VERSION_ID:-}")
    dirs=()
    for d in CMakeLists.txt ci/cpack.cmake ci/package.sh common gate baselines collectors reporters harness; do
      [ -e "$src/$d" ] && dirs+=("$d")
    done
    hash=$(cd "$src" && find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' -o -name '*.txt' -o -name '*.js' \
             -o -name '*.css' -o -name '*.cmake' -o -name '*.sh' \) | LC_ALL=C sort | xargs sha256sum | sha256sum | cut -c1-16)
    key="profgate-$os-$(uname -m)-$hash"
    tree="${RUNNER_TOOL_CACHE:-${RUNNER_TEMP:-/tmp}}/profgate/$key"
    { echo "key=$key"; echo "tree=$tree"; } >> "$out"
    ;;
  install)
    tree="${PG_TREE:?action-install.sh install needs PG_TREE (from action-install.sh key)}"
    if [ -x "$tree/bin/profgate" ]; then
      echo "action-install: profgate from the cache ($tree)"
    elif [ -n "${PG_PACKAGE:-}" ]; then
      tmp=$(mktemp -d)
      trap 'rm -rf "$tmp"' EXIT
      case "$PG_PACKAGE" in
        https://*|http://*) curl -fsSL --retry 3 -o "$tmp/profgate.tar.gz" "$PG_PACKAGE" ;;
        *) cp "$PG_PACKAGE" "$tmp/profgate.tar.gz" ;;
      esac
      mkdir -p "$tmp/x"
      tar -C "$tmp/x" -xzf "$tmp/profgate.tar.gz"
      top=$(find "$tmp/x" -mindepth 2 -maxdepth 3 -path '*/bin/profgate' -type f | head -n 1)
      [ -n "$top" ] || { echo "::error::profgate: $PG_PACKAGE is not a profgate tarball (no */bin/profgate)"; exit 2; }
      rm -rf "$tree"
      mkdir -p "$(dirname "$tree")"
      mv "$(dirname "$(dirname "$top")")" "$tree"
      echo "action-install: profgate from $PG_PACKAGE"
    else
      echo "action-install: no cached profgate for this source and system: building it once (actions/cache keeps it)"
      sudo_cmd=()
      [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
      "${sudo_cmd[@]}" env PROFGATE_BROWSER_TESTS=0 bash "$here/install-deps.sh"
      bash "$here/package.sh" --build-dir "${RUNNER_TEMP:-/tmp}/profgate-build" --tree "$tree"
    fi
    "$tree/bin/profgate" --version
    echo "$tree/bin" >> "${GITHUB_PATH:-/dev/null}"
    ;;
  *)
    echo "usage: action-install.sh key|install" >&2
    exit 2
    ;;
esac
