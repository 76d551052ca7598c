"""Sources in object storage, through fsspec (s3fs, gcsfs, adlfs).

Credentials come from the environment and each library's standard chain;
the spec's `storage` options configure the filesystem only (endpoint,
region). Every failure of the store is turned into a message that names the
URL, says what to check, and has passed through `secrets.redact`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from ...errors import BadInputError, MlgitopsError
from .errors import SourceNotFoundError, StorageError
from .names import has_magic, is_hidden, literal_prefix
from .secrets import has_url_credentials, redact, redact_library_logs, strip_url_credentials

if TYPE_CHECKING:
    from fsspec import AbstractFileSystem

# The libraries behind each protocol, and the extra that installs them.
_EXTRAS = {"gs": "gs", "gcs": "gs", "az": "az", "abfs": "az", "abfss": "az", "adl": "az"}
# Modules whose exceptions mean "the store failed", whatever their class.
_STORE_MODULES = ("botocore", "aiobotocore", "aiohttp", "s3fs", "gcsfs", "google", "adlfs", "azure")
_CREDENTIAL_HINT = (
    "check the credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
    "or your cloud's standard chain) and the dataset's `storage` options (endpoint_url, region)"
)
_MAX_DETAIL = 300
_filesystems: dict[tuple[str, str, str], AbstractFileSystem] = {}


def is_remote(url: str) -> bool:
    return "://" in url


def protocol_of(url: str) -> str:
    return url.split("://", 1)[0].lower()


def filesystem(url: str, options: Mapping[str, Any]) -> AbstractFileSystem:
    """The fsspec filesystem for `url`, one per protocol, options and credentials in the environment.

    fsspec's own instance cache would keep a filesystem (and its credentials)
    after the environment changed; this one is keyed by the environment too.
    """
    if has_url_credentials(url):
        raise BadInputError(
            f"{strip_url_credentials(url)}: the URL holds credentials",
            hint="remove them from the URL and pass them in the environment",
        )
    protocol = protocol_of(url)
    if protocol == "file":
        raise BadInputError(
            f"{url}: a local source is a path relative to the repository, not a file:// URL"
        )
    key = (protocol, json.dumps(dict(options), sort_keys=True, default=str), _environment_key())
    cached = _filesystems.get(key)
    if cached is not None:
        return cached
    import fsspec

    redact_library_logs()
    try:
        fs = fsspec.filesystem(protocol, skip_instance_cache=True, **dict(options))
    except ImportError:
        extra = _EXTRAS.get(protocol)
        install = f"pip install 'mlgitops[{extra}]'" if extra else "install its fsspec library"
        raise BadInputError(
            f"{strip_url_credentials(url)}: reading {protocol}:// needs a library that is not installed",
            hint=install,
        ) from None
    except ValueError:
        raise BadInputError(
            f"{strip_url_credentials(url)}: {protocol}:// is not a storage protocol fsspec knows"
        ) from None
    except TypeError:
        raise BadInputError(
            f"{strip_url_credentials(url)}: the filesystem does not take the `storage` options "
            f"{', '.join(sorted(map(str, options)))}",
            hint="check the option names against the filesystem's documentation",
        ) from None
    _filesystems[key] = fs
    return fs


def list_remote(source: str, options: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    """(full URL, the store's info) of every data file `source` names, sorted by URL."""
    shown = strip_url_credentials(source)
    with store_errors(shown, options):
        fs = filesystem(source, options)
        fs.invalidate_cache()  # new partitions land between two listings
        path = fs._strip_protocol(source)
        if has_magic(path):
            infos: dict[str, dict[str, Any]] = fs.glob(path, detail=True)
            skip = len(literal_prefix(path).parts)
        else:
            info = fs.info(path)
            if info.get("type") == "directory":
                infos = fs.find(path, detail=True)
                skip = len(PurePosixPath(path.rstrip("/")).parts)
            else:
                infos = {info["name"]: info}
                skip = len(PurePosixPath(path).parts)
    listed = []
    for name, info in infos.items():
        if info.get("type", "file") != "file" or name.endswith("/"):
            continue
        if is_hidden(PurePosixPath(name).parts[skip:]):
            continue
        listed.append((fs.unstrip_protocol(name), info))
    if not listed:
        raise SourceNotFoundError(
            f"{shown}: no data file matched",
            hint="check the dataset's `source`; hidden files and `_`-prefixed markers are skipped",
        )
    return sorted(listed, key=lambda item: item[0])


def info_etag(info: Mapping[str, Any]) -> str | None:
    for key in ("ETag", "etag", "md5Hash"):
        value = info.get(key)
        if value:
            return str(value).strip('"')
    return None


def info_version(info: Mapping[str, Any]) -> str | None:
    for key in ("VersionId", "version_id", "generation"):
        value = info.get(key)
        if value and value != "null":
            return str(value)
    return None


def info_mtime(info: Mapping[str, Any]) -> str | None:
    for key in ("LastModified", "last_modified", "updated", "mtime"):
        value = info.get(key)
        if isinstance(value, dt.datetime):
            return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
        if value:
            return str(value)
    return None


def remote_info(url: str, options: Mapping[str, Any]) -> dict[str, Any]:
    shown = strip_url_credentials(url)
    with store_errors(shown, options):
        fs = filesystem(url, options)
        fs.invalidate_cache()
        info: dict[str, Any] = fs.info(fs._strip_protocol(url))
        return info


@contextlib.contextmanager
def open_remote(url: str, options: Mapping[str, Any]) -> Iterator[Any]:
    shown = strip_url_credentials(url)
    with store_errors(shown, options):
        fs = filesystem(url, options)
        with fs.open(fs._strip_protocol(url), "rb") as handle:
            yield handle


@contextlib.contextmanager
def store_errors(shown: str, options: Mapping[str, Any]) -> Iterator[None]:
    """Turn what the store raised into SourceNotFoundError (exit 2) or StorageError (exit 3)."""
    try:
        yield
    except MlgitopsError:
        raise
    except FileNotFoundError:
        raise SourceNotFoundError(
            f"{shown}: not found in the store (no such bucket, folder or object)",
            hint="check the dataset's `source` and `storage.endpoint_url`",
        ) from None
    except PermissionError as exc:
        raise StorageError(
            f"{shown}: the store refused access ({_detail(exc, options)})", hint=_CREDENTIAL_HINT
        ) from None
    except (OSError, TimeoutError) as exc:
        raise StorageError(
            f"{shown}: the store failed ({_detail(exc, options)})", hint=_CREDENTIAL_HINT
        ) from None
    except Exception as exc:
        if not type(exc).__module__.startswith(_STORE_MODULES):
            raise
        raise StorageError(
            f"{shown}: the store failed ({_detail(exc, options)})", hint=_CREDENTIAL_HINT
        ) from None


def _detail(exc: BaseException, options: Mapping[str, Any]) -> str:
    text = " ".join(f"{type(exc).__name__}: {exc}".split())
    text = redact(text, options=options)
    return text if len(text) <= _MAX_DETAIL else text[: _MAX_DETAIL - 1] + "…"


def _environment_key() -> str:
    """A digest of the environment the libraries read credentials and endpoints from."""
    relevant = sorted(
        (name, value)
        for name, value in os.environ.items()
        if name.startswith(("AWS_", "AZURE_", "GOOGLE_", "GCS_", "FSSPEC_"))
    )
    return hashlib.sha256(json.dumps(relevant).encode()).hexdigest()
