"""Registrations that overlap, and one killed halfway, with real `mlgitops run` processes.

The registry lock, `.mlgitops/registry.lock`, is what the runs share: a registration
stages its version under a shared hold and renames it into place under an exclusive
one. The tests hold the lock shared from outside (as any tool may, to keep the registry
still), so each run stops at the one point that matters, with its version staged and
its number not yet chosen; they see it stop in the kernel's table of locks.
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from builders import write_spec

from mlgitops.registry import Registry

MODEL = "iris-species"
LOCKS = Path("/proc/locks")
WAIT_SECONDS = 180  # a deadline for a busy machine, never a measurement

pytestmark = pytest.mark.skipif(not LOCKS.exists(), reason="reads the kernel's lock table")


def write_project(root: Path) -> Path:
    from sklearn.datasets import load_iris

    iris = load_iris(as_frame=True).frame
    iris.columns = ["sepal_length", "sepal_width", "petal_length", "petal_width", "species"]
    iris["species"] = iris["species"].map({0: "setosa", 1: "versicolor", 2: "virginica"})
    (root / "data").mkdir(parents=True)
    iris.to_csv(root / "data/iris.csv", index=False)
    write_spec(
        root,
        f"""
        version: 1
        project: concurrent
        datasets:
          iris:
            path: data/iris.csv
            target: species
            columns:
              sepal_length: {{type: number}}
              sepal_width: {{type: number}}
              petal_length: {{type: number}}
              petal_width: {{type: number}}
              species: {{type: category, values: [setosa, versicolor, virginica]}}
        models:
          {MODEL}:
            dataset: iris
            task: classification
            estimator:
              class: sklearn.linear_model.LogisticRegression
              params: {{max_iter: 300}}
            split: {{test_size: 0.3, seed: 1}}
            metrics: [accuracy]
        """,
    )
    # a repository with no .gitignore of its own: the workspace must keep itself out of git
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-qm", "the project")
    return root


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout


def start_run(root: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "GITHUB_ACTIONS"}
    return subprocess.Popen(
        [sys.executable, "-m", "mlgitops.cli", "-C", str(root), "run", MODEL, "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, dict]:  # type: ignore[type-arg]
    out, err = process.communicate(timeout=WAIT_SECONDS)
    assert "Traceback" not in err, err
    return process.returncode, json.loads(out) if out.strip() else {"stderr": err}


@contextmanager
def registry_held(root: Path) -> Iterator[Path]:
    """Hold the registry lock shared, as another reader would, for the block."""
    lock = root / ".mlgitops" / "registry.lock"
    lock.parent.mkdir(parents=True, exist_ok=True)
    with lock.open("a") as handle:
        fcntl.flock(handle, fcntl.LOCK_SH)
        yield lock
    # closing the file released it


# "1: FLOCK  ADVISORY  WRITE 30095 fe:00:2155095 0 EOF", a waiter with "->" before FLOCK
_LOCK_LINE = re.compile(
    r"^\d+:\s+(?P<waiting>->\s+)?FLOCK\s+\w+\s+\w+\s+(?P<pid>\d+)\s+\S+:(?P<inode>\d+)\s"
)


def waiting_for(lock: Path) -> set[int]:
    """The processes the kernel lists as waiting for `lock`."""
    inode = lock.stat().st_ino
    found = set()
    for line in LOCKS.read_text().splitlines():
        match = _LOCK_LINE.match(line)
        if match and match["waiting"] and int(match["inode"]) == inode:
            found.add(int(match["pid"]))
    return found


def wait_until_waiting(lock: Path, processes: list[subprocess.Popen[str]]) -> None:
    """Until every process waits for the lock (each has staged its version)."""
    deadline = time.monotonic() + WAIT_SECONDS
    wanted = {p.pid for p in processes}
    while not wanted <= waiting_for(lock):
        for process in processes:
            if process.poll() is not None:
                out, err = process.communicate()
                pytest.fail(f"run ended before registering: {process.returncode} {err} {out}")
        assert time.monotonic() < deadline, "the runs never reached the registry lock"
        time.sleep(0.05)


def staged(root: Path) -> list[str]:
    return sorted(p.name for p in (root / ".mlgitops" / "staging").iterdir())


def test_two_runs_registering_at_once_take_consecutive_versions(tmp_path: Path) -> None:
    root = write_project(tmp_path / "repo")
    with registry_held(root) as lock:
        runs = [start_run(root), start_run(root)]
        wait_until_waiting(lock, runs)
        assert len(staged(root)) == 2  # both versions are staged, neither numbered yet
    results = [finish(run) for run in runs]
    assert [code for code, _ in results] == [0, 0], results
    versions = sorted(data["models"][0]["version"] for _, data in results)
    assert versions == [1, 2]
    assert all(data["models"][0]["registered"] == "new" for _, data in results)
    registry = Registry(root)
    assert registry.versions(MODEL) == [1, 2]
    for version in versions:
        manifest = registry.read_manifest(registry.ref(MODEL, version))
        assert (manifest.model, manifest.version) == (MODEL, version)
        registry.verify(registry.ref(MODEL, version))
    assert staged(root) == []


def test_a_run_killed_while_registering_leaves_nothing_git_sees(tmp_path: Path) -> None:
    root = write_project(tmp_path / "repo")
    with registry_held(root) as lock:
        victim = start_run(root)
        wait_until_waiting(lock, [victim])
        victim.send_signal(signal.SIGKILL)
        victim.communicate(timeout=WAIT_SECONDS)
    assert victim.returncode == -signal.SIGKILL
    (debris,) = staged(root)  # the half-made version, where git does not look
    assert (root / ".mlgitops" / "staging" / debris / "model.onnx").is_file()
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert Registry(root).versions(MODEL) == []
    # what a registration of an earlier release left beside the versions
    old = root / "models" / MODEL / "versions" / ".1.x7q2.staging"
    old.mkdir(parents=True)
    (old / "model.onnx").write_bytes(b"half")

    code, data = finish(start_run(root))
    assert code == 0, data
    assert data["models"][0]["version"] == 1
    assert staged(root) == []  # the killed run's version is gone
    assert not old.exists()
    assert [p.name for p in (root / "models" / MODEL / "versions").iterdir()] == ["1"]
    git(root, "add", "models")
    added = git(root, "diff", "--cached", "--name-only").split()
    assert added and all(name.startswith(f"models/{MODEL}/versions/1/") for name in added)
    git(root, "commit", "-qm", "register v1")
    assert git(root, "status", "--porcelain", "--untracked-files=all") == ""
    assert (root / ".mlgitops" / ".gitignore").read_text() == "*\n"


def test_cleaning_keeps_what_a_living_registration_is_staging(tmp_path: Path) -> None:
    """Only an unclaimed staging is debris: one a registration still writes is left alone."""
    from mlgitops import atomic

    area, lock = tmp_path / "staging", tmp_path / "registry.lock"
    with atomic.claimed_directory(area, lock, prefix="m.") as living:
        (living / "model.onnx").write_bytes(b"onnx")
        (area / "m.killed").mkdir()  # what a killed registration left: nobody claims it
        (area / ".production.yaml.x.tmp").write_bytes(b"half")
        with atomic.file_lock(lock):
            removed = atomic.remove_unclaimed(area)
        assert sorted(removed) == [".production.yaml.x.tmp", "m.killed"]
        assert (living / "model.onnx").read_bytes() == b"onnx"
    assert list(area.iterdir()) == []  # the registration's own staging goes with it
