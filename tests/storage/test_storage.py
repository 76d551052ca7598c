"""The storage layer: listing, hashing and fetching local and S3 files, and what it refuses."""

from __future__ import annotations

import hashlib
import logging
import os
import re
import socket
import traceback
from pathlib import Path

import pytest
from seaweed import ACCESS_KEY, SECRET_MARKER, SeaweedS3

from mlgitops.data.storage import (
    CACHE_DIR,
    OutsideRepositoryError,
    SourceNotFoundError,
    StaleSnapshotError,
    StorageError,
    check_storage_options,
    fetch,
    hash_file,
    list_files,
    redact,
    strip_url_credentials,
)
from mlgitops.errors import EXIT_BAD_INPUT, EXIT_EXTERNAL, MlgitopsError
from mlgitops.lock import LockedFile

PARTS = {
    "day=2026-11-01/part-0.csv": b"id,amount\n1,10\n2,20\n",
    "day=2026-11-02/part-0.csv": b"id,amount\n3,30\n",
    "day=2026-11-02/part-1.csv": b"id,amount\n4,40\n5,50\n6,60\n",
}
MARKERS = {
    "_SUCCESS": b"",
    ".part-0.csv.crc": b"crc",
    "day=2026-11-02/_temporary/part-9.csv": b"id,amount\n9,90\n",
    "day=2026-11-02/.hidden.csv": b"id,amount\n8,80\n",
}
SECRETS = (SECRET_MARKER, "wJalrXUtnFEMI")


def write_partitions(root: Path, folder: str) -> None:
    for relative, data in {**PARTS, **MARKERS}.items():
        path = root / folder / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)


def upload_partitions(server: SeaweedS3, prefix: str) -> None:
    for relative, data in {**PARTS, **MARKERS}.items():
        server.put(f"{prefix}/{relative}", data)


def locked(url: str, data: bytes, etag: str | None = None) -> LockedFile:
    return LockedFile(url=url, size=len(data), sha256=hashlib.sha256(data).hexdigest(), etag=etag)


def assert_no_secret(error: BaseException, caplog: pytest.LogCaptureFixture) -> None:
    """No secret in the message, the lines the CLI prints, the repr, the traceback or any log record."""
    texts = [str(error), repr(error), "".join(traceback.format_exception(error)), caplog.text]
    if isinstance(error, MlgitopsError):
        texts += error.lines()
    texts += [record.getMessage() for record in caplog.records]
    for text in texts:
        for secret in SECRETS:
            assert secret not in text


# -- local disk ------------------------------------------------------------------------------


def test_a_local_folder_of_partitions_lists_its_data_files_and_skips_markers(
    tmp_path: Path,
) -> None:
    write_partitions(tmp_path, "data/events")
    files = list_files("data/events", {}, root=tmp_path)
    assert [f.url for f in files] == [f"data/events/{name}" for name in sorted(PARTS)]
    assert [f.size for f in files] == [len(PARTS[name]) for name in sorted(PARTS)]
    assert all(f.etag is None and f.version_id is None and f.mtime for f in files)


def test_a_local_file_and_a_glob_list_what_they_name(tmp_path: Path) -> None:
    write_partitions(tmp_path, "data/events")
    one = list_files("data/events/day=2026-11-02/part-1.csv", {}, root=tmp_path)
    assert [f.url for f in one] == ["data/events/day=2026-11-02/part-1.csv"]
    matched = list_files("data/events/day=2026-11-02/*.csv", {}, root=tmp_path)
    assert [f.url for f in matched] == [
        "data/events/day=2026-11-02/part-0.csv",
        "data/events/day=2026-11-02/part-1.csv",
    ]
    everything = list_files("data/events/**/*.csv", {}, root=tmp_path)
    assert [f.url for f in everything] == [f"data/events/{name}" for name in sorted(PARTS)]


