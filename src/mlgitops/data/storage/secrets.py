"""Keep credentials out of the spec and out of every message.

Credentials reach the storage libraries only through the environment and
their standard chains (botocore's, google-auth's, azure-identity's). The spec
may hold filesystem options (endpoint, region) but nothing that looks like a
secret; `check_storage_options` names the keys `validate` refuses.

`redact` is the last line of defence for text we did not write: a library's
exception message may quote a URL with credentials in it, or (rarely) an
environment value. Every storage error passes through it before anyone sees it.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import logging

REDACTED = "***"

# Whole words of a key (split on `_`, `-`, `.` and camelCase) that mark a secret.
_SECRET_WORDS = frozenset(
    {"key", "secret", "token", "password", "passwd", "pwd", "credential", "credentials"}
    | {"creds", "sas", "signature", "sig", "session", "auth", "authorization", "private"}
    | {"cookie", "bearer"}
)
# Runs of letters that mark a secret even glued to other words ("accountkey", "apitoken").
_SECRET_FRAGMENTS = (
    "secret",
    "token",
    "password",
    "passwd",
    "credential",
    "signature",
    "accountkey",
    "accesskey",
    "apikey",
    "privatekey",
    "connectionstring",
    "sastoken",
)
# Environment variables whose values are secrets wherever they appear.
_SECRET_ENV_PREFIXES = ("AZURE_", "GOOGLE_", "GCS_", "ARM_")
_SECRET_ENV_NAMES = frozenset(
    {
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_SECURITY_TOKEN",
        "AWS_ACCESS_KEY_ID",
        "AWS_CONTAINER_AUTHORIZATION_TOKEN",
        "GITHUB_TOKEN",
        "GH_TOKEN",
    }
)
_SHORTEST_REDACTED = 4  # shorter values ("1", "us") would blank out ordinary words
_USERINFO = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*://)(?P<userinfo>[^/@\s]*@)")
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def looks_secret(name: str) -> bool:
    """Does an option or variable name look like it holds a credential?"""
    words = [w for w in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if w]
    if any(word in _SECRET_WORDS or word.endswith("key") for word in words):
        return True
    glued = "".join(words)
    return any(fragment in glued for fragment in _SECRET_FRAGMENTS)


def check_storage_options(options: Mapping[str, Any]) -> list[str]:
    """The keys of `options` (dotted, for nested mappings) that look like secrets, sorted.

    A key is named for its name (`secret`, `account_key`, `sas_token`, ...) or for a
    value that is a URL with credentials in it (`http://user:password@host`).
    """
    found: list[str] = []
    for key, value in options.items():
        name = str(key)
        if looks_secret(name) or (isinstance(value, str) and has_url_credentials(value)):
            found.append(name)
        elif isinstance(value, Mapping):
            found.extend(f"{name}.{inner}" for inner in check_storage_options(value))
    return sorted(found)


def strip_url_credentials(url: str) -> str:
    """`s3://key:secret@bucket/x` → `s3://***@bucket/x`; other text unchanged."""
    return _USERINFO.sub(lambda m: f"{m['scheme']}{REDACTED}@", url)


def has_url_credentials(url: str) -> bool:
    return _USERINFO.match(url.strip()) is not None


def secret_values(
    environ: Mapping[str, str] | None = None, options: Mapping[str, Any] | None = None
) -> list[str]:
    """The values to blank out: secret environment variables and secret-looking options."""
    env = os.environ if environ is None else environ
    values = [
        value
        for name, value in env.items()
        if name in _SECRET_ENV_NAMES
        or name.startswith(_SECRET_ENV_PREFIXES)
        or _is_secret_env(name)
    ]
    if options:
        values.extend(_option_values(options))
    # Longest first, so a secret that contains another is blanked whole.
    return sorted({v for v in values if len(v) >= _SHORTEST_REDACTED}, key=len, reverse=True)


def redact(
    text: str,
    *,
    environ: Mapping[str, str] | None = None,
    options: Mapping[str, Any] | None = None,
) -> str:
    """`text` without URL credentials and without any secret value of the environment or options.

    The environment is read here on purpose: the storage libraries read the same
    variables, so these are exactly the values that could have leaked into their messages.
    """
    cleaned = strip_url_credentials(text)
    for value in secret_values(environ, options):
        cleaned = cleaned.replace(value, REDACTED)
    return cleaned


def _is_secret_env(name: str) -> bool:
    return name.startswith(("AWS_", "MLGITOPS_")) and looks_secret(name.removeprefix("AWS_"))


def _option_values(options: Mapping[str, Any]) -> Iterable[str]:
    for key, value in options.items():
        if isinstance(value, Mapping):
            yield from _option_values(value)
        elif looks_secret(str(key)) and value is not None:
            yield str(value)


# Loggers of the storage libraries: botocore at DEBUG prints every request's
# headers, session token included.
_LIBRARY_LOGGERS = (
    "botocore",
    "aiobotocore",
    "s3fs",
    "fsspec",
    "gcsfs",
    "google",
    "adlfs",
    "azure",
)
_installed = False


def redact_library_logs() -> None:
    """Blank secrets out of every log record the storage libraries create (installed once).

    A filter on their loggers would miss records of child loggers
    (`botocore.endpoint`) that reach the root's handlers; the record factory
    sees every record as it is made, whoever handles it later.
    """
    import logging  # only the storage libraries log: not needed to check a spec

    global _installed
    if _installed:
        return
    previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = previous(*args, **kwargs)
        if record.name.startswith(_LIBRARY_LOGGERS):
            try:
                message = record.getMessage()
            except Exception:  # a library's broken format string: keep only its template
                message = str(record.msg)
            record.msg = redact(message)
            record.args = None
        return record

    logging.setLogRecordFactory(factory)
    _installed = True
