"""Attribute values with Akeneo's locale and channel semantics.

A value is (attribute code, locale or None, scope or None, data). ``locale`` is None for
an attribute that is not localizable and ``scope`` (the channel code) is None for one that
is not scopable, so such a value applies to every locale or channel. Akeneo's standard
format, ``{"name": [{"locale": "en_US", "scope": null, "data": "Top"}]}``, is read by
:meth:`Values.from_akeneo` and written back by :meth:`Values.to_akeneo`.

Data keeps Akeneo's shapes, made immutable: text and codes stay ``str``; numbers stay as
sent (``int`` or numeric text), JSON floats become ``Decimal``; booleans stay ``bool``;
multi-selects and reference lists become ``tuple[str, ...]``; price collections become
``tuple[Price, ...]`` and metrics :class:`Metric`, both with ``Decimal`` amounts; other
lists become tuples and other objects (product links, table rows) stay dicts.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeAlias, TypeVar

from pimsync.model._raw import InvalidRecord, to_decimal

__all__ = ["Metric", "Price", "ProductValue", "ValueData", "Values"]

_T = TypeVar("_T")


# Value records are built by the dozen per product: slotted but not frozen, as frozen
# dataclasses cost three times as much to build. Treat them as immutable all the same.
@dataclass(slots=True, kw_only=True)
class Price:
    """One amount of a price collection; Akeneo leaves ``amount`` null for an unset currency."""

    amount: Decimal | None
    currency: str


@dataclass(slots=True, kw_only=True)
class Metric:
    """A measured value such as 500 GRAM; ``unit`` is a unit code of a measurement family."""

    amount: Decimal | None
    unit: str


ValueData: TypeAlias = (
    str | bool | int | Decimal | Metric | tuple[Any, ...] | Mapping[str, Any] | None
)
"""The data of a value; see the module documentation for the shape per attribute type."""


@dataclass(slots=True, kw_only=True)
class ProductValue:
    """The data of one attribute for one locale and one channel (None: not localizable/scopable)."""

    attribute: str
    locale: str | None = None
    scope: str | None = None
    data: ValueData


# Data types Akeneo sends that need no conversion (exact types: a bool is not an int here).
_SCALARS = frozenset({str, int, bool, type(None)})


def _order(value: ProductValue) -> tuple[str, str]:
    # "" sorts first and is never a locale or channel code.
    return (value.locale or "", value.scope or "")


class Values:
    """The values of a product, product model, asset or record, grouped by attribute.

    Values read from Akeneo are checked for shape at once but converted attribute by
    attribute on first use, so a job pays only for the attributes it maps (a product
    commonly carries dozens). The values of each attribute are sorted by (locale, scope),
    so equal values serialize to equal bytes whatever order the source sent them in.
    Records must not be mutated.
    """

    __slots__ = ("_parsed", "_raw", "_record")

    def __init__(self, by_attribute: Mapping[str, tuple[ProductValue, ...]] | None = None) -> None:
        self._parsed: dict[str, tuple[ProductValue, ...]] = dict(by_attribute or {})
        # Akeneo entries not converted yet, in the source's attribute order.
        self._raw: dict[str, list[dict[str, Any]]] | None = None
        self._record = "values"

    @classmethod
    def of(cls, values: Iterable[ProductValue]) -> Values:
        """Build values from single values; a later value replaces an earlier one with the same
        attribute, locale and scope."""
        grouped: dict[str, dict[tuple[str | None, str | None], ProductValue]] = {}
        for value in values:
            grouped.setdefault(value.attribute, {})[value.locale, value.scope] = value
        return cls(
            {
                attribute: tuple(sorted(by_key.values(), key=_order))
                for attribute, by_key in grouped.items()
            }
        )

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any] | None, *, record: str = "values") -> Values:
        """Read Akeneo's standard format.

        The channel is read from ``scope`` (products) or ``channel`` (assets, reference entity
        records); extra keys such as ``linked_data`` and ``attribute_type`` are ignored.
        Raises :class:`InvalidRecord` when the values are not an object of lists; entries
        that cannot be converted raise it when their attribute is first used.
        """
        values = cls()
        if not raw:  # absent, null, or [] for an empty object
            return values
        if not isinstance(raw, Mapping):
            raise InvalidRecord(record, "malformed values: not an object", field="values")
        for attribute, entries in raw.items():
            if entries and type(entries) is not list:
                raise InvalidRecord(
                    record, f"malformed values: {attribute!r} must be a list", field="values"
                )
        values._raw = {attribute: entries for attribute, entries in raw.items() if entries}
        values._record = record
        return values

    def _of(self, attribute: str) -> tuple[ProductValue, ...]:
        parsed = self._parsed.get(attribute)
        if parsed is not None:
            return parsed
        raw = self._raw
        if raw is None or attribute not in raw:
            return ()
        parsed = _parse_entries(attribute, raw[attribute], self._record)
        self._parsed[attribute] = parsed
        return parsed

    @property
    def by_attribute(self) -> Mapping[str, tuple[ProductValue, ...]]:
        """Every attribute's values (converts any not used yet)."""
        raw = self._raw
        if raw is not None:
            self._parsed = {attribute: self._of(attribute) for attribute in raw}
            self._raw = None
        return self._parsed

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Values):
            return NotImplemented
        return self.by_attribute == other.by_attribute

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Values({dict(self.by_attribute)!r})"

    def __json__(self) -> Mapping[str, tuple[ProductValue, ...]]:
        """The form :func:`~pimsync.model.to_json` serializes."""
        return self.by_attribute

    def to_akeneo(self, *, scope_key: str = "scope") -> dict[str, list[dict[str, Any]]]:
        """Write Akeneo's standard format; use ``scope_key="channel"`` for assets and records.

        Decimals are written as text, the way Akeneo sends amounts.
        """
        return {
            attribute: [
                {"locale": v.locale, scope_key: v.scope, "data": _data_to_akeneo(v.data)}
                for v in values
            ]
            for attribute, values in self.by_attribute.items()
        }

    def find(
        self, attribute: str, locale: str | None = None, scope: str | None = None
    ) -> ProductValue | None:
        """Return the value of ``attribute`` that applies to ``locale`` and channel ``scope``.

        Follows Akeneo's rules: a value with locale None (attribute not localizable) applies
        to every locale, one with scope None (not scopable) to every channel; otherwise the
        locale and channel must match. Asking without a locale for a localizable attribute
        finds nothing. When several values apply, the most specific one wins.
        """
        best: ProductValue | None = None
        best_rank = -1
        for value in self._of(attribute):
            if value.locale is not None and value.locale != locale:
                continue
            if value.scope is not None and value.scope != scope:
                continue
            rank = (value.locale is not None) * 2 + (value.scope is not None)
            if rank > best_rank:
                best, best_rank = value, rank
        return best

    def get(self, attribute: str, locale: str | None = None, scope: str | None = None) -> ValueData:
        """Return the data of the value :meth:`find` selects, or None when there is none."""
        value = self.find(attribute, locale, scope)
        return None if value is None else value.data

    def text(
        self, attribute: str, locale: str | None = None, scope: str | None = None
    ) -> str | None:
        """Return text data (text, textarea, identifier, simple select, date, media path).

        Raises ``TypeError`` when the data is not text.
        """
        return _expect(self.get(attribute, locale, scope), str, attribute)

    def number(
        self, attribute: str, locale: str | None = None, scope: str | None = None
    ) -> Decimal | None:
        """Return number data as a Decimal; raises ``TypeError`` when it is not a number."""
        data = self.get(attribute, locale, scope)
        if data is None:
            return None
        try:
            return to_decimal(data)
        except (TypeError, ValueError):
            raise TypeError(f"value of {attribute!r} is not a number: {data!r}") from None

    def options(
        self, attribute: str, locale: str | None = None, scope: str | None = None
    ) -> tuple[str, ...]:
        """Return the option codes of a select (one code for a simple select, none if unset).

        Raises ``TypeError`` when the data is not one or several codes.
        """
        data = self.get(attribute, locale, scope)
        if data is None:
            return ()
        if isinstance(data, str):
            return (data,)
        if isinstance(data, tuple) and all(isinstance(code, str) for code in data):
            return data
        raise TypeError(f"value of {attribute!r} is not a list of codes: {data!r}")

    def prices(
        self, attribute: str, locale: str | None = None, scope: str | None = None
    ) -> tuple[Price, ...]:
        """Return a price collection; raises ``TypeError`` when the data is something else."""
        data = self.get(attribute, locale, scope)
        if data is None:
            return ()
        if isinstance(data, tuple) and all(isinstance(price, Price) for price in data):
            return data
        raise TypeError(f"value of {attribute!r} is not a price collection: {data!r}")

    def price(
        self, attribute: str, currency: str, locale: str | None = None, scope: str | None = None
    ) -> Decimal | None:
        """Return the amount of one currency of a price collection, or None when unset."""
        for price in self.prices(attribute, locale, scope):
            if price.currency == currency:
                return price.amount
        return None

    def metric(
        self, attribute: str, locale: str | None = None, scope: str | None = None
    ) -> Metric | None:
        """Return a metric value; raises ``TypeError`` when the data is something else."""
        return _expect(self.get(attribute, locale, scope), Metric, attribute)

    def for_attribute(self, attribute: str) -> tuple[ProductValue, ...]:
        """Return every value of ``attribute`` (all locales and channels)."""
        return self._of(attribute)

    def with_values(self, *values: ProductValue) -> Values:
        """Return a copy where ``values`` replace those with the same attribute, locale, scope."""
        return Values.of([*self, *values])

    def without(self, *attributes: str) -> Values:
        """Return a copy without any value of ``attributes``."""
        return Values({a: v for a, v in self.by_attribute.items() if a not in attributes})

    def __iter__(self) -> Iterator[ProductValue]:
        for values in self.by_attribute.values():
            yield from values

    def __len__(self) -> int:
        return sum(len(values) for values in self.by_attribute.values())

    def __contains__(self, attribute: object) -> bool:
        return isinstance(attribute, str) and bool(self._of(attribute))