def test_a_local_mtime_changes_when_the_file_is_rewritten(tmp_path: Path) -> None:
    write_partitions(tmp_path, "data/events")
    path = tmp_path / "data/events/day=2026-11-01/part-0.csv"
    before = list_files("data/events", {}, root=tmp_path)[0]
    os.utime(path, ns=(path.stat().st_atime_ns, path.stat().st_mtime_ns + 1_000))
    after = list_files("data/events", {}, root=tmp_path)[0]
    assert (before.url, before.size) == (after.url, after.size)
    assert before.mtime != after.mtime


@pytest.mark.parametrize("size", [0, 1, (4 << 20) + 17, (9 << 20) + 3])
def test_hash_file_matches_hashlib(tmp_path: Path, size: int) -> None:
    data = os.urandom(size)
    (tmp_path / "blob.bin").write_bytes(data)
    assert hash_file("blob.bin", {}, root=tmp_path) == hashlib.sha256(data).hexdigest()


def test_a_missing_local_source_or_an_empty_folder_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(SourceNotFoundError, match="data/nowhere") as missing:
        list_files("data/nowhere", {}, root=tmp_path)
    assert missing.value.exit_code == EXIT_BAD_INPUT
    (tmp_path / "data/empty").mkdir(parents=True)
    (tmp_path / "data/empty/_SUCCESS").write_bytes(b"")
    with pytest.raises(SourceNotFoundError, match="data/empty: no data file matched"):
        list_files("data/empty", {}, root=tmp_path)
    with pytest.raises(SourceNotFoundError, match=r"no data file matched"):
        list_files("data/*.parquet", {}, root=tmp_path)


@pytest.fixture
def repo_with_outside(tmp_path: Path) -> Path:
    """A repository beside a folder outside it, with symlinks from the one into the other."""
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.csv").write_text("a\n1\n")
    repo = tmp_path / "repo"
    (repo / "data/events/day=1").mkdir(parents=True)
    (repo / "data/events/day=1/part.csv").write_text("a\n1\n")
    (repo / "data/link.csv").symlink_to(outside / "secret.csv")
    (repo / "data/linked-folder").mkdir()
    (repo / "data/linked-folder/escape").symlink_to(outside, target_is_directory=True)
    (repo / "data/inside.csv").symlink_to(repo / "data/events/day=1/part.csv")
    return repo


@pytest.mark.parametrize(
    "source",
    [
        "../outside/secret.csv",
        "data/../../outside/secret.csv",
        "../outside",
        "../outside/*.csv",
        "data/link.csv",
        "data/linked-folder",
        "data/*.csv",
    ],
)
def test_a_local_source_that_leaves_the_repository_is_refused(
    repo_with_outside: Path, source: str
) -> None:
    with pytest.raises(OutsideRepositoryError, match="outside the repository") as refused:
        list_files(source, {}, root=repo_with_outside)
    assert refused.value.exit_code == EXIT_BAD_INPUT


def test_an_absolute_local_path_is_refused_even_inside_the_repository(
    repo_with_outside: Path,
) -> None:
    absolute = str(repo_with_outside / "data/events/day=1/part.csv")
    with pytest.raises(OutsideRepositoryError, match="not an absolute path"):
        list_files(absolute, {}, root=repo_with_outside)
    with pytest.raises(OutsideRepositoryError):
        hash_file("../outside/secret.csv", {}, root=repo_with_outside)
    with pytest.raises(OutsideRepositoryError):
        fetch(locked("data/link.csv", b"a\n1\n"), {}, root=repo_with_outside)


def test_a_symlink_that_stays_inside_the_repository_is_read(repo_with_outside: Path) -> None:
    files = list_files("data/inside.csv", {}, root=repo_with_outside)
    assert [f.url for f in files] == ["data/events/day=1/part.csv"]


