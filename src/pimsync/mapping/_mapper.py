"""Akeneo products and product models → :class:`~pimsync.connectors.oro.OroProduct`.

Every field the mapping manages is always present in the output, empty when Akeneo has
no value (None, ``{}``, ``{"data": null}``), so a value emptied in Akeneo is cleared in
Oro. Product models become configurable products: the root model's code is the SKU, the
family variant's axes (every level) its variant fields, and every variant product —
one or two levels down — is linked to the root model.
"""

from __future__ import annotations

import functools
import mimetypes
import re
import unicodedata
from collections.abc import Sequence
from typing import Any

from pimsync.connectors.oro import OroImage, OroPrice, OroProduct
from pimsync.errors import RejectedRecord
from pimsync.model import Price, Product, ProductModel, Values

from ._config import INVENTORY_STATUSES, MappingConfig
from ._metadata import AkeneoMetadata, OroMetadata, option_id
from ._plan import CodePlan, ImagePlan, Plan, Report, TextPlan, plan
from ._transforms import InvalidValue

__all__ = ["Mapper", "slugify"]

_NOT_SLUG = re.compile(r"[^a-z0-9]+")
# Akeneo stores media as a/b/c/d/<sha1>_<original name>.
_MEDIA_PREFIX = re.compile(r"^[0-9a-f]{40}_")


@functools.lru_cache(maxsize=64)
def _extension_type(extension: str) -> str:
    return mimetypes.guess_type(f"file{extension}")[0] or "application/octet-stream"


def _mime_type(filename: str) -> str:
    dot = filename.rfind(".")
    return _extension_type(filename[dot:].lower() if dot > 0 else "")


