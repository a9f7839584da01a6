"""The CI pieces end to end: this test plays a CI runner on throwaway git
repositories, with the real profgate ($PROFGATE), the target programs of
tests/targets as benchmarks, and stand-ins for the two network clients
(tests/integration/pipeline/gh and curl, first on PATH, serving a pull
request's comments and a merge request's notes from JSON files).

- The project: a bare "origin", a developer's clone with a profgate.json of
  two heap benchmarks (pg_check_heap: deterministic, exact peak heap; a
  commit that sets PG_GROW=1 in the config plants a +12.5% peak in `table`)
  and the git-notes store; `profgate record` on main and
  `git push origin main refs/notes/profgate`.
- Runner clones: a full clone that fetches refs/notes/profgate, checked out
  at the pull request's merge commit as actions/checkout does; a shallow
  `--depth 1` clone of the PR branch, inconclusive (exit 3, saying what to
  fetch) until the history is fetched.
- ci/action.yml is read (tests/integration/pipeline/miniyaml.py) and its steps
  are run as the runner runs a composite action: `if:` conditions, `${{ }}`
  expressions, each step's env (so the PG_* variables are exactly the ones
  action.yml passes), GITHUB_OUTPUT, GITHUB_STEP_SUMMARY, `bash -eo pipefail`,
  no git identity. Only the step that builds profgate is not run (profgate is
  built) and `uses:` steps are looked at, not run. Over three pushes of one
  pull request the comment is posted once, then updated (never a second
  one), then shows the fix passing; comments of others (one quoting the
  marker) and of other workflows are never touched; 120 earlier comments
  make the script read a second page. A read-only token (a fork) warns; a
  failed build still updates the comment. The verdict step maps every
  status. `record: true` on main (a depth-1 checkout) pushes the baseline,
  and a check finds it without fetching the notes by hand.
- ci/gitlab-profgate.yml: the record job's and the check job's own script
  lines are run (not the lines that install profgate), in a clone made as
  GitLab's runner makes it (only the source branch), pushing the notes
  through the URL the job builds; the merge-request note is posted, then
  updated among 300 notes; the job's exit status is profgate's, so that
  `allow_failure: exit_codes: [3]` can make inconclusive a warning. Text
  checks: junit report path, expose_as, rules, scripts that exist.
- Shards: `check --shard 1/2` and `2/2` through the action, then the action
  with `merge:` (profgate merge-reports) and one comment naming the
  regression.

Every benchmark run is short (one timing and one memory run of about 0.1 s;
only the exact memory metrics are gated), so the whole file takes well under
a minute."""

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import unittest

from pgtest import ProfgateTestCase

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
CI = os.path.join(SOURCE, "ci")
sys.path.insert(0, os.path.join(HERE, "pipeline"))
import miniyaml  # noqa: E402

MARKER = "<!-- profgate-comment -->"
REPO = "acme/widget"
BOT = "github-actions[bot]"
GIT_ENV = {"GIT_AUTHOR_NAME": "Dev", "GIT_AUTHOR_EMAIL": "dev@example.com",
           "GIT_COMMITTER_NAME": "Dev", "GIT_COMMITTER_EMAIL": "dev@example.com",
           "GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": os.devnull, "GIT_TERMINAL_PROMPT": "0"}
# What the runner's environment must not leak into the steps.
SCRUB = re.compile(r"^(GITHUB_|GITLAB_|CI_|CI$|GH_|PG_|RUNNER_|PROFGATE_(GITLAB_TOKEN|CONFIG|REPO|REF)$)")
SCRIPT_TIMEOUT = 240


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not SCRUB.match(k)}
    env.update(GIT_ENV)
    env.update(extra)
    return env


def runner_env(home, **extra):
    """A CI job's environment: no git identity (a runner has none: whatever
    commits, such as the notes of a record, must do without), an empty
    home."""
    os.makedirs(home, exist_ok=True)
    env = clean_env(HOME=home, **extra)
    for key in ("GIT_AUTHOR_NAME", "GIT_AUTHOR_EMAIL", "GIT_COMMITTER_NAME", "GIT_COMMITTER_EMAIL"):
        env.pop(key, None)
    return env


def git(cwd, *args, env=None):
    result = subprocess.run(["git"] + list(args), cwd=cwd, env=env or clean_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if result.returncode != 0:
        raise AssertionError("git %s (in %s) failed:\n%s" % (" ".join(args), cwd, result.stderr))
    return result.stdout.strip()


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def load_ci(name):
    return miniyaml.load(read(os.path.join(CI, name)))


class Run:
    """What one script or step did."""

    def __init__(self, what, returncode, stdout, stderr):
        self.what, self.returncode, self.stdout, self.stderr = what, returncode, stdout, stderr

    def __str__(self):
        return "%s\nexit status: %s\nstdout:\n%s\nstderr:\n%s" % (
            self.what, self.returncode, self.stdout[-6000:] or "  (empty)", self.stderr[-6000:] or "  (empty)")


def run_bash(script, cwd, env, what):
    proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", script],
                          cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=SCRIPT_TIMEOUT)
    return Run(what, proc.returncode, proc.stdout, proc.stderr)


class ActionRun:
    """The steps of one run of ci/action.yml."""

    def __init__(self):
        self.steps = []       # dicts: name, ran, skipped_because, run, env, with, output_file ...
        self.outputs = {}     # the action's outputs

    def step(self, name):
        found = [s for s in self.steps if s["name"] == name]
        if not found:
            raise AssertionError("action.yml has no step %r" % name)
        return found[0]

    def __str__(self):
        parts = []
        for s in self.steps:
            if s.get("run"):
                parts.append("step %r:\n%s" % (s["name"], s["run"]))
            else:
                parts.append("step %r: %s" % (s["name"], s.get("skipped_because", "uses " + str(s.get("uses")))))
        return "\n".join(parts)