def test_fetch_reads_a_local_file_in_place_and_refuses_changed_bytes(tmp_path: Path) -> None:
    write_partitions(tmp_path, "data/events")
    url = "data/events/day=2026-11-01/part-0.csv"
    entry = locked(url, PARTS["day=2026-11-01/part-0.csv"])
    assert fetch(entry, {}, root=tmp_path) == (tmp_path / url).resolve()
    (tmp_path / url).write_bytes(b"id,amount\n1,11\n2,20\n")  # same size, other bytes
    with pytest.raises(StaleSnapshotError, match=re.escape(f"{url}: changed since")) as stale:
        fetch(entry, {}, root=tmp_path)
    assert "mlgitops snapshot" in str(stale.value.hint)
    (tmp_path / url).unlink()
    with pytest.raises(StaleSnapshotError, match="gone"):
        fetch(entry, {}, root=tmp_path)


# -- S3 (SeaweedFS) --------------------------------------------------------------------------


def test_an_s3_folder_file_and_glob_list_with_etags(s3_env: SeaweedS3) -> None:
    upload_partitions(s3_env, "list/events")
    folder = list_files(s3_env.url("list/events/"), s3_env.storage, root=Path.cwd())
    expected = [s3_env.url(f"list/events/{name}") for name in sorted(PARTS)]
    assert [f.url for f in folder] == expected
    assert [f.size for f in folder] == [len(PARTS[name]) for name in sorted(PARTS)]
    assert all(f.etag and f.mtime for f in folder)
    assert len({f.etag for f in folder}) == len(folder)  # the ETag follows the content
    no_slash = list_files(s3_env.url("list/events"), s3_env.storage, root=Path.cwd())
    assert [f.url for f in no_slash] == expected
    one = list_files(expected[2], s3_env.storage, root=Path.cwd())
    assert [(f.url, f.etag) for f in one] == [(expected[2], folder[2].etag)]
    matched = list_files(
        s3_env.url("list/events/day=2026-11-02/*.csv"), s3_env.storage, root=Path.cwd()
    )
    assert [f.url for f in matched] == expected[1:]


def test_an_s3_hash_matches_hashlib(s3_env: SeaweedS3) -> None:
    data = os.urandom((9 << 20) + 5)  # several blocks, and more than weed's 4 MiB chunk
    s3_env.put("hash/blob.bin", data)
    digest = hash_file(s3_env.url("hash/blob.bin"), s3_env.storage, root=Path.cwd())
    assert digest == hashlib.sha256(data).hexdigest()


def test_fetch_caches_an_s3_object_by_digest(s3_env: SeaweedS3, tmp_path: Path) -> None:
    data = b"id,amount\n1,10\n" * 1000
    s3_env.put("fetch/part.csv", data)
    [stored] = list_files(s3_env.url("fetch/part.csv"), s3_env.storage, root=tmp_path)
    entry = locked(stored.url, data, etag=stored.etag)
    path = fetch(entry, s3_env.storage, root=tmp_path)
    assert path == tmp_path / CACHE_DIR / entry.sha256
    assert path.read_bytes() == data
    assert [p.name for p in path.parent.iterdir()] == [entry.sha256]  # no temp file left
    s3_env.delete_prefix("fetch/")
    assert fetch(entry, s3_env.storage, root=tmp_path) == path  # a hit: the store is not asked
    path.write_bytes(data[:-1] + b"!")  # a damaged cache entry is a miss
    with pytest.raises(SourceNotFoundError, match=re.escape("fetch/part.csv")):
        fetch(entry, s3_env.storage, root=tmp_path)
    assert not path.exists()


def test_hashing_an_s3_object_caches_it_for_fetch(s3_env: SeaweedS3, tmp_path: Path) -> None:
    data = b"id,amount\n7,70\n" * 100
    s3_env.put("hashed/part.csv", data)
    digest = hash_file(s3_env.url("hashed/part.csv"), s3_env.storage, root=tmp_path)
    assert digest == hashlib.sha256(data).hexdigest()
    assert [p.name for p in (tmp_path / CACHE_DIR).iterdir()] == [digest]
    s3_env.delete_prefix("hashed/")
    path = fetch(locked(s3_env.url("hashed/part.csv"), data), s3_env.storage, root=tmp_path)
    assert path.read_bytes() == data  # read from the cache: the object is gone from the store


