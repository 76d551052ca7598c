"""git, the one way mlgitops runs it: the environment the verb was given, one timeout for
every command, credentials scrubbed from every message.

Reading: HEAD for lineage, changed files for CI planning, promotion refs for
status. Promotion reads the default branch, commits registry files on top
of it and pushes. Nothing here touches the working tree, the index or HEAD of the user's
checkout: the registry of the base commit is exported to a temporary
directory, changed there, and committed through a temporary index file. The
promotion branch is pushed with `--force-with-lease` against the head seen
before, so re-runs replace the branch and a concurrent change is never lost.
"""

from __future__ import annotations

import io
import re
import subprocess
import tarfile
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from .errors import BadInputError, ExternalError

REMOTE = "origin"
GIT_TIMEOUT_SECONDS = 300  # every command; only fetch, ls-remote and push go over the network
# Commits made where git has no identity configured (a fresh CI runner).
BOT_NAME = "github-actions[bot]"
BOT_EMAIL = "41898282+github-actions[bot]@users.noreply.github.com"
_SECRET_VARIABLES = ("GITHUB_TOKEN", "MLGITOPS_GITHUB_TOKEN")
_URL_CREDENTIALS = re.compile(r"(://)[^/@\s]+@")


@dataclass(frozen=True)
class Commit:
    sha: str
    tree: str
    parent: str | None


