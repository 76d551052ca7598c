"""The GitHub client against the fake server: calls, retries, errors, and a token that never shows."""

from __future__ import annotations

import pickle
import socket
import traceback

import pytest
from github.fake_server import FakeGitHub

from mlgitops.errors import EXIT_BAD_INPUT, EXIT_EXTERNAL, BadInputError
from mlgitops.github import GitHubClient, GitHubError, GitHubSettings, Secret

BRANCH = "mlgitops/promote/churn"


def client_for(fake: FakeGitHub, sleeps: list[float] | None = None, **environ: str) -> GitHubClient:
    settings = GitHubSettings.from_environ(fake.environ(**environ))
    record = sleeps if sleeps is not None else []
    return GitHubClient(settings, sleep=record.append)


# --- settings -------------------------------------------------------------------------------


def test_settings_read_the_environment() -> None:
    settings = GitHubSettings.from_environ(
        {"GITHUB_REPOSITORY": "acme/models", "GITHUB_TOKEN": "t1"}
    )
    assert settings.api_url == "https://api.github.com"
    assert (settings.repository, settings.owner, settings.token_variable) == (
        "acme/models",
        "acme",
        "GITHUB_TOKEN",
    )
    app = GitHubSettings.from_environ(
        {
            "GITHUB_REPOSITORY": "acme/models",
            "GITHUB_TOKEN": "t1",
            "MLGITOPS_GITHUB_TOKEN": "t2",
            "GITHUB_API_URL": "https://ghe.example.com/api/v3/",
        }
    )
    assert app.token.reveal() == "t2" and app.token_variable == "MLGITOPS_GITHUB_TOKEN"
    assert app.api_url == "https://ghe.example.com/api/v3"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"GITHUB_TOKEN": "t"}, "the GitHub repository is not known"),
        ({"GITHUB_REPOSITORY": "models", "GITHUB_TOKEN": "t"}, "not owner/name"),
        ({"GITHUB_REPOSITORY": "acme/models"}, "no GitHub token"),
        ({"GITHUB_REPOSITORY": "acme/models", "GITHUB_TOKEN": ""}, "no GitHub token"),
    ],
)
def test_settings_say_what_is_missing(environ: dict[str, str], message: str) -> None:
    with pytest.raises(BadInputError, match=message) as caught:
        GitHubSettings.from_environ(environ)
    assert caught.value.exit_code == EXIT_BAD_INPUT and caught.value.hint


def test_the_token_never_shows_in_reprs() -> None:
    token = "ghs_doNotPrintMe123"
    settings = GitHubSettings.from_environ({"GITHUB_REPOSITORY": "a/b", "GITHUB_TOKEN": token})
    client = GitHubClient(settings)
    for text in (
        repr(settings),
        str(settings),
        repr(client),
        str(settings.token),
        repr(Secret(token)),
    ):
        assert token not in text
    assert "***" in repr(settings.token)
    with pytest.raises(TypeError):  # no pickling a secret into a cache or artifact by accident
        pickle.dumps(settings.token)


# --- calls ----------------------------------------------------------------------------------


def test_pull_request_calls(fake_github: FakeGitHub) -> None:
    client = client_for(fake_github)
    assert client.get_repository().default_branch == "main"
    assert client.find_open_pull(BRANCH) is None
    pull = client.create_pull(title="Promote churn", head=BRANCH, base="main", body="why")
    assert (pull.number, pull.head_ref, pull.head_sha, pull.base_ref) == (
        1,
        BRANCH,
        "b" * 40,
        "main",
    )
    found = client.find_open_pull(BRANCH)
    assert found is not None and found.number == 1
    updated = client.update_pull(1, title="Promote churn again", body="new why")
    assert (updated.title, updated.body) == ("Promote churn again", "new why")
    client.add_labels(1, ["model-promotion"])
    client.request_reviewers(1, ["octocat"])
    client.create_status(
        "b" * 40,
        state="success",
        context="mlgitops/churn/gates",
        description="x" * 300,  # GitHub allows 140 characters
        target_url="https://github.com/acme/models/actions/runs/1",
    )
    assert fake_github.labels[1] == ["model-promotion"] and fake_github.reviewers[1] == ["octocat"]
    (status,) = fake_github.statuses
    assert status["sha"] == "b" * 40 and len(status["description"]) == 140
    # a second pull request from the branch is what GitHub itself refuses
    with pytest.raises(GitHubError, match="A pull request already exists") as caught:
        client.create_pull(title="again", head=BRANCH, base="main", body="")
    assert caught.value.status == 422


def test_issue_calls(fake_github: FakeGitHub) -> None:
    client = client_for(fake_github)
    issue = client.create_issue(title="drift", body="report", labels=["drift"])
    assert client.open_issues(labels=["drift"]) == [issue]
    assert client.open_issues(labels=["other"]) == []
    assert client.update_issue(issue.number, body="newer").body == "newer"
    comment = client.create_comment(issue.number, "seen again")
    assert comment.body == "seen again" and fake_github.comments[issue.number] == ["seen again"]


