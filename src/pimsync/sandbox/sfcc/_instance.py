"""The in-memory B2C Commerce instance a site import writes to and tests read.

Records keep what the import files say, keyed as the XML keys them: system attributes by
element name (``values``, ``name@site-id`` for site-specific ones), localized ones by
element name then ``xml:lang`` (``x-default`` when absent), custom attributes by
attribute id then ``xml:lang`` (a list when given as ``<value>`` elements).
"""

from __future__ import annotations

import copy
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TypeVar
from xml.sax.saxutils import escape, quoteattr

Localized = dict[str, str]
CustomValue = str | list[str]
DEFAULT_LANG = "x-default"

_T = TypeVar("_T")


@dataclass
class Fields:
    """The attribute sets every importable object has."""

    values: dict[str, str] = field(default_factory=dict)
    localized: dict[str, Localized] = field(default_factory=dict)
    custom: dict[str, dict[str, CustomValue]] = field(default_factory=dict)

    def text(self, name: str, lang: str = DEFAULT_LANG) -> str | None:
        """A localized value (``display-name`` ...) in ``lang``, or None."""
        return self.localized.get(name, {}).get(lang)

    def custom_value(self, attribute_id: str, lang: str = DEFAULT_LANG) -> CustomValue | None:
        return self.custom.get(attribute_id, {}).get(lang)

    def flag(self, name: str) -> bool | None:
        value = self.values.get(name)
        return None if value is None else value.strip() in ("true", "1")


@dataclass
class ImageGroup:
    view_type: str
    variation: tuple[tuple[str, str], ...] = ()
    images: list[str] = field(default_factory=list)  # paths

    @property
    def key(self) -> tuple[str, tuple[tuple[str, str], ...]]:
        return (self.view_type, self.variation)


@dataclass
class VariationValue:
    value: str
    display_values: Localized = field(default_factory=dict)


@dataclass
class VariationAttribute:
    attribute_id: str
    variation_attribute_id: str
    display_names: Localized = field(default_factory=dict)
    values: list[VariationValue] = field(default_factory=list)


@dataclass
class Variant:
    product_id: str
    default: bool = False


@dataclass
class ProductLink:
    product_id: str
    type: str


@dataclass
class Product(Fields):
    product_id: str = ""
    images: list[ImageGroup] = field(default_factory=list)
    variation_attributes: list[VariationAttribute] = field(default_factory=list)
    variants: list[Variant] = field(default_factory=list)
    variation_groups: list[str] = field(default_factory=list)
    product_links: list[ProductLink] = field(default_factory=list)
    set_products: list[str] = field(default_factory=list)
    bundled_products: dict[str, Decimal] = field(default_factory=dict)
    classification: tuple[str | None, str] | None = None  # (catalog id, category id)

    @property
    def online(self) -> bool | None:
        return self.flag("online-flag")

    @property
    def is_master(self) -> bool:
        return bool(self.variants or self.variation_attributes)


@dataclass(frozen=True)
class Refinement:
    """One search refinement of a category (``blocked``: a blocked-refinement-definition)."""

    type: str  # attribute | category | price | promotion
    attribute_id: str | None = None
    bucket_type: str | None = None
    system: bool = False
    display_names: tuple[tuple[str, str], ...] = ()
    sort_mode: str | None = None
    cutoff_threshold: int | None = None
    blocked: bool = False
    details_xml: str = ""  # other child elements (value-set, buckets ...) verbatim

    def to_xml(self) -> str:
        tag = "blocked-refinement-definition" if self.blocked else "refinement-definition"
        attrs = f" type={quoteattr(self.type)}"
        if self.bucket_type is not None:
            attrs += f" bucket-type={quoteattr(self.bucket_type)}"
        if self.attribute_id is not None:
            attrs += f" attribute-id={quoteattr(self.attribute_id)}"
        if self.system:
            attrs += ' system="true"'
        if self.blocked:
            return f"<{tag}{attrs}/>"
        body = "".join(
            f"<display-name xml:lang={quoteattr(lang)}>{escape(text)}</display-name>"
            for lang, text in self.display_names
        )
        if self.sort_mode is not None:
            body += f"<sort-mode>{escape(self.sort_mode)}</sort-mode>"
        if self.cutoff_threshold is not None:
            body += f"<cutoff-threshold>{self.cutoff_threshold}</cutoff-threshold>"
        return f"<{tag}{attrs}>{body}{self.details_xml}</{tag}>"


