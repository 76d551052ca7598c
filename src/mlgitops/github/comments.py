"""Comments on an issue or pull request: list, create, update, delete.

Built on `GitHubClient`'s transport (retries, masked token, typed errors), so
these calls fail the same way every other GitHub call does.
"""

from __future__ import annotations

from .client import GitHubClient
from .models import Comment


class IssueComments:
    """The comment calls, on one repository (pull requests are issues here)."""

    def __init__(self, client: GitHubClient) -> None:
        self._client = client
        self._issues = f"{client._repo_path}/issues"

    def list(self, number: int) -> list[Comment]:
        """Every comment on issue or pull request `number`, oldest first."""
        return [
            Comment.from_api(item)
            for item in self._client._pages(
                f"{self._issues}/{number}/comments", {"per_page": "100"}
            )
        ]

    def create(self, number: int, body: str) -> Comment:
        return self._client.create_comment(number, body)

    def update(self, comment_id: int, body: str) -> Comment:
        return Comment.from_api(
            self._client._answer(
                "PATCH", f"{self._issues}/comments/{comment_id}", json_body={"body": body}
            )
        )

    def delete(self, comment_id: int) -> None:
        self._client._call("DELETE", f"{self._issues}/comments/{comment_id}")
