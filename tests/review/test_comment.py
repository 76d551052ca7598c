"""One review comment per pull request, whatever re-runs or races, on the fake GitHub."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
from github.fake_server import FakeGitHub, serve
from github.test_client import client_for

from mlgitops.github.comments import IssueComments
from mlgitops.review.comment import upsert

MARKER = "<!-- mlgitops:report -->"


@pytest.fixture
def fake() -> Iterator[FakeGitHub]:
    heads = {"main": "a" * 40, "feature": "b" * 40}
    with serve(heads=heads.get) as fake:
        yield fake


def pull(fake: FakeGitHub) -> int:
    return client_for(fake).create_pull(title="t", head="feature", base="main", body="").number


def test_created_then_updated_in_place_leaving_other_comments(fake: FakeGitHub) -> None:
    number = pull(fake)
    comments = IssueComments(client_for(fake))
    comments.create(number, "a reviewer's own comment")
    first = upsert(comments, number, f"{MARKER}\none", MARKER)
    second = upsert(comments, number, f"{MARKER}\ntwo", MARKER)
    assert (first.action, second.action) == ("created", "updated")
    assert first.comment_id == second.comment_id
    assert fake.comments[number] == ["a reviewer's own comment", f"{MARKER}\ntwo"]


def test_duplicates_left_by_racing_runs_are_removed(fake: FakeGitHub) -> None:
    number = pull(fake)
    comments = IssueComments(client_for(fake))
    oldest = comments.create(number, f"{MARKER}\nrun A")
    comments.create(number, f"{MARKER}\nrun B")
    result = upsert(comments, number, f"{MARKER}\nrun C", MARKER)
    assert result.action == "updated" and result.comment_id == oldest.id
    assert len(result.removed) == 1
    assert fake.comments[number] == [f"{MARKER}\nrun C"]


def test_concurrent_runs_end_with_one_comment(fake: FakeGitHub) -> None:
    number = pull(fake)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def one_run(i: int) -> None:
        comments = IssueComments(client_for(fake))
        barrier.wait()
        try:
            upsert(comments, number, f"{MARKER}\nrun {i}", MARKER)
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=one_run, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    (only,) = fake.comments[number]
    assert only.startswith(MARKER)


def test_a_body_without_its_marker_is_a_bug(fake: FakeGitHub) -> None:
    with pytest.raises(ValueError, match="marker"):
        upsert(IssueComments(client_for(fake)), 1, "no marker", MARKER)


def test_without_create_only_an_existing_comment_is_updated(fake: FakeGitHub) -> None:
    number = pull(fake)
    comments = IssueComments(client_for(fake))
    assert upsert(comments, number, f"{MARKER}\nno model", MARKER, create=False) is None
    assert number not in fake.comments
    upsert(comments, number, f"{MARKER}\ntwo models", MARKER)
    result = upsert(comments, number, f"{MARKER}\nno model now", MARKER, create=False)
    assert result is not None and result.action == "updated"
    assert fake.comments[number] == [f"{MARKER}\nno model now"]
