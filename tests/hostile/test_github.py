"""Hostile GitHub answers: echoed tokens, answers of the wrong shape, links, redirects and
upload URLs to another host.

Each case gets a located error with exit status 3 and no traceback, and the token
appears in no output, no annotation, no error and no request to the other host (a
real server on another port that records every Authorization header it receives).
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from github.fake_server import FakeGitHub, RecordingHost, serve
from serve.support import demo_repository

from mlgitops.cli import main
from mlgitops.errors import EXIT_EXTERNAL
from mlgitops.github import GitHubClient, GitHubError, GitHubSettings
from mlgitops.github.releases import Release, ReleasesApi, publish_release

TOKEN = "ghp_SECRETSECRET12345678901234567890"
REPO = "/repos/acme/models"
TAG = "churn-classifier-v1"
COMMIT = "c0ffee" + "0" * 34


def leaked(text: str) -> list[str]:
    """Pieces of the token in `text`, in any case: the whole token or 8 characters of it."""
    lowered, token = text.lower(), TOKEN.lower()
    return [token[i : i + 8] for i in range(len(token) - 7) if token[i : i + 8] in lowered]


@pytest.fixture
def github() -> Iterator[FakeGitHub]:
    with serve(token=TOKEN) as fake:
        yield fake


@pytest.fixture
def other_host() -> Iterator[RecordingHost]:
    with RecordingHost() as host:
        yield host


def client(fake: FakeGitHub) -> GitHubClient:
    return GitHubClient(GitHubSettings.from_environ(fake.environ()), sleep=lambda _: None)


def refused(call: object) -> GitHubError:
    with pytest.raises(GitHubError) as caught:
        call()  # type: ignore[operator]
    error = caught.value
    assert error.exit_code == EXIT_EXTERNAL
    assert not leaked(" ".join(error.lines())), error.lines()
    return error


# --- through the command line: stderr, --json and the ::error:: annotation -----------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = demo_repository(tmp_path_factory.mktemp("hostile-github") / "demo")
    shutil.rmtree(root / "models/house-price")
    shutil.rmtree(root / "models/penguin-species")
    return root


def release(root: Path, fake: FakeGitHub, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    """Run `release --json` as a workflow step would; (exit status, everything printed)."""
    environ = fake.environ(GITHUB_SHA=COMMIT, GITHUB_ACTIONS="true")
    code = main(["-C", str(root), "release", "churn-classifier", "--json"], environ=environ)
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return code, out + err


def _error_of(printed: str) -> tuple[dict, list[str]]:  # type: ignore[type-arg]
    text, _, rest = printed.partition("\n::")
    annotations = ["::" + line for line in rest.splitlines()] if rest else []
    return json.loads(text), annotations


def test_a_non_json_error_body_echoing_the_token_in_any_case_is_masked_before_it_is_cut(
    demo: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    # the token straddles the 200th character, where the body used to be cut before masking
    body = "x" * 180 + f"Bearer {TOKEN} bearer {TOKEN.lower()} token {TOKEN.upper()}"
    github.craft_next(400, body, content_type="text/html", path=f"{REPO}/releases/tags/{TAG}")
    code, printed = release(demo, github, capsys)
    data, annotations = _error_of(printed)
    assert code == EXIT_EXTERNAL and data["exit_code"] == EXIT_EXTERNAL
    assert f"GET {REPO}/releases/tags/{TAG} failed: 400" in data["error"]
    assert annotations and annotations[0].startswith("::error::GitHub API GET")
    assert not leaked(printed), printed


def test_a_200_of_the_wrong_shape_names_the_endpoint_and_the_field(
    demo: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    github.craft_next(200, {"id": "100", "tag_name": TAG}, path=f"{REPO}/releases/tags/{TAG}")
    code, printed = release(demo, github, capsys)
    data, annotations = _error_of(printed)
    assert code == EXIT_EXTERNAL, printed
    assert data["error"] == (
        f"GitHub API GET {REPO}/releases/tags/{TAG} answered with an unexpected shape: "
        "field id is a string (expected an integer)"
    )
    assert "unexpected error" not in printed and "GITHUB_API_URL" in data["hint"]
    assert annotations == [f"::error::{data['error']}"]


def test_a_pagination_link_to_another_host_is_refused_and_gets_no_request(
    demo: Path,
    github: FakeGitHub,
    other_host: RecordingHost,
    capsys: pytest.CaptureFixture[str],
) -> None:
    link = f'<{other_host.url}{REPO}/releases/100/assets?page=2>; rel="next"'
    github.craft_next(200, [], headers={"Link": link}, path=f"{REPO}/releases/100/assets")
    code, printed = release(demo, github, capsys)
    data, _ = _error_of(printed)
    assert code == EXIT_EXTERNAL
    assert (
        f"GET {REPO}/releases/100/assets: refused to send the token to {other_host.url},"
        in (data["error"])
    )
    assert other_host.calls == []
    assert not leaked(printed)


def test_the_plain_error_on_stderr_is_masked_too(
    demo: Path, github: FakeGitHub, capsys: pytest.CaptureFixture[str]
) -> None:
    github.craft_next(
        403, f"<p>denied for BEARER {TOKEN.upper()}</p>", content_type="text/html", path=None
    )
    environ = github.environ(GITHUB_SHA=COMMIT, GITHUB_ACTIONS="true")
    code = main(["-C", str(demo), "release", "churn-classifier"], environ=environ)
    out, err = capsys.readouterr()
    assert code == EXIT_EXTERNAL
    assert "error: GitHub API GET" in err and "403" in err and "Traceback" not in err
    assert "BEARER ***" in err
    assert not leaked(out + err), out + err


# --- the client: masking ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "echo",
    [
        f"bearer {TOKEN}",  # lower-case scheme
        TOKEN.upper(),  # the token in another case
        f"Authorization: token {TOKEN.swapcase()}",
        "leaked ghs_" + "Z" * 36,  # a token of GitHub's shape that is not ours
        "github_pat_11ABCDEFG0123456789_abcdefghijklmnopqrstuvwxyz",
    ],
)
def test_echoed_credentials_in_a_json_message_are_masked(github: FakeGitHub, echo: str) -> None:
    github.craft_next(422, {"message": f"Validation Failed: {echo}", "errors": [echo]})
    error = refused(client(github).get_repository)
    text = " ".join(error.lines())
    assert "422 Validation Failed" in text and "***" in text
    assert "ZZZZZZZZ" not in text and "abcdefghijklmnop" not in text


# --- the client: answers of the wrong shape ----------------------------------------------------


@pytest.mark.parametrize(
    ("answer", "field"),
    [
        ([{"full_name": "acme/models"}], "the answer is a list (expected an object)"),
        ({"full_name": "acme/models", "html_url": "x"}, "field default_branch is missing"),
        (
            {"full_name": 7, "default_branch": "main", "html_url": "x"},
            "field full_name is a number",
        ),
    ],
)
def test_a_repository_answer_of_the_wrong_shape(
    github: FakeGitHub, answer: object, field: str
) -> None:
    github.craft_next(200, answer)
    error = refused(client(github).get_repository)
    assert error.message.startswith(f"GitHub API GET {REPO} answered with an unexpected shape")
    assert field in error.message


def test_a_listing_item_of_the_wrong_shape_names_its_index_and_nested_field(
    github: FakeGitHub,
) -> None:
    github.craft_next(200, [{"number": 1, "head": {"sha": "a" * 40}}], path=f"{REPO}/pulls")
    error = refused(lambda: client(github).find_open_pull("mlgitops/promote/churn"))
    assert f"GET {REPO}/pulls answered" in error.message
    assert "field [0].number" not in error.message  # the number is fine; the first gap is
    assert "field [0].html_url is missing" in error.message


def test_a_200_that_is_not_json_is_an_external_error(github: FakeGitHub) -> None:
    github.craft_next(200, "<html>captive portal</html>", content_type="text/html")
    error = refused(client(github).get_repository)
    assert f"GET {REPO} answered with an unexpected shape" in error.message
    assert "expected JSON (the body is text/html" in error.message


# --- the client: credentials stay on their origin ----------------------------------------------


def test_a_redirect_to_another_host_does_not_carry_the_token(
    github: FakeGitHub, other_host: RecordingHost
) -> None:
    github.craft_next(
        307, b"", headers={"Location": f"{other_host.url}/elsewhere"}, path=f"{REPO}/issues"
    )
    assert client(github).open_issues() == []  # the other host answers an empty list
    assert [call.path for call in other_host.calls] == ["/elsewhere"]
    assert [call.authorization for call in other_host.calls] == [None]


def test_an_upload_url_the_api_did_not_give_for_that_release_is_refused(
    github: FakeGitHub, other_host: RecordingHost
) -> None:
    api = ReleasesApi(client(github))
    real = api.create(tag="m-v1", name="m v1", body="", target=None)
    forged = Release(
        id=real.id,
        tag_name=real.tag_name,
        name=real.name,
        body=real.body,
        html_url=real.html_url,
        upload_url=f"{other_host.url}{REPO}/releases/{real.id}/assets{{?name,label}}",
        assets=(),
    )
    error = refused(lambda: api.upload_asset(forged, "model.onnx", b"bytes"))
    assert f"refused to upload m-v1's assets to {other_host.url}" in error.message
    assert other_host.calls == []


def test_one_release_s_upload_origin_does_not_authorise_another_release(
    github: FakeGitHub,
) -> None:
    api = ReleasesApi(client(github))
    first = api.create(tag="m-v1", name="m v1", body="", target=None)
    # a release this session never had from the API, though its URL is on a trusted host
    unseen = Release(999, "m-v9", None, None, first.html_url, first.upload_url, ())
    error = refused(lambda: api.upload_asset(unseen, "model.onnx", b"bytes"))
    assert "did not name that upload host" in error.message
    assert all(not call.path.endswith("/999/assets") for call in github.calls)


def test_the_upload_origin_named_in_the_api_answer_is_used(github: FakeGitHub) -> None:
    published = publish_release(
        ReleasesApi(client(github)),
        tag="m-v1",
        name="m v1",
        body="",
        target=None,
        assets={"model.onnx": b"bytes"},
    )
    assert published.uploaded == ("model.onnx",)
    assert github.release_assets("m-v1") == {"model.onnx": b"bytes"}


def test_api_origins_compare_scheme_host_and_port() -> None:
    from mlgitops.github.client import origin_of

    assert origin_of("https://API.github.com/repos") == "https://api.github.com:443"
    assert origin_of("https://api.github.com:443/x") == origin_of("https://api.github.com/y")
    assert origin_of("http://api.github.com/x") != origin_of("https://api.github.com/x")
    assert origin_of("https://api.github.com.evil.example/x") != origin_of("https://api.github.com")
    assert origin_of("https://evil@api.github.com:8443/") == "https://api.github.com:8443"
