# Release packaging (ci/package.sh): the .deb through CPack, and the install
# rules' run paths that keep an installed tree relocatable.
#
# The installed CLI finds its collector relative to its own location
# (bin/../lib/profgate/, see harness/run.c), and both look for shared
# libraries in lib/profgate/ first: ci/package.sh copies the libraries they
# need there for the tarball, so that it runs on a machine with none of them
# installed. The run paths are DT_RPATH (--disable-new-dtags), not RUNPATH:
# only DT_RPATH is also searched for the dependencies of those libraries
# (libgit2's own, libunwind's liblzma). In the .deb, lib/profgate/ holds the
# two collectors alone (libprofgate_collector.so and the CPU-only
# libprofgate_collector_cpu.so) and the libraries come from the package's
# dependencies. The build tree is linked with the same run paths
# (build/harness/../lib/profgate holds the collectors, as the installed tree
# does), so that install copies the
# files as they are: otherwise CMake gives the build tree a run path ending in
# an empty entry, which the loader reads as the current directory.
set_target_properties(profgate PROPERTIES INSTALL_RPATH "\$ORIGIN/../lib/profgate" BUILD_WITH_INSTALL_RPATH ON)
target_link_options(profgate PRIVATE -Wl,--disable-new-dtags)
foreach(collector IN ITEMS profgate_collector profgate_collector_cpu)
  set_target_properties(${collector} PROPERTIES INSTALL_RPATH "\$ORIGIN" BUILD_WITH_INSTALL_RPATH ON)
  target_link_options(${collector} PRIVATE -Wl,--disable-new-dtags)
endforeach()

set(CPACK_PACKAGE_NAME profgate)
set(CPACK_PACKAGE_VENDOR "profgate")
set(CPACK_PACKAGE_CONTACT "profgate maintainers <profgate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "profiling gate: fails a build when a change makes a benchmark slower or hungrier")
set(CPACK_PACKAGE_DESCRIPTION
    "profgate runs benchmark programs under its own CPU sampler and allocation tracker \
(a library preloaded with LD_PRELOAD), keeps baselines keyed to git commits, and fails \
the build with differential flame graphs when a change regresses.")
set(CPACK_GENERATOR DEB)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION devel)
# The library dependencies come from dpkg-shlibdeps (the sonames the binaries
# were linked with); git is what the CI scripts and `git notes` users need.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_DEPENDS "git")
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "python3")
set(CPACK_PACKAGE_DIRECTORY "${CMAKE_BINARY_DIR}/cpack")
include(CPack)
