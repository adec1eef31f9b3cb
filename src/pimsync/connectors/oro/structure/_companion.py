"""The companion Oro API config shipped with pimsync (``pimsync/resources/oro/api.yml``)."""

from __future__ import annotations

from importlib import resources

__all__ = ["companion_api_config"]


def companion_api_config() -> str:
    """The text of the ``api.yml`` an Oro integrator installs to make categories writable
    (see ``docs/oro.md``)."""
    return resources.files("pimsync.resources").joinpath("oro/api.yml").read_text("utf-8")
