"""A local stand-in for api.github.com that checks every call against GitHub's own API description.

`FakeGitHub` is a real HTTP server on 127.0.0.1 (werkzeug, in a thread). Each
request is validated with openapi-core against `openapi/api.github.com.subset.json`
(GitHub's official description, see openapi/LICENSE) as if it were sent to
https://api.github.com, with unknown request body fields forbidden; each response
is built from the schemas (not GitHub's examples) and validated too. Anything
that fails validation is recorded in `errors`, and the fixtures fail the test.

The fake keeps state: pull requests, issues, labels, reviewers, comments (listed,
created, updated and deleted) and commit statuses. A pull request's head commit is
read from a real bare git repository (`heads`), so a pushed branch is what the API
reports; merging one calls `merge`, which makes the merge commit with real git.
`read_only` answers writes to comments with 403, as a fork's token gets.

Hostile answers: `craft_next` makes the next request (to one path, or any) get a
crafted answer as is (a non-JSON body, a 200 of the wrong shape, a `Link` or a
`Location` to another host), not checked against the description. `RecordingHost`
is another real server, on another port, that records who reached it and with
which Authorization header.
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict
from werkzeug.serving import BaseWSGIServer, WSGIRequestHandler, make_server
from werkzeug.wrappers import Request, Response

DESCRIPTION = Path(__file__).parent / "openapi" / "api.github.com.subset.json"
HOST_URL = "https://api.github.com"  # what the description's server says
UPLOAD_HOST_URL = "https://uploads.github.com"  # the upload operation's own server
MISSING: Any = object()
NOW = "2026-11-02T06:00:00Z"


# --- the API description ---------------------------------------------------------------


@cache
def description() -> dict[str, Any]:
    """The description, with the fixes NOTES.md lists for validating it with openapi-core."""
    data = json.loads(DESCRIPTION.read_text(encoding="utf-8"))
    _add_null_to_nullable_enums(data)
    contents = data["paths"]["/repos/{owner}/{repo}/contents/{path}"]["get"]["responses"]["200"]
    # its `array` branch is not an object: with the discriminator every directory listing fails
    contents["content"]["application/json"]["schema"].pop("discriminator", None)
    return data


def _add_null_to_nullable_enums(node: Any) -> None:
    if isinstance(node, dict):
        enum = node.get("enum")
        if node.get("nullable") and isinstance(enum, list) and None not in enum:
            enum.append(None)
        for value in node.values():
            _add_null_to_nullable_enums(value)
    elif isinstance(node, list):
        for value in node:
            _add_null_to_nullable_enums(value)


@cache
def openapi(*, strict: bool) -> OpenAPI:
    """strict (for requests): body fields the description does not name are errors.

    Responses are checked without it: under "forbid" every part of an `allOf`
    rejects the other parts' fields, and GitHub's issue responses use `allOf`.
    """
    config = Config(
        additional_properties_default_policy="forbid" if strict else "allow",
        extra_media_type_deserializers={"application/vnd.github.object": json.loads},
    )
    return OpenAPI.from_dict(description(), config=config)


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = description()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part]
        schema = node
    return schema


def instance(schema: dict[str, Any], overlay: Any = MISSING) -> Any:
    """A value valid for `schema`: the overlay's values where given, the least the schema needs elsewhere."""
    schema = _resolve(schema)
    if "allOf" in schema:
        merged: dict[str, Any] = {"type": "object", "properties": {}, "required": []}
        for part in schema["allOf"]:
            part = _resolve(part)
            merged["properties"].update(part.get("properties", {}))
            merged["required"] += part.get("required", [])
        return instance(merged, overlay)
    for key in ("oneOf", "anyOf"):
        if key in schema:
            branches = [_resolve(b) for b in schema[key]]
            if isinstance(overlay, dict):
                branches = [b for b in branches if b.get("type", "object") == "object"] or branches
            elif overlay is not MISSING and not isinstance(overlay, list):
                branches = [b for b in branches if b.get("type") not in ("object", "array")] or (
                    branches
                )
            return instance(branches[0], overlay)
    if overlay is None or (overlay is not MISSING and not isinstance(overlay, dict | list)):
        return overlay
    if overlay is MISSING and schema.get("nullable"):
        return None
    kind = schema.get("type", "object" if "properties" in schema else None)
    if kind == "object":
        given = overlay if isinstance(overlay, dict) else {}
        properties = schema.get("properties", {})
        out = {}
        for name in [*schema.get("required", []), *given]:
            if name in out:
                continue
            sub = properties.get(name)
            out[name] = given[name] if sub is None else instance(sub, given.get(name, MISSING))
        return out
    if kind == "array":
        return [instance(schema.get("items", {}), item) for item in overlay or []]
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "string":
        return {
            "date-time": NOW,
            "uri": f"{HOST_URL}/fake",
            "email": "octocat@example.com",
        }.get(schema.get("format", ""), "x")
    if kind == "integer":
        return 1
    if kind == "number":
        return 1.0
    if kind == "boolean":
        return False
    return None


