"""mlgitops: one mlops.yaml in git, compiled into GitHub Actions workflows."""

__version__ = "0.1.0"
