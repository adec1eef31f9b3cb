"""A catalog's product selection as Akeneo's Catalogs for Apps stores it.

A catalog selects products with criteria (all AND-ed, at most 25) and shapes their values
with value filters (channels, locales, currencies). The operator spellings and value shapes
are Akeneo's, so a catalog defined in the PIM can be read as is.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "EMPTY_OPERATORS",
    "OPERATORS",
    "SYSTEM_FIELDS",
    "CatalogSpec",
    "Criterion",
    "Operator",
    "ValueFilters",
]

Operator = Literal[
    "=",
    "!=",
    "<",
    "<=",
    ">",
    ">=",
    "IN",
    "NOT IN",
    "IN CHILDREN",
    "NOT IN CHILDREN",
    "UNCLASSIFIED",
    "IN OR UNCLASSIFIED",
    "CONTAINS",
    "DOES NOT CONTAIN",
    "STARTS WITH",
    "EMPTY",
    "NOT EMPTY",
    "BETWEEN",
    "NOT BETWEEN",
]

# Operators that take no value (Akeneo accepts null, "" or [] for them).
EMPTY_OPERATORS = frozenset({"EMPTY", "NOT EMPTY", "UNCLASSIFIED"})

_STRING_OPERATORS = frozenset({"=", "!=", "CONTAINS", "DOES NOT CONTAIN", "STARTS WITH"})
_NUMBER_OPERATORS = frozenset({"=", "!=", "<", "<=", ">", ">=", "EMPTY", "NOT EMPTY"})
_SELECT_OPERATORS = frozenset({"IN", "NOT IN", "EMPTY", "NOT EMPTY"})

# Field (system field or attribute type) → the operators a catalog criterion may use on it.
OPERATORS: dict[str, frozenset[str]] = {
    "enabled": frozenset({"=", "!="}),
    "categories": frozenset(
        {"IN", "NOT IN", "IN CHILDREN", "NOT IN CHILDREN", "UNCLASSIFIED", "IN OR UNCLASSIFIED"}
    ),
    "completeness": frozenset({"=", "!=", "<", ">"}),
    "family": _SELECT_OPERATORS,
    "identifier": _STRING_OPERATORS | {"IN", "NOT IN"},
    "pim_catalog_identifier": _STRING_OPERATORS | {"IN", "NOT IN"},
    "pim_catalog_text": _STRING_OPERATORS | {"EMPTY", "NOT EMPTY"},
    "pim_catalog_textarea": _STRING_OPERATORS | {"EMPTY", "NOT EMPTY"},
    "pim_catalog_simpleselect": _SELECT_OPERATORS,
    "pim_catalog_multiselect": _SELECT_OPERATORS,
    "pim_catalog_number": _NUMBER_OPERATORS,
    "pim_catalog_metric": _NUMBER_OPERATORS,
    "pim_catalog_boolean": frozenset({"=", "!=", "EMPTY", "NOT EMPTY"}),
    "pim_catalog_date": frozenset(
        {"=", "!=", "<", ">", "BETWEEN", "NOT BETWEEN", "EMPTY", "NOT EMPTY"}
    ),
}

SYSTEM_FIELDS = frozenset({"enabled", "categories", "completeness", "family", "identifier"})


class Criterion(BaseModel):
    """One condition on a product: ``field`` is a system field or an attribute code.

    ``scope`` and ``locale`` name the channel and locale of an attribute's value (only for
    scopable / localizable attributes) or of the completeness to compare.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: str = Field(min_length=1)
    operator: Operator
    value: Any = None
    scope: str | None = None
    locale: str | None = None

    def describe(self) -> str:
        """``field operator`` plus the context, to name the criterion in messages."""
        context = "/".join(part for part in (self.scope, self.locale) if part)
        return f"{self.field} {self.operator}" + (f" ({context})" if context else "")


class ValueFilters(BaseModel):
    """Which values of the selected products to keep; an empty list keeps everything."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channels: tuple[str, ...] = ()
    locales: tuple[str, ...] = ()
    currencies: tuple[str, ...] = ()


class CatalogSpec(BaseModel):
    """A destination's catalog: which products (criteria, AND-ed) and which of their values.

    ``enabled`` is the catalog's own switch: a disabled catalog publishes nothing.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    criteria: tuple[Criterion, ...] = Field(default=(), max_length=25)
    value_filters: ValueFilters = ValueFilters()
    enabled: bool = False
