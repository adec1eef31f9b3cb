"""What an Oro instance can do, from its version (API brief §0).

| Capability | From |
|---|---|
| asynchronous batch API (``PATCH /admin/api/{type}``) | 4.2 (every supported version) |
| ``meta.upsert`` | 5.1.2 |
| synchronous batch (``X-Mode: sync``) | 6.0.4 |
| ``meta.validate`` dry run | 6.1.0 |
| ``X-Integration-Type: ext_id`` (products by SKU) | 6.1.10 on 6.1, 7.0.2 on 7.0, any 7.1+ |

Without a configured version every capability is off: the client then uses only what
all supported versions have (look-ups, one request per record). Whether ``categories``
is writable is probed, not derived (:meth:`OroClient.categories_writable`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from pimsync.errors import ConfigError

__all__ = ["Capabilities", "parse_version"]

Version = tuple[int, int, int]
_VERSION = re.compile(r"^\s*(\d+)\.(\d+)(?:\.(\d+))?")


def parse_version(text: str) -> Version:
    """``"6.1.10"`` → ``(6, 1, 10)``; ``"7.0"`` → ``(7, 0, 0)``; suffixes are ignored.

    Raises :class:`ConfigError` for anything else.
    """
    match = _VERSION.match(text)
    if match is None:
        raise ConfigError(f"invalid OroCommerce version {text!r}: expected e.g. 6.1.10")
    major, minor, patch = match.groups()
    return int(major), int(minor), int(patch or 0)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """The API features the hub may use on one instance."""

    upsert: bool = False
    sync_batch: bool = False
    validate: bool = False
    ext_id: bool = False
    async_batch: bool = False

    @classmethod
    def for_version(cls, version: str | None) -> Capabilities:
        """The capabilities of ``version`` (None: unknown, so none)."""
        if version is None:
            return cls()
        v = parse_version(version)
        return cls(
            upsert=v >= (5, 1, 2),
            sync_batch=v >= (6, 0, 4),
            validate=v >= (6, 1, 0),
            ext_id=(v[:2] == (6, 1) and v >= (6, 1, 10))
            or (v[:2] == (7, 0) and v >= (7, 0, 2))
            or v >= (7, 1, 0),
            async_batch=v >= (4, 2, 0),
        )
