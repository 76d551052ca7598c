"""The GitHub REST API, as far as promotion pull requests, statuses and drift issues need it."""

from .client import GitHubClient, GitHubSettings, Secret
from .errors import GitHubError
from .models import Comment, Issue, PullRequest, Repository

__all__ = [
    "Comment",
    "GitHubClient",
    "GitHubError",
    "GitHubSettings",
    "Issue",
    "PullRequest",
    "Repository",
    "Secret",
]