class Git:
    """git in the repository at `root`, with the environment the verb was given."""

    def __init__(self, root: Path, environ: Mapping[str, str]) -> None:
        self.root = root
        self.environ = dict(environ)
        self._secrets = [environ[v] for v in _SECRET_VARIABLES if environ.get(v)]

    # --- running git ---------------------------------------------------------------------

    def run(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        check: bool = True,
    ) -> str:
        return self.run_bytes(*args, env=env, cwd=cwd, check=check).decode().strip()

    def run_bytes(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        cwd: Path | None = None,
        check: bool = True,
    ) -> bytes:
        command = ["git", *args]
        try:
            done = subprocess.run(
                command,
                cwd=cwd or self.root,
                env={**self.environ, "GIT_TERMINAL_PROMPT": "0", **(env or {})},
                capture_output=True,
                timeout=GIT_TIMEOUT_SECONDS,
                check=False,
            )
        except FileNotFoundError:
            raise ExternalError(
                "git is not installed", hint="install git and run the command again"
            ) from None
        except subprocess.TimeoutExpired:
            raise ExternalError(
                f"`git {args[0]}` took longer than {GIT_TIMEOUT_SECONDS} s",
                hint="check the network and the remote, then run again",
            ) from None
        if check and done.returncode != 0:
            stderr = self.scrub(done.stderr.decode(errors="replace").strip())
            raise ExternalError(
                f"`git {' '.join(args[:2])}` failed: {stderr.splitlines()[-1] if stderr else done.returncode}",
                hint=_hint(args[0], stderr),
            )
        return done.stdout

    def scrub(self, text: str) -> str:
        """Text without tokens or credentials embedded in remote URLs."""
        for secret in self._secrets:
            text = text.replace(secret, "***")
        return _URL_CREDENTIALS.sub(r"\1***@", text)

    # --- reading ---------------------------------------------------------------------------

    def ensure_repository(self) -> None:
        done = self.run("rev-parse", "--is-inside-work-tree", check=False)
        if done != "true":
            raise BadInputError(
                f"{self.root} is not a git repository",
                hint="promote runs inside a clone of the repository, with `origin` as its remote",
            )

    def remote_url(self, remote: str = REMOTE) -> str | None:
        url = self.run("remote", "get-url", remote, check=False)
        return url or None

    def remote_head(self, branch: str, remote: str = REMOTE) -> str | None:
        """The branch's commit on the remote (asks the remote), or None when it does not exist."""
        out = self.run("ls-remote", "--heads", remote, f"refs/heads/{branch}")
        for line in out.splitlines():
            sha, _, ref = line.partition("\t")
            if ref == f"refs/heads/{branch}":
                return sha
        return None

    def fetch(self, branch: str, remote: str = REMOTE) -> str:
        """Fetch the branch into its remote-tracking ref; returns its commit."""
        tracking = f"refs/remotes/{remote}/{branch}"
        self.run("fetch", "--quiet", "--no-tags", remote, f"+refs/heads/{branch}:{tracking}")
        return self.run("rev-parse", "--verify", f"{tracking}^{{commit}}")

    def local_commit(self, *candidates: str) -> str | None:
        """The first of the refs that exists locally (no network)."""
        for ref in candidates:
            sha = self.run("rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}", check=False)
            if sha:
                return sha
        return None

    def head_commit(self) -> str | None:
        """HEAD's commit, or None outside a repository or before the first commit."""
        if self.run("rev-parse", "--is-inside-work-tree", check=False) != "true":
            return None
        return self.local_commit("HEAD")

    def changed_files(self, base: str) -> list[str]:
        """Files changed from the merge base of `base` and HEAD to HEAD."""
        out = self.run_bytes("diff", "--name-only", "--no-renames", "-z", f"{base}...HEAD")
        return out.decode().split("\0")[:-1]

    def differing_paths(self, commit: str, paths: list[str]) -> list[str]:
        """Which of `paths` differ in the working tree from `commit`: changed (staged or not),
        deleted, or new and not ignored. Ignored files are outside git by intent."""
        if not paths:
            return []
        changed = self.run_bytes("diff", "--name-only", "--no-renames", "-z", commit, "--", *paths)
        new = self.run_bytes("ls-files", "--others", "--exclude-standard", "-z", "--", *paths)
        found = set((changed + new).decode().split("\0")) - {""}
        return [path for path in paths if path in found]

    def ref_names(self, *patterns: str) -> list[str]:
        """Short names of local refs matching `patterns` (no network; none outside git)."""
        out = self.run("for-each-ref", "--format=%(refname:short)", *patterns, check=False)
        return out.splitlines()

    def commit_info(self, sha: str) -> Commit:
        tree, _, parents = self.run("show", "-s", "--format=%T %P", sha).partition(" ")
        return Commit(sha, tree, parents.split()[0] if parents.split() else None)

    def show(self, sha: str, path: str) -> bytes | None:
        """A file's bytes at a commit, or None when it does not exist there."""
        if not self.run("ls-tree", sha, "--", path):
            return None
        return self.run_bytes("show", f"{sha}:{path}")

    def export(self, sha: str, path: str, target: Path) -> None:
        """Write the directory `path` as it is at commit `sha` under `target` (nothing if absent)."""
        if not self.run("ls-tree", "-d", sha, "--", path):
            return
        archive = self.run_bytes("archive", "--format=tar", sha, "--", path)
        with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
            tar.extractall(target, filter="data")

    # --- writing ---------------------------------------------------------------------------

    def commit_directory(
        self, base: str, work_tree: Path, path: str, message: str, *also: str
    ) -> Commit:
        """A commit on `base` whose `path` (and the paths `also`) are replaced by their copies
        under `work_tree` (index and HEAD untouched)."""
        git_dir = self.run("rev-parse", "--absolute-git-dir")
        with tempfile.TemporaryDirectory(prefix="mlgitops-index-") as scratch:
            env = {"GIT_INDEX_FILE": str(Path(scratch) / "index"), **self._identity()}
            self.run("read-tree", base, env=env)
            self.run(
                f"--git-dir={git_dir}",
                f"--work-tree={work_tree}",
                "add",
                "--all",
                "--",
                path,
                *also,
                env=env,
                cwd=work_tree,
            )
            tree = self.run("write-tree", env=env)
        sha = self.run("commit-tree", tree, "-p", base, "-m", message, env=self._identity())
        return Commit(sha, tree, base)

    def push(self, sha: str, branch: str, expected: str | None, remote: str = REMOTE) -> None:
        """Point the remote branch at `sha` unless someone else moved it since `expected`."""
        lease = f"--force-with-lease=refs/heads/{branch}:{expected or ''}"
        self.run("push", "--quiet", lease, remote, f"{sha}:refs/heads/{branch}")
        # keep the remote-tracking ref in step (git only does this for configured refspecs)
        self.run("update-ref", f"refs/remotes/{remote}/{branch}", sha)

    def _identity(self) -> dict[str, str]:
        """The bot's name, unless git (config or environment) names someone."""
        configured = all(
            self.environ.get(f"GIT_COMMITTER_{part}")
            or self.run("config", f"user.{part.lower()}", check=False)
            for part in ("NAME", "EMAIL")
        )
        if configured:
            return {}
        return {
            "GIT_AUTHOR_NAME": BOT_NAME,
            "GIT_AUTHOR_EMAIL": BOT_EMAIL,
            "GIT_COMMITTER_NAME": BOT_NAME,
            "GIT_COMMITTER_EMAIL": BOT_EMAIL,
        }


def _hint(command: str, stderr: str) -> str:
    text = stderr.lower()
    if "stale info" in text or "rejected" in text:
        return "the promotion branch changed on the remote while promoting; run the job again"
    if any(s in text for s in ("authentication", "permission", "403", "could not read username")):
        return (
            "git could not authenticate to the remote: check out with `persist-credentials: true` "
            "and give the job `contents: write`"
        )
    if command in ("fetch", "ls-remote", "push"):
        return f"check that the remote `{REMOTE}` exists and is reachable (`git remote -v`)"
    return "run the git command by hand to see the full error"
