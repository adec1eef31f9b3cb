"""Value transforms: one Akeneo value → what one Oro field accepts.

:func:`converter` is called once per mapped attribute when the mapper is built; it checks
that the Akeneo type fits the Oro field type (:class:`MappingProblem` otherwise) and returns
a function the mapper calls per product. That function raises :class:`InvalidValue` for a
value it cannot write (an option Oro does not have, a string too long), which the mapper
turns into a :class:`~pimsync.errors.RejectedRecord`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from pimsync.model import AttributeType, MeasurementFamily, Metric, Price, ValueData

from ._config import AttributeMapping
from ._metadata import AkeneoAttribute, OroField, option_id

__all__ = ["Converter", "InvalidValue", "MappingProblem", "converter", "resolve_options"]

Converter = Callable[[ValueData], Any]

TEXT_TYPES = frozenset({"string", "text", "wysiwyg"})
INTEGER_TYPES = frozenset({"integer", "smallint", "bigint"})
DECIMAL_TYPES = frozenset({"float", "decimal", "money", "percent"})
ENUM_TYPES = frozenset({"enum", "multiEnum"})
DEFAULT_STRING_LENGTH = 255

_T = AttributeType
_TEXTS = frozenset({_T.IDENTIFIER, _T.TEXT, _T.TEXTAREA, _T.IMAGE, _T.FILE})
_SINGLE_CODES = frozenset(
    {_T.SIMPLESELECT, _T.REFERENCE_DATA_SIMPLESELECT, _T.REFERENCE_ENTITY, _T.TEXT}
)
_MULTI_CODES = frozenset(
    {_T.MULTISELECT, _T.REFERENCE_DATA_MULTISELECT, _T.REFERENCE_ENTITY_COLLECTION}
)


class MappingProblem(Exception):
    """A mapping that cannot work whatever the product; ``subject`` names what to fix."""

    def __init__(self, subject: str, message: str) -> None:
        super().__init__(f"{subject}: {message}")
        self.subject = subject
        self.message = message


class InvalidValue(Exception):
    """One product's value cannot be written to its Oro field."""


@dataclass(frozen=True, slots=True)
class _Context:
    attribute: AkeneoAttribute
    field: OroField
    mapping: AttributeMapping
    label_locale: str
    families: Mapping[str, MeasurementFamily]
    enum_ids: Mapping[str, str]
    enum_known: frozenset[str]


def resolve_options(
    attribute: AkeneoAttribute, known: frozenset[str], label_locale: str
) -> dict[str, str]:
    """Akeneo option code → Oro enum option id, for the options Oro has.

    An option matches by its code (as is, or as Oro would turn it into an id), else by its
    label in ``label_locale`` turned into an id (what Oro's attribute import does).
    """
    resolved: dict[str, str] = {}
    for code, labels in attribute.options.items():
        candidates = [code, option_id(code)]
        label = labels.get(label_locale)
        if label:
            candidates.append(option_id(label))
        for candidate in candidates:
            if candidate in known:
                resolved[code] = candidate
                break
    return resolved


def empty_value(field: OroField) -> Any:
    """What clears ``field``: ``{"data": null}``, ``{"data": []}`` for a to-many, else None."""
    if field.type == "multiEnum":
        return {"data": []}
    if field.type == "enum":
        return {"data": None}
    return None


def converter(
    attribute: AkeneoAttribute,
    field: OroField,
    mapping: AttributeMapping,
    *,
    default_locale: str,
    measurement_families: Mapping[str, MeasurementFamily],
    enum_options: frozenset[str],
) -> Converter:
    """The transform for ``mapping``; raises :class:`MappingProblem` when the Akeneo type
    cannot be written to the Oro field type."""
    label_locale = mapping.label_locale or default_locale
    enum_ids = (
        resolve_options(attribute, enum_options, label_locale) if field.type in ENUM_TYPES else {}
    )
    ctx = _Context(
        attribute,
        field,
        mapping,
        label_locale,
        measurement_families,
        enum_ids,
        enum_options,
    )
    kind, target = attribute.type, field.type
    subject = f"attributes.{field.name}"
    if target in ENUM_TYPES and not field.enum_type:
        raise MappingProblem(subject, f"Oro field {field.name!r} has no enum option type")
    if kind == _T.METRIC:
        return _metric(ctx, subject)
    if kind == _T.PRICE_COLLECTION:
        return _price(ctx, subject)
    if kind == _T.NUMBER:
        return _number(ctx, subject)
    if kind == _T.BOOLEAN:
        return _boolean(ctx, subject)
    if kind == _T.DATE:
        return _date(ctx, subject)
    if kind in _SINGLE_CODES and target == "enum":
        return _enum(ctx)
    if kind in _MULTI_CODES and target == "multiEnum":
        return _multi_enum(ctx)
    if kind in _TEXTS and target in TEXT_TYPES:
        return _text(ctx)
    if kind in _SINGLE_CODES | _MULTI_CODES and target in TEXT_TYPES:
        return _labels(ctx)
    raise MappingProblem(
        subject,
        f"cannot write Akeneo {attribute.code!r} ({kind}) to Oro field {field.name!r} "
        f"of type {target!r}",
    )


