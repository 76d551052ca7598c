"""GitHub releases and deployments: the REST calls `mlgitops release` makes.

Built on `GitHubClient`'s transport (retries, error mapping, token scrubbing).
Release assets go to the upload host that the API names in the release's
`upload_url`, and the token with them only there: `ReleasesApi` records the
upload origin of each release from the API's own answer for it
(`_trust_upload_url`), and an upload to any other origin than that, or than
the API's usual upload host, is refused. `publish_release` is idempotent: a re-run finds the release by
its tag, keeps every asset whose sha256 digest matches, and replaces the rest.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote, urlsplit

from .answers import Answer
from .client import GitHubClient, origin_of
from .errors import GitHubError

ASSET_CONTENT_TYPE = "application/octet-stream"
DEPLOYMENT_STATES = ("error", "failure", "inactive", "in_progress", "queued", "pending", "success")


@dataclass(frozen=True)
class ReleaseAsset:
    id: int
    name: str
    size: int
    digest: str | None  # "sha256:<hex>" where GitHub has computed it

    @classmethod
    def from_api(cls, data: Answer) -> ReleaseAsset:
        return cls(
            data.integer("id"),
            data.string("name"),
            data.integer("size"),
            data.optional_string("digest"),
        )

    def matches(self, content: bytes) -> bool:
        return self.digest == "sha256:" + hashlib.sha256(content).hexdigest()


@dataclass(frozen=True)
class Release:
    id: int
    tag_name: str
    name: str | None
    body: str | None
    html_url: str
    upload_url: str
    assets: tuple[ReleaseAsset, ...]

    @classmethod
    def from_api(cls, data: Answer) -> Release:
        return cls(
            id=data.integer("id"),
            tag_name=data.string("tag_name"),
            name=data.optional_string("name"),
            body=data.optional_string("body"),
            html_url=data.string("html_url"),
            upload_url=data.string("upload_url"),
            assets=tuple(ReleaseAsset.from_api(a) for a in data.objects("assets")),
        )


@dataclass(frozen=True)
class PublishedRelease:
    release: Release
    created: bool
    uploaded: tuple[str, ...]  # asset names uploaded by this run
    kept: tuple[str, ...]  # asset names already there with the right digest
    replaced: tuple[str, ...]  # asset names whose old upload did not match


class ReleasesApi:
    """Releases, their assets, and deployments on the client's repository."""

    def __init__(self, client: GitHubClient) -> None:
        self._client = client
        self._repo = client._repo_path
        # release id -> the upload origin the API named for it, in its own answer
        self._upload_origins: dict[int, str] = {}

    # --- releases ----------------------------------------------------------------------------

    def by_tag(self, tag: str) -> Release | None:
        path = f"{self._repo}/releases/tags/{quote(tag, safe='')}"
        try:
            answer = self._client._answer("GET", path)
        except GitHubError as exc:
            if exc.status == 404:
                return None
            raise
        return self._trust_upload_url(Release.from_api(answer))

    def create(self, *, tag: str, name: str, body: str, target: str | None) -> Release:
        payload: dict[str, Any] = {"tag_name": tag, "name": name, "body": body}
        if target:
            payload["target_commitish"] = target
        answer = self._client._answer("POST", f"{self._repo}/releases", json_body=payload)
        return self._trust_upload_url(Release.from_api(answer))

    def update(self, release_id: int, *, name: str, body: str) -> Release:
        answer = self._client._answer(
            "PATCH", f"{self._repo}/releases/{release_id}", json_body={"name": name, "body": body}
        )
        return self._trust_upload_url(Release.from_api(answer))

    def _trust_upload_url(self, release: Release) -> Release:
        """Record the upload origin the API's answer names for this release: the one origin
        besides the API's usual upload host that receives the token for its assets."""
        self._upload_origins[release.id] = origin_of(upload_endpoint(release.upload_url))
        return release

    def _upload_origin(self, release: Release, url: str) -> str:
        origin = origin_of(url)
        if origin in (self._upload_origins.get(release.id), known_upload_origin(self._client)):
            return origin
        raise GitHubError(
            f"refused to upload {release.tag_name}'s assets to {origin}: GitHub's answer for "
            f"release {release.id} did not name that upload host",
            hint="upload only to the upload_url the API returns for the release "
            "(ReleasesApi.by_tag, create or update)",
        )

    def assets(self, release_id: int) -> list[ReleaseAsset]:
        return [
            ReleaseAsset.from_api(item)
            for item in self._client._pages(
                f"{self._repo}/releases/{release_id}/assets", {"per_page": "100"}
            )
        ]

    def delete_asset(self, asset_id: int) -> None:
        self._client._call("DELETE", f"{self._repo}/releases/assets/{asset_id}")

    def upload_asset(self, release: Release, name: str, content: bytes) -> ReleaseAsset:
        """Upload to the host the release names; the API describes raw octet-stream bodies."""
        url = upload_endpoint(release.upload_url)
        path = f"{self._repo}/releases/{release.id}/assets"
        response = self._client._send(
            "POST",
            url,
            path,
            params={"name": name},
            data=content,
            content_type=ASSET_CONTENT_TYPE,
            upload_origin=self._upload_origin(release, url),
        )
        return ReleaseAsset.from_api(
            Answer.of(self._client._json(response, "POST", path), f"POST {path}")
        )

    # --- deployments -------------------------------------------------------------------------

    def create_deployment(
        self, *, ref: str, environment: str, description: str, payload: Mapping[str, Any]
    ) -> int:
        body = {
            "ref": ref,
            "environment": environment,
            "description": description[:140],
            "payload": dict(payload),
            "auto_merge": False,  # the commit is already on the default branch
            "required_contexts": [],  # its checks ran before the merge
            "production_environment": environment == "production",
        }
        data = self._client._call("POST", f"{self._repo}/deployments", json_body=body)
        if not isinstance(data, dict) or "id" not in data:
            message = data.get("message") if isinstance(data, dict) else None
            raise GitHubError(
                self._client._scrub(
                    f"GitHub did not create the deployment of {ref[:12]}: "
                    f"{message or 'no id returned'}"
                )[:300],
                hint="check the ref and the job's `deployments: write` permission",
            )
        return Answer.of(data, f"POST {self._repo}/deployments").integer("id")

    def create_deployment_status(
        self,
        deployment_id: int,
        *,
        state: str,
        description: str,
        environment: str,
        log_url: str | None = None,
    ) -> None:
        assert state in DEPLOYMENT_STATES, state
        body: dict[str, Any] = {
            "state": state,
            "description": description[:140],
            "environment": environment,
        }
        if log_url:
            body["log_url"] = log_url
        self._client._call(
            "POST", f"{self._repo}/deployments/{deployment_id}/statuses", json_body=body
        )