def slugify(text: str) -> str:
    """A URL slug: ASCII letters and digits joined by ``-`` (``"Café Noir"`` → ``cafe-noir``)."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return _NOT_SLUG.sub("-", ascii_text.lower()).strip("-")


class Mapper:
    """Maps records with one validated configuration.

    Raises :class:`~pimsync.errors.ConfigError` when :func:`~pimsync.mapping.validate`
    finds errors; ``report`` keeps the warnings.
    """

    def __init__(self, config: MappingConfig, akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
        self.config = config
        self.akeneo = akeneo
        self.oro = oro
        self.plan: Plan
        self.report: Report
        self.plan, self.report = plan(config, akeneo, oro)
        self.report.raise_for_errors()
        self._brands = dict(oro.brands)
        for code, brand_id in oro.brands.items():
            self._brands.setdefault(option_id(code), brand_id)
        self._status = config.inventory_status

    @property
    def sources(self) -> dict[str, str]:
        """Oro field → where its value comes from in Akeneo (for previews)."""
        return self.plan.sources

    # --- records -------------------------------------------------------------------

    def product(self, product: Product) -> OroProduct:
        """A product (simple, or a variant linked to its root model).

        Raises :class:`~pimsync.errors.RejectedRecord` naming the field for a product
        Oro cannot take (no identifier, no default name, a value that cannot be written).
        """
        key = product.key
        if not product.identifier:
            raise RejectedRecord(key, "no identifier (SKU); Oro needs one", field="sku")
        parent = None
        if product.parent is not None:
            parent = self._root_of(key, product.parent)
        return self._map(
            key,
            product.identifier,
            product.values,
            product.family,
            product.categories,
            status="enabled" if product.enabled else "disabled",
            product_type="simple",
            variant_fields=(),
            variant_parent=parent,
        )

    def model(self, model: ProductModel) -> OroProduct:
        """A root product model as a configurable product (SKU = model code).

        Sub-models have no Oro counterpart (their products link to the root model): they
        raise :class:`~pimsync.errors.RejectedRecord`, as do models of a family variant
        whose axes are not all mapped to enum or boolean Oro fields.
        """
        key = model.code
        if model.parent is not None:
            raise RejectedRecord(
                key,
                f"a sub product model is not written to Oro; its products link to the root "
                f"model {model.parent!r}",
                field="parent",
            )
        problem = self.plan.variant_problems.get(model.family_variant)
        fields = self.plan.variant_fields.get(model.family_variant)
        if problem is not None or fields is None:
            raise RejectedRecord(
                key,
                problem or f"family variant {model.family_variant!r} unknown",
                field="variant_fields",
            )
        family = model.family
        if family is None:
            variant = self.akeneo.family_variants.get(model.family_variant)
            family = variant.family if variant else None
        return self._map(
            key,
            model.code,
            model.values,
            family,
            model.categories,
            status="enabled",
            product_type="configurable",
            variant_fields=fields,
            variant_parent=None,
        )

    def record(self, record: Product | ProductModel) -> OroProduct:
        """:meth:`product` or :meth:`model`, whichever ``record`` is."""
        if isinstance(record, ProductModel):
            return self.model(record)
        return self.product(record)

    def _root_of(self, key: str, parent: str) -> str:
        parents = self.akeneo.model_parents
        if parent not in parents:
            raise RejectedRecord(
                key,
                f"parent product model {parent!r} is unknown (metadata lists "
                f"{len(parents)} models)",
                field="variant_parent",
            )
        return parents[parent] or parent

    # --- fields --------------------------------------------------------------------

    def _map(
        self,
        key: str,
        sku: str,
        values: Values,
        family: str | None,
        categories: Sequence[str],
        *,
        status: str,
        product_type: str,
        variant_fields: tuple[str, ...],
        variant_parent: str | None,
    ) -> OroProduct:
        p = self.plan
        names = self._texts(p.names, values) if p.names else {}
        if not names.get(None) and self.config.missing_name == "sku":
            names[None] = sku
        if not names.get(None):
            raise RejectedRecord(
                key,
                f"no {self.config.names!r} in {self.config.default_locale}; Oro needs a "
                "default name",
                field="names",
            )
        if p.generate_slugs:
            slugs = {loc: slug for loc, text in names.items() if (slug := slugify(text))}
        else:
            slugs = self._texts(p.slugs, values) if p.slugs else {}
        attributes: dict[str, Any] = {}
        relationships: dict[str, Any] = {}
        for item in p.attributes:
            data = values.get(item.akeneo, item.locale, item.scope)
            if data is None:
                value = item.empty
            else:
                try:
                    value = item.convert(data)
                except InvalidValue as error:
                    raise RejectedRecord(key, str(error), field=item.oro) from None
                if value is None:
                    value = item.empty
            if item.relationship:
                relationships[item.oro] = value
            else:
                attributes[item.oro] = value
        return OroProduct(
            sku=sku,
            names=names,
            status=status,
            product_type=product_type,
            attribute_family=(
                p.attribute_families.get(family, p.default_attribute_family)
                if family
                else p.default_attribute_family
            ),
            unit=self.config.unit,
            unit_precision=self.config.unit_precision,
            inventory_status=self._inventory(key, values),
            category=self._category(categories),
            brand=self._brand(key, values),
            descriptions=self._texts(p.descriptions, values) if p.descriptions else {},
            short_descriptions=(
                self._texts(p.short_descriptions, values) if p.short_descriptions else {}
            ),
            slugs=slugs,
            attributes=attributes,
            relationships=relationships,
            prices=self._prices(key, values),
            images=self._images(key, values, family),
            variant_fields=variant_fields,
            variant_parent=variant_parent,
        )

    @staticmethod
    def _texts(text_plan: TextPlan, values: Values) -> dict[str | None, str]:
        found: dict[str | None, str] = {}
        attribute, scope = text_plan.attribute, text_plan.scope or None
        for localization, locale in text_plan.targets:
            text = values.get(attribute, locale or None, scope)
            if isinstance(text, str) and text.strip():
                found[localization] = text
        return found

    def _code(self, key: str, code_plan: CodePlan, values: Values, field: str) -> str | None:
        data = values.get(code_plan.attribute, code_plan.locale, code_plan.scope or None)
        if data is None or isinstance(data, str):
            return data or None
        raise RejectedRecord(key, f"{code_plan.attribute!r} is not a code: {data!r}", field=field)

    def _brand(self, key: str, values: Values) -> str | None:
        brand = self.plan.brand
        if brand is None:
            return None
        code = self._code(key, brand, values, "brand")
        if not code:
            return None
        found = self._brands.get(code) or self._brands.get(option_id(code))
        if found is None:
            raise RejectedRecord(key, f"brand {code!r} does not exist in Oro", field="brand")
        return found

    def _inventory(self, key: str, values: Values) -> str:
        inventory = self.plan.inventory
        if inventory is None:
            return self._status
        data = values.get(inventory.attribute, inventory.locale, inventory.scope or None)
        if data is None:
            return self._status
        if isinstance(data, bool):
            return "in_stock" if data else "out_of_stock"
        status = option_id(data) if isinstance(data, str) else ""
        if status not in INVENTORY_STATUSES:
            raise RejectedRecord(
                key,
                f"{inventory.attribute!r} = {data!r} is not an Oro inventory status",
                field="inventory_status",
            )
        return status

    def _category(self, categories: Sequence[str]) -> str | None:
        known = self.plan.categories
        best: tuple[int, str] | None = None
        for code in categories:  # sorted codes: ties go to the first
            found = known.get(code)
            if found is not None and (best is None or found[0] > best[0]):
                best = found
        return None if best is None else best[1]

    def _prices(self, key: str, values: Values) -> tuple[OroPrice, ...]:
        prices: list[OroPrice] = []
        for price_plan in self.plan.prices:
            data = values.get(price_plan.attribute, None, price_plan.scope or None)
            if data is None:
                continue
            if not isinstance(data, tuple):
                raise RejectedRecord(
                    key, f"{price_plan.attribute!r} is not a price collection", field="prices"
                )
            lists = price_plan.price_lists
            for price in data:
                if isinstance(price, Price) and price.amount is not None:
                    price_list = lists.get(price.currency)
                    if price_list is not None:
                        prices.append(OroPrice(price_list, price.currency, str(price.amount)))
        prices.sort(key=lambda price: (price.price_list, price.currency))
        return tuple(prices)

    def _images(self, key: str, values: Values, family: str | None) -> tuple[OroImage, ...]:
        plans: list[ImagePlan] | None = self.plan.images
        if plans is None:
            plans = self.plan.family_images.get(family or "", [])
        if not plans:
            return ()
        by_key: dict[str, list[str]] = {}
        taken: set[str] = set()
        for image_plan in plans:
            code = values.get(image_plan.attribute, image_plan.locale, image_plan.scope or None)
            if code is None:
                continue
            if not isinstance(code, str):
                raise RejectedRecord(
                    key, f"{image_plan.attribute!r} is not a media file code", field="images"
                )
            types = by_key.setdefault(code, [])
            for kind in image_plan.types:
                # Oro takes one main and one listing image: the first attribute wins.
                if kind in types or (kind != "additional" and kind in taken):
                    continue
                types.append(kind)
                taken.add(kind)
        images = []
        for code, types in by_key.items():
            filename = _MEDIA_PREFIX.sub("", code.rsplit("/", 1)[-1])
            mime_type = _mime_type(filename)
            images.append(OroImage(code, filename, mime_type, tuple(types) or ("additional",)))
        return tuple(images)
