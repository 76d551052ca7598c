"""Releases, assets on the upload host, and deployments against the fake GitHub."""

from __future__ import annotations

import hashlib

from github.fake_server import FakeGitHub

from mlgitops.github import GitHubClient, GitHubSettings
from mlgitops.github.releases import ReleasesApi, publish_release, upload_endpoint

ASSETS = {
    "model.onnx": b"\x08\x07onnx-bytes",
    "card.md": b"# card\n",
}


def api_for(fake: FakeGitHub) -> ReleasesApi:
    return ReleasesApi(
        GitHubClient(GitHubSettings.from_environ(fake.environ()), sleep=lambda s: None)
    )


def test_publish_creates_the_release_and_uploads_to_the_upload_host(
    fake_github: FakeGitHub,
) -> None:
    published = publish_release(
        api_for(fake_github),
        tag="churn-v3",
        name="churn v3",
        body="card",
        target="a" * 40,
        assets=ASSETS,
    )
    assert published.created and published.uploaded == ("model.onnx", "card.md")
    assert fake_github.release_assets("churn-v3") == ASSETS
    assert published.release.upload_url.startswith(fake_github.upload_url)
    uploads = [c for c in fake_github.calls if c.path.endswith("/assets") and c.method == "POST"]
    assert len(uploads) == 2 and {c.query["name"] for c in uploads} == set(ASSETS)


def test_a_rerun_keeps_matching_assets_and_replaces_changed_ones(fake_github: FakeGitHub) -> None:
    api = api_for(fake_github)
    publish_release(api, tag="churn-v3", name="churn v3", body="card", target=None, assets=ASSETS)
    again = publish_release(
        api, tag="churn-v3", name="churn v3", body="card", target=None, assets=ASSETS
    )
    assert not again.created and again.uploaded == () and again.kept == ("model.onnx", "card.md")
    assert len(fake_github.releases) == 1
    changed = {**ASSETS, "card.md": b"# card, edited\n"}
    third = publish_release(
        api, tag="churn-v3", name="churn v3", body="card 2", target=None, assets=changed
    )
    assert third.replaced == ("card.md",) and third.kept == ("model.onnx",)
    stored = fake_github.release_assets("churn-v3")
    assert (
        hashlib.sha256(stored["card.md"]).hexdigest()
        == hashlib.sha256(b"# card, edited\n").hexdigest()
    )
    assert len(stored) == 2  # no duplicate asset
    assert next(iter(fake_github.releases.values()))["body"] == "card 2"


def test_deployment_with_a_status(fake_github: FakeGitHub) -> None:
    api = api_for(fake_github)
    deployment = api.create_deployment(
        ref="a" * 40, environment="production", description="churn v3", payload={"churn": 3}
    )
    api.create_deployment_status(
        deployment, state="success", description="serving churn v3", environment="production"
    )
    assert fake_github.deployments[deployment]["environment"] == "production"
    assert [s["state"] for s in fake_github.deployment_statuses[deployment]] == ["success"]


def test_upload_endpoint_drops_the_uri_template() -> None:
    url = "https://uploads.github.com/repos/o/r/releases/1/assets{?name,label}"
    assert upload_endpoint(url) == "https://uploads.github.com/repos/o/r/releases/1/assets"