def test_open_issues_leave_out_pull_requests(fake_github: FakeGitHub) -> None:
    client = client_for(fake_github)
    client.create_pull(title="p", head=BRANCH, base="main", body="")
    client.create_issue(title="i", body="", labels=[])
    assert [issue.title for issue in client.open_issues()] == ["i"]


# --- failures -------------------------------------------------------------------------------


def test_server_errors_are_retried_with_backoff(fake_github: FakeGitHub) -> None:
    sleeps: list[float] = []
    fake_github.fail_next(502, times=2)
    repository = client_for(fake_github, sleeps).get_repository()
    assert repository.full_name == "acme/models"
    assert sleeps == [1.0, 2.0] and len(fake_github.calls) == 3


def test_server_errors_give_up_after_a_bounded_number_of_attempts(fake_github: FakeGitHub) -> None:
    sleeps: list[float] = []
    fake_github.fail_next(500, times=10)
    with pytest.raises(GitHubError) as caught:
        client_for(fake_github, sleeps).get_repository()
    error = caught.value
    assert error.exit_code == EXIT_EXTERNAL and error.status == 500
    assert error.message == "GitHub API GET /repos/acme/models failed: 500 Server Error"
    assert error.hint is not None and "run the job again later" in error.hint
    assert len(fake_github.calls) == 4 and sleeps == [1.0, 2.0, 4.0]


def test_secondary_rate_limit_waits_as_told(fake_github: FakeGitHub) -> None:
    sleeps: list[float] = []
    fake_github.fail_next(
        403,
        message="You have exceeded a secondary rate limit.",
        headers={"Retry-After": "3"},
    )
    client_for(fake_github, sleeps).get_repository()
    assert sleeps == [3.0]


def test_service_unavailable_waits_as_told(fake_github: FakeGitHub) -> None:
    sleeps: list[float] = []
    fake_github.fail_next(503, headers={"Retry-After": "5"})
    client_for(fake_github, sleeps).get_repository()
    assert sleeps == [5.0]


def test_a_long_primary_rate_limit_fails_instead_of_stalling(fake_github: FakeGitHub) -> None:
    sleeps: list[float] = []
    fake_github.fail_next(
        403,
        message="API rate limit exceeded",
        headers={"x-ratelimit-remaining": "0", "x-ratelimit-reset": "9999999999"},
    )
    with pytest.raises(GitHubError) as caught:
        client_for(fake_github, sleeps).get_repository()
    assert sleeps == [] and caught.value.hint is not None and "rate limit" in caught.value.hint


@pytest.mark.parametrize(
    ("status", "message", "hint"),
    [
        (401, "Bad credentials", "GITHUB_TOKEN"),
        (403, "Resource not accessible by integration", "pull-requests: write"),
        (404, "Not Found", "GITHUB_REPOSITORY"),
    ],
)
def test_client_errors_fail_at_once_and_say_what_to_do(
    fake_github: FakeGitHub, status: int, message: str, hint: str
) -> None:
    fake_github.fail_next(status, message=message)
    with pytest.raises(GitHubError) as caught:
        client_for(fake_github).find_open_pull(BRANCH)
    error = caught.value
    assert error.message.endswith(f"failed: {status} {message}")
    assert error.hint is not None and hint in error.hint
    assert len(fake_github.calls) == 1


def test_a_wrong_token_is_refused_by_the_fake(fake_github: FakeGitHub) -> None:
    client = client_for(fake_github, GITHUB_TOKEN="ghs_wrong")
    with pytest.raises(GitHubError, match="401 Bad credentials"):
        client.get_repository()


def test_the_token_never_reaches_messages_or_tracebacks(fake_github: FakeGitHub) -> None:
    # a server that echoes the token back must not get it printed
    fake_github.fail_next(422, message=f"token {fake_github.token} is not allowed here")
    with pytest.raises(GitHubError) as caught:
        client_for(fake_github).get_repository()
    text = "".join(traceback.format_exception(caught.value)) + str(caught.value.args)
    assert fake_github.token not in text
    assert "token *** is not allowed here" in caught.value.message


def test_an_unreachable_server_is_an_external_error() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings = GitHubSettings.from_environ(
        {
            "GITHUB_API_URL": f"http://127.0.0.1:{port}",
            "GITHUB_REPOSITORY": "acme/models",
            "GITHUB_TOKEN": "ghs_secret",
        }
    )
    sleeps: list[float] = []
    with pytest.raises(GitHubError) as caught:
        GitHubClient(settings, sleep=sleeps.append).get_repository()
    assert f"could not reach 127.0.0.1:{port} after 4 attempts" in caught.value.message
    assert caught.value.exit_code == EXIT_EXTERNAL and len(sleeps) == 3
