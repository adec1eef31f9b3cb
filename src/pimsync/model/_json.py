"""Canonical JSON for model records: the bytes the engine hashes to detect changes.

orjson serializes dataclasses, tuples, enums, dates and aware datetimes natively, so the
only hook needed is for the few types it does not know. Keys are sorted, so two dicts with
the same items in a different order give the same bytes.
"""

from __future__ import annotations

from decimal import Decimal
from types import MappingProxyType

import orjson

__all__ = ["to_json"]

# NON_STR_KEYS: destination payloads may key by None (e.g. Oro's default localization).
_OPTIONS = orjson.OPT_SORT_KEYS | orjson.OPT_NAIVE_UTC | orjson.OPT_NON_STR_KEYS


def to_json(obj: object) -> bytes:
    """Serialize a model record (or any JSON-like value) to canonical JSON bytes.

    Decimals become strings so no digit is lost ("15.50" stays "15.50"), frozensets and
    sets become sorted lists, and dict keys are sorted. The same record always gives the
    same bytes. Raises ``TypeError`` for a value that cannot be represented in JSON.
    """
    return orjson.dumps(obj, default=_default, option=_OPTIONS)


def _default(obj: object) -> object:
    # Called by orjson only for types it cannot serialize on its own.
    if isinstance(obj, Decimal):
        return str(obj)
    if isinstance(obj, frozenset | set):
        try:
            return sorted(obj)
        except TypeError:
            # Mixed element types: order them by their own canonical JSON.
            return sorted(obj, key=to_json)
    if isinstance(obj, MappingProxyType):
        return dict(obj)
    json_form = getattr(obj, "__json__", None)
    if json_form is not None:  # records that are not dataclasses (e.g. lazily parsed values)
        return json_form()
    raise TypeError(f"{type(obj).__name__} is not JSON serializable")
