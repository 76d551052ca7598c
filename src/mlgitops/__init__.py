"""mlgitops: one mlops.yaml in git, compiled into GitHub Actions workflows."""

from .pydantic_plugins import switch_off

# Before pydantic builds a validator: third-party pydantic plugins must not wrap the
# validation of our own files (an explicit PYDANTIC_DISABLE_PLUGINS of the user's stays).
switch_off()

__version__ = "0.1.0"
