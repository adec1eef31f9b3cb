"""What an SFCC job maps: the ``[jobs.X.options.mapping]`` table of an Akeneo → SFCC job.

Defaults follow the Akeneo SFCC cartridge and the Akeneo demo catalog. A default whose
Akeneo attribute does not exist is dropped by :meth:`SfccMapping.check`; the same code
named explicitly is an error. ``check`` returns the mapping with every default resolved
against the Akeneo metadata: the mapping functions expect that resolved copy.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pimsync.connectors.sfcc._model import ProductLinkType
from pimsync.errors import ConfigError
from pimsync.mapping._metadata import AkeneoMetadata
from pimsync.model import AttributeType

__all__ = [
    "AssetImageView",
    "ImageView",
    "SfccMapping",
    "SystemAttributes",
    "custom_id",
    "sfcc_locale",
]

# Akeneo codes are [A-Za-z0-9_]; SFCC attribute definition ids (Definition.ID: no
# whitespace, no '|', at most 256 characters) accept them as they are. pimsync keeps the
# stricter rule below so an id is the same in Business Manager, scripts and OCAPI.
_ID = re.compile(r"[A-Za-z0-9_]{1,256}\Z")
_SNAKE = re.compile(r"_([a-zA-Z0-9])")

# Not custom attributes by default: prices go to pricebooks, images to image groups,
# asset collections need the asset job.
_NOT_CUSTOM = frozenset(
    {
        AttributeType.PRICE_COLLECTION,
        AttributeType.IMAGE,
        AttributeType.ASSET_COLLECTION,
    }
)


_LINKS: dict[str, ProductLinkType] = {
    "X_SELL": "cross-sell",
    "UPSELL": "up-sell",
    "SUBSTITUTION": "replacement",
    "PACK": "other",
}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SystemAttributes(_Strict):
    """SFCC system attribute → the Akeneo attribute that fills it (None: not sent).

    ``name`` fills ``display-name``. Localizable attributes are sent per locale; the
    others (``ean``, ``brand``…) take the value of the default locale, and a select's
    option label in that locale.
    """

    name: str | None = "name"
    short_description: str | None = None
    long_description: str | None = "description"
    brand: str | None = None
    ean: str | None = None
    upc: str | None = None
    manufacturer_name: str | None = None
    manufacturer_sku: str | None = None
    page_title: str | None = None
    page_description: str | None = None
    page_keywords: str | None = None
    page_url: str | None = None
    tax_class_id: str | None = None

    def codes(self) -> dict[str, str]:
        """System attribute → Akeneo code, for the mapped ones."""
        return {name: code for name, code in self.model_dump().items() if code}


class ImageView(_Strict):
    """An image attribute and the SFCC view type (``large``, ``small``…) it fills."""

    attribute: str = Field(min_length=1)
    view_type: str = Field(default="large", min_length=1)


class AssetImageView(_Strict):
    """An asset collection attribute (Enterprise): the main media of each asset it lists
    fills the view type (``large``, ``small``…)."""

    attribute: str = Field(min_length=1)
    view_type: str = Field(default="large", min_length=1)


class SfccMapping(_Strict):
    """How Akeneo products become SFCC catalog, pricebook, library and metadata records.

    * ``channel`` — the Akeneo channel whose scopable values are sent.
    * ``locales`` — Akeneo locales sent (default: every enabled locale);
      ``default_locale`` (default: ``en_US`` if sent, else the first) also fills
      ``x-default``.
    * ``custom_attributes`` — Akeneo attributes sent as product custom attributes
      (default: all but those mapped to a system attribute, images, prices and assets);
      their ids are ``custom_prefix + code`` (``camel_case_ids``: ``akeneo_releaseDate``
      as the cartridge names them).
    * ``images`` — image attributes and their view types (default: every image
      attribute as ``large``).
    * ``asset_images`` — asset collection attributes whose assets' main media files
      are images of that view type too, after those of ``images`` (default: none).
    * ``price_attribute`` (default: the first price collection), ``currencies``
      (default: every enabled currency), ``pricebook_id`` (``{currency}`` is the
      lower-case currency code).
    * ``association_links`` — Akeneo association type → SFCC product-link type.
    * ``required`` — Akeneo attributes a product must have a value for.
    * ``model_import`` — ``master-group-variation``: sub-models become variation groups;
      ``master-variation``: they are left out and only the variants count.
    * ``classification_catalog`` — when set, a product's first category is its
      classification category in that catalog.
    """

    channel: str = Field(default="ecommerce", min_length=1)
    locales: tuple[str, ...] = ()
    default_locale: str | None = None
    system_attributes: SystemAttributes = Field(default_factory=SystemAttributes)
    custom_prefix: str = "akeneo_"
    camel_case_ids: bool = False
    custom_attributes: tuple[str, ...] | None = None
    images: tuple[ImageView, ...] | None = None
    asset_images: tuple[AssetImageView, ...] = ()
    price_attribute: str | None = None
    currencies: tuple[str, ...] = ()
    pricebook_id: str = Field(default="{currency}-list-prices", min_length=1)
    pricebook_name: str = "List Prices"
    online_from_enabled: bool = True
    association_links: dict[str, ProductLinkType] = Field(default_factory=lambda: dict(_LINKS))
    required: tuple[str, ...] = ()
    model_import: Literal["master-group-variation", "master-variation"] = "master-group-variation"
    classification_catalog: str | None = None
    primary_assignment: bool = True
    category_show_in_menu: bool = True

    def view_types(self) -> list[str]:
        """The view types the images fill, sorted (``large`` when none)."""
        views = {v.view_type for v in self.images or ()}
        views |= {v.view_type for v in self.asset_images}
        return sorted(views) or ["large"]

    def custom_id(self, code: str) -> str:
        """The SFCC custom attribute id of Akeneo attribute ``code``."""
        return custom_id(code, self.custom_prefix, camel_case=self.camel_case_ids)

    def pricebook(self, currency: str) -> str:
        """The pricebook id of ``currency`` (``usd-list-prices``)."""
        return self.pricebook_id.replace("{currency}", currency.lower())

    @property
    def default(self) -> str:
        """The Akeneo locale whose values also fill ``x-default``."""
        if self.default_locale is not None:
            return self.default_locale
        if not self.locales:
            raise ConfigError("SFCC mapping: no locale; call check(metadata) first")
        return self.locales[0]

    def require_checked(self) -> None:
        """Raise :class:`ConfigError` unless this mapping came from :meth:`check`."""
        if self.custom_attributes is None or self.images is None or not self.locales:
            raise ConfigError("SFCC mapping: defaults not resolved; call check(metadata) first")

    def check(self, metadata: AkeneoMetadata) -> SfccMapping:
        """This mapping with every default resolved against ``metadata``.

        Raises :class:`ConfigError` naming every unknown channel, locale, currency or
        attribute, an attribute of the wrong type, or a custom id SFCC cannot take.
        """
        problems: list[str] = []
        attributes = metadata.attributes
        if metadata.channels and self.channel not in metadata.channels:
            problems.append(f"channel {self.channel!r} is not an Akeneo channel")
        locales = self.locales or metadata.locales
        unknown = [loc for loc in locales if metadata.locales and loc not in metadata.locales]
        if unknown:
            problems.append(f"locales {unknown} are not enabled in Akeneo")
        if not locales:
            problems.append("no locale: set locales (Akeneo lists no enabled locale)")
        default = self.default_locale
        if default is None and locales:  # Akeneo's own default, else the first
            default = "en_US" if "en_US" in locales else locales[0]
        if default is not None and default not in locales:
            problems.append(f"default_locale {default!r} is not among locales {list(locales)}")
        currencies = self.currencies or metadata.currencies
        unknown = [c for c in currencies if metadata.currencies and c not in metadata.currencies]
        if unknown:
            problems.append(f"currencies {unknown} are not enabled in Akeneo")

        def need(code: str, where: str, *types: str) -> None:
            found = attributes.get(code)
            if found is None:
                problems.append(f"{where}: attribute {code!r} does not exist in Akeneo")
            elif types and found.type not in types:
                problems.append(f"{where}: attribute {code!r} is a {found.type}, not {types[0]}")

        explicit = self.system_attributes.model_fields_set
        system = {}
        for name, code in self.system_attributes.codes().items():
            if code in attributes or name in explicit:
                need(code, f"system_attributes.{name}")
                system[name] = code
        resolved_system = SystemAttributes.model_validate(
            {name: system.get(name) for name in SystemAttributes.model_fields}
        )
        if self.custom_attributes is None:
            mapped = set(system.values())
            custom = tuple(
                code
                for code, a in attributes.items()
                if code not in mapped and a.type not in _NOT_CUSTOM
            )
        else:
            custom = self.custom_attributes
            for code in custom:
                need(code, "custom_attributes")
        for code in custom:
            if _ID.match(self.custom_id(code)) is None:
                problems.append(
                    f"custom attribute id {self.custom_id(code)!r} is not 1-256 letters, "
                    "digits or '_'"
                )
        if self.images is None:
            images = tuple(
                ImageView(attribute=code)
                for code, a in attributes.items()
                if a.type == AttributeType.IMAGE
            )
        else:
            images = self.images
            for view in images:
                need(view.attribute, "images", AttributeType.IMAGE, AttributeType.FILE)
        for asset_view in self.asset_images:
            need(asset_view.attribute, "asset_images", AttributeType.ASSET_COLLECTION)
            found = attributes.get(asset_view.attribute)
            asset = found is not None and found.type == AttributeType.ASSET_COLLECTION
            if asset and found is not None and not found.reference_data_name:
                problems.append(
                    f"asset_images: attribute {asset_view.attribute!r} names no asset family"
                )
        price = self.price_attribute
        if price is None:
            price = next(
                (c for c, a in attributes.items() if a.type == AttributeType.PRICE_COLLECTION),
                None,
            )
        else:
            need(price, "price_attribute", AttributeType.PRICE_COLLECTION)
        for code in self.required:
            need(code, "required")
        if "{currency}" not in self.pricebook_id and len(currencies) > 1:
            problems.append("pricebook_id must contain '{currency}' when several currencies")
        if problems:
            raise ConfigError("SFCC mapping: " + "; ".join(problems))
        return self.model_copy(
            update={
                "locales": tuple(locales),
                "default_locale": default,
                "system_attributes": resolved_system,
                "custom_attributes": custom,
                "images": images,
                "price_attribute": price,
                "currencies": tuple(currencies),
            }
        )


def custom_id(code: str, prefix: str = "akeneo_", *, camel_case: bool = False) -> str:
    """``prefix + code``, the code camel-cased (``release_date`` → ``releaseDate``) if asked."""
    if camel_case:
        code = _SNAKE.sub(lambda m: m.group(1).upper(), code)
    return prefix + code


def sfcc_locale(locale: str) -> str:
    """Akeneo's ``en_US`` as SFCC's ``en-US``."""
    return locale.replace("_", "-")
