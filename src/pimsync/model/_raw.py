"""Reading raw JSON records tolerantly: the one place that knows how sloppy payloads can be.

Akeneo (and its many versions) omits optional keys, sends ``[]`` where an empty object is
meant (a PHP quirk), adds read-only extras such as ``_links``, and writes datetimes with or
without an offset. The ``from_akeneo`` constructors read every field through these helpers,
so that tolerance is decided once and a malformed record fails with a message naming the
record and the field.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from pimsync.errors import PimsyncError

__all__ = [
    "InvalidRecord",
    "MissingField",
    "codes",
    "labels",
    "mapping",
    "optional_bool",
    "optional_datetime",
    "optional_decimal",
    "optional_int",
    "optional_str",
    "parse_datetime",
    "required_str",
    "to_decimal",
]

# Matches the seconds of a leap second ("23:59:60"), which datetime cannot represent.
_LEAP_SECOND = re.compile(r"(T\d{2}:\d{2}):60")


class InvalidRecord(PimsyncError, ValueError):
    """A raw record cannot be turned into a model record; skip it and report it.

    ``record`` names the record (type and key when known), ``field`` the offending field.
    """

    def __init__(self, record: str, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{record}: {message}")
        self.record = record
        self.reason = message
        self.field = field


class MissingField(InvalidRecord):
    """A field the model cannot do without is absent, null or empty."""

    def __init__(self, record: str, field: str, *, hint: str = "") -> None:
        message = f"required field {field!r} is missing"
        super().__init__(record, f"{message} ({hint})" if hint else message, field=field)


def parse_datetime(value: str | datetime) -> datetime:
    """Return ``value`` as a timezone-aware datetime in UTC.

    Accepts ISO 8601 text with an offset (``+02:00``, ``+0000``, ``Z``) or without one, in
    which case the time is taken to be UTC, as well as a bare date (midnight UTC). A leap
    second (``:60``) becomes the first second of the next minute. Datetime objects are
    converted the same way. Raises ``ValueError`` for text that is not a datetime and
    ``TypeError`` for anything that is neither text nor a datetime.
    """
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            fixed, found = _LEAP_SECOND.subn(r"\1:59", value, count=1)
            if not found:
                raise ValueError(f"not an ISO 8601 datetime: {value!r}") from None
            parsed = datetime.fromisoformat(fixed) + timedelta(seconds=1)
    else:
        raise TypeError(f"not an ISO 8601 datetime: {value!r}")
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def required_str(raw: Mapping[str, Any], key: str, record: str, *, hint: str = "") -> str:
    """Return the text at ``key``; raise :class:`MissingField` when absent, null or empty."""
    value = raw.get(key)
    if value is None or value == "":
        raise MissingField(record, key, hint=hint)
    return _as_str(value, key, record)


def optional_str(raw: Mapping[str, Any], key: str, record: str) -> str | None:
    """Return the text at ``key``, or None when absent, null or empty."""
    value = raw.get(key)
    if value is None or value == "":
        return None
    return _as_str(value, key, record)


def _as_str(value: object, key: str, record: str) -> str:
    if isinstance(value, str):
        return value
    # Codes that look numeric ("10") sometimes arrive as JSON numbers.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise InvalidRecord(
        record, f"field {key!r} must be text, not {type(value).__name__}", field=key
    )


def optional_bool(raw: Mapping[str, Any], key: str, *, default: bool) -> bool:
    """Return the flag at ``key``, or ``default`` when absent or null."""
    value = raw.get(key)
    return default if value is None else bool(value)


def optional_int(raw: Mapping[str, Any], key: str, record: str) -> int | None:
    """Return the integer at ``key`` (numeric text accepted), or None when absent or null."""
    value = raw.get(key)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise InvalidRecord(record, f"field {key!r} must be an integer, not bool", field=key)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise InvalidRecord(
            record, f"field {key!r} must be an integer, not {value!r}", field=key
        ) from None


def optional_decimal(raw: Mapping[str, Any], key: str, record: str) -> Decimal | None:
    """Return the number at ``key`` as a Decimal, or None when absent or null."""
    value = raw.get(key)
    if value is None or value == "":
        return None
    try:
        return to_decimal(value)
    except (TypeError, ValueError):
        raise InvalidRecord(
            record, f"field {key!r} must be a number, not {value!r}", field=key
        ) from None


def to_decimal(value: object) -> Decimal:
    """Return a JSON number or numeric text as a Decimal.

    Floats go through ``repr`` so that 15.5 becomes Decimal("15.5"), not its binary
    expansion. Raises ``ValueError`` for text that is not a number and ``TypeError`` for
    anything that is neither a number nor text (booleans included).
    """
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
        try:
            return Decimal(value)
        except InvalidOperation:
            raise ValueError(f"not a number: {value!r}") from None
    raise TypeError(f"not a number: {value!r}")


def optional_datetime(raw: Mapping[str, Any], key: str, record: str) -> datetime | None:
    """Return the datetime at ``key`` in UTC, or None when absent or null."""
    value = raw.get(key)
    if value is None or value == "":
        return None
    try:
        return parse_datetime(value)
    except (TypeError, ValueError) as error:
        raise InvalidRecord(record, f"field {key!r}: {error}", field=key) from None


def mapping(raw: Mapping[str, Any], key: str, record: str) -> Mapping[str, Any]:
    """Return the object at ``key``; absent, null and ``[]`` (PHP's empty object) give ``{}``."""
    value = raw.get(key)
    if isinstance(value, Mapping):
        return value
    if not value:
        return {}
    raise InvalidRecord(record, f"field {key!r} must be an object", field=key)


def codes(
    raw: Mapping[str, Any], key: str, record: str, *, keep_order: bool = False
) -> tuple[str, ...]:
    """Return the list of codes at ``key`` as a tuple, sorted unless ``keep_order`` is set.

    Most code lists (categories, family attributes) carry no order, and sorting them makes
    equal content serialize to equal bytes. Raises :class:`InvalidRecord` for anything but
    a list of text.
    """
    value = raw.get(key)
    if not value:
        return ()
    if not isinstance(value, list | tuple) or not all(isinstance(code, str) for code in value):
        raise InvalidRecord(record, f"field {key!r} must be a list of codes", field=key)
    return tuple(value) if keep_order else tuple(sorted(value))


def labels(raw: Mapping[str, Any], record: str, key: str = "labels") -> dict[str, str]:
    """Return the locale → label object at ``key``, without null (or non-text) labels."""
    return {
        locale: label
        for locale, label in mapping(raw, key, record).items()
        if isinstance(label, str)
    }
