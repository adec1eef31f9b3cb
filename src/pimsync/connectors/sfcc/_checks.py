"""Checks one item's values against what XML and the SFCC schemas accept, before it is written.

The rules are the schemas' simple types: ``Generic.String.N`` (at most N characters),
``Generic.NonEmptyString.N`` (1..N characters, no leading or trailing whitespace, no line
break), ``Definition.ID`` (no ``|``), ``xml:lang`` (``xs:language``), ``xs:decimal``,
and XML 1.0's character range. A failure raises :class:`RejectedRecord` naming the item
and the field, so the caller skips that item and the file stays valid.
"""

from __future__ import annotations

import math
import re
from decimal import Decimal
from typing import NoReturn

from pimsync.errors import RejectedRecord

# XML 1.0 Char production; lone surrogates fall outside it too.
_ILLEGAL = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_LANGUAGE = re.compile(r"[a-zA-Z]{1,8}(?:-[a-zA-Z0-9]{1,8})*\Z")
_CURRENCY = re.compile(r"[A-Z]{3}\Z")
_XSD_SPACE = " \t\n\r"  # what the schemas' \s means
_KEY_CHARS = 200


def _shown(value: str) -> str:
    """A value short enough for a message."""
    return value if len(value) <= 60 else f"{value[:57]}..."


class ItemCheck:
    """Validates the fields of one item (``kind`` and ``key`` name it in messages)."""

    __slots__ = ("key", "kind")

    def __init__(self, kind: str, key: str) -> None:
        self.kind = kind
        self.key = key if len(key) <= _KEY_CHARS else f"{key[:_KEY_CHARS]}..."

    def reject(self, field: str, message: str) -> NoReturn:
        """Raise :class:`RejectedRecord` for ``field``."""
        raise RejectedRecord(self.key, f"{self.kind} {field}: {message}", field=field)

    def text(self, field: str, value: str, max_length: int | None = None) -> str:
        """``value`` if XML can carry it and it has at most ``max_length`` characters."""
        if not isinstance(value, str):
            self.reject(field, f"expected text, got {type(value).__name__}")
        bad = _ILLEGAL.search(value)
        if bad is not None:
            self.reject(
                field,
                f"character U+{ord(bad.group()):04X} at position {bad.start()} is not "
                "allowed in XML",
            )
        if max_length is not None and len(value) > max_length:
            self.reject(field, f"{len(value)} characters, SFCC allows at most {max_length}")
        return value

    def ident(self, field: str, value: str, max_length: int = 256) -> str:
        """``value`` as a ``NonEmptyString.N``: an id or other required single-line text."""
        if not value:
            self.reject(field, "is empty; a value is required")
        self.text(field, value, max_length)
        if value[0] in _XSD_SPACE or value[-1] in _XSD_SPACE:
            self.reject(field, f"{_shown(value)!r} starts or ends with whitespace")
        if "\n" in value or "\r" in value:
            self.reject(field, f"{_shown(value)!r} contains a line break")
        return value

    def definition_id(self, field: str, value: str) -> str:
        """``value`` as a ``Definition.ID`` (attribute and type ids of metadata files)."""
        if not value:
            self.reject(field, "is empty; a value is required")
        self.text(field, value, 256)
        if "|" in value:
            self.reject(field, f"{_shown(value)!r} contains '|'")
        if value[0] in _XSD_SPACE or value[-1] in _XSD_SPACE:
            self.reject(field, f"{_shown(value)!r} starts or ends with whitespace")
        return value

    def locale(self, field: str, value: str) -> str:
        """``value`` as ``xml:lang``: ``x-default`` or a locale such as ``en-US``."""
        if not isinstance(value, str) or _LANGUAGE.match(value) is None:
            self.reject(field, f"locale {value!r} is not a language tag such as 'en-US'")
        return value

    def currency(self, field: str, value: str) -> str:
        if not isinstance(value, str) or _CURRENCY.match(value) is None:
            self.reject(field, f"{value!r} is not a three-letter upper-case currency code")
        return value

    def decimal(self, field: str, value: Decimal) -> str:
        """``value`` written as ``xs:decimal`` (no exponent)."""
        if not isinstance(value, Decimal) or not value.is_finite():
            self.reject(field, f"{value!r} is not a finite decimal number")
        return format(value, "f")

    def number(self, field: str, value: float) -> str:
        """``value`` written as ``xs:double``."""
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.reject(field, f"{value!r} is not a number")
        if not math.isfinite(value):
            self.reject(field, f"{value!r} is not a finite number")
        return repr(float(value))
