"""Data files shipped with pimsync (read them with :mod:`importlib.resources`)."""