def component(name: str, overlay: Any = MISSING) -> Any:
    return instance({"$ref": f"#/components/schemas/{name}"}, overlay)


# --- requests and responses as openapi-core reads them ----------------------------------


@dataclass
class _OpenAPIRequest:
    path: str
    path_pattern: str
    method: str
    parameters: RequestParameters
    body: bytes | None
    content_type: str
    host_url: str = HOST_URL


@dataclass
class _OpenAPIResponse:
    status_code: int
    data: bytes
    headers: Headers
    content_type: str = "application/json"


# --- the fake --------------------------------------------------------------------------


@dataclass
class Call:
    method: str
    path: str
    query: dict[str, str]
    body: Any
    authorization: str | None


@dataclass
class Failure:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Crafted:
    status: int
    body: bytes
    content_type: str
    headers: dict[str, str]
    path: str | None  # only a request to this path gets it (None: the next request)


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: list[dict[str, Any]] | None = None):
        super().__init__(message)
        self.status = status
        self.payload: dict[str, Any] = {
            "message": message,
            "documentation_url": "https://docs.github.com/rest",
        }
        if errors:
            self.payload["errors"] = errors


Handler = Callable[[Request, dict[str, str]], tuple[int, Any]]
_SEGMENT = {"ref", "path", "sha", "commit_sha"}  # x-multi-segment: may hold slashes