@dataclass
class Category(Fields):
    category_id: str = ""
    refinements: list[Refinement] | None = None  # None: never set

    @property
    def parent(self) -> str | None:
        return self.values.get("parent")

    @property
    def online(self) -> bool | None:
        return self.flag("online-flag")


@dataclass
class CategoryAssignment(Fields):
    category_id: str = ""
    product_id: str = ""

    @property
    def primary(self) -> bool:
        return self.flag("primary-flag") is True


@dataclass
class Catalog:
    catalog_id: str
    products: dict[str, Product] = field(default_factory=dict)
    categories: dict[str, Category] = field(default_factory=dict)
    assignments: dict[tuple[str, str], CategoryAssignment] = field(default_factory=dict)
    recommendations: set[tuple[str, str, str, str]] = field(default_factory=set)


@dataclass
class PriceTable:
    product_id: str
    online_from: str | None = None
    online_to: str | None = None
    amounts: dict[Decimal, Decimal] = field(default_factory=dict)  # quantity → amount
    percentages: dict[Decimal, Decimal] = field(default_factory=dict)
    price_info: str | None = None


@dataclass
class Pricebook(Fields):
    pricebook_id: str = ""
    currency: str = ""
    tables: dict[str, list[PriceTable]] = field(default_factory=dict)  # product id → tables


@dataclass
class Folder(Fields):
    folder_id: str = ""


@dataclass
class ContentAsset(Fields):
    content_id: str = ""
    classification_folder: str | None = None
    folders: list[str] = field(default_factory=list)


@dataclass
class Library:
    library_id: str
    folders: dict[str, Folder] = field(default_factory=dict)
    contents: dict[str, ContentAsset] = field(default_factory=dict)


@dataclass
class ValueDefinition:
    value: str
    display: Localized = field(default_factory=dict)


@dataclass
class AttributeDefinition:
    attribute_id: str
    type: str = ""
    display_names: Localized = field(default_factory=dict)
    flags: dict[str, str] = field(default_factory=dict)  # other simple elements
    value_definitions: list[ValueDefinition] = field(default_factory=list)
    system: bool = False


@dataclass
class AttributeGroup:
    group_id: str
    display_names: Localized = field(default_factory=dict)
    attributes: list[str] = field(default_factory=list)


@dataclass
class TypeExtension:
    """A system type's extension (``Product`` ...) or a custom object type."""

    type_id: str
    attribute_definitions: dict[str, AttributeDefinition] = field(default_factory=dict)
    groups: dict[str, AttributeGroup] = field(default_factory=dict)