def test_fetch_refuses_an_s3_object_that_changed_and_names_snapshot(
    s3_env: SeaweedS3, tmp_path: Path
) -> None:
    data = b"id,amount\n1,10\n2,20\n"
    s3_env.put("changed/part.csv", data)
    [stored] = list_files(s3_env.url("changed/part.csv"), s3_env.storage, root=tmp_path)
    with_etag = locked(stored.url, data, etag=stored.etag)
    without_etag = locked(stored.url, data)
    s3_env.put("changed/part.csv", b"id,amount\n1,10\n2,21\n")  # same size, other bytes
    for entry in (with_etag, without_etag):
        with pytest.raises(
            StaleSnapshotError, match=re.escape("changed/part.csv: changed since")
        ) as stale:
            fetch(entry, s3_env.storage, root=tmp_path)
        assert "mlgitops snapshot" in "\n".join(stale.value.lines())
    assert not (tmp_path / CACHE_DIR / with_etag.sha256).exists()
    assert list((tmp_path / CACHE_DIR).glob("*")) == []


def test_a_version_aware_listing_locks_versions_and_fetch_reads_the_locked_one(
    s3_env: SeaweedS3, tmp_path: Path
) -> None:
    client = s3_env.client()
    bucket = "mlgitops-versioned"
    client.create_bucket(Bucket=bucket)
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    storage = {**s3_env.storage, "version_aware": True}
    first, second = b"id,amount\n1,10\n", b"id,amount\n1,99\n"
    client.put_object(Bucket=bucket, Key="events/part.csv", Body=first)
    [stored] = list_files(f"s3://{bucket}/events/", storage, root=tmp_path)
    assert stored.version_id
    entry = LockedFile(
        url=stored.url,
        size=stored.size,
        sha256=hashlib.sha256(first).hexdigest(),
        etag=stored.etag,
        version_id=stored.version_id,
    )
    client.put_object(Bucket=bucket, Key="events/part.csv", Body=second)  # overwritten
    [now] = list_files(f"s3://{bucket}/events/", storage, root=tmp_path)  # only the newest
    assert now.version_id not in (None, stored.version_id)
    assert fetch(entry, storage, root=tmp_path).read_bytes() == first