class PipelineTest(ProfgateTestCase):

    # -- the project: origin, developer clone, baseline of main ---------------

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.root = cls.class_tmp()
        cls.profgate_dir = os.path.dirname(os.path.abspath(cls.profgate))
        cls.heap = cls.target("pg_check_heap")
        # The stand-ins, copied with this Python as their interpreter.
        cls.bin = os.path.join(cls.root, "bin")
        os.makedirs(cls.bin)
        for name in ("gh", "curl"):
            text = read(os.path.join(HERE, "pipeline", name))
            text = re.sub(r"\A#!.*\n", "#!%s\n" % sys.executable, text)
            path = os.path.join(cls.bin, name)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
            os.chmod(path, stat.S_IRWXU)
        cls.seed_action_cache()
        cls.origin = os.path.join(cls.root, "origin.git")
        git(cls.root, "init", "-q", "--bare", "-b", "main", cls.origin)
        cls.dev = os.path.join(cls.root, "dev")
        git(cls.root, "clone", "-q", cls.url(cls.origin), cls.dev)
        git(cls.dev, "checkout", "-q", "-b", "main")
        with open(os.path.join(cls.dev, ".gitignore"), "w") as f:
            f.write("profgate-report/\n")
        cls.write_config(cls.dev, grow=False)
        git(cls.dev, "add", ".gitignore", "profgate.json")
        git(cls.dev, "commit", "-q", "-m", "benchmarks")
        result = cls.run_raw(["record", "-q"], cwd=cls.dev, env=clean_env())
        if result.returncode != 0:
            raise AssertionError("profgate record on main failed:\n%s" % result.stderr)
        git(cls.dev, "push", "-q", "origin", "main", "refs/notes/profgate")
        cls.main_commit = git(cls.dev, "rev-parse", "HEAD")
        remote = git(cls.root, "--git-dir", cls.origin, "ls-remote", cls.origin, "refs/notes/profgate")
        if not remote:
            raise AssertionError("the baseline did not reach origin's refs/notes/profgate")

    @staticmethod
    def url(path):
        return "file://" + path

    @classmethod
    def seed_action_cache(cls):
        """The stand-in of actions/cache's store (key -> saved folder), holding
        what an earlier run of the action saved under this source's key: the
        profgate of this build, installed (cmake --install) as a relocatable
        tree. Most tests run the action on that cache hit; one runs it with
        an empty cache (the build) and one with a release tarball."""
        cls.cache_store = os.path.join(cls.root, "actions-cache")
        os.makedirs(cls.cache_store)
        out = os.path.join(cls.root, "key-output")
        run = run_bash('bash "%s/action-install.sh" key' % CI, cls.root,
                       clean_env(GITHUB_OUTPUT=out, RUNNER_TOOL_CACHE=os.path.join(cls.root, "unused")), "key")
        if run.returncode != 0:
            raise AssertionError(str(run))
        cls.cache_key = PipelineTest.parse_output_file(out)["key"]
        tree = os.path.join(cls.cache_store, cls.cache_key)
        build = os.path.dirname(os.path.dirname(os.path.abspath(cls.profgate)))
        inst = subprocess.run(["cmake", "--install", build, "--prefix", tree], stdout=subprocess.PIPE,
                              stderr=subprocess.STDOUT, text=True, timeout=120)
        if inst.returncode != 0 or not os.access(os.path.join(tree, "bin", "profgate"), os.X_OK):
            raise AssertionError("cannot install the build into the stand-in cache:\n" + inst.stdout)

    @classmethod
    def write_config(cls, repo, grow, small_blocks="2", base="origin/main"):
        """The project's profgate.json: `table` holds 8 blocks of 256 KiB (9
        with PG_GROW=1: +12.5% peak heap, one more allocation); `small` 2.
        Timings are not gated: one run of each cannot decide them, and other
        tests keep the machine busy; the memory of pg_check_heap is exact."""
        table = {"name": "table", "run": [cls.heap, "8"]}
        if grow:
            table["env"] = {"PG_GROW": "1"}
        config = {
            "store": "git-notes",
            "base": "origin/main",
            "defaults": {"repeat": 1, "mem_repeat": 1, "warmup": 0, "timeout": 60,
                         "thresholds": {"wall": "off", "cpu": "off", "function": "off",
                                        "peak_rss": "off"}},
            "benchmarks": [table, {"name": "small", "run": [cls.heap, small_blocks]}],
        }
        if base is None:
            del config["base"]
        with open(os.path.join(repo, "profgate.json"), "w") as f:
            json.dump(config, f, indent=2)

    def push_pr(self, branch, number, message, grow, extra_file=None, origin=None, dev=None):
        """Commits on the PR branch of the developer's clone and pushes it,
        with the refs GitHub keeps for a pull request: refs/pull/N/head and
        refs/pull/N/merge (the branch merged into main). Returns the merge
        commit."""
        origin = origin or self.origin
        dev = dev or self.dev
        git(dev, "fetch", "-q", "origin")
        branches = git(dev, "branch", "--list", branch)
        if branches:
            git(dev, "checkout", "-q", branch)
        else:
            git(dev, "checkout", "-q", "-b", branch, "origin/main")
        self.write_config(dev, grow=grow)
        if extra_file:
            with open(os.path.join(dev, extra_file), "w") as f:
                f.write(message + "\n")
            git(dev, "add", extra_file)
        git(dev, "add", "profgate.json")
        git(dev, "commit", "-q", "--allow-empty", "-m", message)
        git(dev, "push", "-q", "-f", "origin", branch, "%s:refs/pull/%d/head" % (branch, number))
        git(dev, "checkout", "-q", "--detach", "origin/main")
        git(dev, "merge", "-q", "--no-ff", "-m", "Merge %s into main" % branch, branch)
        merge = git(dev, "rev-parse", "HEAD")
        git(dev, "push", "-q", "-f", "origin", "HEAD:refs/pull/%d/merge" % number)
        git(dev, "checkout", "-q", "main")
        return merge

    # -- runners ----------------------------------------------------------------

    def github_runner(self, number, name, origin=None):
        """A workspace as actions/checkout@v4 with fetch-depth: 0 leaves it for
        a pull_request event (every branch, the merge commit checked out)."""
        ws = os.path.join(self.tmp, name)
        os.makedirs(ws)
        git(ws, "init", "-q")
        git(ws, "remote", "add", "origin", self.url(origin or self.origin))
        git(ws, "fetch", "-q", "--prune", "origin", "+refs/heads/*:refs/remotes/origin/*",
            "+refs/tags/*:refs/tags/*")
        git(ws, "fetch", "-q", "origin", "+refs/pull/%d/merge:refs/remotes/pull/%d/merge" % (number, number))
        git(ws, "checkout", "-q", "--force", "refs/remotes/pull/%d/merge" % number)
        return ws

    def fetch_notes(self, ws):
        # The command of ci/action.yml's header (test_ci_files_agree checks
        # that it is still there).
        run = run_bash("git fetch origin refs/notes/profgate:refs/notes/profgate || true", ws,
                       clean_env(), "fetch notes")
        self.assertEqual(run.returncode, 0, str(run))

    def gh_state(self, comments, read_only=False, pr=7):
        path = os.path.join(self.tmp, "gh-state-%d.json" % pr)
        with open(path, "w") as f:
            json.dump({"repo": REPO, "pr": pr, "token_user": BOT, "read_only": read_only,
                       "next_id": 900000, "comments": comments}, f)
        return path

    @staticmethod
    def seeded_comments():
        """120 comments before profgate's first: someone quoting the marker,
        another workflow's bot comment, a reviewer's chatter."""
        comments = [
            {"id": 101, "user": {"login": "alice", "type": "User"},
             "body": MARKER + "\nI pasted the bot's comment here to discuss it", "created_at": "2024-01-01T00:00:00Z"},
            {"id": 102, "user": {"login": BOT, "type": "Bot"},
             "body": "<!-- coverage-report -->\nCoverage: 81%", "created_at": "2024-01-01T00:00:01Z"},
        ]
        for k in range(118):
            comments.append({"id": 200 + k, "user": {"login": "bob", "type": "User"},
                             "body": "review remark %d" % k, "created_at": "2024-01-02T00:00:00Z"})
        return comments

    def action_env(self, ws, gh_state, gh_log, **extra):
        """The runner's environment. profgate is not on PATH: the action's
        install steps put it there (GITHUB_PATH)."""
        path = [p for p in os.environ.get("PATH", "").split(os.pathsep)
                if p and os.path.abspath(p) != self.profgate_dir]
        values = dict(
            PATH=os.pathsep.join([self.bin] + path),
            GITHUB_ACTIONS="true", CI="true", GITHUB_WORKSPACE=ws, GITHUB_REPOSITORY=REPO,
            GITHUB_SERVER_URL="https://github.com", GITHUB_RUN_ID="4242", GITHUB_RUN_ATTEMPT="1",
            RUNNER_TEMP=os.path.join(self.tmp, "runner-temp"),
            RUNNER_TOOL_CACHE=os.path.join(self.tmp, "toolcache"),
            PG_FAKE_GH_STATE=gh_state, PG_FAKE_GH_LOG=gh_log)
        values.update(extra)
        return runner_env(os.path.join(self.tmp, "home"), **values)

    def run_action(self, ws, inputs, env, event="pull_request", pr=7, build_fails=False, base_ref="main",
                   head_repo=REPO, cache_store=None):
        """Runs ci/action.yml's steps as GitHub's runner does for a composite
        action, every `run:` step for real. Of the `uses:` steps, actions/cache
        is played with a folder per key (cache_store, default the class's,
        seeded with this build; saved at the end of the job, as its post step
        does, when it missed); upload-artifact is looked at, not run. With
        build_fails, the install step counts as failed, as when apt or the
        build breaks. base_ref is github.base_ref of a pull request event;
        head_repo the repository its head branch lives in (another: a fork)."""
        action = load_ci("action.yml")
        declared = action["inputs"]
        for key in inputs:
            self.assertIn(key, declared, "action.yml has no input %r" % key)
        values = {k: (v or {}).get("default", "") or "" for k, v in declared.items()}
        values.update(inputs)
        is_pr = event.startswith("pull_request")
        context = {
            "inputs": values,
            "github": {"action_path": CI, "token": "ghs_standin", "event_name": event,
                       "event": ({"pull_request": {"number": pr, "head": {"repo": {"full_name": head_repo}}},
                                  "repository": {"name": REPO.split("/")[1]}} if is_pr
                                 else {"repository": {"name": REPO.split("/")[1]}}),
                       "base_ref": base_ref if is_pr else "",
                       "repository": REPO, "repository_owner": REPO.split("/")[0], "workspace": ws},
            "runner": {"temp": env["RUNNER_TEMP"]},
            "steps": {},
        }
        env = dict(env)
        os.makedirs(env["RUNNER_TEMP"], exist_ok=True)
        cache_store = cache_store or self.cache_store
        to_save = []
        result = ActionRun()
        status = "success"
        for number, step in enumerate(action["runs"]["steps"]):
            record = {"name": step.get("name"), "ran": False}
            result.steps.append(record)
            if not miniyaml.condition(step.get("if"), context, status):
                record["skipped_because"] = "if: %s" % step.get("if")
                continue
            if "uses" in step:
                record["uses"] = step["uses"]
                record["with"] = {k: miniyaml.substitute(v, context, status)
                                  for k, v in (step.get("with") or {}).items()}
                outputs = {}
                if step["uses"] == "actions/cache@v4":
                    key, path = record["with"]["key"], record["with"]["path"]
                    self.assertTrue(key and path, record)
                    saved = os.path.join(cache_store, key)
                    if os.path.isdir(saved):
                        shutil.copytree(saved, path, symlinks=True, dirs_exist_ok=True)
                        outputs["cache-hit"] = "true"
                    else:
                        to_save.append((path, saved))
                        outputs["cache-hit"] = "false"
                elif step["uses"] == "actions/upload-artifact@v4":
                    outputs["artifact-id"] = "77"
                    outputs["artifact-url"] = "https://github.com/%s/actions/runs/4242/artifacts/77" % REPO
                record["outputs"] = outputs
                if step.get("id"):
                    context["steps"][step["id"]] = {"outputs": outputs, "outcome": "success"}
                continue
            if step.get("name") == "install profgate" and build_fails:
                record["skipped_because"] = "made to fail by the test"
                status = "failure"
                continue
            self.assertEqual(step.get("shell"), "bash", "a run step of a composite action needs shell: bash")
            step_env = dict(env)
            for k, v in (step.get("env") or {}).items():
                step_env[k] = miniyaml.substitute(v, context, status)
            output_file = os.path.join(env["RUNNER_TEMP"], "output-%d" % number)
            open(output_file, "w").close()
            step_env["GITHUB_OUTPUT"] = output_file
            path_file = os.path.join(env["RUNNER_TEMP"], "path-%d" % number)
            open(path_file, "w").close()
            step_env["GITHUB_PATH"] = path_file
            summary_file = os.path.join(env["RUNNER_TEMP"], "summary-%d" % number)
            with open(summary_file, "w") as f:
                f.write("earlier step\n")
            step_env["GITHUB_STEP_SUMMARY"] = summary_file
            script = miniyaml.substitute(step["run"], context, status)
            run = run_bash(script, ws, step_env, "step %r: %s" % (step.get("name"), script))
            outputs = self.parse_output_file(output_file)
            record.update(ran=True, run=run, env={k: step_env[k] for k in (step.get("env") or {})},
                          output_text=read(output_file), outputs=outputs,
                          step_summary=read(summary_file))
            # GITHUB_PATH: prepended to PATH for the steps after this one.
            for line in read(path_file).splitlines():
                if line.strip():
                    env["PATH"] = line.strip() + os.pathsep + env["PATH"]
            if step.get("id"):
                context["steps"][step["id"]] = {"outputs": outputs,
                                                "outcome": "success" if run.returncode == 0 else "failure"}
            if run.returncode != 0:
                status = "failure"
        # actions/cache's post step: saves what missed, if the job succeeded so far.
        if status == "success":
            for path, saved in to_save:
                if os.path.isdir(path):
                    shutil.copytree(path, saved, symlinks=True)
        result.outputs = {k: miniyaml.substitute(v.get("value"), context, "success")
                          for k, v in (action.get("outputs") or {}).items()}
        result.status = status
        result.path = env["PATH"]
        return result

    @staticmethod
    def parse_output_file(path):
        """$GITHUB_OUTPUT: name=value lines and name<<DELIMITER blocks."""
        out = {}
        lines = read(path).split("\n")
        i = 0
        while i < len(lines):
            line = lines[i]
            if "<<" in line and ("=" not in line or line.index("<<") < line.index("=")):
                name, delim = line.split("<<", 1)
                j = lines.index(delim, i + 1)
                out[name] = "\n".join(lines[i + 1:j])
                i = j + 1
                continue
            if line:
                name, _, value = line.partition("=")
                out[name] = value
            i += 1
        return out

    @staticmethod
    def gh_calls(log):
        if not os.path.exists(log):
            return []
        with open(log, encoding="utf-8") as f:
            return [json.loads(line) for line in f if line.strip()]

    @staticmethod
    def writes(calls):
        """The calls that changed something: (method, endpoint)."""
        return [(c["method"], c["endpoint"]) for c in calls if c.get("method") != "GET"]

    @staticmethod
    def comments(state_path):
        return json.loads(read(state_path))["comments"]

    def ours(self, state_path):
        return [c for c in self.comments(state_path)
                if c["user"]["login"] == BOT and c["body"].startswith(MARKER)]

    # -- GitHub: the action on a pull request, push after push ------------------

    def test_github_action_comments_once_and_updates_it_push_after_push(self):
        seeded = self.seeded_comments()
        state = self.gh_state(seeded)
        log = os.path.join(self.tmp, "gh.log")
        inputs = {"config": "profgate.json", "store": "git-notes",
                  "report-url": "https://ci.example/runs/1/profgate-report"}

        # Push 1: the regression.
        self.push_pr("grow-cache", 7, "cache the table", grow=True)
        ws = self.github_runner(7, "run1")
        self.fetch_notes(ws)
        run = self.run_action(ws, inputs, self.action_env(ws, state, log))
        check = run.step("profgate check")
        self.assertTrue(check["ran"], str(run))
        self.assertEqual(check["run"].returncode, 0, "the check step leaves the verdict to the last step\n%s"
                         % check["run"])
        self.assertIn("status=1\n", check["output_text"], "GITHUB_OUTPUT:\n%s\n%s" % (check["output_text"], check["run"]))
        self.assertEqual(run.outputs["status"], "1")
        self.assertEqual(check["env"]["PG_STORE"], "git-notes")
        self.assertEqual(check["env"]["PG_CONFIG"], "profgate.json")
        report = os.path.join(ws, "profgate-report")
        summary1 = read(os.path.join(report, "summary.md"))
        first = summary1.splitlines()[0]
        self.assertIn("regression", first)
        self.assertIn("`table`", first)
        self.assertTrue(check["step_summary"].startswith("earlier step\n"), check["step_summary"][:300])
        self.assertIn(summary1, check["step_summary"], "summary.md was not appended to GITHUB_STEP_SUMMARY")
        annotations = [l for l in check["run"].stdout.splitlines() if l.startswith("::error")]
        self.assertTrue(any("table" in l for l in annotations), check["run"].stdout)
        result = json.loads(read(os.path.join(report, "result.json")))
        self.assertEqual(result["baseline"]["commit"], self.main_commit)
        self.assertEqual(result["baseline"]["distance"], 0)
        # The upload step: a valid artifact name, the report directory.
        upload = run.step("upload the report")
        self.assertEqual(upload["uses"], "actions/upload-artifact@v4")
        self.assertEqual(upload["with"]["name"], "profgate-report")
        self.assertTrue(os.path.isfile(os.path.join(ws, upload["with"]["path"], "junit.xml")))
        # The comment: posted once.
        comment_step = run.step("PR comment")
        self.assertTrue(comment_step["ran"], str(run))
        self.assertEqual(comment_step["run"].returncode, 0, str(comment_step["run"]))
        self.assertEqual(comment_step["env"]["PG_PR"], "7")
        self.assertEqual(comment_step["env"]["PG_REPO"], REPO)
        calls = self.gh_calls(log)
        self.assertEqual([c.get("error") for c in calls if c.get("error")], [],
                         "the comment script asked the stand-in gh for something GitHub would refuse "
                         "or it does not do\n%s" % comment_step["run"])
        self.assertEqual(self.writes(calls), [("POST", "repos/%s/issues/7/comments" % REPO)], calls)
        ours = self.ours(state)
        self.assertEqual(len(ours), 1, ours)
        posted = ours[0]
        self.assertTrue(posted["body"].startswith(MARKER + "\n"))
        self.assertEqual(posted["body"], MARKER + "\n" + summary1)
        self.assertIn("`table`", posted["body"])
        self.assertIn("(https://ci.example/runs/1/profgate-report/table/diff-cpu.html)", posted["body"])
        # The verdict: the job fails.
        verdict = run.step("verdict")
        self.assertEqual(verdict["run"].returncode, 1, str(verdict["run"]))
        self.assertIn("::error::", verdict["run"].stdout)

        # Push 2: still regressing; a new runner, the same comment updated.
        merge2 = self.push_pr("grow-cache", 7, "document the cache", grow=True, extra_file="CACHE.md")
        ws = self.github_runner(7, "run2")
        self.fetch_notes(ws)
        os.remove(log)
        run = self.run_action(ws, inputs, self.action_env(ws, state, log))
        self.assertEqual(run.outputs["status"], "1", str(run))
        summary2 = read(os.path.join(ws, "profgate-report", "summary.md"))
        self.assertIn(merge2[:12], summary2)
        calls = self.gh_calls(log)
        # (Profgate's comment is now on the second page of 100.)
        self.assertEqual(self.writes(calls), [("PATCH", "repos/%s/issues/comments/%d" % (REPO, posted["id"]))],
                         "the second push must update the comment, not post another\n%s"
                         % run.step("PR comment")["run"])
        ours = self.ours(state)
        self.assertEqual([c["id"] for c in ours], [posted["id"]])
        self.assertEqual(ours[0]["body"], MARKER + "\n" + summary2)
        self.assertIn("updated comment %d" % posted["id"], run.step("PR comment")["run"].stdout)
        self.assertEqual(run.step("verdict")["run"].returncode, 1)

        # Push 3: the fix. Passing; the comment says so.
        self.push_pr("grow-cache", 7, "no cache after all", grow=False)
        ws = self.github_runner(7, "run3")
        self.fetch_notes(ws)
        os.remove(log)
        run = self.run_action(ws, inputs, self.action_env(ws, state, log))
        self.assertEqual(run.outputs["status"], "0", "%s\n%s" % (run, run.step("profgate check")["run"]))
        self.assertIn("status=0\n", run.step("profgate check")["output_text"])
        self.assertEqual(self.writes(self.gh_calls(log)),
                         [("PATCH", "repos/%s/issues/comments/%d" % (REPO, posted["id"]))])
        ours = self.ours(state)
        self.assertEqual(len(ours), 1)
        body_lines = ours[0]["body"].splitlines()
        self.assertEqual(body_lines[0], MARKER)
        self.assertIn("passed", body_lines[1])
        self.assertNotIn("❌", body_lines[1])
        self.assertNotIn("`table`", body_lines[1])
        self.assertEqual(run.step("verdict")["run"].returncode, 0, str(run.step("verdict")["run"]))
        self.assertEqual(run.status, "success")

        # Nobody else's comment was touched, across the three pushes.
        others = [c for c in self.comments(state) if c["id"] != posted["id"]]
        self.assertEqual(others, seeded)

    def test_github_action_records_on_main_and_checks_without_a_manual_notes_fetch(self):
        origin = os.path.join(self.tmp, "origin2.git")
        git(self.tmp, "clone", "-q", "--bare", self.origin, origin)
        self.assertEqual(git(self.tmp, "--git-dir", origin, "for-each-ref", "refs/notes"), "")
        dev = os.path.join(self.tmp, "dev2")
        git(self.tmp, "clone", "-q", self.url(origin), dev)
        state = self.gh_state([])
        log = os.path.join(self.tmp, "gh.log")

        def record(name):
            # actions/checkout@v4's default for a push: the commit alone, depth 1.
            ws = os.path.join(self.tmp, name)
            os.makedirs(ws)
            git(ws, "init", "-q")
            git(ws, "remote", "add", "origin", self.url(origin))
            git(ws, "fetch", "-q", "--depth", "1", "origin", "+refs/heads/main:refs/remotes/origin/main")
            git(ws, "checkout", "-q", "--detach", "refs/remotes/origin/main")
            run = self.run_action(ws, {"record": "true", "store": "git-notes"},
                                  self.action_env(ws, state, log), event="push")
            step = run.step("profgate check")
            self.assertEqual(run.outputs["status"], "0", str(step["run"]))
            self.assertIn("record", step["run"].stdout + step["run"].stderr)
            self.assertFalse(run.step("PR comment")["ran"])
            self.assertEqual(run.step("verdict")["run"].returncode, 0)
            return git(ws, "rev-parse", "HEAD")

        first = record("record1")
        self.assertEqual(first, self.main_commit)
        notes = git(self.tmp, "--git-dir", origin, "notes", "--ref", "profgate", "list")
        self.assertIn(first, notes, "the record did not reach origin")
        # The next commit on main: its note goes on top of origin's notes.
        git(dev, "commit", "-q", "--allow-empty", "-m", "next on main")
        git(dev, "push", "-q", "origin", "main")
        second = record("record2")
        self.assertNotEqual(second, first)
        notes = git(self.tmp, "--git-dir", origin, "notes", "--ref", "profgate", "list")
        self.assertIn(first, notes)
        self.assertIn(second, notes)

        # A pull request, checked without fetching the notes by hand.
        self.push_pr("grow", 11, "cache the table", grow=True, origin=origin, dev=dev)
        ws = self.github_runner(11, "check", origin=origin)
        run = self.run_action(ws, {"store": "git-notes"}, self.action_env(ws, state, log), pr=11)
        self.assertEqual(run.outputs["status"], "1", str(run.step("profgate check")["run"]))
        result = json.loads(read(os.path.join(ws, "profgate-report", "result.json")))
        self.assertEqual(result["baseline"]["commit"], second)

    def test_github_comment_when_the_build_failed_or_the_token_is_read_only(self):
        self.push_pr("docs", 8, "docs only", grow=False, extra_file="DOCS.md")
        ws = self.github_runner(8, "runner")
        self.fetch_notes(ws)
        log = os.path.join(self.tmp, "gh.log")
        # A fork's pull request: the token cannot write. The comment step
        # warns; the verdict still decides (and passes).
        state = self.gh_state([], read_only=True, pr=8)
        run = self.run_action(ws, {"store": "git-notes", "benchmarks": "small"},
                              self.action_env(ws, state, log), pr=8)
        result = json.loads(read(os.path.join(ws, "profgate-report", "result.json")))
        self.assertEqual([b["name"] for b in result["benchmarks"]], ["small"])
        comment = run.step("PR comment")
        self.assertEqual(comment["run"].returncode, 0, str(comment["run"]))
        self.assertIn("::warning::", comment["run"].stdout)
        self.assertEqual(self.comments(state), [])
        self.assertEqual(run.outputs["status"], "0", str(run.step("profgate check")["run"]))
        self.assertEqual(run.step("verdict")["run"].returncode, 0)
        # The build broke: no check, no report; the comment says so (it
        # would otherwise keep an earlier push's verdict) and the job fails.
        shutil.rmtree(os.path.join(ws, "profgate-report"))
        state = self.gh_state([], pr=8)
        run = self.run_action(ws, {"store": "git-notes"}, self.action_env(ws, state, log), pr=8,
                              build_fails=True)
        self.assertFalse(run.step("profgate check")["ran"], str(run))
        self.assertTrue(run.step("PR comment")["ran"], str(run))
        self.assertEqual(run.step("PR comment")["run"].returncode, 0, str(run.step("PR comment")["run"]))
        ours = self.ours(state)
        self.assertEqual(len(ours), 1, self.comments(state))
        self.assertIn("did not run", ours[0]["body"])
        self.assertIn("https://github.com/%s/actions/runs/4242" % REPO, ours[0]["body"])
        verdict = run.step("verdict")
        self.assertTrue(verdict["ran"])
        self.assertNotEqual(verdict["run"].returncode, 0)
        self.assertIn("::error::", verdict["run"].stdout)
        # Not a pull request: no comment step at all.
        run = self.run_action(ws, {"store": "git-notes"}, self.action_env(ws, state, log), event="push")
        self.assertFalse(run.step("PR comment")["ran"])
        self.assertEqual(run.step("verdict")["run"].returncode, 0, str(run.step("profgate check")["run"]))

    def test_github_verdict_step_maps_every_status(self):
        script = os.path.join(CI, "action-verdict.sh")
        cases = [("0", "false", 0, None), ("1", "false", 1, "::error::"), ("2", "false", 2, "::error::"),
                 ("3", "false", 0, "::warning::"), ("3", "true", 3, "::error::"), ("3", "TRUE", 3, "::error::"),
                 ("127", "false", 2, "::error::"), ("", "false", 2, "::error::")]
        for status, fail, expect, annotation in cases:
            with self.subTest(status=status, fail_on_inconclusive=fail):
                env = clean_env(PG_STATUS=status, PG_FAIL_ON_INCONCLUSIVE=fail)
                run = run_bash('bash "%s"' % script, self.tmp, env, "verdict %r" % status)
                self.assertEqual(run.returncode, expect, str(run))
                if annotation:
                    self.assertIn(annotation, run.stdout)
                else:
                    self.assertNotIn("::", run.stdout)

    # -- runner clones: notes, shallow ------------------------------------------

    def test_runner_clone_needs_the_notes_and_enough_history(self):
        # A PR of two commits, the second one regressing.
        git(self.dev, "fetch", "-q", "origin")
        git(self.dev, "checkout", "-q", "-b", "two-step", "origin/main")
        with open(os.path.join(self.dev, "STEP.md"), "w") as f:
            f.write("step 1\n")
        git(self.dev, "add", "STEP.md")
        git(self.dev, "commit", "-q", "-m", "step 1")
        self.write_config(self.dev, grow=True)
        git(self.dev, "commit", "-q", "-am", "step 2")
        git(self.dev, "push", "-q", "origin", "two-step")
        git(self.dev, "checkout", "-q", "main")
        out = os.path.join(self.tmp, "report")
        env = clean_env()

        def check(ws, expect):
            result = self.run_raw(["check", "-q", "--out", out], cwd=ws, env=env)
            self.assertEqual(result.returncode, expect, self.describe(result))
            return result, json.loads(read(os.path.join(out, "result.json")))

        # (a) A full clone without the notes: no baseline. With them, found.
        full = os.path.join(self.tmp, "full")
        git(self.tmp, "clone", "-q", "--branch", "two-step", self.url(self.origin), full)
        _, r = check(full, 3)
        self.assertEqual(r["baseline"]["status"], "none", r["baseline"])
        # The advice is the notes fetch (a clone never brings refs/notes/),
        # not "record one".
        self.assertIn("'git fetch origin refs/notes/profgate:refs/notes/profgate'", r["baseline"]["message"])
        self.fetch_notes(full)
        _, r = check(full, 1)
        self.assertEqual(r["baseline"]["status"], "found")
        self.assertEqual(r["baseline"]["commit"], self.main_commit)

        # (b) `--depth 1` of the PR branch: origin/main is not even there.
        shallow = os.path.join(self.tmp, "shallow")
        git(self.tmp, "clone", "-q", "--depth", "1", "--branch", "two-step", self.url(self.origin), shallow)
        self.fetch_notes(shallow)
        result, r = check(shallow, 3)
        self.assertEqual(r["baseline"]["status"], "base-missing", r["baseline"])
        # A single-branch clone keeps no origin/main for a plain
        # 'git fetch origin main': the advice names the refspec, the one
        # used just below.
        self.assertIn("'git fetch origin main:refs/remotes/origin/main'", r["baseline"]["message"])
        self.assertIn("fetch", result.stderr)
        self.assertIn("no baseline", read(os.path.join(out, "summary.md")).splitlines()[0])
        # The base branch, as shallow: the two histories do not meet yet.
        git(shallow, "fetch", "-q", "--depth", "1", "origin", "main:refs/remotes/origin/main")
        result, r = check(shallow, 3)
        self.assertEqual(r["baseline"]["status"], "shallow", r["baseline"])
        self.assertRegex(r["baseline"]["message"], r"--deepen|--unshallow|fetch-depth")
        self.assertIn("shallow", result.stderr)
        # The history: found, the regression caught.
        git(shallow, "fetch", "-q", "--unshallow", "origin")
        _, r = check(shallow, 1)
        self.assertEqual(r["baseline"]["status"], "found")
        self.assertEqual(r["baseline"]["commit"], self.main_commit)
        self.assertEqual(r["baseline"]["distance"], 0)

        # Through the action, a shallow single-branch clone (actions/checkout's
        # default depth) needs no git step in the workflow: the action fetches
        # the history and the pull request's base branch (github.base_ref).
        shallow2 = os.path.join(self.tmp, "shallow2")
        git(self.tmp, "clone", "-q", "--depth", "1", "--branch", "two-step", self.url(self.origin), shallow2)
        state = self.gh_state([])
        log = os.path.join(self.tmp, "gh.log")
        run = self.run_action(shallow2, {"store": "git-notes"}, self.action_env(shallow2, state, log))
        check = run.step("profgate check")["run"]
        self.assertEqual(run.outputs["exit-code"], "1", str(check))
        self.assertEqual(run.outputs["verdict"], "regressed")
        self.assertIn("the clone is shallow", check.stdout)
        self.assertEqual(git(shallow2, "rev-parse", "--is-shallow-repository"), "false")
        r = json.loads(read(os.path.join(shallow2, "profgate-report", "result.json")))
        self.assertEqual(r["baseline"]["commit"], self.main_commit)
        # A base that is not there: inconclusive, a warning, or a failure
        # with fail-on-inconclusive.
        for fail, expect in (("false", 0), ("true", 3)):
            run = self.run_action(shallow2, {"store": "git-notes", "base": "origin/gone",
                                             "fail-on-inconclusive": fail},
                                  self.action_env(shallow2, state, log))
            self.assertEqual(run.outputs["status"], "3", str(run.step("profgate check")["run"]))
            self.assertEqual(run.outputs["verdict"], "inconclusive")
            verdict = run.step("verdict")["run"]
            self.assertEqual(verdict.returncode, expect, str(verdict))
            self.assertIn("::warning::" if fail == "false" else "::error::", verdict.stdout)
        ours = self.ours(state)
        self.assertEqual(len(ours), 1)
        self.assertIn("inconclusive", ours[0]["body"].splitlines()[1])

    # -- GitLab: the template's jobs ------------------------------------------

    def gitlab_job_script(self, name):
        """The script lines of a job of ci/gitlab-profgate.yml, without the
        ones that fetch profgate's sources (apt-get, git clone, checkout: the
        sources are this tree), with ci/ scripts taken from this source tree.
        The install line runs: it finds profgate in the job's cache (seed
        it with gitlab_cache)."""
        doc = load_ci("gitlab-profgate.yml")
        job = doc[name]

        def flat(items):
            for item in items:
                if isinstance(item, list):
                    yield from flat(item)
                else:
                    yield item

        lines, skipped = [], []
        for line in flat(job["script"]):
            self.assertIsInstance(line, str, "job %s: a script line that YAML does not read as a "
                                             "string (GitLab refuses the file): %r" % (name, line))
            if re.search(r"apt-get|git clone|profgate-src checkout", line):
                skipped.append(line)
                continue
            lines.append(line.replace("/tmp/profgate-src/ci/", CI + "/")
                         .replace("/tmp/profgate-path", os.path.join(self.tmp, "profgate-path")))
        self.assertTrue(skipped, "the job %s no longer installs profgate as this test expects" % name)
        return doc, job, "\n".join(lines) + "\n"

    @staticmethod
    def flat_script(job):
        out = []
        for item in job["script"]:
            out.extend(item if isinstance(item, list) else [item])
        return out

    def gitlab_cache(self, ws):
        """GitLab's cache restore: .profgate-cache/ as an earlier job saved it."""
        shutil.copytree(os.path.join(self.cache_store, self.cache_key),
                        os.path.join(ws, ".profgate-cache", self.cache_key), symlinks=True)

    def gitlab_runner(self, origin, branch, name):
        """A workspace as GitLab's runner makes it: only the pipeline's branch
        is fetched (GIT_DEPTH 0: all of its history), HEAD detached."""
        ws = os.path.join(self.tmp, name)
        os.makedirs(ws)
        git(ws, "init", "-q")
        git(ws, "remote", "add", "origin", self.url(origin))
        git(ws, "fetch", "-q", "origin", "+refs/heads/%s:refs/remotes/origin/%s" % (branch, branch))
        git(ws, "checkout", "-q", "--detach", "refs/remotes/origin/%s" % branch)
        return ws

    def gitlab_env(self, doc, job, ws, state, log, **extra):
        path = [p for p in os.environ.get("PATH", "").split(os.pathsep)
                if p and os.path.abspath(p) != self.profgate_dir]
        env = runner_env(os.path.join(self.tmp, "home"),
                         PATH=os.pathsep.join([self.bin] + path),
                         CI="true", GITLAB_CI="true", CI_PROJECT_DIR=ws, CI_PROJECT_ID="42",
                         CI_PROJECT_PATH="group/widget", CI_SERVER_PROTOCOL="https",
                         CI_SERVER_HOST="gitlab.example", CI_SERVER_PORT="443",
                         CI_SERVER_URL="https://gitlab.example", CI_API_V4_URL="https://gitlab.example/api/v4",
                         CI_JOB_URL="https://gitlab.example/group/widget/-/jobs/99", CI_DEFAULT_BRANCH="main",
                         PROFGATE_GITLAB_TOKEN="glpat-standin",
                         PROFGATE_REPO="https://gitlab.example/tools/profgate.git",
                         PROFGATE_PATH_FILE=os.path.join(self.tmp, "profgate-path"),
                         PG_FAKE_GITLAB_STATE=state, PG_FAKE_CURL_LOG=log)
        for k, v in (doc.get("variables") or {}).items():
            env.setdefault(k, v)
        for k, v in (job.get("variables") or {}).items():
            env[k] = v
        env.update(extra)
        return env

    def test_gitlab_template_records_checks_and_keeps_one_note(self):
        # A project on GitLab: main and a merge request, no baseline yet.
        origin = os.path.join(self.tmp, "gl-origin.git")
        git(self.tmp, "clone", "-q", "--bare", self.origin, origin)
        self.assertEqual(git(self.tmp, "--git-dir", origin, "for-each-ref", "refs/notes"), "")
        dev = os.path.join(self.tmp, "gl-dev")
        git(self.tmp, "clone", "-q", self.url(origin), dev)
        self.push_pr("slow", 5, "cache the table", grow=True, origin=origin, dev=dev)

        state = os.path.join(self.tmp, "gitlab.json")
        seeded = [{"id": 10, "body": MARKER + "\nquoting the bot", "system": False,
                   "author": {"id": 3, "username": "alice"}, "created_at": "2024-01-01T00:00:00.000Z"}]
        seeded += [{"id": 11 + k, "body": "added 1 commit", "system": True,
                    "author": {"id": 4, "username": "dev"}, "created_at": "2024-01-02T00:00:%02d.000Z" % (k % 60)}
                   for k in range(150)]
        with open(state, "w") as f:
            json.dump({"api": "https://gitlab.example/api/v4", "project": "42", "mr": "5",
                       "tokens": {"glpat-standin": {"id": 7, "username": "project_42_bot"}},
                       "next_id": 5000, "notes": seeded}, f)
        log = os.path.join(self.tmp, "curl.log")
        mr = dict(CI_PIPELINE_SOURCE="merge_request_event", CI_MERGE_REQUEST_IID="5",
                  CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="slow")

        doc, check_job, check_script = self.gitlab_job_script("profgate-check")

        def run_check(name, expect):
            ws = self.gitlab_runner(origin, "slow", name)
            self.gitlab_cache(ws)
            env = self.gitlab_env(doc, check_job, ws, state, log, **mr)
            if os.path.exists(log):
                os.remove(log)
            run = run_bash(check_script, ws, env, "job profgate-check")
            self.assertEqual(run.returncode, expect, str(run))
            calls = self.gh_calls(log)
            self.assertEqual([c.get("error") for c in calls if c.get("error")], [], str(run))
            return ws, run, calls

        def ours():
            return [n for n in json.loads(read(state))["notes"]
                    if n["author"]["id"] == 7 and n["body"].startswith(MARKER)]

        # 1. No baseline on the remote yet: inconclusive, the job's status 3
        #    (allowed to fail: a warning), a note posted.
        ws, run, calls = run_check("check1", 3)
        self.assertIn("no baseline", read(os.path.join(ws, "profgate-report", "summary.md")).splitlines()[0])
        self.assertEqual([c["method"] for c in calls if c.get("method") != "GET"], ["POST"], calls)
        self.assertEqual(len(ours()), 1)
        note_id = ours()[0]["id"]
        self.assertIn("inconclusive", ours()[0]["body"].splitlines()[1])
        # The merge request gets busy: 150 newer notes.
        data = json.loads(read(state))
        data["notes"] += [{"id": 6000 + k, "body": "LGTM %d" % k, "system": False,
                           "author": {"id": 8, "username": "carol"},
                           "created_at": "2099-01-01T00:%02d:%02d.000Z" % (k // 60, k % 60)} for k in range(150)]
        with open(state, "w") as f:
            json.dump(data, f)

        # 2. The record job on main pushes the baseline, through the URL the
        #    job builds (redirected to the bare origin).
        doc, record_job, record_script = self.gitlab_job_script("profgate-record")
        ws = self.gitlab_runner(origin, "main", "record")
        self.gitlab_cache(ws)
        push_url = "https://oauth2:glpat-standin@gitlab.example:443/group/widget.git"
        git(ws, "config", "url.%s.insteadOf" % self.url(origin), push_url)
        env = self.gitlab_env(doc, record_job, ws, state, log, CI_PIPELINE_SOURCE="push", CI_COMMIT_BRANCH="main")
        run = run_bash(record_script, ws, env, "job profgate-record")
        self.assertEqual(run.returncode, 0, str(run))
        main_head = git(ws, "rev-parse", "HEAD")
        notes = git(self.tmp, "--git-dir", origin, "notes", "--ref", "profgate", "list")
        self.assertIn(main_head, notes, "the record job did not push the baseline of main")

        # 3. The merge request's pipeline again: the regression fails the
        #    job; the note is updated, found on the second of three pages.
        ws, run, calls = run_check("check2", 1)
        summary = read(os.path.join(ws, "profgate-report", "summary.md"))
        self.assertIn("`table`", summary.splitlines()[0])
        writes = [c for c in calls if c.get("method") != "GET"]
        self.assertEqual([c["method"] for c in writes], ["PUT"], calls)
        self.assertTrue(writes[0]["url"].endswith("/notes/%d" % note_id), writes[0])
        self.assertEqual([n["id"] for n in ours()], [note_id])
        self.assertEqual(ours()[0]["body"], MARKER + "\n" + summary)
        # What the job keeps: the junit report where artifacts:reports:junit
        # says, the directory expose_as shows.
        artifacts = check_job["artifacts"]
        self.assertTrue(os.path.isfile(os.path.join(ws, artifacts["reports"]["junit"])))
        with open(os.path.join(ws, artifacts["reports"]["junit"]), encoding="utf-8") as f:
            self.assertRegex(f.read(), r'<testcase classname="profgate.table" name="peak_heap">\s*<failure')
        for path in artifacts["paths"]:
            if path != "profgate-shards/":  # sharded checks only
                self.assertTrue(os.path.isdir(os.path.join(ws, path)), path)

        # 4. The fix: the job passes, the note says so.
        self.push_pr("slow", 5, "no cache after all", grow=False, origin=origin, dev=dev)
        ws, run, calls = run_check("check3", 0)
        self.assertEqual([c["method"] for c in calls if c.get("method") != "GET"], ["PUT"], calls)
        self.assertIn("passed", ours()[0]["body"].splitlines()[1])
        # Nobody else's note was touched (alice's quotes the marker).
        others = [n for n in json.loads(read(state))["notes"] if n["id"] != note_id]
        self.assertEqual(others, [n for n in data["notes"] if n["id"] != note_id])
        self.assertEqual(others[0], seeded[0])


    def test_gitlab_sharded_check_merges_into_one_note(self):
        self.push_pr("glshard", 6, "cache the table", grow=True)
        state = os.path.join(self.tmp, "gitlab.json")
        with open(state, "w") as f:
            json.dump({"api": "https://gitlab.example/api/v4", "project": "42", "mr": "6",
                       "tokens": {"glpat-standin": {"id": 7, "username": "project_42_bot"}},
                       "next_id": 5000, "notes": []}, f)
        log = os.path.join(self.tmp, "curl.log")
        mr = dict(CI_PIPELINE_SOURCE="merge_request_event", CI_MERGE_REQUEST_IID="6",
                  CI_MERGE_REQUEST_TARGET_BRANCH_NAME="main", CI_MERGE_REQUEST_SOURCE_BRANCH_NAME="glshard",
                  PROFGATE_SHARDS="2")
        doc, check_job, check_script = self.gitlab_job_script("profgate-check")
        merge_ws = os.path.join(self.tmp, "merge")
        statuses = []
        for k in (1, 2):
            ws = self.gitlab_runner(self.origin, "glshard", "shard%d" % k)
            self.gitlab_cache(ws)
            env = self.gitlab_env(doc, check_job, ws, state, log, CI_NODE_INDEX=str(k), CI_NODE_TOTAL="2", **mr)
            run = run_bash(check_script, ws, env, "job profgate-check %d/2" % k)
            statuses.append(run.returncode)
            self.assertIn("--shard %d/2" % k, run.stdout, str(run))
            self.assertTrue(os.path.isfile(os.path.join(ws, "profgate-shards", str(k), "result.json")), str(run))
            # The artifacts (profgate-shards/), as the merge job's needs: brings them.
            shutil.copytree(os.path.join(ws, "profgate-shards", str(k)),
                            os.path.join(merge_ws, "profgate-shards", str(k)))
        self.assertEqual(statuses, [1, 0], "table is in shard 1, small in shard 2")
        self.assertEqual(json.loads(read(state))["notes"], [], "a shard must not post the note")
        doc, merge_job, merge_script = self.gitlab_job_script("profgate-merge")
        self.assertEqual(merge_job["needs"][0]["job"], "profgate-check")
        git(self.tmp, "clone", "-q", self.url(self.origin), os.path.join(self.tmp, "merge-clone"))
        for name in os.listdir(os.path.join(self.tmp, "merge-clone")):
            shutil.move(os.path.join(self.tmp, "merge-clone", name), merge_ws)
        self.gitlab_cache(merge_ws)
        env = self.gitlab_env(doc, merge_job, merge_ws, state, log, **mr)
        run = run_bash(merge_script, merge_ws, env, "job profgate-merge")
        self.assertEqual(run.returncode, 1, str(run))
        summary = read(os.path.join(merge_ws, "profgate-report", "summary.md"))
        self.assertIn("`table`", summary.splitlines()[0])
        self.assertIn("`small`", summary)
        self.assertTrue(os.path.isfile(os.path.join(merge_ws, merge_job["artifacts"]["reports"]["junit"])))
        notes = json.loads(read(state))["notes"]
        self.assertEqual(len(notes), 1, notes)
        self.assertEqual(notes[0]["body"], MARKER + "\n" + summary)

    # -- the CI files agree with each other and with the scripts ----------------

    def test_ci_files_agree(self):
        action = load_ci("action.yml")
        action_text = read(os.path.join(CI, "action.yml"))
        # The notes fetch that this test runs is the one the header documents.
        self.assertIn("git fetch origin refs/notes/profgate:refs/notes/profgate", action_text)
        # Every script a step runs exists; every PG_* variable a step passes
        # is read by the script it runs; every input is used.
        steps = action["runs"]["steps"]
        used_inputs = set()
        for step in steps:
            for k, v in list((step.get("env") or {}).items()) + list((step.get("with") or {}).items()):
                used_inputs.update(re.findall(r"inputs\.([A-Za-z0-9_-]+)", str(v)))
            used_inputs.update(re.findall(r"inputs\.([A-Za-z0-9_-]+)", str(step.get("if", ""))))
            run = step.get("run", "")
            scripts = re.findall(r"\$\{\{ github\.action_path \}\}/([A-Za-z0-9_.-]+)", run)
            for script in scripts:
                self.assertTrue(os.path.isfile(os.path.join(CI, script)), "action.yml runs ci/%s, which is missing" % script)
            if step.get("env") and scripts:
                text = "".join(read(os.path.join(CI, s)) for s in scripts)
                for var in step["env"]:
                    if var.startswith("PG_"):
                        self.assertIn(var, text, "step %r passes %s, which %s never reads"
                                      % (step.get("name"), var, ", ".join(scripts)))
                for var in set(re.findall(r"\$\{(PG_[A-Z_]+):\?", text)):
                    self.assertIn(var, step["env"], "%s needs %s; step %r does not pass it" % (scripts, var, step.get("name")))
        self.assertEqual(sorted(set(action["inputs"]) - used_inputs), [], "inputs that no step uses")
        self.assertEqual(sorted(used_inputs - set(action["inputs"])), [], "steps use undeclared inputs")

        gl = load_ci("gitlab-profgate.yml")
        for name in ("profgate-check", "profgate-record"):
            for line in self.gitlab_job_script(name)[2].splitlines():
                for script in re.findall(re.escape(CI) + r"/([A-Za-z0-9_.-]+)", line):
                    self.assertTrue(os.path.isfile(os.path.join(CI, script)), script)
        for script in re.findall(r"/tmp/profgate-src/ci/([A-Za-z0-9_.-]+)", read(os.path.join(CI, "gitlab-profgate.yml"))):
            self.assertTrue(os.path.isfile(os.path.join(CI, script)), "the template runs ci/%s, which is missing" % script)
        check_job = gl["profgate-check"]
        self.assertIn("bash /tmp/profgate-src/ci/gitlab-job.sh check", self.flat_script(check_job))
        self.assertIn("bash /tmp/profgate-src/ci/gitlab-job.sh record", self.flat_script(gl["profgate-record"]))
        self.assertIn("bash /tmp/profgate-src/ci/gitlab-job.sh merge", self.flat_script(gl["profgate-merge"]))
        # What issue 14 asked of the template: stated image and stage, full
        # history, no before_script of its own, every variable with a default.
        for name in ("profgate-check", "profgate-record", "profgate-merge"):
            job = dict(gl[".profgate-job"], **gl[name])
            self.assertNotIn("before_script", gl[name])
            self.assertEqual(job["image"], "$PROFGATE_IMAGE")
            self.assertEqual(gl[".profgate-job"]["variables"]["GIT_DEPTH"], "0")
            self.assertIn(job["stage"], ("test", ".post"))
        self.assertNotIn("before_script", gl[".profgate-job"])
        template = read(os.path.join(CI, "gitlab-profgate.yml"))
        for var in set(re.findall(r"PROFGATE_[A-Z_]+", template + read(os.path.join(CI, "gitlab-job.sh")))):
            if var not in ("PROFGATE_GITLAB_TOKEN", "PROFGATE_PATH_FILE"):
                self.assertIn(var, gl["variables"], "%s is used but has no default in variables:" % var)
        # The report the job writes (gitlab-job.sh: profgate-report) is the
        # one its artifacts keep.
        out = re.search(r"^out=(\S+)$", read(os.path.join(CI, "gitlab-job.sh")), re.M).group(1)
        self.assertEqual(check_job["artifacts"]["reports"]["junit"], out + "/junit.xml")
        self.assertEqual(check_job["artifacts"]["when"], "always")
        self.assertIn(out + "/", check_job["artifacts"]["paths"])
        self.assertIn("profgate-shards/", check_job["artifacts"]["paths"])
        self.assertRegex(check_job["artifacts"].get("expose_as") or "", r"^[A-Za-z0-9 _-]+$")
        self.assertIn("3", check_job["allow_failure"]["exit_codes"])

        def runs(job, env):
            """A job's rules, for `if:` of `$A == $B`, `$A == "text"`, `!=`, joined by &&."""
            for rule in gl[job]["rules"]:
                ok = True
                for part in rule["if"].split("&&"):
                    m = re.fullmatch(r'\$(\w+) (==|!=) (?:\$(\w+)|"([^"]*)")', part.strip())
                    self.assertIsNotNone(m, "rule not understood by this test: %s" % rule["if"])
                    lhs = env.get(m.group(1), gl["variables"].get(m.group(1)))
                    rhs = env.get(m.group(3), gl["variables"].get(m.group(3))) if m.group(3) else m.group(4)
                    equal = lhs is not None and lhs == rhs
                    ok = ok and (equal if m.group(2) == "==" else not equal)
                if ok:
                    return rule.get("when", "on_success") != "never"
            return False

        main_push = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "main", "CI_DEFAULT_BRANCH": "main"}
        other_push = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_BRANCH": "feature", "CI_DEFAULT_BRANCH": "main"}
        mr = {"CI_PIPELINE_SOURCE": "merge_request_event", "CI_DEFAULT_BRANCH": "main",
              "CI_MERGE_REQUEST_TARGET_BRANCH_NAME": "main"}
        tag = {"CI_PIPELINE_SOURCE": "push", "CI_COMMIT_TAG": "v1", "CI_DEFAULT_BRANCH": "main"}
        self.assertEqual([runs("profgate-record", e) for e in (main_push, other_push, mr, tag)],
                         [True, False, False, False])
        self.assertEqual([runs("profgate-check", e) for e in (main_push, other_push, mr, tag)],
                         [False, False, True, False])
        sharded = dict(mr, PROFGATE_SHARDS="3")
        self.assertEqual([runs("profgate-merge", e) for e in (main_push, mr, sharded)], [False, False, True])


    # -- what docs/ci.md shows, run as written --------------------------------------

    @staticmethod
    def docs_example(name):
        """The code block of docs/ci.md marked <!-- ci-example: NAME -->."""
        text = read(os.path.join(SOURCE, "docs", "ci.md"))
        m = re.search(r"<!-- ci-example: %s -->\n```\w+\n(.*?)\n```" % re.escape(name), text, re.S)
        if not m:
            raise AssertionError("docs/ci.md has no example %r" % name)
        return m.group(1)

    def docs_workflow_job(self, name, job):
        """A job of a workflow of docs/ci.md: its checkout's fetch-depth, and
        the inputs of its profgate step (the one that uses OWNER/profgate/ci@REF)."""
        workflow = miniyaml.load(self.docs_example(name))
        steps = workflow["jobs"][job]["steps"]
        checkout = [s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@")]
        ours = [s for s in steps if str(s.get("uses", "")).startswith("OWNER/profgate/ci@")]
        self.assertEqual(len(checkout), 1, steps)
        self.assertEqual(len(ours), 1, steps)
        depth = (checkout[0].get("with") or {}).get("fetch-depth", "1")
        return workflow, depth, dict(ours[0].get("with") or {})

    def dev_project(self):
        """A C project whose default branch is `dev` (there is no main):
        `make bench` builds (here: marks) the benchmarks; profgate.json names
        no base."""
        origin = os.path.join(self.tmp, "dev-origin.git")
        git(self.tmp, "init", "-q", "--bare", "-b", "dev", origin)
        dev = os.path.join(self.tmp, "dev-clone")
        git(self.tmp, "clone", "-q", self.url(origin), dev)
        git(dev, "checkout", "-q", "-b", "dev")
        with open(os.path.join(dev, "Makefile"), "w") as f:
            f.write("bench:\n\tmkdir -p build && date > build/bench-built\n")
        with open(os.path.join(dev, ".gitignore"), "w") as f:
            f.write("profgate-report/\nbuild/\n")
        self.write_config(dev, grow=False, base=None)
        git(dev, "add", "Makefile", ".gitignore", "profgate.json")
        git(dev, "commit", "-q", "-m", "benchmarks")
        git(dev, "push", "-q", "origin", "dev")
        return origin, dev

    def test_docs_github_workflow_of_a_project_whose_default_branch_is_dev(self):
        workflow, depth, inputs = self.docs_workflow_job("github-c", "check")
        _, record_depth, record_inputs = self.docs_workflow_job("github-c", "record")
        self.assertEqual(workflow["on"]["push"]["branches"], ["dev"])
        self.assertEqual(depth, "0")
        self.assertEqual(record_inputs.get("record"), "true")
        origin, dev = self.dev_project()
        state = self.gh_state([], pr=21)
        log = os.path.join(self.tmp, "gh.log")

        # The record job: actions/checkout's default depth for a push.
        ws = os.path.join(self.tmp, "record")
        os.makedirs(ws)
        git(ws, "init", "-q")
        git(ws, "remote", "add", "origin", self.url(origin))
        git(ws, "fetch", "-q", "--depth", record_depth, "origin", "+refs/heads/dev:refs/remotes/origin/dev")
        git(ws, "checkout", "-q", "--detach", "refs/remotes/origin/dev")
        run = self.run_action(ws, record_inputs, self.action_env(ws, state, log), event="push")
        self.assertEqual(run.outputs["exit-code"], "0", str(run.step("profgate check")["run"]))
        self.assertTrue(os.path.isfile(os.path.join(ws, "build", "bench-built")), "the build input did not run")
        dev_head = git(ws, "rev-parse", "HEAD")
        self.assertIn(dev_head, git(self.tmp, "--git-dir", origin, "notes", "--ref", "profgate", "list"))

        # A pull request into dev: the base comes from the event (github.base_ref).
        git(dev, "checkout", "-q", "-b", "grow")
        self.write_config(dev, grow=True, base=None)
        git(dev, "commit", "-q", "-am", "cache the table")
        git(dev, "push", "-q", "origin", "grow", "grow:refs/pull/21/head")
        git(dev, "checkout", "-q", "--detach", "origin/dev")
        git(dev, "merge", "-q", "--no-ff", "-m", "Merge grow into dev", "grow")
        git(dev, "push", "-q", "origin", "HEAD:refs/pull/21/merge")
        ws = self.github_runner(21, "check", origin=origin)
        self.assertEqual(git(ws, "rev-parse", "--is-shallow-repository"), "false")
        run = self.run_action(ws, inputs, self.action_env(ws, state, log), pr=21, base_ref="dev")
        check = run.step("profgate check")["run"]
        self.assertEqual(run.outputs["exit-code"], "1", str(check))
        self.assertEqual(run.outputs["verdict"], "regressed")
        self.assertIn("--base origin/dev", check.stdout)
        self.assertTrue(os.path.isfile(os.path.join(ws, "build", "bench-built")))
        result = json.loads(read(os.path.join(ws, "profgate-report", "result.json")))
        self.assertEqual(result["baseline"]["commit"], dev_head)
        self.assertEqual(run.outputs["report-dir"], os.path.join(ws, "profgate-report"))
        self.assertEqual(run.outputs["summary-path"], os.path.join(ws, "profgate-report", "summary.md"))
        self.assertEqual(len(self.ours(state)), 1)
        self.assertEqual(run.step("verdict")["run"].returncode, 1)

    def test_docs_python_and_gitlab_examples_use_what_the_ci_files_declare(self):
        _, depth, inputs = self.docs_workflow_job("github-python", "check")
        self.assertEqual(depth, "0")
        declared = load_ci("action.yml")["inputs"]
        for job in ("check", "record"):
            _, _, inputs = self.docs_workflow_job("github-python", job)
            for key in inputs:
                self.assertIn(key, declared)
        _, _, inputs = self.docs_workflow_job("github-c", "check")
        for key in inputs:
            self.assertIn(key, declared)
        gl = miniyaml.load(self.docs_example("gitlab"))
        self.assertEqual(gl["include"][0]["file"], "ci/gitlab-profgate.yml")
        self.assertTrue(gl["include"][0]["ref"])
        template = load_ci("gitlab-profgate.yml")
        for var in gl["variables"]:
            self.assertIn(var, template["variables"], "docs/ci.md sets %s, which the template does not know" % var)
        self.assertEqual(gl["variables"]["PROFGATE_REF"], gl["include"][0]["ref"])
        # Every input and output of the action, every variable of the template, is in the guide.
        guide = read(os.path.join(SOURCE, "docs", "ci.md"))
        action = load_ci("action.yml")
        for name in list(action["inputs"]) + list(action["outputs"]) + list(template["variables"]):
            self.assertIn("`%s`" % name, guide, "docs/ci.md does not document %s" % name)

    def package_tarball(self, where):
        """A tarball of the relocatable tree as ci/package.sh makes it (here:
        the tree in the stand-in cache, which is this build installed)."""
        top = os.path.join(self.tmp, "pkg", "profgate-0.1.0-linux-x86_64-debian12")
        shutil.copytree(os.path.join(self.cache_store, self.cache_key), top, symlinks=True)
        subprocess.run(["tar", "-C", os.path.dirname(top), "-czf", where, os.path.basename(top)], check=True)
        return where

    def test_docs_plain_shell_script_checks_a_shallow_clone(self):
        script = self.docs_example("shell")
        self.push_pr("plain", 23, "cache the table", grow=True)
        ws = os.path.join(self.tmp, "agent")
        git(self.tmp, "clone", "-q", "--depth", "1", "--branch", "plain", self.url(self.origin), ws)
        self.package_tarball(os.path.join(ws, "profgate.tar.gz"))
        env = runner_env(os.path.join(self.tmp, "home"), BASE_BRANCH="main",
                         PATH=os.pathsep.join(p for p in os.environ.get("PATH", "").split(os.pathsep)
                                              if p and os.path.abspath(p) != self.profgate_dir))
        run = run_bash(script, ws, env, "docs/ci.md plain shell")
        self.assertEqual(run.returncode, 1, str(run))
        self.assertIn("regression", run.stdout)
        summary = read(os.path.join(ws, "profgate-report", "summary.md"))
        self.assertIn("`table`", summary.splitlines()[0])
        result = json.loads(read(os.path.join(ws, "profgate-report", "result.json")))
        self.assertEqual(result["baseline"]["commit"], self.main_commit)

    # -- the action's install paths, forks, build and compare, Pages, push races ---

    def test_github_action_builds_once_then_restores_or_installs_a_package(self):
        self.push_pr("install", 24, "docs", grow=False, extra_file="INSTALL.md")
        state = self.gh_state([], pr=24)
        log = os.path.join(self.tmp, "gh.log")
        store = os.path.join(self.tmp, "empty-cache")
        os.makedirs(store)
        ws = self.github_runner(24, "miss")
        env = self.action_env(ws, state, log)
        run = self.run_action(ws, {"store": "git-notes"}, env, pr=24, cache_store=store)
        install = run.step("install profgate")["run"]
        self.assertEqual(install.returncode, 0, str(install))
        self.assertIn("building it once", install.stdout)
        self.assertEqual(run.outputs["exit-code"], "0", str(run.step("profgate check")["run"]))
        key = run.step("restore profgate")["with"]["key"]
        self.assertEqual(key, self.cache_key)
        self.assertTrue(os.access(os.path.join(store, key, "bin", "profgate"), os.X_OK),
                        "actions/cache's post step had no tree to save")
        # The tree carries the libraries it loads, found through its run path.
        libs = os.listdir(os.path.join(store, key, "lib", "profgate"))
        self.assertIn("libprofgate_collector.so", libs)
        self.assertIn("libprofgate_collector_cpu.so", libs)
        self.assertTrue(any(l.startswith("libgit2.so") for l in libs), libs)
        self.assertTrue(any(l.startswith("libunwind.so") for l in libs), libs)

        # The next run on a fresh runner: restored, nothing built.
        ws = self.github_runner(24, "hit")
        env = self.action_env(ws, state, log, RUNNER_TOOL_CACHE=os.path.join(self.tmp, "toolcache2"))
        run = self.run_action(ws, {"store": "git-notes"}, env, pr=24, cache_store=store)
        install = run.step("install profgate")["run"]
        self.assertIn("from the cache", install.stdout, str(install))
        self.assertNotIn("building", install.stdout)
        self.assertTrue(run.path.startswith(os.path.join(self.tmp, "toolcache2")), run.path)
        self.assertEqual(run.outputs["exit-code"], "0")

        # A release tarball instead: no cache step at all.
        ws = self.github_runner(24, "package")
        tarball = self.package_tarball(os.path.join(ws, "profgate.tar.gz"))
        env = self.action_env(ws, state, log, RUNNER_TOOL_CACHE=os.path.join(self.tmp, "toolcache3"))
        run = self.run_action(ws, {"store": "git-notes", "package": "profgate.tar.gz"}, env, pr=24,
                              cache_store=store)
        self.assertFalse(run.step("restore profgate")["ran"])
        self.assertNotIn("outputs", run.step("restore profgate"))
        install = run.step("install profgate")["run"]
        self.assertIn("from profgate.tar.gz", install.stdout, str(install))
        self.assertTrue(os.path.isfile(tarball))
        self.assertEqual(run.outputs["exit-code"], "0", str(run.step("profgate check")["run"]))
        # Not a tarball of profgate: a clear error, the job fails.
        with open(os.path.join(ws, "bogus.tar.gz"), "wb") as f:
            f.write(b"not a tarball")
        env = self.action_env(ws, state, log, RUNNER_TOOL_CACHE=os.path.join(self.tmp, "toolcache4"))
        run = self.run_action(ws, {"store": "git-notes", "package": "bogus.tar.gz"}, env, pr=24)
        self.assertNotEqual(run.step("install profgate")["run"].returncode, 0)
        self.assertFalse(run.step("profgate check")["ran"])
        self.assertNotEqual(run.step("verdict")["run"].returncode, 0)

    def test_github_fork_pull_request_gets_the_job_summary_not_a_comment(self):
        self.push_pr("fork", 25, "cache the table", grow=True)
        ws = self.github_runner(25, "fork")
        state = self.gh_state([], read_only=True, pr=25)
        log = os.path.join(self.tmp, "gh.log")
        run = self.run_action(ws, {"store": "git-notes"}, self.action_env(ws, state, log), pr=25,
                              head_repo="mallory/widget")
        check = run.step("profgate check")
        self.assertEqual(check["env"]["PG_FORK"], "true")
        self.assertEqual(run.outputs["verdict"], "regressed", str(check["run"]))
        self.assertIn("comes from a fork", check["step_summary"])
        self.assertIn("profgate-report", check["step_summary"])
        self.assertIn(read(os.path.join(ws, "profgate-report", "summary.md")), check["step_summary"])
        self.assertIn("::notice::", check["run"].stdout)
        self.assertFalse(run.step("PR comment")["ran"], "a fork's token cannot comment")
        self.assertEqual(self.gh_calls(log), [])
        self.assertEqual(run.step("verdict")["run"].returncode, 1)
        # The same repository: no fork note.
        run = self.run_action(ws, {"store": "git-notes", "comment": "false"}, self.action_env(ws, state, log), pr=25)
        self.assertEqual(run.step("profgate check")["env"]["PG_FORK"], "false")
        self.assertNotIn("fork", run.step("profgate check")["step_summary"])

    def test_github_build_input_and_compare_passthrough(self):
        self.push_pr("build", 26, "docs", grow=False, extra_file="BUILD.md")
        ws = self.github_runner(26, "build")
        state = self.gh_state([], pr=26)
        log = os.path.join(self.tmp, "gh.log")
        inputs = {"store": "git-notes", "comment": "false", "build": "echo built > bench-built.txt"}
        run = self.run_action(ws, inputs, self.action_env(ws, state, log), pr=26)
        check = run.step("profgate check")["run"]
        self.assertEqual(run.outputs["exit-code"], "0", str(check))
        self.assertEqual(read(os.path.join(ws, "bench-built.txt")), "built\n")
        self.assertNotIn("--compare", check.stdout)
        # A build that fails: an error, profgate never runs.
        run = self.run_action(ws, dict(inputs, build="exit 7"), self.action_env(ws, state, log), pr=26)
        check = run.step("profgate check")["run"]
        self.assertEqual(run.outputs["exit-code"], "2", str(check))
        self.assertEqual(run.outputs["verdict"], "error")
        self.assertIn("the build command failed", check.stdout)
        self.assertNotIn("action-check: profgate check", check.stdout)
        self.assertEqual(run.step("verdict")["run"].returncode, 2)
        # compare: passed through as --compare. Whether profgate takes it
        # depends on its interleaved mode; without it, the refusal is an
        # error (2) that names the option, never a silent baseline check.
        run = self.run_action(ws, dict(inputs, build="", compare="interleaved"), self.action_env(ws, state, log), pr=26)
        check = run.step("profgate check")["run"]
        self.assertIn("--compare interleaved", check.stdout)
        has_compare = "--compare" in self.run_raw(["check", "--help"], env=clean_env()).stdout.decode()
        if has_compare:
            self.assertNotEqual(run.outputs["exit-code"], "2", str(check))
        else:
            self.assertEqual(run.outputs["exit-code"], "2", str(check))
            self.assertIn("--compare", check.stderr)

    def test_github_pages_branch_publishes_the_report_the_comment_links_to(self):
        origin = os.path.join(self.tmp, "pages-origin.git")
        git(self.tmp, "clone", "-q", "--bare", self.origin, origin)
        git(self.tmp, "--git-dir", origin, "fetch", "-q", self.origin, "refs/notes/profgate:refs/notes/profgate")
        dev = os.path.join(self.tmp, "pages-dev")
        git(self.tmp, "clone", "-q", self.url(origin), dev)
        self.push_pr("pages", 27, "cache the table", grow=True, origin=origin, dev=dev)
        ws = self.github_runner(27, "pages", origin=origin)
        state = self.gh_state([], pr=27)
        log = os.path.join(self.tmp, "gh.log")
        run = self.run_action(ws, {"store": "git-notes", "pages-branch": "gh-pages"},
                              self.action_env(ws, state, log), pr=27)
        url = "https://acme.github.io/widget/profgate/4242-1"
        self.assertEqual(run.outputs["report-url"], url, str(run.step("profgate check")["run"]))
        publish = run.step("publish the report")
        self.assertTrue(publish["ran"], str(run))
        self.assertEqual(publish["run"].returncode, 0, str(publish["run"]))
        files = git(self.tmp, "--git-dir", origin, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
        self.assertIn("profgate/4242-1/index.html", files)
        self.assertIn("profgate/4242-1/summary.md", files)
        self.assertTrue(any(f.startswith("profgate/4242-1/table/") and f.endswith(".html") for f in files), files)
        self.assertNotIn("profgate/4242-1/.status", files)
        body = self.ours(state)[0]["body"]
        self.assertIn("(%s/table/diff-cpu.html)" % url, body)
        self.assertNotIn("artifact of this run", body)
        # A second run adds its own folder, keeps the first.
        run = self.run_action(ws, {"store": "git-notes", "pages-branch": "gh-pages"},
                              self.action_env(ws, state, log, GITHUB_RUN_ID="4243"), pr=27)
        self.assertEqual(run.step("publish the report")["run"].returncode, 0)
        files = git(self.tmp, "--git-dir", origin, "ls-tree", "-r", "--name-only", "gh-pages").splitlines()
        self.assertIn("profgate/4242-1/index.html", files)
        self.assertIn("profgate/4243-1/index.html", files)
        # A fork: no push to Pages.
        run = self.run_action(ws, {"store": "git-notes", "pages-branch": "gh-pages"},
                              self.action_env(ws, state, log, GITHUB_RUN_ID="4244"), pr=27, head_repo="mallory/widget")
        self.assertFalse(run.step("publish the report")["ran"])

    def test_github_record_push_retries_after_another_job_pushed_first(self):
        origin = os.path.join(self.tmp, "race-origin.git")
        git(self.tmp, "clone", "-q", "--bare", self.origin, origin)
        self.assertEqual(git(self.tmp, "--git-dir", origin, "for-each-ref", "refs/notes"), "")
        # The other job (a shard recording `small` of the same commit),
        # ready to push; it pushes while this job's record is about to.
        other = os.path.join(self.tmp, "other-job")
        git(self.tmp, "clone", "-q", self.url(origin), other)
        result = self.run_raw(["record", "-q", "--bench", "small"], cwd=other, env=clean_env())
        self.assertEqual(result.returncode, 0, self.describe(result))
        real_git = shutil.which("git")
        wrapper_dir = os.path.join(self.tmp, "racing-git")
        os.makedirs(wrapper_dir)
        mark = os.path.join(self.tmp, "raced")
        with open(os.path.join(wrapper_dir, "git"), "w") as f:
            f.write('#!/bin/sh\nif [ "$1" = push ] && [ ! -e "%s" ]; then\n'
                    '  touch "%s"\n  "%s" -C "%s" push -q origin refs/notes/profgate || exit 99\nfi\n'
                    'exec "%s" "$@"\n' % (mark, mark, real_git, other, real_git))
        os.chmod(os.path.join(wrapper_dir, "git"), stat.S_IRWXU)

        ws = os.path.join(self.tmp, "record")
        os.makedirs(ws)
        git(ws, "init", "-q")
        git(ws, "remote", "add", "origin", self.url(origin))
        git(ws, "fetch", "-q", "--depth", "1", "origin", "+refs/heads/main:refs/remotes/origin/main")
        git(ws, "checkout", "-q", "--detach", "refs/remotes/origin/main")
        env = self.action_env(ws, self.gh_state([]), os.path.join(self.tmp, "gh.log"))
        env["PATH"] = wrapper_dir + os.pathsep + env["PATH"]
        run = self.run_action(ws, {"store": "git-notes", "record": "true", "benchmarks": "table"}, env, event="push")
        check = run.step("profgate check")["run"]
        self.assertTrue(os.path.exists(mark), "the racing push did not happen\n%s" % check)
        self.assertEqual(run.outputs["exit-code"], "0", str(check))
        self.assertIn("refused the push", check.stdout)
        self.assertIn("pushed the baseline", check.stdout)
        note = json.loads(git(self.tmp, "--git-dir", origin, "notes", "--ref", "profgate", "show", self.main_commit))
        self.assertEqual(sorted(note["benchmarks"]), ["small", "table"],
                         "one job's benchmarks were lost in the race")
        # profgate reads the merged note.
        git(other, "fetch", "-q", "origin", "+refs/notes/profgate:refs/notes/profgate")
        listing = self.run_raw(["baseline", "show", self.main_commit], cwd=other, env=clean_env())
        self.assertEqual(listing.returncode, 0, self.describe(listing))

    # -- shards, merged into one comment ------------------------------------------

    def test_sharded_checks_merge_into_one_comment(self):
        self.push_pr("shards", 9, "cache the table", grow=True)
        ws = self.github_runner(9, "runner")
        self.fetch_notes(ws)
        state = self.gh_state([], pr=9)
        log = os.path.join(self.tmp, "gh.log")
        shards = os.path.join(ws, "shards")
        statuses = []
        for k in (1, 2):
            run = self.run_action(ws, {"store": "git-notes", "shard": "%d/2" % k},
                                  self.action_env(ws, state, log), pr=9)
            check = run.step("profgate check")
            self.assertEqual(check["env"]["PG_SHARD"], "%d/2" % k)
            statuses.append(run.outputs["status"])
            self.assertFalse(run.step("PR comment")["ran"], "a shard must not post the comment")
            name = run.step("upload the report")["with"]["name"]
            self.assertEqual(name, "profgate-report-%d-of-2" % k)
            self.assertNotRegex(name, r'["/:<>|*?\\\r\n]', "not a valid artifact name")
            # upload-artifact, then download-artifact into shards/<name>/
            shutil.move(os.path.join(ws, "profgate-report"), os.path.join(shards, name))
        self.assertEqual(statuses, ["1", "0"], "table is in shard 1, small in shard 2")
        self.assertEqual(self.comments(state), [])

        help_text = self.run_raw(["help"], env=clean_env()).stdout.decode(errors="replace")
        self.assertIn("merge-reports", help_text, "profgate has no merge-reports command yet")
        run = self.run_action(ws, {"store": "git-notes", "merge": "shards/*"}, self.action_env(ws, state, log), pr=9)
        check = run.step("profgate check")
        self.assertEqual(run.outputs["status"], "1", str(check["run"]))
        summary = read(os.path.join(ws, "profgate-report", "summary.md"))
        self.assertIn("`table`", summary.splitlines()[0])
        self.assertIn("`small`", summary)
        self.assertEqual(run.step("upload the report")["with"]["name"], "profgate-report")
        ours = self.ours(state)
        self.assertEqual(len(ours), 1, self.comments(state))
        # No report-url: the comment ends with the link to the report's artifact.
        self.assertEqual(ours[0]["body"], MARKER + "\n" + summary + "\nThe full report (flame graphs, HTML): "
                         "[the artifact of this run](https://github.com/%s/actions/runs/4242/artifacts/77), a zip; "
                         "open `index.html` in it.\n" % REPO)
        self.assertEqual(run.step("verdict")["run"].returncode, 1)


if __name__ == "__main__":
    unittest.main(verbosity=2)