def _checked_text(ctx: _Context, text: str) -> str:
    if ctx.field.type == "string":
        limit = ctx.field.length or DEFAULT_STRING_LENGTH
        if len(text) > limit:
            raise InvalidValue(
                f"{ctx.attribute.code!r} has {len(text)} characters; Oro field "
                f"{ctx.field.name!r} holds {limit}"
            )
    return text


def _text(ctx: _Context) -> Converter:
    def convert(data: ValueData) -> Any:
        if not isinstance(data, str):
            raise InvalidValue(f"{ctx.attribute.code!r} is not text: {data!r}")
        return _checked_text(ctx, data) if data else None

    return convert


def _decimal(data: ValueData, code: str) -> Decimal:
    if isinstance(data, bool) or not isinstance(data, int | str | Decimal):
        raise InvalidValue(f"{code!r} is not a number: {data!r}")
    try:
        return Decimal(data)
    except InvalidOperation:
        raise InvalidValue(f"{code!r} is not a number: {data!r}") from None


def plain(amount: Decimal) -> str:
    """``amount`` as decimal text without exponent or trailing zeros (1250.0 → "1250")."""
    normal = amount.normalize()
    exponent = normal.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        normal = normal.quantize(Decimal(1))
    return str(normal)


def _amount_out(ctx: _Context, subject: str) -> Callable[[Decimal, str], Any]:
    """How a number is written to the field: int, decimal text, or text with a suffix."""
    target, name = ctx.field.type, ctx.field.name
    if target in INTEGER_TYPES:

        def to_int(amount: Decimal, suffix: str) -> Any:
            if amount != amount.to_integral_value():
                raise InvalidValue(f"{amount} is not a whole number (Oro field {name!r})")
            return int(amount)

        return to_int
    if target in DECIMAL_TYPES:
        return lambda amount, suffix: plain(amount)
    if target in TEXT_TYPES:
        return lambda amount, suffix: _checked_text(ctx, f"{plain(amount)} {suffix}".strip())
    raise MappingProblem(
        subject,
        f"cannot write Akeneo {ctx.attribute.code!r} ({ctx.attribute.type}) to Oro field "
        f"{name!r} of type {target!r}",
    )


def _number(ctx: _Context, subject: str) -> Converter:
    out = _amount_out(ctx, subject)
    code = ctx.attribute.code

    def convert(data: ValueData) -> Any:
        return out(_decimal(data, code), "")

    return convert


def _metric(ctx: _Context, subject: str) -> Converter:
    attribute = ctx.attribute
    family = ctx.families.get(attribute.metric_family or "")
    if family is None:
        raise MappingProblem(
            subject, f"measurement family {attribute.metric_family!r} of {attribute.code!r} unknown"
        )
    unit = ctx.mapping.unit or attribute.default_metric_unit or family.standard_unit
    if unit not in family.units:
        raise MappingProblem(subject, f"unit {unit!r} is not in measurement family {family.code!r}")
    symbol = family.units[unit].symbol or unit
    out = _amount_out(ctx, subject)

    def convert(data: ValueData) -> Any:
        if not isinstance(data, Metric):
            raise InvalidValue(f"{attribute.code!r} is not a metric: {data!r}")
        if data.amount is None:
            return None
        try:
            amount = family.convert(data.amount, from_unit=data.unit, to_unit=unit)
        except ValueError as error:
            raise InvalidValue(str(error)) from None
        return out(amount, symbol)

    return convert


