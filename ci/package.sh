#!/usr/bin/env bash
# Builds profgate's release packages into dist/:
#   dist/profgate_VERSION_ARCH.deb                 CPack; installs /usr/bin/profgate and, in
#                                                  /usr/lib/profgate/, libprofgate_collector.so and
#                                                  libprofgate_collector_cpu.so (the CPU-only collector);
#                                                  `apt-get install ./profgate_*.deb` pulls the libraries
#   dist/profgate-VERSION-linux-ARCH-OSID.tar.gz   a relocatable tree: bin/profgate, lib/profgate/ with
#                                                  the collectors and the shared libraries they need
#                                                  (all but glibc's, libgcc_s and libstdc++), so it runs
#                                                  unpacked anywhere, on this system or a newer one
#                                                  (OSID: the build system, e.g. debian12)
# Usage: bash ci/package.sh [--build-dir DIR] [--out DIR] [--tree DIR]
#   --tree DIR  only install the relocatable tree into DIR (what the GitHub Action caches), no packages
# Needs the build dependencies (bash ci/install-deps.sh) and dpkg-shlibdeps (dpkg-dev).
set -euo pipefail
src="$(cd "$(dirname "$0")/.." && pwd)"
build="$src/build-package"
out="$src/dist"
tree=""
while [ $# -gt 0 ]; do
  case "$1" in
    --build-dir) build="$2"; shift 2 ;;
    --out) out="$2"; shift 2 ;;
    --tree) tree="$2"; shift 2 ;;
    *) echo "ci/package.sh: unknown argument '$1' (--build-dir DIR, --out DIR, --tree DIR)" >&2; exit 2 ;;
  esac
done

# The .deb's prefix is /usr; the tarball's tree is relocatable whatever the prefix.
cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DPG_TESTS=OFF \
  -DCMAKE_INSTALL_PREFIX=/usr >/dev/null
cmake --build "$build" -j"$(nproc)" --target profgate profgate_collector profgate_collector_cpu >/dev/null

# install_tree DIR: the installed files, plus the libraries they load that a
# machine may lack, next to the collectors (found through the run paths set
# in ci/cpack.cmake).
install_tree() {
  local dir=$1
  rm -rf "$dir"
  cmake --install "$build" --prefix "$dir" >/dev/null
  local libdir="$dir/lib/profgate" lib
  local loaded=("$dir/bin/profgate" "$libdir/libprofgate_collector.so" "$libdir/libprofgate_collector_cpu.so")
  # ldd lists the whole closure; glibc's own libraries, libgcc_s and
  # libstdc++ are left to the system (every system has them, and glibc's
  # must match the system's loader).
  ldd "${loaded[@]}" |
    awk '$2 == "=>" && $3 ~ /^\// { print $3 }' | sort -u |
    while read -r lib; do
      case "$(basename "$lib")" in
        libc.so.*|libm.so.*|libpthread.so.*|libdl.so.*|librt.so.*|libresolv.so.*|libutil.so.*|\
        ld-linux*|libgcc_s.so.*|libstdc++.so.*) ;;
        *) cp -L "$lib" "$libdir/" ;;
      esac
    done
  # The tree must not depend on anything else it was built against: every
  # library ldd finds through the system now would be missing elsewhere.
  if ldd "${loaded[@]}" | grep -q 'not found'; then
    echo "ci/package.sh: the installed tree misses libraries:" >&2
    ldd "${loaded[@]}" >&2
    exit 1
  fi
}

if [ -n "$tree" ]; then
  install_tree "$tree"
  echo "ci/package.sh: relocatable tree in $tree"
  exit 0
fi

version=$(sed -n 's/^project(profgate VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
arch=$(uname -m)
osid=$(. /etc/os-release && echo "${ID:-linux}${VERSION_ID:-}")
mkdir -p "$out"

rm -rf "$build/cpack"
(cd "$build" && cpack -G DEB >/dev/null)
deb=$(find "$build/cpack" -maxdepth 1 -name 'profgate_*.deb' | head -n 1)
[ -n "$deb" ] || { echo "ci/package.sh: cpack made no .deb" >&2; exit 1; }
cp "$deb" "$out/"

name="profgate-$version-linux-$arch-$osid"
stage="$build/stage"
rm -rf "$stage"
mkdir -p "$stage"
install_tree "$stage/$name"
tar -C "$stage" -czf "$out/$name.tar.gz.tmp" "$name"
mv "$out/$name.tar.gz.tmp" "$out/$name.tar.gz"
echo "ci/package.sh: $out/$(basename "$deb")"
echo "ci/package.sh: $out/$name.tar.gz"
