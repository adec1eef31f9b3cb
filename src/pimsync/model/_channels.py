"""Where and how products are published: channels, locales, currencies and measurement units.

These are Akeneo's "target market settings". A channel picks the category tree, locales
and currencies a destination receives; measurement families say how to convert a metric
into the unit a channel or destination expects.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from pimsync.model._raw import (
    InvalidRecord,
    codes,
    labels,
    mapping,
    optional_bool,
    optional_str,
    required_str,
    to_decimal,
)

__all__ = [
    "Channel",
    "ConversionOperation",
    "Currency",
    "Locale",
    "MeasurementFamily",
    "MeasurementUnit",
]


@dataclass(frozen=True, slots=True, kw_only=True)
class Channel:
    """A channel (scope): the tree, locales and currencies one destination is fed from.

    ``conversion_units`` maps a metric attribute code to the unit its values are converted
    to on export.
    """

    code: str
    category_tree: str
    locales: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()
    conversion_units: Mapping[str, str] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> Channel:
        """Read a channel; raises :class:`MissingField` without ``code`` or ``category_tree``."""
        code = required_str(raw, "code", "Channel")
        record = f"Channel {code!r}"
        return cls(
            code=code,
            category_tree=required_str(raw, "category_tree", record),
            locales=codes(raw, "locales", record),
            currencies=codes(raw, "currencies", record),
            conversion_units=dict(mapping(raw, "conversion_units", record)),
            labels=labels(raw, record),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Locale:
    """A locale such as ``en_US``; enabled when at least one channel uses it."""

    code: str
    enabled: bool = False

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> Locale:
        """Read a locale; raises :class:`MissingField` without ``code``."""
        # The API spec's own example spells the flag "enable".
        enabled = raw["enabled"] if "enabled" in raw else raw.get("enable")
        return cls(code=required_str(raw, "code", "Locale"), enabled=bool(enabled))


@dataclass(frozen=True, slots=True, kw_only=True)
class Currency:
    """An ISO 4217 currency; only enabled ones can hold prices."""

    code: str
    enabled: bool = False
    label: str | None = None

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> Currency:
        """Read a currency; raises :class:`MissingField` without ``code``."""
        code = required_str(raw, "code", "Currency")
        return cls(
            code=code,
            enabled=optional_bool(raw, "enabled", default=False),
            label=optional_str(raw, "label", f"Currency {code!r}"),
        )


_INVERSE = {"mul": "div", "div": "mul", "add": "sub", "sub": "add"}


@dataclass(frozen=True, slots=True, kw_only=True)
class ConversionOperation:
    """One step (``mul``, ``div``, ``add`` or ``sub`` by ``value``) towards the standard unit."""

    operator: str
    value: Decimal

    def apply(self, amount: Decimal, *, inverse: bool = False) -> Decimal:
        """Apply the step to ``amount`` (or undo it); ``ValueError`` for an unknown operator."""
        operator = _INVERSE.get(self.operator) if inverse else self.operator
        if operator == "mul":
            return amount * self.value
        if operator == "div":
            return amount / self.value
        if operator == "add":
            return amount + self.value
        if operator == "sub":
            return amount - self.value
        raise ValueError(f"unknown conversion operator {self.operator!r}")


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasurementUnit:
    """A unit of a measurement family.

    Despite its name, Akeneo's ``convert_from_standard`` lists the steps that turn an amount
    in this unit into the standard unit (SQUARE_MILLIMETER: mul 0.000001); the reverse
    conversion undoes them in reverse order.
    """

    code: str
    symbol: str | None = None
    convert_from_standard: tuple[ConversionOperation, ...] = ()
    labels: Mapping[str, str] = field(default_factory=dict)

    def to_standard(self, amount: Decimal) -> Decimal:
        """Convert ``amount`` from this unit to the family's standard unit."""
        for operation in self.convert_from_standard:
            amount = operation.apply(amount)
        return _plain(amount)

    def from_standard(self, amount: Decimal) -> Decimal:
        """Convert ``amount`` from the family's standard unit to this unit."""
        for operation in reversed(self.convert_from_standard):
            amount = operation.apply(amount, inverse=True)
        return _plain(amount)


def _plain(amount: Decimal) -> Decimal:
    # 2 / 0.0001 is Decimal("2E+4"); destinations expect "20000", so drop the exponent.
    exponent = amount.as_tuple().exponent
    if isinstance(exponent, int) and exponent > 0:
        return amount.quantize(Decimal(1))
    return amount


@dataclass(frozen=True, slots=True, kw_only=True)
class MeasurementFamily:
    """A measurement family (Weight, Length…): its units and the standard one."""

    code: str
    standard_unit: str
    units: Mapping[str, MeasurementUnit] = field(default_factory=dict)
    labels: Mapping[str, str] = field(default_factory=dict)

    def convert(self, amount: Decimal, *, from_unit: str, to_unit: str) -> Decimal:
        """Convert ``amount`` between two units of the family.

        Raises ``ValueError`` when either unit is not in the family.
        """
        if from_unit == to_unit:
            return amount
        try:
            source, target = self.units[from_unit], self.units[to_unit]
        except KeyError as error:
            raise ValueError(f"unit {error.args[0]!r} is not in family {self.code!r}") from None
        return target.from_standard(source.to_standard(amount))

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> MeasurementFamily:
        """Read a measurement family from ``/measurement-families`` or the older
        ``/measure-families`` format (``standard``, a list of units with ``convert``).

        Raises :class:`MissingField` without ``code`` or standard unit, :class:`InvalidRecord`
        for a malformed unit.
        """
        code = required_str(raw, "code", "MeasurementFamily")
        record = f"MeasurementFamily {code!r}"
        if "standard_unit_code" in raw or "standard" not in raw:
            standard = required_str(raw, "standard_unit_code", record)
        else:
            standard = required_str(raw, "standard", record)
        raw_units = raw.get("units") or ()
        if isinstance(raw_units, Mapping):  # keyed by unit code; older format: a list
            raw_units = list(raw_units.values())
        if not isinstance(raw_units, list | tuple):
            raise InvalidRecord(record, "units must be an object or a list", field="units")
        units = {}
        for raw_unit in raw_units:
            unit = _unit(raw_unit, record)
            units[unit.code] = unit
        return cls(code=code, standard_unit=standard, units=units, labels=labels(raw, record))


def _unit(raw: Any, record: str) -> MeasurementUnit:
    if not isinstance(raw, Mapping):
        raise InvalidRecord(record, "a unit is not an object", field="units")
    code = required_str(raw, "code", f"{record} unit")
    operations = raw.get("convert_from_standard")
    if operations is None:  # older format: {"mul": "0.001"}, steps in key order
        legacy = mapping(raw, "convert", record)
        operations = [{"operator": op, "value": value} for op, value in legacy.items()]
    steps: tuple[ConversionOperation, ...] | None
    try:
        steps = tuple(
            ConversionOperation(operator=op["operator"], value=to_decimal(op["value"]))
            for op in operations
        )
    except (KeyError, TypeError, ValueError):
        steps = None
    if steps is None or any(step.operator not in _INVERSE for step in steps):
        raise InvalidRecord(record, f"unit {code!r} has a malformed conversion", field="units")
    return MeasurementUnit(
        code=code,
        symbol=optional_str(raw, "symbol", record),
        convert_from_standard=steps,
        labels=labels(raw, record),
    )
