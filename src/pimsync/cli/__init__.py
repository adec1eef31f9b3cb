"""The `pimsync` command line (typer + rich).

``main`` is the console script; ``app`` is the typer application (for tests and
embedding). Exit codes are the ``EXIT_*`` constants, listed in ``pimsync --help``.
"""

from pimsync.cli._app import app, main
from pimsync.cli._exit import (
    EXIT_FAILED,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_LOCKED,
    EXIT_OK,
    EXIT_PARTIAL,
    EXIT_USAGE,
)

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERNAL",
    "EXIT_INTERRUPTED",
    "EXIT_LOCKED",
    "EXIT_OK",
    "EXIT_PARTIAL",
    "EXIT_USAGE",
    "app",
    "main",
]
