"""Keep exactly one review comment on a pull request, found by its hidden marker.

Created the first time, then updated in place. Two runs racing may both find
no comment and both create one; after writing, each run lists the comments
again, keeps the oldest marked one (updating it with its body) and deletes
the others, so the pull request is left with one comment whichever run ends
last.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from ..github.comments import IssueComments
from ..github.errors import GitHubError
from ..github.models import Comment


@dataclass(frozen=True)
class CommentResult:
    action: Literal["created", "updated"]
    comment_id: int
    url: str
    removed: tuple[int, ...] = ()  # duplicates deleted (left by a racing run)


def _marked(comments: list[Comment], marker: str) -> list[Comment]:
    return sorted((c for c in comments if (c.body or "").startswith(marker)), key=lambda c: c.id)


def upsert(
    comments: IssueComments, number: int, body: str, marker: str, *, create: bool = True
) -> CommentResult | None:
    """Create or update the one comment on pull request `number` whose body starts with `marker`.

    With `create=False` an existing comment is updated but none is created (None then)."""
    if not body.startswith(marker):
        raise ValueError("the body must start with its marker")  # a bug, not bad input
    found = _marked(comments.list(number), marker)
    if not found and not create:
        return None
    if found:
        written = comments.update(found[0].id, body)
        action: Literal["created", "updated"] = "updated"
    else:
        written = comments.create(number, body)
        action = "created"
    # a racing run may have created its own meanwhile: keep the oldest, remove the rest
    again = _marked(comments.list(number), marker)
    if not again:
        return CommentResult(action, written.id, written.html_url)
    keep, extra = again[0], again[1:]
    removed = []
    for duplicate in extra:
        try:
            comments.delete(duplicate.id)
        except GitHubError as exc:
            if exc.status != 404:  # the other run removed it first
                raise
        removed.append(duplicate.id)
    if keep.id != written.id:
        written = comments.update(keep.id, body)
        action = "updated"
    return CommentResult(action, written.id, written.html_url, tuple(removed))