class FakeGitHub:
    """GitHub for one repository, `owner/name`, whose branches live in a bare repository."""

    def __init__(
        self,
        *,
        owner: str = "acme",
        name: str = "models",
        token: str = "ghs_fakeTokenValue0123456789",
        default_branch: str = "main",
        heads: Callable[[str], str | None] | None = None,
        merge: Callable[[str, str, str], str] | None = None,
    ) -> None:
        self.owner, self.name, self.token = owner, name, token
        self.default_branch = default_branch
        self.heads = heads or (lambda branch: None)  # branch -> head sha
        # (head branch, base branch, commit title) -> the merge commit, made in real git
        self.merge = merge
        self.calls: list[Call] = []
        self.errors: list[str] = []
        self.failures: list[Failure] = []
        self.crafted: list[Crafted] = []
        self.pulls: dict[int, dict[str, Any]] = {}
        self.issues: dict[int, dict[str, Any]] = {}  # issues that are not pull requests
        self.labels: dict[int, list[str]] = {}
        self.reviewers: dict[int, list[str]] = {}
        self.comment_store: dict[int, dict[str, Any]] = {}  # comment id -> comment
        # a fork's pull request: its default token may read but not write comments
        self.read_only = False
        self.deleted_comments: list[str] = []
        self.comment_updates = 0
        self.statuses: list[dict[str, Any]] = []
        self._next_number = 1
        self._lock = threading.Lock()
        self._routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._route("GET", "/repos/{owner}/{repo}", self._get_repo)
        self._route("GET", "/repos/{owner}/{repo}/pulls", self._list_pulls)
        self._route("POST", "/repos/{owner}/{repo}/pulls", self._create_pull)
        self._route("PATCH", "/repos/{owner}/{repo}/pulls/{pull_number}", self._update_pull)
        self._route(
            "POST",
            "/repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
            self._request_reviewers,
        )
        self._route("GET", "/repos/{owner}/{repo}/issues", self._list_issues)
        self._route("POST", "/repos/{owner}/{repo}/issues", self._create_issue)
        self._route("PATCH", "/repos/{owner}/{repo}/issues/{issue_number}", self._update_issue)
        self._route("POST", "/repos/{owner}/{repo}/issues/{issue_number}/labels", self._add_labels)
        self._comment_routes()
        self._merge_routes()
        self._route("POST", "/repos/{owner}/{repo}/statuses/{sha}", self._create_status)
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self._init_releases()

    # --- lifecycle ---------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._server.server_port}"

    @property
    def repository(self) -> str:
        return f"{self.owner}/{self.name}"

    def environ(self, **extra: str) -> dict[str, str]:
        """What a workflow step would see: API URL, repository and token."""
        return {
            "GITHUB_API_URL": self.url,
            "GITHUB_REPOSITORY": self.repository,
            "GITHUB_TOKEN": self.token,
            **extra,
        }

    def start(self) -> FakeGitHub:
        openapi(strict=True), openapi(strict=False)  # load once, outside the request thread
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        self._start_upload_host()
        return self

    def stop(self) -> None:
        self._stop_upload_host()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def fail_next(
        self,
        status: int,
        *,
        times: int = 1,
        message: str = "",
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next `times` requests with `status`, as GitHub would."""
        body = {
            "message": message or {500: "Server Error", 502: "Bad Gateway"}.get(status, "Error"),
            "documentation_url": "https://docs.github.com/rest",
        }
        self.failures += [Failure(status, body, dict(headers or {})) for _ in range(times)]

    def craft_next(
        self,
        status: int,
        body: Any,
        *,
        content_type: str = "application/json; charset=utf-8",
        headers: dict[str, str] | None = None,
        path: str | None = None,
    ) -> None:
        """Answer the next request (to `path`, when given) with exactly this: a str or bytes
        body as it is, anything else as JSON."""
        raw = (
            body
            if isinstance(body, bytes)
            else (body if isinstance(body, str) else json.dumps(body)).encode()
        )
        self.crafted.append(Crafted(status, raw, content_type, dict(headers or {}), path))

    def open_pulls(self, branch: str | None = None) -> list[dict[str, Any]]:
        return [
            p
            for p in self.pulls.values()
            if p["state"] == "open" and (branch is None or p["head"]["ref"] == branch)
        ]

    # --- routing and validation -------------------------------------------------------

    def _route(self, method: str, pattern: str, handler: Handler) -> None:
        def group(match: re.Match[str]) -> str:
            name = match.group(1)
            return f"(?P<{name}>{'.+' if name in _SEGMENT else '[^/]+'})"

        regex = re.compile("^" + re.sub(r"\{(\w+)\}", group, pattern) + "$")
        self._routes.append((method, regex, pattern, handler))

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        request = Request(environ)
        response = self._respond(request)
        return response(environ, start_response)  # type: ignore[no-any-return]

    def _respond(
        self,
        request: Request,
        routes: list[tuple[str, re.Pattern[str], str, Handler]] | None = None,
        host_url: str = HOST_URL,
    ) -> Response:
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            body = request.get_data(as_text=True)
        with self._lock:
            self.calls.append(
                Call(
                    request.method,
                    request.path,
                    dict(request.args),
                    body,
                    request.headers.get("Authorization"),
                )
            )
            if self.failures:
                failure = self.failures.pop(0)
                return Response(
                    json.dumps(failure.body),
                    failure.status,
                    headers=failure.headers,
                    content_type="application/json; charset=utf-8",
                )
            crafted = next(
                (c for c in self.crafted if c.path is None or c.path == request.path), None
            )
            if crafted is not None:
                self.crafted.remove(crafted)
                return Response(
                    crafted.body,
                    crafted.status,
                    headers=crafted.headers,
                    content_type=crafted.content_type,
                )
            for method, regex, pattern, handler in self._routes if routes is None else routes:
                match = regex.match(request.path)
                if match and method == request.method:
                    return self._handle(request, pattern, match.groupdict(), handler, host_url)
            self.errors.append(f"{request.method} {request.path}: no such route in the fake")
            return self._json(404, {"message": "Not Found"})

    def _handle(
        self,
        request: Request,
        pattern: str,
        params: dict[str, str],
        handler: Handler,
        host_url: str = HOST_URL,
    ) -> Response:
        checked = _OpenAPIRequest(
            path=request.path,
            path_pattern=pattern,
            method=request.method.lower(),
            parameters=RequestParameters(
                query=ImmutableMultiDict(request.args),
                header=Headers(request.headers),
                cookie=ImmutableMultiDict(request.cookies),
                path=params,
            ),
            body=request.get_data() or None,
            content_type=(request.content_type or "").lower(),
            host_url=host_url,
        )
        try:
            openapi(strict=True).validate_request(checked)
        except Exception as exc:  # any validation error fails the test
            self.errors.append(f"{request.method} {request.path}: invalid request: {_why(exc)}")
            return self._json(422, {"message": "Validation Failed"})
        if request.headers.get("Authorization") != f"Bearer {self.token}":
            return self._json(401, {"message": "Bad credentials"})
        if (params["owner"], params["repo"]) != (self.owner, self.name):
            return self._json(404, {"message": "Not Found"})
        try:
            status, payload = handler(request, params)
        except ApiError as exc:
            return self._json(exc.status, exc.payload)
        response = self._json(status, payload)
        try:
            openapi(strict=False).validate_response(
                checked,
                _OpenAPIResponse(status, response.get_data(), Headers(response.headers)),
            )
        except Exception as exc:
            self.errors.append(f"{request.method} {request.path}: invalid response: {_why(exc)}")
        return response

    def _json(self, status: int, payload: Any) -> Response:
        if status == 204:
            return Response(b"", status)
        return Response(json.dumps(payload), status, content_type="application/json; charset=utf-8")

    # --- objects ----------------------------------------------------------------------

    def _repo_url(self, *parts: object) -> str:
        return "/".join([f"{HOST_URL}/repos/{self.owner}/{self.name}", *map(str, parts)])

    def _html_url(self, *parts: object) -> str:
        return "/".join([f"https://github.com/{self.owner}/{self.name}", *map(str, parts)])

    def _label(self, name: str) -> dict[str, Any]:
        return {"name": name, "color": "ededed", "url": self._repo_url("labels", name)}

    def _pull(self, number: int, schema: str = "pull-request") -> dict[str, Any]:
        pull = copy.deepcopy(self.pulls[number])
        sha = self.heads(pull["head"]["ref"]) or "0" * 40
        pull["head"]["sha"] = sha
        pull["labels"] = [self._label(n) for n in self.labels.get(number, [])]
        pull["requested_reviewers"] = [
            {"login": login, "id": 1000 + i}
            for i, login in enumerate(self.reviewers.get(number, []))
        ]
        return component(schema, pull)  # type: ignore[no-any-return]

    def _issue(self, number: int) -> dict[str, Any]:
        issue = copy.deepcopy(self.issues[number])
        issue["labels"] = [self._label(n) for n in self.labels.get(number, [])]
        issue["comments"] = len(self.comments.get(number, []))
        return component("issue", issue)  # type: ignore[no-any-return]

    def _number(self) -> int:
        number = self._next_number
        self._next_number += 1
        return number

    def _known(self, number: int) -> None:
        if number not in self.pulls and number not in self.issues:
            raise ApiError(404, "Not Found")

    # --- handlers ----------------------------------------------------------------------

    def _get_repo(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        return 200, component(
            "full-repository",
            {
                "name": self.name,
                "full_name": self.repository,
                "default_branch": self.default_branch,
                "html_url": self._html_url(),
                "owner": {"login": self.owner},
            },
        )

    def _list_pulls(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        state = request.args.get("state", "open")
        head = request.args.get("head")
        found = [
            self._pull(n, "pull-request-simple")
            for n, p in sorted(self.pulls.items())
            if (state == "all" or p["state"] == state)
            and (head is None or head == f"{self.owner}:{p['head']['ref']}")
        ]
        return 200, found

    def _create_pull(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        body = request.get_json()
        head, base = body["head"], body["base"]
        branch = head.split(":", 1)[-1]
        if self.heads(branch) is None:
            raise ApiError(
                422,
                "Validation Failed",
                [{"resource": "PullRequest", "field": "head", "code": "invalid"}],
            )
        if self.open_pulls(branch):
            raise ApiError(
                422,
                "Validation Failed",
                [
                    {
                        "resource": "PullRequest",
                        "code": "custom",
                        "message": f"A pull request already exists for {self.owner}:{branch}.",
                    }
                ],
            )
        number = self._number()
        self.pulls[number] = {
            "number": number,
            "id": 9000 + number,
            "title": body["title"],
            "body": body.get("body"),
            "state": "open",
            "html_url": self._html_url("pull", number),
            "url": self._repo_url("pulls", number),
            "head": {"ref": branch, "label": f"{self.owner}:{branch}", "sha": ""},
            "base": {"ref": base, "label": f"{self.owner}:{base}", "sha": self.heads(base) or ""},
        }
        return 201, self._pull(number)

    def _update_pull(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        number = int(params["pull_number"])
        if number not in self.pulls:
            raise ApiError(404, "Not Found")
        body = request.get_json()
        for key in ("title", "body", "state"):
            if key in body:
                self.pulls[number][key] = body[key]
        return 200, self._pull(number)

    def _request_reviewers(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        number = int(params["pull_number"])
        if number not in self.pulls:
            raise ApiError(404, "Not Found")
        wanted = self.reviewers.setdefault(number, [])
        wanted += [
            login for login in request.get_json().get("reviewers", []) if login not in wanted
        ]
        return 201, self._pull(number, "pull-request-simple")

    def _list_issues(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        state = request.args.get("state", "open")
        wanted = set(filter(None, request.args.get("labels", "").split(",")))
        found = [
            self._issue(n)
            for n, issue in sorted(self.issues.items(), reverse=True)
            if (state == "all" or issue["state"] == state) and wanted <= set(self.labels.get(n, []))
        ]
        return 200, found

    def _create_issue(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        body = request.get_json()
        number = self._number()
        self.issues[number] = {
            "number": number,
            "id": 7000 + number,
            "title": body["title"],
            "body": body.get("body"),
            "state": "open",
            "html_url": self._html_url("issues", number),
            "url": self._repo_url("issues", number),
        }
        self.labels[number] = [str(label) for label in body.get("labels", [])]
        return 201, self._issue(number)

    def _update_issue(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        number = int(params["issue_number"])
        if number not in self.issues:
            raise ApiError(404, "Not Found")
        body = request.get_json()
        for key in ("title", "body", "state"):
            if key in body:
                self.issues[number][key] = body[key]
        return 200, self._issue(number)

    def _add_labels(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        number = int(params["issue_number"])
        self._known(number)
        body = request.get_json()
        names = body.get("labels", []) if isinstance(body, dict) else body
        current = self.labels.setdefault(number, [])
        current += [str(n) for n in names if n not in current]
        return 200, [component("label", self._label(n)) for n in current]

    def _create_status(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        body = request.get_json()
        status = {"sha": params["sha"], **body}
        self.statuses.append(status)
        return 201, component(
            "status",
            {
                "state": body["state"],
                "context": body.get("context", "default"),
                "description": body.get("description"),
                "target_url": body.get("target_url"),
                "id": len(self.statuses),
            },
        )

    # --- issue comments (list, create, update, delete) ----------------------------------

    def _comment_routes(self) -> None:
        comments = "/repos/{owner}/{repo}/issues/{issue_number}/comments"
        one = "/repos/{owner}/{repo}/issues/comments/{comment_id}"
        self._route("GET", comments, self._list_comments)
        self._route("POST", comments, self._create_comment)
        self._route("PATCH", one, self._update_comment)
        self._route("DELETE", one, self._delete_comment)

    @property
    def comments(self) -> dict[int, list[str]]:
        """Comment bodies per issue or pull request, oldest first."""
        out: dict[int, list[str]] = {}
        for _, comment in sorted(self.comment_store.items()):
            out.setdefault(comment["issue"], []).append(comment["body"])
        return out

    def _comment(self, comment_id: int) -> dict[str, Any]:
        stored = self.comment_store[comment_id]
        number = stored["issue"]
        return component(  # type: ignore[no-any-return]
            "issue-comment",
            {
                "id": comment_id,
                "body": stored["body"],
                "html_url": self._html_url("issues", f"{number}#issuecomment-{comment_id}"),
                "issue_url": self._repo_url("issues", number),
                "url": self._repo_url("issues", "comments", comment_id),
                "created_at": stored["created_at"],
                "updated_at": stored["updated_at"],
            },
        )

    def _writable(self) -> None:
        if self.read_only:  # what a pull request from a fork gets with the default token
            raise ApiError(403, "Resource not accessible by integration")

    def _list_comments(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        number = int(params["issue_number"])
        self._known(number)
        found = [i for i, c in sorted(self.comment_store.items()) if c["issue"] == number]
        per_page = int(request.args.get("per_page", "30"))
        page = int(request.args.get("page", "1"))
        chunk = found[(page - 1) * per_page : page * per_page]
        return 200, [self._comment(i) for i in chunk]

    def _create_comment(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        number = int(params["issue_number"])
        self._known(number)
        self._writable()
        comment_id = 5001 + len(self.comment_store) + len(self.deleted_comments)
        self.comment_store[comment_id] = {
            "issue": number,
            "body": request.get_json()["body"],
            "created_at": NOW,
            "updated_at": NOW,
        }
        return 201, self._comment(comment_id)

    def _update_comment(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        comment_id = int(params["comment_id"])
        if comment_id not in self.comment_store:
            raise ApiError(404, "Not Found")
        self._writable()
        self.comment_store[comment_id]["body"] = request.get_json()["body"]
        self.comment_store[comment_id]["updated_at"] = NOW
        self.comment_updates += 1
        return 200, self._comment(comment_id)

    def _delete_comment(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        comment_id = int(params["comment_id"])
        if comment_id not in self.comment_store:
            raise ApiError(404, "Not Found")
        self._writable()
        self.deleted_comments.append(self.comment_store.pop(comment_id)["body"])
        return 204, None

    # --- merging a pull request ------------------------------------------------------------

    def _merge_routes(self) -> None:
        self._route("GET", "/repos/{owner}/{repo}/pulls/{pull_number}", self._get_pull)
        self._route("PUT", "/repos/{owner}/{repo}/pulls/{pull_number}/merge", self._merge_pull)

    def _get_pull(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        number = int(params["pull_number"])
        if number not in self.pulls:
            raise ApiError(404, "Not Found")
        return 200, self._pull(number)

    def _merge_pull(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        number = int(params["pull_number"])
        if number not in self.pulls:
            raise ApiError(404, "Not Found")
        pull = self.pulls[number]
        if pull["state"] != "open" or self.merge is None:
            raise ApiError(405, "Pull Request is not mergeable")
        body = request.get_json(silent=True) or {}
        title = (
            body.get("commit_title") or f"Merge pull request #{number} from {pull['head']['label']}"
        )
        sha = self.merge(pull["head"]["ref"], pull["base"]["ref"], title)
        pull.update(state="closed", merged=True, merge_commit_sha=sha)
        return 200, component(
            "pull-request-merge-result",
            {"sha": sha, "merged": True, "message": "Pull Request successfully merged"},
        )

    # --- releases, deployments and the upload host ----------------------------------------
    # Release assets are uploaded to a second host (GitHub: uploads.github.com), named by
    # each release's `upload_url`; here a second server on another port.

    def _init_releases(self) -> None:
        self.releases: dict[int, dict[str, Any]] = {}
        self.assets: dict[int, dict[str, Any]] = {}  # asset id -> fields, with "content" bytes
        self.deployments: dict[int, dict[str, Any]] = {}
        self.deployment_statuses: dict[int, list[dict[str, Any]]] = {}
        self._next_release_id = 100
        self._next_asset_id = 3000
        self._upload_server: BaseWSGIServer | None = None
        self._upload_thread: threading.Thread | None = None
        self._upload_routes: list[tuple[str, re.Pattern[str], str, Handler]] = []
        self._route("GET", "/repos/{owner}/{repo}/releases/tags/{tag}", self._release_by_tag)
        self._route("POST", "/repos/{owner}/{repo}/releases", self._create_release)
        self._route("GET", "/repos/{owner}/{repo}/releases/{release_id}", self._get_release)
        self._route("PATCH", "/repos/{owner}/{repo}/releases/{release_id}", self._update_release)
        self._route("GET", "/repos/{owner}/{repo}/releases/{release_id}/assets", self._list_assets)
        self._route(
            "DELETE", "/repos/{owner}/{repo}/releases/assets/{asset_id}", self._delete_asset
        )
        self._route("GET", "/repos/{owner}/{repo}/deployments", self._list_deployments)
        self._route("POST", "/repos/{owner}/{repo}/deployments", self._create_deployment)
        self._route(
            "POST",
            "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses",
            self._create_deployment_status,
        )
        # the upload operation exists only on the upload host
        self._route("POST", "/repos/{owner}/{repo}/releases/{release_id}/assets", self._upload)
        self._upload_routes.append(self._routes.pop())

    @property
    def upload_url(self) -> str:
        assert self._upload_server is not None, "start the fake first"
        return f"http://127.0.0.1:{self._upload_server.server_port}"

    def _start_upload_host(self) -> None:
        self._upload_server = make_server(
            "127.0.0.1", 0, self._upload_wsgi, threaded=True, request_handler=_QuietHandler
        )
        self._upload_thread = threading.Thread(
            target=self._upload_server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._upload_thread.start()

    def _stop_upload_host(self) -> None:
        if self._upload_server is not None:
            self._upload_server.shutdown()
            self._upload_server.server_close()
        if self._upload_thread is not None:
            self._upload_thread.join(timeout=5)

    def _upload_wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        request = Request(environ)
        response = self._respond(request, self._upload_routes, UPLOAD_HOST_URL)
        return response(environ, start_response)  # type: ignore[no-any-return]

    def release_assets(self, tag: str) -> dict[str, bytes]:
        """The uploaded assets of the release `tag`, by name."""
        release = next(r for r in self.releases.values() if r["tag_name"] == tag)
        return {
            a["name"]: a["content"]
            for a in self.assets.values()
            if a["release_id"] == release["id"]
        }

    def _asset(self, asset: dict[str, Any]) -> dict[str, Any]:
        fields = {k: v for k, v in asset.items() if k not in ("content", "release_id")}
        return component("release-asset", fields)  # type: ignore[no-any-return]

    def _release(self, release_id: int) -> dict[str, Any]:
        release = copy.deepcopy(self.releases[release_id])
        release["assets"] = [
            self._asset(a) for a in self.assets.values() if a["release_id"] == release_id
        ]
        return component("release", release)  # type: ignore[no-any-return]

    def _known_release(self, params: dict[str, str]) -> int:
        release_id = int(params["release_id"])
        if release_id not in self.releases:
            raise ApiError(404, "Not Found")
        return release_id

    def _release_by_tag(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        for release_id, release in self.releases.items():
            if release["tag_name"] == params["tag"]:
                return 200, self._release(release_id)
        raise ApiError(404, "Not Found")

    def _get_release(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        return 200, self._release(self._known_release(params))

    def _create_release(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        body = request.get_json()
        tag = body["tag_name"]
        if any(r["tag_name"] == tag for r in self.releases.values()):
            raise ApiError(
                422,
                "Validation Failed",
                [{"resource": "Release", "code": "already_exists", "field": "tag_name"}],
            )
        release_id = self._next_release_id
        self._next_release_id += 1
        self.releases[release_id] = {
            "id": release_id,
            "tag_name": tag,
            "name": body.get("name"),
            "body": body.get("body"),
            "target_commitish": body.get("target_commitish", self.default_branch),
            "draft": bool(body.get("draft", False)),
            "prerelease": bool(body.get("prerelease", False)),
            "html_url": self._html_url("releases/tag", tag),
            "url": self._repo_url("releases", release_id),
            "assets_url": self._repo_url("releases", release_id, "assets"),
            "upload_url": f"{self.upload_url}/repos/{self.owner}/{self.name}/releases/"
            f"{release_id}/assets{{?name,label}}",
            "created_at": NOW,
            "published_at": NOW,
        }
        return 201, self._release(release_id)

    def _update_release(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        release_id = self._known_release(params)
        body = request.get_json()
        for key in ("name", "body", "tag_name", "draft", "prerelease"):
            if key in body:
                self.releases[release_id][key] = body[key]
        return 200, self._release(release_id)

    def _list_assets(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        release_id = self._known_release(params)
        return 200, [self._asset(a) for a in self.assets.values() if a["release_id"] == release_id]

    def _delete_asset(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        if self.assets.pop(int(params["asset_id"]), None) is None:
            raise ApiError(404, "Not Found")
        return 204, None

    def _upload(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        release_id = self._known_release(params)
        name = request.args["name"]
        if any(a["name"] == name and a["release_id"] == release_id for a in self.assets.values()):
            raise ApiError(
                422,
                "Validation Failed",
                [{"resource": "ReleaseAsset", "code": "already_exists", "field": "name"}],
            )
        content = request.get_data()
        asset_id = self._next_asset_id
        self._next_asset_id += 1
        self.assets[asset_id] = {
            "id": asset_id,
            "release_id": release_id,
            "content": content,
            "name": name,
            "label": None,
            "state": "uploaded",
            "content_type": request.content_type or "application/octet-stream",
            "size": len(content),
            "digest": "sha256:" + hashlib.sha256(content).hexdigest(),
            "url": self._repo_url("releases/assets", asset_id),
            "browser_download_url": self._html_url(
                "releases/download", self.releases[release_id]["tag_name"], name
            ),
            "node_id": f"RA_{asset_id}",
            "download_count": 0,
            "uploader": None,
        }
        return 201, self._asset(self.assets[asset_id])

    def _deployment(self, deployment_id: int) -> dict[str, Any]:
        return component("deployment", self.deployments[deployment_id])  # type: ignore[no-any-return]

    def _list_deployments(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        environment = request.args.get("environment")
        return 200, [
            self._deployment(i)
            for i in sorted(self.deployments, reverse=True)
            if environment is None or self.deployments[i]["environment"] == environment
        ]

    def _create_deployment(self, request: Request, params: dict[str, str]) -> tuple[int, Any]:
        body = request.get_json()
        deployment_id = 800 + len(self.deployments)
        self.deployments[deployment_id] = {
            "id": deployment_id,
            "url": self._repo_url("deployments", deployment_id),
            "statuses_url": self._repo_url("deployments", deployment_id, "statuses"),
            "repository_url": self._repo_url(),
            "sha": body["ref"] if re.fullmatch(r"[0-9a-f]{40}", body["ref"]) else "0" * 40,
            "ref": body["ref"],
            "task": body.get("task", "deploy"),
            "payload": body.get("payload", {}),
            "environment": body.get("environment", "production"),
            "description": body.get("description"),
            "production_environment": body.get("production_environment", False),
            "creator": None,
            "created_at": NOW,
            "updated_at": NOW,
        }
        self.deployment_statuses[deployment_id] = []
        return 201, self._deployment(deployment_id)

    def _create_deployment_status(
        self, request: Request, params: dict[str, str]
    ) -> tuple[int, Any]:
        deployment_id = int(params["deployment_id"])
        if deployment_id not in self.deployments:
            raise ApiError(404, "Not Found")
        body = request.get_json()
        statuses = self.deployment_statuses[deployment_id]
        statuses.append(body)
        return 201, component(
            "deployment-status",
            {
                "id": 900 + len(statuses),
                "state": body["state"],
                "description": body.get("description", ""),
                "environment": body.get("environment", ""),
                "log_url": body.get("log_url", ""),
                "deployment_url": self._repo_url("deployments", deployment_id),
                "repository_url": self._repo_url(),
                "url": self._repo_url("deployments", deployment_id, "statuses", len(statuses)),
                "creator": None,
                "created_at": NOW,
                "updated_at": NOW,
            },
        )


class RecordingHost:
    """Another host (a real server on another port): records every request it receives,
    with its Authorization header, and answers `[]`."""

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self._server = make_server(
            "127.0.0.1", 0, self._wsgi, threaded=True, request_handler=_QuietHandler
        )
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_port}"

    def _wsgi(self, environ: dict[str, Any], start_response: Any) -> Iterator[bytes]:
        request = Request(environ)
        self.calls.append(
            Call(
                request.method,
                request.path,
                dict(request.args),
                request.get_data(as_text=True),
                request.headers.get("Authorization"),
            )
        )
        response = Response(b"[]", 200, content_type="application/json")
        return response(environ, start_response)  # type: ignore[no-any-return]

    def __enter__(self) -> RecordingHost:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


class _QuietHandler(WSGIRequestHandler):
    def log(self, type: str, message: str, *args: Any) -> None:
        pass  # the test output stays readable; `calls` records every request


@contextlib.contextmanager
def serve(**options: Any) -> Iterator[FakeGitHub]:
    """A running fake; on exit, fails the test if any call broke GitHub's API description."""
    fake = FakeGitHub(**options).start()
    try:
        yield fake
    finally:
        fake.stop()
    assert not fake.errors, "calls that GitHub's API description rejects:\n" + "\n".join(
        fake.errors
    )


def _why(exc: Exception) -> str:
    cause = exc.__cause__ or exc.__context__
    details = getattr(exc, "schema_errors", None) or getattr(cause, "schema_errors", None)
    text = f"{type(exc).__name__}: {exc}"
    if details:
        text += " — " + "; ".join(str(getattr(d, "message", d)) for d in details)
    elif cause is not None:
        text += f" ({type(cause).__name__}: {cause})"
    return text
