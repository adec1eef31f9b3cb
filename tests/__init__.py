"""pimsync test suite (a package, so that ``tests._postgres`` is importable)."""
