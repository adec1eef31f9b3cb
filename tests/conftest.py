"""Shared pytest configuration for the pimsync test suite.

Plugins:

* ``tests._postgres``: throwaway PostgreSQL cluster and the ``postgres_server``,
  ``postgres_url`` and ``database_url`` fixtures (see that module).
"""

pytest_plugins = ["tests._postgres", "tests.sandbox._apps"]  # the App tests' browser fixture