def _parse_entries(
    attribute: str, entries: list[dict[str, Any]], record: str
) -> tuple[ProductValue, ...]:
    try:
        parsed = []
        for entry in entries:
            data = entry.get("data")
            if type(data) not in _SCALARS:  # skip a call for the common case
                data = _data_from_akeneo(data)
            parsed.append(
                ProductValue(
                    attribute=attribute,
                    locale=entry.get("locale"),
                    scope=entry["scope"] if "scope" in entry else entry.get("channel"),
                    data=data,
                )
            )
    except (AttributeError, TypeError, ValueError) as error:
        raise InvalidRecord(
            record, f"malformed values of {attribute!r}: {error}", field="values"
        ) from None
    if len(parsed) > 1:
        parsed.sort(key=_order)
    return tuple(parsed)


def _expect(data: ValueData, kind: type[_T], attribute: str) -> _T | None:
    if data is None or isinstance(data, kind):
        return data
    raise TypeError(f"value of {attribute!r} is not {kind.__name__}: {data!r}")


def _data_from_akeneo(data: Any) -> ValueData:
    # The common scalar cases come first: this runs for every value of every record.
    if data is None or isinstance(data, str | bool | int):
        return data
    if isinstance(data, list):
        if data and all(
            isinstance(item, dict) and "amount" in item and "currency" in item for item in data
        ):
            return tuple(
                Price(amount=_amount(item["amount"]), currency=item["currency"]) for item in data
            )
        return tuple(_frozen(item) for item in data)
    if isinstance(data, dict):
        if "amount" in data and "unit" in data:
            return Metric(amount=_amount(data["amount"]), unit=data["unit"])
        return {key: _frozen(item) for key, item in data.items()}
    if isinstance(data, float):
        return to_decimal(data)
    raise TypeError(f"unexpected value data {data!r}")


def _frozen(data: Any) -> Any:
    # Nested data (table rows, product links): lists become tuples, floats Decimals.
    if isinstance(data, list):
        return tuple(_frozen(item) for item in data)
    if isinstance(data, dict):
        return {key: _frozen(item) for key, item in data.items()}
    if isinstance(data, float):
        return to_decimal(data)
    return data


def _amount(amount: Any) -> Decimal | None:
    return None if amount is None or amount == "" else to_decimal(amount)


def _data_to_akeneo(data: Any) -> Any:
    if data is None or isinstance(data, str | bool | int):
        return data
    if isinstance(data, tuple):
        return [_data_to_akeneo(item) for item in data]
    if isinstance(data, Price):
        return {"amount": _amount_text(data.amount), "currency": data.currency}
    if isinstance(data, Metric):
        return {"amount": _amount_text(data.amount), "unit": data.unit}
    if isinstance(data, Decimal):
        return str(data)
    if isinstance(data, Mapping):
        return {key: _data_to_akeneo(item) for key, item in data.items()}
    return data


def _amount_text(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)