def test_a_missing_bucket_or_prefix_is_bad_input(s3_env: SeaweedS3) -> None:
    for url in (s3_env.url("no/such/prefix/"), "s3://no-such-bucket-here/events/"):
        with pytest.raises(SourceNotFoundError, match=re.escape(url.rstrip("/"))) as missing:
            list_files(url, s3_env.storage, root=Path.cwd())
        assert missing.value.exit_code == EXIT_BAD_INPUT
    s3_env.put("markers-only/_SUCCESS", b"")
    with pytest.raises(SourceNotFoundError, match="no data file matched"):
        list_files(s3_env.url("markers-only/"), s3_env.storage, root=Path.cwd())


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _wrong_secret(server: SeaweedS3, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", f"wrong-{SECRET_MARKER}-0000")
    return server.storage


def _wrong_key(server: SeaweedS3, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIANOTTHEKEY0000000")
    monkeypatch.setenv("AWS_SESSION_TOKEN", f"token-{SECRET_MARKER}-1111")
    return server.storage


def _anonymous(server: SeaweedS3, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    return {**server.storage, "anon": True}  # a client that ignores the environment's credentials


def _refused_connection(server: SeaweedS3, monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    return {
        "endpoint_url": f"http://127.0.0.1:{_closed_port()}",
        "config_kwargs": {"retries": {"max_attempts": 1}, "connect_timeout": 2},
    }


@pytest.mark.parametrize("arrange", [_wrong_secret, _wrong_key, _anonymous, _refused_connection])
def test_a_store_that_refuses_or_fails_is_an_external_error_without_secrets(
    s3_env: SeaweedS3,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    tmp_path: Path,
    arrange: object,
) -> None:
    caplog.set_level(logging.DEBUG)
    s3_env.put("refused/part.csv", b"a\n1\n")
    storage = arrange(s3_env, monkeypatch)  # type: ignore[operator]
    url = s3_env.url("refused/part.csv")
    attempts = [
        lambda: list_files(s3_env.url("refused/"), storage, root=tmp_path),
        lambda: hash_file(url, storage, root=tmp_path),
        lambda: fetch(locked(url, b"a\n1\n"), storage, root=tmp_path),
    ]
    for attempt in attempts:
        with pytest.raises(StorageError) as refused:
            attempt()
        assert refused.value.exit_code == EXIT_EXTERNAL
        assert "s3://mlgitops-data/refused/" in refused.value.message
        assert "credentials" in str(refused.value.hint)
        assert_no_secret(refused.value, caplog)


def test_an_option_the_filesystem_does_not_take_is_bad_input(s3_env: SeaweedS3) -> None:
    storage = {**s3_env.storage, "retries": 1}
    with pytest.raises(MlgitopsError, match="does not take one of the `storage` options") as bad:
        list_files(s3_env.url("events/"), storage, root=Path.cwd())
    assert bad.value.exit_code == EXIT_BAD_INPUT
    assert "endpoint_url, retries" in bad.value.message


def test_credentials_in_a_url_are_refused_and_never_shown(
    s3_env: SeaweedS3, caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"s3://{ACCESS_KEY}:{s3_env.secret_key}@{s3_env.bucket}/events/"
    with pytest.raises(MlgitopsError, match="the URL holds credentials") as refused:
        list_files(url, s3_env.storage, root=tmp_path)
    assert refused.value.exit_code == EXIT_BAD_INPUT
    assert_no_secret(refused.value, caplog)
    assert ACCESS_KEY not in refused.value.message


@pytest.mark.parametrize(
    ("options", "found"),
    [
        ({"endpoint_url": "http://x", "region_name": "eu-west-1", "anon": False}, []),
        ({"client_kwargs": {"region_name": "eu-west-1"}, "requester_pays": True}, []),
        ({"key": "a", "secret": "b", "token": "c"}, ["key", "secret", "token"]),
        (
            {"aws_access_key_id": "a", "aws_secret_access_key": "b"},
            ["aws_access_key_id", "aws_secret_access_key"],
        ),
        ({"client_kwargs": {"aws_session_token": "x"}}, ["client_kwargs.aws_session_token"]),
        (
            {"account_key": "x", "sas_token": "y", "connection_string": "z"},
            ["account_key", "connection_string", "sas_token"],
        ),
        (
            {"AccountKey": "x", "Password": "y", "credential": "z"},
            ["AccountKey", "Password", "credential"],
        ),
        (
            {"client_secret": "x", "signature": "y", "session": "z"},
            ["client_secret", "session", "signature"],
        ),
        ({"endpoint_url": "https://user:pw@s3.example.com", "region_name": "x"}, ["endpoint_url"]),
    ],
)
def test_check_storage_options_names_keys_that_look_like_secrets(
    options: dict[str, object], found: list[str]
) -> None:
    assert check_storage_options(options) == found


def test_redact_strips_url_credentials_and_secret_environment_values() -> None:
    environ = {
        "AWS_SECRET_ACCESS_KEY": "s3cr3t-value",
        "AZURE_STORAGE_KEY": "azure-value",
        "GOOGLE_APPLICATION_CREDENTIALS": "/keys/gcp.json",
        "AWS_DEFAULT_REGION": "eu-west-1",
    }
    text = "s3://AKIA:pw@bucket/x failed with s3cr3t-value, azure-value and /keys/gcp.json in eu-west-1"
    assert redact(text, environ=environ) == (
        "s3://***@bucket/x failed with ***, *** and *** in eu-west-1"
    )
    assert strip_url_credentials("gs://bucket/no-user/x@y") == "gs://bucket/no-user/x@y"


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("file:///etc/passwd", "not a file:// URL"),
        ("nosuchproto://bucket/x", "not a storage protocol"),
    ],
)
def test_a_url_that_is_not_object_storage_is_bad_input(
    tmp_path: Path, source: str, message: str
) -> None:
    with pytest.raises(MlgitopsError, match=message) as refused:
        list_files(source, {}, root=tmp_path)
    assert refused.value.exit_code == EXIT_BAD_INPUT


def test_a_folder_walk_judges_every_kind_of_entry(repo_with_outside: Path) -> None:
    """Plain files are listed, links are followed (inside only), anything else is skipped."""
    import os

    folder = repo_with_outside / "data/events/day=1"
    (folder / "to-inside.csv").symlink_to(repo_with_outside / "data/events/day=1/part.csv")
    (folder / "broken.csv").symlink_to(folder / "missing.csv")
    os.mkfifo(folder / "pipe.csv")
    (folder / "sub").mkdir()
    (folder / "sub/deeper.csv").write_text("a\n2\n")
    listed = list_files("data/events", {}, root=repo_with_outside)
    assert [f.url for f in listed] == [
        "data/events/day=1/part.csv",
        "data/events/day=1/sub/deeper.csv",
        "data/events/day=1/to-inside.csv",
    ]
    (folder / "escape.csv").symlink_to(repo_with_outside.parent / "outside/secret.csv")
    with pytest.raises(OutsideRepositoryError, match="outside the repository"):
        list_files("data/events", {}, root=repo_with_outside)


def _walk_by_os_walk(folder: Path, base: Path) -> list[str]:
    """What the folder walk must list, spelt the slow way: os.walk following links, each
    directory resolved, one visit per real directory, hidden names skipped."""
    found, seen = [], set()
    for directory, dirnames, filenames in os.walk(folder, followlinks=True):
        here = Path(directory)
        if here.resolve() in seen:
            dirnames[:] = []
            continue
        seen.add(here.resolve())
        dirnames[:] = sorted(d for d in dirnames if not d.startswith((".", "_")))
        for name in filenames:
            path = here / name
            if not name.startswith((".", "_")) and path.is_file():
                found.append(path.relative_to(base).as_posix())
    return sorted(found)


def test_a_folder_walk_lists_each_real_folder_once_through_links_and_loops(
    tmp_path: Path,
) -> None:
    """Links to folders are followed once (a loop or a second link to a folder already
    listed adds nothing); the listing and each stat match os.walk's reading of the tree."""
    repo = tmp_path / "repo"
    events = repo / "data/events"
    (events / "a").mkdir(parents=True)
    (events / "a/part.csv").write_text("a\n1\n")
    (events / "a/loop").symlink_to(events, target_is_directory=True)
    (events / "b").symlink_to(events / "a", target_is_directory=True)
    (events / "c/d").mkdir(parents=True)
    (events / "c/d/e.csv").write_text("a\n2\n")
    (events / ".hidden").mkdir()
    (events / ".hidden/f.csv").write_text("a\n3\n")
    (events / "_SUCCESS").write_text("")
    (repo / "data/other").mkdir()
    (repo / "data/other/o.csv").write_text("a\n4\n")
    (events / "z").symlink_to(repo / "data/other", target_is_directory=True)
    listed = list_files("data/events", {}, root=repo)
    urls = [f.url for f in listed]
    assert urls == ["data/events/a/part.csv", "data/events/c/d/e.csv", "data/events/z/o.csv"]
    assert urls == _walk_by_os_walk(events, repo.resolve())
    for stored in listed:
        stat = (repo / stored.url).stat()
        assert stored.size == stat.st_size
        assert stored.mtime is not None and stored.mtime.startswith("20")
    assert [f.url for f in list_files("data", {}, root=repo)] == _walk_by_os_walk(
        repo / "data", repo.resolve()
    )
