"""What a job maps: the ``[jobs.X.options]`` table of an Akeneo → Oro products job.

TOML has no null, so an empty string switches a source attribute off (``descriptions =
""``). Defaults name the attributes of a stock Akeneo catalog (``name``, ``description``);
a default whose attribute Akeneo does not have is dropped with a warning by
:func:`~pimsync.mapping.validate`, while the same attribute named explicitly is an error.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

__all__ = [
    "AttributeMapping",
    "CategoryMapping",
    "ImageMapping",
    "MappingConfig",
    "PriceMapping",
]

INVENTORY_STATUSES = ("in_stock", "out_of_stock", "discontinued")
IMAGE_ROLES = ("main", "listing", "additional")


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class AttributeMapping(_Strict):
    """One Akeneo attribute written to one Oro product field.

    * ``locale`` / ``scope`` — which value of a localizable / scopable attribute (default:
      the mapping's ``default_locale`` and ``scope``).
    * ``unit`` — metric attributes: the unit to convert to (default: the attribute's
      default unit).
    * ``currency`` — price collections: the currency whose amount is written.
    * ``label_locale`` — selects written to a text field: the locale of the option label
      (default: ``default_locale``); enum fields receive the Oro option id instead.
    * ``format`` — dates written to a text field: a ``strftime`` pattern (default
      ``%Y-%m-%d``).
    """

    akeneo: str = Field(min_length=1)
    oro: str = Field(min_length=1)
    locale: str | None = None
    scope: str | None = None
    unit: str | None = None
    currency: str | None = None
    label_locale: str | None = None
    format: str | None = None


class PriceMapping(_Strict):
    """A price collection written to price lists, quantity 1 of the primary unit.

    Each currency goes to ``price_lists[currency]`` when given, else to the price list
    named ``price_list`` with ``{currency}`` replaced (``"Akeneo EUR"``). ``currencies``
    limits the currencies written (default: those of ``price_lists``, or every currency
    enabled in Akeneo when ``price_lists`` is empty).
    """

    attribute: str = Field(default="price", min_length=1)
    scope: str | None = None
    currencies: tuple[str, ...] = ()
    price_lists: dict[str, str] = Field(default_factory=dict)
    price_list: str = Field(default="Akeneo {currency}", min_length=1)


class ImageMapping(_Strict):
    """An image (or file) attribute and the Oro image roles its picture takes."""

    attribute: str = Field(min_length=1)
    types: tuple[Literal["main", "listing", "additional"], ...] = ("additional",)
    scope: str | None = None
    locale: str | None = None

    @field_validator("types")
    @classmethod
    def _some_type(cls, types: tuple[str, ...]) -> tuple[str, ...]:
        if not types:
            raise ValueError("give at least one of main, listing, additional")
        return types


class CategoryMapping(_Strict):
    """Which Oro category a product goes to (Oro holds one category per product).

    * ``mode = "none"`` — products get no category (any is cleared).
    * ``mode = "tree"`` — the Akeneo tree (or the subtree under ``tree``, default the
      channel's tree) is mirrored in Oro under the category id ``root``; the product goes
      to its deepest Akeneo category in that tree that Oro holds (else ``root``).
    * ``mode = "explicit"`` — ``map`` gives Akeneo category code → Oro category id; the
      product goes to its deepest mapped category.
    """

    mode: Literal["none", "tree", "explicit"] = "none"
    root: str | None = None
    tree: str | None = None
    map: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _complete(self) -> CategoryMapping:
        if self.mode == "tree" and not self.root:
            raise ValueError("mode 'tree' needs root (the Oro category id of the tree)")
        if self.mode == "explicit" and not self.map:
            raise ValueError("mode 'explicit' needs map (Akeneo code → Oro category id)")
        return self


class MappingConfig(_Strict):
    """How Akeneo products and product models become Oro products.

    ``localizations`` maps an Akeneo locale to an Oro localization *name* (``en_US``);
    values in other locales are skipped. Oro's default (required) name, description… come
    from ``default_locale``. ``names`` … ``slugs`` name the source attributes; ``slugs``
    empty means slugs generated from the names. ``attribute_families`` maps an Akeneo
    family to an Oro attribute family code (others: ``attribute_family``). Oro requires a
    default name: without one in ``default_locale`` a product is named after its SKU
    (``missing_name = "sku"``, as Oro's own Akeneo connector does) or rejected
    (``"reject"``).
    """

    scope: str = Field(default="ecommerce", min_length=1)
    default_locale: str = Field(default="en_US", min_length=1)
    localizations: dict[str, str] = Field(default_factory=dict)
    names: str = Field(default="name", min_length=1)
    missing_name: Literal["sku", "reject"] = "sku"
    descriptions: str = "description"
    short_descriptions: str = ""
    slugs: str = ""
    generate_slugs: bool = True
    prices: tuple[PriceMapping, ...] = ()
    images: tuple[ImageMapping, ...] | None = None
    brand: str = ""
    attributes: tuple[AttributeMapping, ...] = ()
    inventory_status: Literal["in_stock", "out_of_stock", "discontinued"] = "in_stock"
    inventory_status_attribute: str = ""
    unit: str = Field(default="each", min_length=1)
    unit_precision: int = Field(default=0, ge=0, le=10)
    attribute_family: str = Field(default="default_family", min_length=1)
    attribute_families: dict[str, str] = Field(default_factory=dict)
    categories: CategoryMapping = Field(default_factory=CategoryMapping)

    @model_validator(mode="after")
    def _distinct_targets(self) -> MappingConfig:
        seen: set[str] = set()
        for mapping in self.attributes:
            if mapping.oro in seen:
                raise ValueError(f"attributes: Oro field {mapping.oro!r} is mapped twice")
            seen.add(mapping.oro)
        return self

    def is_default(self, field: str) -> bool:
        """True when ``field`` was left at its default (not written in the job's options)."""
        return field not in self.model_fields_set
