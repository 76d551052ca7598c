"""A small typed client for the GitHub REST API: only the calls promotion and drift issues make.

Settings come from the environment the verb was given (`GitHubSettings.from_environ`),
never from `os.environ` here. Server errors, dropped connections and secondary rate
limits are retried a bounded number of times with backoff; anything else fails at
once as a `GitHubError` (exit 3). The token lives in a `Secret` whose str and repr
are masked, and is scrubbed from every message this module builds (`masking.py`).

The token is sent only to the origin (scheme, host, port) of GITHUB_API_URL, and
for a release asset to the upload origin the API named for that release
(`releases.py`): a pagination link or an upload URL elsewhere is refused.
requests itself drops the Authorization header when a redirect leaves the host.
Answers are read field by field (`answers.py`): a wrong shape is exit 3 too.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urlsplit

import requests

from .. import __version__
from ..errors import BadInputError
from .answers import Answer, shape_error
from .errors import GitHubError, api_error
from .masking import cut, mask
from .models import Comment, Issue, PullRequest, Repository

DEFAULT_API_URL = "https://api.github.com"
API_VERSION = "2022-11-28"
MAX_ATTEMPTS = 4
MAX_WAIT_SECONDS = 60.0  # longer waits (a primary rate limit) fail instead of stalling the job
TIMEOUT_SECONDS = 30.0
MAX_PAGES = 10
MAX_ERROR_BODY_CHARS = 200  # of a non-JSON error body, after masking
TOKEN_VARIABLES = ("MLGITOPS_GITHUB_TOKEN", "GITHUB_TOKEN")  # an App token first


class Secret:
    """A value that never shows itself in logs, messages or tracebacks."""

    __slots__ = ("_value",)

    def __init__(self, value: str) -> None:
        self._value = value

    def reveal(self) -> str:
        return self._value

    def scrub(self, text: str) -> str:
        """`text` with this value (in any case) and anything token-shaped masked."""
        return mask(text, self._value)

    def __repr__(self) -> str:
        return "Secret('***')"

    __str__ = __repr__

    def __reduce__(self) -> str:
        raise TypeError("a Secret is not serialised")


@dataclass(frozen=True)
class GitHubSettings:
    api_url: str
    repository: str  # owner/name
    token: Secret = field(repr=False)
    token_variable: str = "GITHUB_TOKEN"

    @property
    def owner(self) -> str:
        return self.repository.split("/", 1)[0]

    @classmethod
    def from_environ(
        cls, environ: Mapping[str, str], *, repository: str | None = None
    ) -> GitHubSettings:
        """Read GITHUB_API_URL, GITHUB_REPOSITORY and the token from `environ`."""
        name = repository or environ.get("GITHUB_REPOSITORY", "")
        if name.count("/") != 1 or not all(name.split("/")):
            raise BadInputError(
                f"GITHUB_REPOSITORY is {name!r}, not owner/name"
                if name
                else "the GitHub repository is not known",
                hint="set GITHUB_REPOSITORY=owner/name (GitHub Actions sets it for you)",
            )
        variable = next((v for v in TOKEN_VARIABLES if environ.get(v)), None)
        if variable is None:
            raise BadInputError(
                "no GitHub token: neither MLGITOPS_GITHUB_TOKEN nor GITHUB_TOKEN is set",
                hint="pass `GITHUB_TOKEN: ${{ github.token }}` in the step's env, "
                "or a GitHub App token as MLGITOPS_GITHUB_TOKEN",
            )
        api_url = (environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
        return cls(api_url, name, Secret(environ[variable]), variable)


class GitHubClient:
    """The REST calls mlgitops makes, on one repository."""

    def __init__(
        self,
        settings: GitHubSettings,
        *,
        session: requests.Session | None = None,
        sleep: Callable[[float], None] = time.sleep,
        max_attempts: int = MAX_ATTEMPTS,
    ) -> None:
        self.settings = settings
        self._session = session or requests.Session()
        self._sleep = sleep
        self._max_attempts = max_attempts
        self._repo_path = "/repos/" + "/".join(
            quote(part, safe="") for part in settings.repository.split("/")
        )

    def __repr__(self) -> str:
        return f"GitHubClient({self.settings.api_url!r}, {self.settings.repository!r})"

    # --- repository ------------------------------------------------------------

    def get_repository(self) -> Repository:
        return Repository.from_api(self._answer("GET", self._repo_path))

    # --- pull requests -----------------------------------------------------------

    def find_open_pull(self, branch: str) -> PullRequest | None:
        """The open pull request from `branch` of this repository, if there is one."""
        params = {"head": f"{self.settings.owner}:{branch}", "state": "open", "per_page": "100"}
        listed = [
            PullRequest.from_api(item) for item in self._pages(f"{self._repo_path}/pulls", params)
        ]
        pulls = [pull for pull in listed if pull.head_ref == branch]
        return min(pulls, key=lambda pull: pull.number) if pulls else None

    def create_pull(self, *, title: str, head: str, base: str, body: str) -> PullRequest:
        payload = {"title": title, "head": head, "base": base, "body": body}
        return PullRequest.from_api(
            self._answer("POST", f"{self._repo_path}/pulls", json_body=payload)
        )

    def update_pull(self, number: int, *, title: str, body: str) -> PullRequest:
        payload = {"title": title, "body": body}
        return PullRequest.from_api(
            self._answer("PATCH", f"{self._repo_path}/pulls/{number}", json_body=payload)
        )

    def request_reviewers(self, number: int, reviewers: list[str]) -> None:
        self._call(
            "POST",
            f"{self._repo_path}/pulls/{number}/requested_reviewers",
            json_body={"reviewers": reviewers},
        )

    # --- issues (pull requests are issues for labels and comments) ----------------

    def add_labels(self, number: int, labels: list[str]) -> None:
        self._call(
            "POST", f"{self._repo_path}/issues/{number}/labels", json_body={"labels": labels}
        )

    def open_issues(self, *, labels: list[str] | None = None) -> list[Issue]:
        """Open issues (not pull requests), newest first."""
        params = {"state": "open", "per_page": "100"}
        if labels:
            params["labels"] = ",".join(labels)
        return [
            Issue.from_api(item)
            for item in self._pages(f"{self._repo_path}/issues", params)
            if not item.has("pull_request")
        ]

    def create_issue(self, *, title: str, body: str, labels: list[str]) -> Issue:
        payload: dict[str, Any] = {"title": title, "body": body}
        if labels:
            payload["labels"] = labels
        return Issue.from_api(self._answer("POST", f"{self._repo_path}/issues", json_body=payload))

    def update_issue(self, number: int, *, body: str) -> Issue:
        return Issue.from_api(
            self._answer("PATCH", f"{self._repo_path}/issues/{number}", json_body={"body": body})
        )

    def create_comment(self, number: int, body: str) -> Comment:
        return Comment.from_api(
            self._answer(
                "POST", f"{self._repo_path}/issues/{number}/comments", json_body={"body": body}
            )
        )

    # --- commit statuses -----------------------------------------------------------

    def create_status(
        self,
        sha: str,
        *,
        state: str,
        context: str,
        description: str,
        target_url: str | None = None,
    ) -> None:
        payload: dict[str, Any] = {
            "state": state,
            "context": context,
            "description": description[:140],  # GitHub's limit
        }
        if target_url:
            payload["target_url"] = target_url
        self._call("POST", f"{self._repo_path}/statuses/{sha}", json_body=payload)

    # --- transport -----------------------------------------------------------------

    def _pages(self, path: str, params: dict[str, str]) -> Iterator[Answer]:
        """Every object of a listing, page after page; a `next` link elsewhere than the API's
        origin is refused by `_send` (it would receive the token)."""
        url: str | None = self.settings.api_url + path
        query: dict[str, str] | None = params
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self._send("GET", url, path, params=query)
            yield from Answer.items(self._json(response, "GET", path), f"GET {path}")
            url = response.links.get("next", {}).get("url")
            query = None  # the next link carries the query

    def _call(self, method: str, path: str, *, json_body: Any = None) -> Any:
        response = self._send(method, self.settings.api_url + path, path, json_body=json_body)
        return self._json(response, method, path) if response.content else None

    def _answer(self, method: str, path: str, *, json_body: Any = None) -> Answer:
        """The answer's JSON object, for reading field by field."""
        return Answer.of(self._call(method, path, json_body=json_body), f"{method} {path}")

    def _json(self, response: requests.Response, method: str, path: str) -> Any:
        try:
            return response.json()
        except ValueError:
            raise shape_error(
                f"{method} {path}",
                "",
                f"JSON (the body is {response.headers.get('content-type') or 'untyped'})",
            ) from None

    @property
    def api_origin(self) -> str:
        return origin_of(self.settings.api_url)

    def _refuse_origin(self, method: str, path: str, url: str, allowed: str) -> GitHubError:
        return GitHubError(
            self._scrub(
                f"GitHub API {method} {path}: refused to send the token to {origin_of(url)}, "
                f"which is not {allowed}"
            ),
            hint="credentials go only to GITHUB_API_URL's host (and the release upload host it "
            "names); check GITHUB_API_URL and any proxy in between",
        )

    def _send(
        self,
        method: str,
        url: str,
        path: str,
        *,
        params: Mapping[str, str] | None = None,
        json_body: Any = None,
        data: bytes | None = None,
        content_type: str | None = None,
        upload_origin: str | None = None,
    ) -> requests.Response:
        """Send with the token, only to the API's origin (or `upload_origin`, which
        `releases.py` has from the API's answer for the release)."""
        allowed = upload_origin or self.api_origin
        if origin_of(url) != allowed:
            shown = "the upload origin GitHub named" if upload_origin else "GITHUB_API_URL's origin"
            raise self._refuse_origin(method, path, url, f"{shown} ({allowed})")
        headers = {
            "Accept": "application/vnd.github+json",
            "Authorization": f"Bearer {self.settings.token.reveal()}",
            "User-Agent": f"mlgitops/{__version__}",
            "X-GitHub-Api-Version": API_VERSION,
        }
        if content_type is not None:  # raw uploads (release assets)
            headers["Content-Type"] = content_type
        for attempt in range(1, self._max_attempts + 1):
            last = attempt == self._max_attempts
            try:
                response = self._session.request(
                    method,
                    url,
                    params=params,
                    json=json_body,
                    data=data,
                    headers=headers,
                    timeout=TIMEOUT_SECONDS,
                )
            except requests.RequestException as exc:
                if last:
                    host = urlsplit(url).netloc
                    raise GitHubError(
                        self._scrub(
                            f"GitHub API {method} {path}: could not reach {host} "
                            f"after {attempt} attempts ({type(exc).__name__})"
                        ),
                        hint="check GITHUB_API_URL and the runner's network, then run the job again",
                    ) from None
                self._sleep(_backoff(attempt))
                continue
            if response.status_code < 400:
                return response
            wait = _retry_wait(response, attempt)
            if wait is None or last or wait > MAX_WAIT_SECONDS:
                raise self._error(method, path, response)
            self._sleep(wait)
        raise AssertionError("unreachable")  # pragma: no cover

    def _error(self, method: str, path: str, response: requests.Response) -> GitHubError:
        try:
            payload = response.json()
        except ValueError:  # masked whole, then cut: a cut token would no longer match
            payload = {"message": cut(self._scrub(response.text), MAX_ERROR_BODY_CHARS)}
        error = api_error(method, path, response.status_code, payload)
        if error.status == 403 and response.headers.get("x-ratelimit-remaining") == "0":
            error.hint = "the API rate limit is used up; run the job again after it resets"
        error.message = cut(self._scrub(error.message), 4 * MAX_ERROR_BODY_CHARS)
        error.args = (error.message,)
        return error

    def _scrub(self, text: str) -> str:
        return self.settings.token.scrub(text)


