"""mlgitops: one mlops.yaml in git, compiled into GitHub Actions workflows."""

import os

# Before pydantic is imported: third-party pydantic plugins (found by scanning every installed
# package's entry points, ~10 ms at each start) must not wrap the validation of our own files.
# setdefault: an explicit PYDANTIC_DISABLE_PLUGINS of the user's stays as it is.
os.environ.setdefault("PYDANTIC_DISABLE_PLUGINS", "__all__")

__version__ = "0.1.0"
