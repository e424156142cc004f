"""pages (issue 31): to be built."""

from .blueprint import bp  # noqa: F401
