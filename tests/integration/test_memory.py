"""Integration tests of the allocation tracker: programs with known
allocation shapes (tests/targets/pg_mem_shapes, pg_mem_example) run under
`profgate run`, and the bytes per stack in mem-peak.folded and
mem-leaks.folded, and the totals in profile.json, must be exact. Runs the
real profgate ($PROFGATE)."""

import os
import unittest

from pgtest import ProfgateTestCase

N = 1 << 20


def by_leaf(folded):
    """Bytes by the last frame of each stack that is not inlined (the
    targets' take() is always inlined into the function that allocates)."""
    out = {}
    for frames, w in folded.stacks:
        leaf = [f for f in frames if not f.endswith(" [inlined]")][-1]
        out[leaf] = out.get(leaf, 0) + w
    return out


class MemoryTest(ProfgateTestCase):

    def shapes(self, *args, options=("--no-cpu",)):
        result = self.run_target([self.target("pg_mem_shapes")] + list(args), options=list(options))
        self.assert_exit(result, 0)
        profile = self.load_profile(result)
        self.assertTrue(profile["memory"]["tracked"], self.describe(result))
        peak = self.load_folded(result, "mem-peak.folded", roots=["pg_mem_shapes"])
        leaks = self.load_folded(result, "mem-leaks.folded", roots=["pg_mem_shapes"])
        return result, profile, peak, leaks

    def test_memray_example_peak_is_exact(self):
        result = self.run_target([self.target("pg_mem_example")], options=["--no-cpu"])
        self.assert_exit(result, 0)
        peak = self.load_folded(result, "mem-peak.folded", roots=["pg_mem_example"])
        leaves = by_leaf(peak)
        why = "\n" + peak.top() + "\n" + self.describe(result)
        self.assertEqual(leaves.get("g"), 2 * N, why)
        self.assertEqual(leaves.get("e"), N, why)
        self.assertEqual(leaves.get("i_"), N, why)
        self.assertEqual(leaves.get("d"), N // 2, why)
        self.assertNotIn("missing", leaves, why)
        self.assertEqual(peak.total(), 4 * N + N // 2, why)
        # e under d under c under b under a: the stacks are the call paths.
        # (take() is inlined into each: its frame is below them.)
        self.assertTrue(any([f for f in fr if not f.endswith(" [inlined]")][-5:] == ["a", "b", "c", "d", "e"]
                            for fr, _ in peak.stacks), why)
        profile = self.load_profile(result)
        self.assertEqual(profile["memory"]["peak_heap_bytes"], 4 * N + N // 2, why)
        self.assertEqual(profile["memory"]["alloc_bytes"], 5 * N + N // 2, why)
        self.assertEqual(profile["memory"]["alloc_count"], 5, why)
        self.assertEqual(profile["memory"]["leaked_bytes"], 0, why)
        self.assertEqual([s["name"] for s in profile["peak_sites"]], ["g", "e", "i_", "d"], why)

    def test_realloc_chain_and_realloc_to_zero(self):
        result, profile, peak, leaks = self.shapes("realloc")
        why = "\n" + peak.top() + "\n" + leaks.top() + "\n" + self.describe(result)
        self.assertEqual(by_leaf(peak), {"grow_chain": 100000}, why)
        self.assertEqual(by_leaf(leaks), {"leak_realloc": 50000}, why)
        self.assertEqual(profile["memory"]["leaked_bytes"], 50000, why)

    def test_aligned_allocations(self):
        result, profile, peak, leaks = self.shapes("aligned")
        why = "\n" + peak.top() + "\n" + self.describe(result)
        self.assertEqual(by_leaf(peak), {"aligned_allocs": 1000 + 8192 + 3000 + 5000}, why)
        self.assertEqual(leaks.total(), 0, why)

    def test_anonymous_mmap_with_a_partial_unmap(self):
        result, profile, peak, leaks = self.shapes("mmap")
        page = os.sysconf("SC_PAGE_SIZE")
        why = "\n" + peak.top() + "\n" + leaks.top() + "\n" + self.describe(result)
        self.assertEqual(by_leaf(peak), {"map_buffer": 16 * page}, why)
        self.assertEqual(by_leaf(leaks), {"map_buffer": 12 * page}, why)

    def test_leaks_by_stack(self):
        result, profile, peak, leaks = self.shapes("leaks")
        why = "\n" + peak.top() + "\n" + leaks.top() + "\n" + self.describe(result)
        self.assertEqual(by_leaf(peak), {"not_a_leak": 2 * N}, why)
        self.assertEqual(by_leaf(leaks), {"leak_small": 2400, "leak_big": N}, why)

    def test_eight_threads_freeing_each_others_blocks(self):
        for rounds in ("1", "20"):
            with self.subTest(rounds=rounds):
                result, profile, peak, leaks = self.shapes("threads", rounds)
                why = "\n" + peak.top() + "\n" + leaks.top() + "\n" + self.describe(result)
                ours = sum(w for fr, w in peak.stacks if "thread_allocs" in fr)
                self.assertEqual(ours, 1000 * 64 * 36, why)
                self.assertEqual(sum(w for fr, w in leaks.stacks if "thread_allocs" in fr), 0, why)
                # Per thread: each thread's stacks carry its own bytes.
                self.assertGreaterEqual(profile["memory"]["alloc_count"], 8000 * int(rounds), why)
                self.assertLess(profile["memory"]["alloc_count"], 8000 * int(rounds) + 100, why)

    def test_fork_tracks_each_process_on_its_own(self):
        result, profile, peak, leaks = self.shapes("fork")
        why = "\n" + peak.top() + "\n" + leaks.top() + "\n" + self.describe(result)
        self.assertEqual(by_leaf(peak), {"parent_alloc": N, "child_alloc": 2 * N}, why)
        self.assertEqual(by_leaf(leaks), {"child_alloc": 2 * N}, why)
        self.assertEqual(len(profile["processes"]), 2, why)

    def test_free_keeps_errno_and_malloc_keeps_alignment(self):
        self.shapes("errno")

    def test_same_numbers_every_run(self):
        # Exact mode: the gated numbers do not move between two runs.
        numbers = []
        for _ in range(2):
            result, profile, peak, leaks = self.shapes("threads", "3")
            m = profile["memory"]
            numbers.append((m["peak_heap_bytes"], m["alloc_count"], m["alloc_bytes"],
                            sorted(by_leaf(peak).items())))
        self.assertEqual(numbers[0], numbers[1])

    def test_cpu_and_memory_at_once(self):
        result, profile, peak, leaks = self.shapes("leaks", options=())
        self.assertTrue(profile["cpu"]["enabled"], self.describe(result))
        self.assertEqual(by_leaf(leaks), {"leak_small": 2400, "leak_big": N}, self.describe(result))

    def test_no_mem_writes_no_memory_files(self):
        result = self.run_target([self.target("pg_mem_example")], options=["--no-mem"])
        self.assert_exit(result, 0)
        self.assertFalse(self.load_profile(result)["memory"]["tracked"])
        for name in ("mem-peak.folded", "mem-leaks.folded"):
            self.assertFalse(os.path.exists(os.path.join(result.out_dir, name)), name)

    def test_sampled_mode_estimates_the_peak(self):
        # 64 KiB mean sampling on a 4.5 MiB peak: within 25% is expected
        # (relative error about sqrt(R/B) per site), and deterministic.
        estimates = []
        for _ in range(2):
            result = self.run_target([self.target("pg_mem_example")],
                                     options=["--no-cpu", "--mem-sample", "65536"])
            self.assert_exit(result, 0)
            m = self.load_profile(result)["memory"]
            self.assertEqual(m["mode"], "sampled")
            estimates.append(m["peak_heap_bytes"])
        self.assertEqual(estimates[0], estimates[1], "a fixed seed gives the same estimate")
        self.assertLess(abs(estimates[0] - 4.5 * N) / (4.5 * N), 0.25, estimates)

    def test_a_preloaded_tcmalloc_still_works(self):
        # The user's allocator comes after our collector in LD_PRELOAD: our
        # wrappers pass every call on to it, and the numbers stay exact.
        lib = "/usr/lib/x86_64-linux-gnu/libtcmalloc.so.4"
        self.assertTrue(os.path.exists(lib), "%s is missing (ci/install-deps.sh installs "
                        "libgoogle-perftools4)" % lib)
        result = self.run_target([self.target("pg_mem_example")],
                                 options=["--no-cpu", "--env", "LD_PRELOAD=" + lib])
        self.assert_exit(result, 0)
        peak = self.load_folded(result, "mem-peak.folded", roots=["pg_mem_example"])
        self.assertEqual(by_leaf(peak), {"g": 2 * N, "e": N, "i_": N, "d": N // 2},
                         peak.top() + "\n" + self.describe(result))

    def test_the_collectors_own_memory_is_not_the_programs(self):
        # Sampling rings (256 KiB a thread) and libunwind's caches are ours:
        # a program that allocates next to nothing shows next to nothing.
        result = self.run_target([self.target("pg_threads4"), "0.2"])
        self.assert_exit(result, 0)
        peak = self.load_folded(result, "mem-peak.folded", roots=["pg_threads4"])
        self.assertLess(peak.total(), 16 * 1024, peak.top() + "\n" + self.describe(result))

    def test_python_script_is_tracked(self):
        script = os.path.join(self.tmp, "alloc.py")
        with open(script, "w") as f:
            f.write("keep = [bytearray(1 << 20) for _ in range(40)]\nprint(len(keep))\n")
        result = self.run_target(["/usr/bin/python3", script], options=["--no-cpu"])
        self.assert_exit(result, 0)
        m = self.load_profile(result)["memory"]
        self.assertGreater(m["peak_heap_bytes"], 40 << 20, self.describe(result))
        peak = self.load_folded(result, "mem-peak.folded", roots=["python3", "python3.11"])
        self.assertGreater(peak.total(), 40 << 20)


if __name__ == "__main__":
    unittest.main(verbosity=2)