def origin_of(url: str) -> str:
    """scheme://host:port of `url`, with the scheme's default port made explicit."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:  # a port that is not a number: an origin nothing matches
        return f"{scheme}://{parts.netloc.lower()}"
    port = port or {"https": 443, "http": 80}.get(scheme)
    return f"{scheme}://{(parts.hostname or '').lower()}:{port}"


def _backoff(attempt: int) -> float:
    return float(min(2 ** (attempt - 1), 8))


def _retry_wait(response: requests.Response, attempt: int) -> float | None:
    """Seconds to wait before retrying, or None when the failure is final."""
    status = response.status_code
    if status < 500 and status not in (403, 429):
        return None
    retry_after = response.headers.get("retry-after")
    if retry_after is not None:  # a secondary rate limit (or a 503) says how long to wait
        try:
            return max(float(retry_after), 0.0)
        except ValueError:
            return _backoff(attempt)
    if status >= 500:
        return _backoff(attempt)
    if response.headers.get("x-ratelimit-remaining") == "0":
        reset = response.headers.get("x-ratelimit-reset")
        try:
            return max(float(reset or 0) - time.time(), 0.0) + 1.0
        except ValueError:
            return None
    if status == 429 or "secondary rate limit" in response.text.lower():
        return float(min(60 * attempt, MAX_WAIT_SECONDS))
    return None  # a plain 403: a missing permission is not retried
