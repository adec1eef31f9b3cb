"""Akeneo values as SFCC values: localized texts, custom attribute values, axis values.

Values are picked the way the Oro mapping picks them (:meth:`Values.get`): the mapping's
channel for scopable attributes, each sent locale for localizable ones. A localizable
value is sent per SFCC locale, and the default locale's value again as ``x-default``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

import orjson

from pimsync.connectors.sfcc._model import CustomValue, Scalar
from pimsync.errors import RejectedRecord
from pimsync.mapping._metadata import AkeneoAttribute, AkeneoMetadata
from pimsync.model import AttributeType, Metric, Price, ValueData, Values

from ._config import SfccMapping, sfcc_locale

__all__ = [
    "axis_value",
    "custom_attributes",
    "custom_value",
    "localized",
    "option_label",
    "single_text",
]

_SELECTS = frozenset({AttributeType.SIMPLESELECT, AttributeType.MULTISELECT})
# Types whose value must have one shape; anything else is a rejected record.
_TYPED = frozenset(
    {AttributeType.METRIC, AttributeType.DATE, AttributeType.BOOLEAN, AttributeType.NUMBER}
)


def option_label(attribute: AkeneoAttribute, code: str, locale: str) -> str | None:
    """The label of option ``code`` in ``locale``, or None."""
    return attribute.options.get(code, {}).get(locale) or None


def _text_in(attribute: AkeneoAttribute, data: ValueData, locale: str) -> str | None:
    """``data`` as display text: a select shows its option label (else its code)."""
    if data is None or data == "":
        return None
    if isinstance(data, str):
        if attribute.type in _SELECTS:
            return option_label(attribute, data, locale) or data
        return data
    if isinstance(data, tuple) and all(isinstance(code, str) for code in data):
        return ", ".join(option_label(attribute, code, locale) or code for code in data)
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, int | Decimal):
        return str(data)
    if isinstance(data, Metric):
        return None if data.amount is None else f"{data.amount} {data.unit}"
    return None


def localized(
    values: Values, code: str | None, metadata: AkeneoMetadata, mapping: SfccMapping
) -> dict[str, str]:
    """The texts of ``code`` per SFCC locale, ``x-default`` from the default locale.

    A non-localizable value goes to ``x-default`` only, but a select's option labels are
    sent per locale."""
    if code is None:
        return {}
    attribute = metadata.attributes[code]
    texts: dict[str, str] = {}
    for locale in mapping.locales:
        data = values.get(code, locale if attribute.localizable else None, mapping.channel)
        text = _text_in(attribute, data, locale)
        if text is None or not text.strip():
            continue
        if locale == mapping.default or not attribute.localizable:
            texts.setdefault("x-default", text)
        if attribute.localizable or attribute.type in _SELECTS:
            texts[sfcc_locale(locale)] = text
    return texts


def single_text(
    values: Values, code: str | None, metadata: AkeneoMetadata, mapping: SfccMapping
) -> str | None:
    """One text of ``code`` (the default locale's), for SFCC's unlocalized fields."""
    if code is None:
        return None
    attribute = metadata.attributes[code]
    locale = mapping.default
    data = values.get(code, locale if attribute.localizable else None, mapping.channel)
    text = _text_in(attribute, data, locale)
    return text if text and text.strip() else None


def _amount(value: Decimal) -> int | Decimal:
    """An integral amount as ``int`` (valid for SFCC ``int`` and ``double`` alike)."""
    if value == value.to_integral_value():
        return int(value)
    return value.normalize()


def axis_value(key: str, attribute: AkeneoAttribute, data: ValueData) -> str | None:
    """The variation value of an axis: option or record code, ``true``/``false``,
    ``"<amount> <unit>"`` for a metric (as the cartridge writes them).

    Raises :class:`RejectedRecord` for data no axis can have."""
    if data is None or data == "":
        return None
    if isinstance(data, bool):
        return "true" if data else "false"
    if isinstance(data, str):
        return data
    if isinstance(data, Metric):
        if data.amount is None:
            return None
        return f"{_amount(data.amount)} {data.unit}"
    if isinstance(data, int | Decimal):
        return str(_amount(Decimal(data)))
    raise RejectedRecord(
        key, f"axis {attribute.code!r} has a value SFCC cannot vary on: {data!r}", field="axes"
    )


def _metric(
    key: str, attribute: AkeneoAttribute, amount: Decimal, unit: str, meta: AkeneoMetadata
) -> Scalar:
    target = attribute.default_metric_unit
    if target is None or target == unit:
        return _amount(amount)
    family = meta.measurement_families.get(attribute.metric_family or "")
    if family is None:
        raise RejectedRecord(
            key,
            f"{attribute.code!r}: cannot convert {unit} to {target}, measurement family "
            f"{attribute.metric_family!r} unknown",
            field=attribute.code,
        )
    try:
        return _amount(family.convert(amount, from_unit=unit, to_unit=target))
    except (ValueError, ArithmeticError) as error:
        raise RejectedRecord(key, f"{attribute.code!r}: {error}", field=attribute.code) from None


def _json_ready(data: Any) -> Any:
    if isinstance(data, Price):
        amount = None if data.amount is None else str(data.amount)
        return {"amount": amount, "currency": data.currency}
    if isinstance(data, Metric):
        amount = None if data.amount is None else str(data.amount)
        return {"amount": amount, "unit": data.unit}
    if isinstance(data, tuple):
        return [_json_ready(item) for item in data]
    if isinstance(data, Mapping):
        return {k: _json_ready(v) for k, v in data.items()}
    if isinstance(data, Decimal):
        return str(data)
    return data


def custom_value(
    key: str,
    attribute: AkeneoAttribute,
    data: ValueData,
    metadata: AkeneoMetadata,
    *,
    axis: bool = False,
) -> Scalar | Sequence[Scalar] | None:
    """``data`` as the value of its SFCC custom attribute (:mod:`._definitions` lists the
    type each Akeneo type gets); None when there is nothing to send.

    Raises :class:`RejectedRecord` for data that does not fit the attribute's type."""
    if data is None or data in ("", ()):
        return None
    if axis:
        return axis_value(key, attribute, data)
    kind = attribute.type
    if kind == AttributeType.METRIC and isinstance(data, Metric):
        if data.amount is None:
            return None
        return _metric(key, attribute, data.amount, data.unit, metadata)
    if kind == AttributeType.DATE and isinstance(data, str):
        return data[:10]  # Akeneo's 2025-03-01T00:00:00+00:00: the date part
    if kind == AttributeType.BOOLEAN and isinstance(data, bool):
        return data
    if kind == AttributeType.NUMBER and isinstance(data, int | str | Decimal):
        try:
            if not isinstance(data, bool):
                return _amount(Decimal(data))
        except ArithmeticError:
            pass
    if kind in _TYPED:
        raise RejectedRecord(
            key,
            f"{attribute.code!r} ({kind}) has an unusable value {data!r}",
            field=attribute.code,
        )
    if isinstance(data, str):
        return data
    if isinstance(data, tuple) and all(isinstance(item, str) for item in data):
        return data
    # Tables, product links, price collections: JSON text, as the cartridge stores tables.
    return orjson.dumps(_json_ready(data), option=orjson.OPT_SORT_KEYS).decode()


def custom_attributes(
    key: str,
    values: Values,
    metadata: AkeneoMetadata,
    mapping: SfccMapping,
    *,
    axes: frozenset[str] = frozenset(),
) -> dict[str, CustomValue]:
    """The custom attributes (``mapping.custom_attributes``) of a record's values;
    ``axes`` are sent as variation values. Raises :class:`RejectedRecord`."""
    result: dict[str, CustomValue] = {}
    for code in mapping.custom_attributes or ():
        attribute = metadata.attributes.get(code)
        if attribute is None or code not in values:
            continue
        axis = code in axes
        if attribute.localizable:
            per_locale: dict[str, Scalar | Sequence[Scalar]] = {}
            for locale in mapping.locales:
                data = values.get(code, locale, mapping.channel)
                value = custom_value(key, attribute, data, metadata, axis=axis)
                if value is None:
                    continue
                if locale == mapping.default:
                    per_locale["x-default"] = value
                per_locale[sfcc_locale(locale)] = value
            if per_locale:
                result[mapping.custom_id(code)] = per_locale
        else:
            data = values.get(code, None, mapping.channel)
            value = custom_value(key, attribute, data, metadata, axis=axis)
            if value is not None:
                result[mapping.custom_id(code)] = value
    return result