class Instance:
    """Catalogs, pricebooks, libraries and metadata of one stand-in instance.

    Every reader returns a copy and takes the lock, so tests may read while an import
    runs. Importers take ``lock`` themselves and write the dicts directly.
    """

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.catalogs: dict[str, Catalog] = {}
        self.pricebooks: dict[str, Pricebook] = {}
        self.libraries: dict[str, Library] = {}
        self.type_extensions: dict[str, TypeExtension] = {}
        self.custom_types: dict[str, TypeExtension] = {}
        self.static_files: dict[tuple[str, str], bytes] = {}  # (catalog, locale/path)

    def _copy(self, value: _T) -> _T:
        with self.lock:
            return copy.deepcopy(value)

    # --- catalogs ---------------------------------------------------------------------

    def catalog(self, catalog_id: str) -> Catalog:
        """The catalog, created empty when missing (an import creates it the same way)."""
        with self.lock:
            return self.catalogs.setdefault(catalog_id, Catalog(catalog_id))

    def put_static(self, catalog_id: str, path: str, content: bytes) -> None:
        """Store a file of the catalog's static folder (``path`` under ``static/``)."""
        with self.lock:
            self.static_files[(catalog_id, path)] = content

    def static(self, catalog_id: str, path: str, locale: str = "default") -> bytes | None:
        """The bytes of a catalog's static file (an image path), or None."""
        with self.lock:
            return self.static_files.get((catalog_id, f"{locale}/{path}"))

    def static_paths(self, catalog_id: str, locale: str = "default") -> list[str]:
        """The paths of a catalog's static files in ``locale``, sorted."""
        prefix = f"{locale}/"
        with self.lock:
            return sorted(
                p.removeprefix(prefix)
                for c, p in self.static_files
                if c == catalog_id and p.startswith(prefix)
            )

    def product(self, catalog_id: str, product_id: str) -> Product | None:
        with self.lock:
            found = self.catalogs.get(catalog_id, Catalog(catalog_id)).products.get(product_id)
            return self._copy(found)

    def products(self, catalog_id: str) -> list[str]:
        """The product ids of a catalog, sorted."""
        with self.lock:
            return sorted(self.catalogs.get(catalog_id, Catalog(catalog_id)).products)

    def category(self, catalog_id: str, category_id: str) -> Category | None:
        with self.lock:
            found = self.catalogs.get(catalog_id, Catalog(catalog_id)).categories.get(category_id)
            return self._copy(found)

    def categories(self, catalog_id: str) -> dict[str, str | None]:
        """Category id → parent id (the tree) of a catalog."""
        with self.lock:
            cats = self.catalogs.get(catalog_id, Catalog(catalog_id)).categories
            return {cid: c.parent for cid, c in cats.items()}

    def assignments(self, catalog_id: str) -> list[CategoryAssignment]:
        """The category assignments of a catalog, ordered by (category, product)."""
        with self.lock:
            found = self.catalogs.get(catalog_id, Catalog(catalog_id)).assignments
            return [self._copy(found[k]) for k in sorted(found)]

    def refinements(self, catalog_id: str, category_id: str) -> list[Refinement] | None:
        with self.lock:
            category = self.catalogs.get(catalog_id, Catalog(catalog_id)).categories.get(
                category_id
            )
            return (
                None
                if category is None or category.refinements is None
                else list(category.refinements)
            )

    def refinements_xml(self, catalog_id: str, category_id: str) -> str | None:
        """The category's ``<refinement-definitions>`` block as an export would write it."""
        found = self.refinements(catalog_id, category_id)
        if found is None:
            return None
        return (
            "<refinement-definitions>"
            + "".join(r.to_xml() for r in found)
            + ("</refinement-definitions>")
        )

    def set_refinements(
        self, catalog_id: str, category_id: str, refinements: Iterable[Refinement]
    ) -> None:
        """A merchandiser editing a category's search refinements in Business Manager.

        Raises KeyError when the category does not exist.
        """
        with self.lock:
            category = self.catalogs.get(catalog_id, Catalog(catalog_id)).categories[category_id]
            category.refinements = list(refinements)

    # --- pricebooks -------------------------------------------------------------------

    def pricebook(self, pricebook_id: str) -> Pricebook | None:
        with self.lock:
            return self._copy(self.pricebooks.get(pricebook_id))

    def price(
        self, pricebook_id: str, product_id: str, quantity: Decimal = Decimal(1)
    ) -> Decimal | None:
        """The amount for ``quantity`` in the product's first price table, or None."""
        with self.lock:
            book = self.pricebooks.get(pricebook_id)
            tables = book.tables.get(product_id, []) if book else []
            return tables[0].amounts.get(quantity) if tables else None

    # --- libraries and metadata ---------------------------------------------------------

    def content(self, library_id: str, content_id: str) -> ContentAsset | None:
        with self.lock:
            library = self.libraries.get(library_id)
            return self._copy(library.contents.get(content_id) if library else None)

    def folder(self, library_id: str, folder_id: str) -> Folder | None:
        with self.lock:
            library = self.libraries.get(library_id)
            return self._copy(library.folders.get(folder_id) if library else None)

    def attribute_definition(self, type_id: str, attribute_id: str) -> AttributeDefinition | None:
        with self.lock:
            ext = self.type_extensions.get(type_id)
            return self._copy(ext.attribute_definitions.get(attribute_id) if ext else None)

    def attribute_group(self, type_id: str, group_id: str) -> AttributeGroup | None:
        with self.lock:
            ext = self.type_extensions.get(type_id)
            return self._copy(ext.groups.get(group_id) if ext else None)

    def counts(self) -> dict[str, int]:
        with self.lock:
            return {
                "catalogs": len(self.catalogs),
                "products": sum(len(c.products) for c in self.catalogs.values()),
                "categories": sum(len(c.categories) for c in self.catalogs.values()),
                "assignments": sum(len(c.assignments) for c in self.catalogs.values()),
                "pricebooks": len(self.pricebooks),
                "contents": sum(len(lb.contents) for lb in self.libraries.values()),
            }