def known_upload_origin(client: GitHubClient) -> str:
    """The upload host GitHub uses for this API: uploads.github.com for api.github.com,
    the API's own host for GitHub Enterprise Server (`https://HOST/api/uploads`)."""
    api = client.api_origin
    return "https://uploads.github.com:443" if api == "https://api.github.com:443" else api


def upload_endpoint(upload_url: str) -> str:
    """`https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}` without the
    URI template; only an http(s) URL is accepted."""
    url = upload_url.split("{", 1)[0]
    parts = urlsplit(url)
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise GitHubError(
            f"GitHub returned an upload_url that is not an http(s) URL: {upload_url[:100]!r}",
            hint="check GITHUB_API_URL",
        )
    return url


def publish_release(
    api: ReleasesApi,
    *,
    tag: str,
    name: str,
    body: str,
    target: str | None,
    assets: Mapping[str, bytes],
) -> PublishedRelease:
    """Create or update the release `tag` so it holds these assets (name -> bytes);
    assets already uploaded with the same digest stay."""
    release = api.by_tag(tag)
    created = release is None
    if release is None:
        release = api.create(tag=tag, name=name, body=body, target=target)
    elif (release.name, release.body) != (name, body):
        release = api.update(release.id, name=name, body=body)
    present = {asset.name: asset for asset in api.assets(release.id)}
    uploaded, kept, replaced = [], [], []
    for asset_name, content in assets.items():
        existing = present.get(asset_name)
        if existing is not None and existing.matches(content):
            kept.append(asset_name)
            continue
        if existing is not None:
            api.delete_asset(existing.id)
            replaced.append(asset_name)
        api.upload_asset(release, asset_name, content)
        uploaded.append(asset_name)
    return PublishedRelease(release, created, tuple(uploaded), tuple(kept), tuple(replaced))