def _price(ctx: _Context, subject: str) -> Converter:
    currency = ctx.mapping.currency
    if not currency:
        raise MappingProblem(subject, f"price attribute {ctx.attribute.code!r} needs a currency")
    out = _amount_out(ctx, subject)

    def convert(data: ValueData) -> Any:
        if not isinstance(data, tuple):
            raise InvalidValue(f"{ctx.attribute.code!r} is not a price collection: {data!r}")
        for price in data:
            if isinstance(price, Price) and price.currency == currency:
                return None if price.amount is None else out(price.amount, currency)
        return None

    return convert


def _boolean(ctx: _Context, subject: str) -> Converter:
    target = ctx.field.type
    if target == "boolean":
        out: Callable[[bool], Any] = bool
    elif target in TEXT_TYPES:
        out = lambda flag: "true" if flag else "false"  # noqa: E731
    elif target in INTEGER_TYPES:
        out = int
    else:
        raise MappingProblem(
            subject,
            f"cannot write Akeneo boolean {ctx.attribute.code!r} to Oro field "
            f"{ctx.field.name!r} of type {target!r}",
        )

    def convert(data: ValueData) -> Any:
        if not isinstance(data, bool):
            raise InvalidValue(f"{ctx.attribute.code!r} is not a boolean: {data!r}")
        return out(data)

    return convert


def _parse_date(data: ValueData, code: str) -> datetime:
    if not isinstance(data, str):
        raise InvalidValue(f"{code!r} is not a date: {data!r}")
    try:
        moment = datetime.fromisoformat(data)
    except ValueError:
        raise InvalidValue(f"{code!r} is not a date: {data!r}") from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _date(ctx: _Context, subject: str) -> Converter:
    code, target = ctx.attribute.code, ctx.field.type
    if target == "date":
        # Akeneo dates are midnight in the PIM's zone: the calendar day is the date part.
        return lambda data: _parse_date(data, code).date().isoformat()
    if target == "datetime":
        return lambda data: (
            _parse_date(data, code).astimezone(UTC).isoformat().replace("+00:00", "Z")
        )
    if target in TEXT_TYPES:
        pattern = ctx.mapping.format or "%Y-%m-%d"
        return lambda data: _checked_text(ctx, _parse_date(data, code).strftime(pattern))
    raise MappingProblem(
        subject,
        f"cannot write Akeneo date {code!r} to Oro field {ctx.field.name!r} of type {target!r}",
    )


def _enum_id(ctx: _Context, code: str) -> str:
    found = ctx.enum_ids.get(code)
    if found is not None:
        return found
    # An option added in Akeneo after the metadata was read: try the id Oro would give it.
    candidate = option_id(code)
    if candidate in ctx.enum_known:
        return candidate
    raise InvalidValue(
        f"option {code!r} of {ctx.attribute.code!r} has no enum option in Oro field "
        f"{ctx.field.name!r}"
    )


def _enum(ctx: _Context) -> Converter:
    enum_type = ctx.field.enum_type

    def convert(data: ValueData) -> Any:
        if not isinstance(data, str):
            raise InvalidValue(f"{ctx.attribute.code!r} is not an option code: {data!r}")
        return {"data": {"type": enum_type, "id": _enum_id(ctx, data)}}

    return convert


def _codes(ctx: _Context, data: ValueData) -> tuple[str, ...]:
    if isinstance(data, str):
        return (data,)
    if isinstance(data, tuple) and all(isinstance(code, str) for code in data):
        return data
    raise InvalidValue(f"{ctx.attribute.code!r} is not a list of codes: {data!r}")


def _multi_enum(ctx: _Context) -> Converter:
    enum_type = ctx.field.enum_type

    def convert(data: ValueData) -> Any:
        return {"data": [{"type": enum_type, "id": _enum_id(ctx, c)} for c in _codes(ctx, data)]}

    return convert


def _labels(ctx: _Context) -> Converter:
    options, locale = ctx.attribute.options, ctx.label_locale

    def label(code: str) -> str:
        labels = options.get(code)
        return (labels.get(locale) if labels else None) or code

    def convert(data: ValueData) -> Any:
        codes = _codes(ctx, data)
        return _checked_text(ctx, ", ".join(label(c) for c in codes)) if codes else None

    return convert
