"""Streaming writers of SFCC import files: catalog, pricebook, library, metadata.

Each ``write`` builds one item's element, checking every value on the way
(:class:`~._checks.ItemCheck`); a bad value raises :class:`RejectedRecord` before any
byte of the item is written, so the file stays valid. Items are serialized one by one
and never held together (:mod:`._parts`), and files are split at ``max_bytes``.
Children are written in the order the schemas' sequences demand.

Usage::

    with CatalogWriter(folder / "catalog.xml", "apparel-master", image_settings=...) as w:
        w.write_category(category)   # categories first
        w.write_product(product)     # then products, interleaved with assignments etc.
        w.write_assignment(assignment)
    paths = w.paths

:func:`category_refinements` reads the other way: each category's refinement
definitions from an exported catalog, to write them back later (job 6).
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import IO, Any, Self, get_args

from lxml import etree

from pimsync.connectors.sfcc._checks import ItemCheck
from pimsync.connectors.sfcc._model import (
    AttributeType,
    CustomAttributes,
    Localized,
    ProductLinkType,
    Scalar,
    SfccAssignment,
    SfccAttributeDefinition,
    SfccAttributeGroup,
    SfccCategory,
    SfccContentAsset,
    SfccPricebook,
    SfccPriceTable,
    SfccProduct,
    SfccRecommendation,
)
from pimsync.connectors.sfcc._parts import (
    DEFAULT_MAX_BYTES,
    SectionedParts,
    SplitXmlFile,
    Wrapper,
)
from pimsync.errors import ConfigError, RejectedRecord

CATALOG_NS = "http://www.demandware.com/xml/impex/catalog/2006-10-31"
PRICEBOOK_NS = "http://www.demandware.com/xml/impex/pricebook/2006-10-31"
LIBRARY_NS = "http://www.demandware.com/xml/impex/library/2006-10-31"
METADATA_NS = "http://www.demandware.com/xml/impex/metadata/2006-10-31"
_LANG = "{http://www.w3.org/XML/1998/namespace}lang"

# Items are built without a namespace: written inside the root's default namespace
# declaration (``xmlns="…"``) they belong to it, and need no declaration of their own.
Element = etree.Element
SubElement = etree.SubElement


def _serialize(element: etree._Element) -> bytes:
    return etree.tostring(element, encoding="UTF-8", xml_declaration=False) + b"\n"


def _flag(value: bool) -> str:
    return "true" if value else "false"


def _scalar(check: ItemCheck, field: str, value: Scalar) -> str:
    if isinstance(value, bool):
        return _flag(value)
    if isinstance(value, Decimal):
        return check.decimal(field, value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return check.number(field, value)
    return check.text(field, value)


def _text(parent: etree._Element, tag: str, text: str) -> None:
    SubElement(parent, tag).text = text


def _optional(
    parent: etree._Element, check: ItemCheck, tag: str, value: str | None, max_length: int
) -> None:
    if value is not None:
        _text(parent, tag, check.text(tag, value, max_length))


def _optional_id(
    parent: etree._Element, check: ItemCheck, tag: str, value: str | None, max_length: int = 256
) -> None:
    if value is not None:
        _text(parent, tag, check.ident(tag, value, max_length))


def _optional_flag(parent: etree._Element, tag: str, value: bool | None) -> None:
    if value is not None:
        _text(parent, tag, _flag(value))


def _localized(
    parent: etree._Element,
    check: ItemCheck,
    tag: str,
    texts: Localized,
    max_length: int | None = 4000,
) -> None:
    """One ``tag`` per locale, ``x-default`` first (SFCC's fallback)."""
    for locale in sorted(texts, key=lambda loc: loc != "x-default"):
        field = f"{tag}[{locale}]"
        element = SubElement(parent, tag, {_LANG: check.locale(field, locale)})
        element.text = check.text(field, texts[locale], max_length)


def _custom_attributes(parent: etree._Element, check: ItemCheck, values: CustomAttributes) -> None:
    if not values:
        return
    container = SubElement(parent, "custom-attributes")
    for attribute_id, value in values.items():
        field = f"custom-attribute {attribute_id}"
        check.ident(field, attribute_id)
        if isinstance(value, Mapping):
            for locale, localized in value.items():
                attrib = {"attribute-id": attribute_id, _LANG: check.locale(field, locale)}
                _custom_value(
                    SubElement(container, "custom-attribute", attrib),
                    check,
                    f"{field}[{locale}]",
                    localized,
                )
        else:
            element = SubElement(container, "custom-attribute", {"attribute-id": attribute_id})
            _custom_value(element, check, field, value)


def _custom_value(
    element: etree._Element, check: ItemCheck, field: str, value: Scalar | Sequence[Scalar]
) -> None:
    if isinstance(value, str | bool | int | float | Decimal):
        element.text = _scalar(check, field, value)
    else:  # several values: one <value> each
        for one in value:
            _text(element, "value", _scalar(check, field, one))


def _catalog_check(kind: str, key: str) -> ItemCheck:
    return ItemCheck(kind, key)


# -- catalog -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SfccImageSettings:
    """The master catalog header's image settings.

    Images live in the catalog's static folder (``base_path``) or, when ``http_url`` is
    set, on an external server (``https_url`` optional).
    """

    view_types: Sequence[str]
    base_path: str = "/"
    http_url: str | None = None
    https_url: str | None = None
    alt_pattern: str | None = "${productname}"
    title_pattern: str | None = "${productname}"


def _header(settings: SfccImageSettings) -> bytes:
    check = ItemCheck("catalog header", "header")
    header = Element("header")
    images = SubElement(header, "image-settings")
    if settings.http_url is not None:
        location = SubElement(images, "external-location")
        _text(location, "http-url", check.ident("http-url", settings.http_url))
        _optional_id(location, check, "https-url", settings.https_url)
    else:
        SubElement(
            images, "internal-location", {"base-path": check.ident("base-path", settings.base_path)}
        )
    view_types = SubElement(images, "view-types")
    for view_type in settings.view_types:
        _text(view_types, "view-type", check.ident("view-type", view_type))
    _optional(images, check, "alt-pattern", settings.alt_pattern, 256)
    _optional(images, check, "title-pattern", settings.title_pattern, 256)
    return _serialize(header)


# Product fields a caller can require (by element name), and how to read them.
_PRODUCT_FIELDS: dict[str, Any] = {
    "display-name": lambda p: p.display_name,
    "short-description": lambda p: p.short_description,
    "long-description": lambda p: p.long_description,
    "ean": lambda p: p.ean,
    "upc": lambda p: p.upc,
    "online-flag": lambda p: p.online,
    "searchable-flag": lambda p: p.searchable,
    "images": lambda p: p.image_groups,
    "tax-class-id": lambda p: p.tax_class_id,
    "brand": lambda p: p.brand,
    "manufacturer-name": lambda p: p.manufacturer_name,
    "manufacturer-sku": lambda p: p.manufacturer_sku,
    "classification-category": lambda p: p.classification_category,
}


def _is_missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str | Mapping | Sequence):
        return len(value) == 0 or (isinstance(value, Mapping) and not any(value.values()))
    return False


def product_element(product: SfccProduct, required: Collection[str] = ()) -> etree._Element:
    """The ``<product>`` of ``product``; raises :class:`RejectedRecord` for a bad value.

    ``required`` names product fields (element names such as ``display-name``) or custom
    attribute ids that must have a value (deletions need only the id).
    """
    check = ItemCheck("product", str(product.product_id))
    p = product
    el = Element("product", {"product-id": check.ident("product-id", p.product_id, 100)})
    if p.mode is not None:
        el.set("mode", p.mode)
        return el
    for name in required:
        getter = _PRODUCT_FIELDS.get(name)
        value = getter(p) if getter is not None else p.custom_attributes.get(name)
        if _is_missing(value):
            check.reject(name, "required value is missing")
    _optional(el, check, "ean", p.ean, 256)
    _optional(el, check, "upc", p.upc, 256)
    _localized(el, check, "display-name", p.display_name)
    _localized(el, check, "short-description", p.short_description, None)
    _localized(el, check, "long-description", p.long_description, None)
    _optional_flag(el, "online-flag", p.online)
    _optional_flag(el, "searchable-flag", p.searchable)
    if p.image_groups:
        images = SubElement(el, "images")
        for group in p.image_groups:
            image_group = SubElement(
                images, "image-group", {"view-type": check.ident("view-type", group.view_type)}
            )
            for attribute_id, value in group.variation:
                SubElement(
                    image_group,
                    "variation",
                    {
                        "attribute-id": check.ident("image variation", attribute_id),
                        "value": check.ident("image variation value", value),
                    },
                )
            for path in group.images:
                SubElement(image_group, "image", {"path": check.ident("image path", path, 1800)})
    _optional_id(el, check, "tax-class-id", p.tax_class_id)
    _optional(el, check, "brand", p.brand, 256)
    _optional(el, check, "manufacturer-name", p.manufacturer_name, 256)
    _optional(el, check, "manufacturer-sku", p.manufacturer_sku, 256)
    if p.page_attributes is not None:
        page = SubElement(el, "page-attributes")
        _localized(page, check, "page-title", p.page_attributes.title)
        _localized(page, check, "page-description", p.page_attributes.description)
        _localized(page, check, "page-keywords", p.page_attributes.keywords)
        _localized(page, check, "page-url", p.page_attributes.url)
    _custom_attributes(el, check, p.custom_attributes)
    if p.bundled_products:
        bundled = SubElement(el, "bundled-products")
        for item in p.bundled_products:
            one = SubElement(
                bundled,
                "bundled-product",
                {"product-id": check.ident("bundled-product", item.product_id, 100)},
            )
            _text(one, "quantity", check.decimal("bundled-product quantity", item.quantity))
    if p.set_products:
        products = SubElement(el, "product-set-products")
        for product_id in p.set_products:
            SubElement(
                products,
                "product-set-product",
                {"product-id": check.ident("product-set-product", product_id, 100)},
            )
    if p.variation_attributes or p.variants or p.variation_groups:
        _variations(SubElement(el, "variations"), check, p)
    if p.product_links:
        links = SubElement(el, "product-links")
        for link in p.product_links:
            if link.type not in _LINK_TYPES:
                check.reject("product-link type", f"{link.type!r} is not an SFCC link type")
            SubElement(
                links,
                "product-link",
                {
                    "product-id": check.ident("product-link", link.product_id, 100),
                    "type": link.type,
                },
            )
    if p.classification_category is not None:
        category = SubElement(el, "classification-category")
        category.text = check.text("classification-category", p.classification_category, 256)
        if p.classification_catalog_id is not None:
            category.set("catalog-id", check.ident("catalog-id", p.classification_catalog_id))
    return el


_LINK_TYPES = frozenset(get_args(ProductLinkType))


def _variations(variations: etree._Element, check: ItemCheck, p: SfccProduct) -> None:
    if p.variation_attributes:
        attributes = SubElement(variations, "attributes")
        for axis in p.variation_attributes:
            attribute_id = check.ident("variation-attribute", axis.attribute_id)
            variation_id = check.ident(
                "variation-attribute-id", axis.variation_attribute_id or attribute_id
            )
            attribute = SubElement(
                attributes,
                "variation-attribute",
                {"attribute-id": attribute_id, "variation-attribute-id": variation_id},
            )
            _localized(attribute, check, "display-name", axis.display_names)
            values = SubElement(attribute, "variation-attribute-values")
            for value in axis.values:
                one = SubElement(
                    values,
                    "variation-attribute-value",
                    {"value": check.ident(f"variation value of {attribute_id}", value.value)},
                )
                _localized(one, check, "display-value", value.display_values)
    if p.variants:
        variants = SubElement(variations, "variants")
        for product_id in p.variants:
            variant = SubElement(
                variants, "variant", {"product-id": check.ident("variant", product_id, 100)}
            )
            if product_id == p.default_variant:
                variant.set("default", "true")
    if p.variation_groups:
        groups = SubElement(variations, "variation-groups")
        for product_id in p.variation_groups:
            SubElement(
                groups,
                "variation-group",
                {"product-id": check.ident("variation-group", product_id, 100)},
            )


def category_element(category: SfccCategory) -> etree._Element:
    """The ``<category>`` of ``category``; raises :class:`RejectedRecord` for a bad value."""
    check = ItemCheck("category", str(category.category_id))
    c = category
    el = Element("category", {"category-id": check.ident("category-id", c.category_id)})
    if c.mode is not None:
        el.set("mode", c.mode)
        return el
    _localized(el, check, "display-name", c.display_name)
    _localized(el, check, "description", c.description)
    _optional_flag(el, "online-flag", c.online)
    _optional_id(el, check, "parent", c.parent)
    if c.position is not None:
        _text(el, "position", check.number("position", c.position))
    _custom_attributes(el, check, c.custom_attributes)
    if c.refinements is not None:
        el.append(_refinement_definitions(check, c.refinements))
    return el


_REFINEMENTS = "refinement-definitions"
_REFINEMENT_KINDS = frozenset({"refinement-definition", "blocked-refinement-definition"})


def _refinement_definitions(check: ItemCheck, xml: str) -> etree._Element:
    """A category's saved ``<refinement-definitions>`` block, ready to be placed after
    its custom attributes (``complexType.Category``'s order)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True)
    try:
        block = etree.fromstring(xml.encode(), parser)
    except etree.XMLSyntaxError as exc:
        etree.clear_error_log()  # libxml2's log is per thread: keep it out of later reports
        check.reject(_REFINEMENTS, f"is not well-formed XML: {exc}")
    block = _without_namespace(block)
    if block.tag != _REFINEMENTS:
        check.reject(_REFINEMENTS, f"expected a <{_REFINEMENTS}> element, got <{block.tag}>")
    unexpected = sorted({str(child.tag) for child in block} - _REFINEMENT_KINDS)
    if unexpected:
        check.reject(_REFINEMENTS, f"unexpected element(s) {', '.join(unexpected)}")
    return block


def _without_namespace(element: etree._Element) -> etree._Element:
    """A copy of ``element`` in no namespace: written inside a catalog file, it takes the
    file's default namespace. ``xml:lang`` and other attributes are kept."""
    copy = etree.fromstring(etree.tostring(element, with_tail=False))
    for node in copy.iter():
        if isinstance(node.tag, str):
            node.tag = etree.QName(node).localname
    etree.cleanup_namespaces(copy)
    return copy


def category_refinements(source: IO[bytes]) -> Iterator[tuple[str, str | None]]:
    """Each category of a catalog file (e.g. an export of the instance) with its
    ``<refinement-definitions>`` element as XML in no namespace (what
    :attr:`SfccCategory.refinements` takes), or ``None`` when it has none.

    The file is read as a stream. Raises ``lxml.etree.XMLSyntaxError`` for a broken file.
    """
    category = f"{{{CATALOG_NS}}}category"
    refinements = f"{{{CATALOG_NS}}}{_REFINEMENTS}"
    events = etree.iterparse(
        source, events=("end",), resolve_entities=False, no_network=True, huge_tree=True
    )
    for _event, element in events:
        parent = element.getparent()
        if parent is None or parent.getparent() is not None:
            continue  # not an item of the catalog: part of one, or the root
        if element.tag == category:
            found = element.find(refinements)
            block = None if found is None else _without_namespace(found)
            text = None if block is None else etree.tostring(block, encoding="unicode")
            yield element.get("category-id") or "", text
        element.clear()  # items are not kept: a storefront catalog can be large
        while element.getprevious() is not None:
            del parent[0]


def assignment_element(assignment: SfccAssignment) -> etree._Element:
    a = assignment
    check = ItemCheck("category-assignment", f"{a.product_id} in {a.category_id}")
    el = Element(
        "category-assignment",
        {
            "category-id": check.ident("category-id", a.category_id),
            "product-id": check.ident("product-id", a.product_id, 100),
        },
    )
    if a.mode is not None:
        el.set("mode", a.mode)
    else:
        _optional_flag(el, "primary-flag", a.primary)
    return el


def recommendation_element(recommendation: SfccRecommendation) -> etree._Element:
    r = recommendation
    check = ItemCheck("recommendation", f"{r.source_id} -> {r.target_id}")
    if r.source_type not in ("product", "category"):
        check.reject("source-type", f"{r.source_type!r} is neither 'product' nor 'category'")
    el = Element(
        "recommendation",
        {
            "source-id": check.ident("source-id", r.source_id),
            "source-type": r.source_type,
            "target-id": check.ident("target-id", r.target_id),
            "type": check.ident("type", r.type),
        },
    )
    if r.mode is not None:
        el.set("mode", r.mode)
    return el


class _Writer:
    """What every writer shares: the output, context management and the written paths."""

    _parts: SectionedParts
    paths: list[Path]

    def close(self) -> list[Path]:
        """Finish the files; the paths written (``name.xml``, ``name-2.xml``, …)."""
        if not self.paths:
            self.paths = self._parts.close()
        return self.paths

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()  # the files hold whole items only, so they are valid even after an error


class CatalogWriter(_Writer):
    """A master or storefront catalog file (``catalog.xsd``), streamed and split.

    Write categories before the first product; category assignments and
    recommendations may come at any time (they are appended after the products).
    ``image_settings`` gives the header a master catalog needs for its images.
    """

    def __init__(
        self,
        path: Path,
        catalog_id: str,
        *,
        image_settings: SfccImageSettings | None = None,
        required: Collection[str] = (),
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        check = ItemCheck("catalog", catalog_id)
        try:
            attrib = {"catalog-id": check.ident("catalog-id", catalog_id)}
            lead = _header(image_settings) if image_settings is not None else b""
        except RejectedRecord as error:
            raise ConfigError(f"SFCC catalog {catalog_id!r}: {error}") from error
        out = SplitXmlFile(
            path,
            root="catalog",
            namespace=CATALOG_NS,
            attrib=attrib,
            lead=lead,
            max_bytes=max_bytes,
        )
        self._parts = SectionedParts(
            out, ("category", "product", "category-assignment", "recommendation"), "product"
        )
        self._required = tuple(required)
        self.paths = []

    def write_category(self, category: SfccCategory) -> None:
        """Write one category.

        Raises ``RejectedRecord`` for a bad value, ``ValueError`` after the first product.
        """
        self._parts.write("category", _serialize(category_element(category)))

    def write_product(self, product: SfccProduct) -> None:
        """Write one product (master, variant, group, set, bundle, or a deletion)."""
        self._parts.write("product", _serialize(product_element(product, self._required)))

    def write_assignment(self, assignment: SfccAssignment) -> None:
        self._parts.write("category-assignment", _serialize(assignment_element(assignment)))

    def write_recommendation(self, recommendation: SfccRecommendation) -> None:
        self._parts.write("recommendation", _serialize(recommendation_element(recommendation)))


# -- pricebook -----------------------------------------------------------------------


def _pricebook_header(book: SfccPricebook) -> bytes:
    check = ItemCheck("pricebook", book.pricebook_id)
    header = Element("header", {"pricebook-id": check.ident("pricebook-id", book.pricebook_id)})
    if book.mode is not None:
        header.set("mode", book.mode)
    _text(header, "currency", check.currency("currency", book.currency))
    _localized(header, check, "display-name", book.display_name)
    _optional_flag(header, "online-flag", book.online)
    _optional_id(header, check, "parent", book.parent)
    return _serialize(header)


def price_table_element(table: SfccPriceTable) -> etree._Element:
    check = ItemCheck("price-table", f"{table.product_id} ({table.currency})")
    el = Element("price-table", {"product-id": check.ident("product-id", table.product_id, 100)})
    if table.mode is not None:
        el.set("mode", table.mode)
        return el
    if table.amount is None:
        check.reject("amount", "required value is missing")
    amount = SubElement(el, "amount", {"quantity": check.decimal("quantity", table.quantity)})
    amount.text = check.decimal("amount", table.amount)
    return el


class PricebookWriter(_Writer):
    """One or several pricebooks in one file (``pricebook.xsd``), streamed and split.

    Each price table goes to the book of its currency; the first book's tables are
    written as they come, the others' are spooled and appended at :meth:`close`. A book
    without tables is still written (its header creates, updates or deletes the book).
    Raises ``ConfigError`` for a bad header or two books with one currency.
    """

    def __init__(
        self, path: Path, pricebooks: Sequence[SfccPricebook], *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        if not pricebooks:
            raise ConfigError("a pricebook file needs at least one pricebook")
        self._books: dict[str, tuple[str, tuple[Wrapper, Wrapper]]] = {}
        for book in pricebooks:
            if book.currency in self._books:
                raise ConfigError(f"two pricebooks in {book.currency}: write them to two files")
            try:
                lead = _pricebook_header(book)
            except RejectedRecord as error:
                raise ConfigError(f"SFCC pricebook {book.pricebook_id!r}: {error}") from error
            chain = (Wrapper("pricebook", lead=lead), Wrapper("price-tables"))
            self._books[book.currency] = (book.pricebook_id, chain)
        self._deleted = {b.currency for b in pricebooks if b.mode is not None}
        out = SplitXmlFile(path, root="pricebooks", namespace=PRICEBOOK_NS, max_bytes=max_bytes)
        sections = [book_id for book_id, _ in self._books.values()]
        self._parts = SectionedParts(out, sections, sections[0])
        self._written: set[str] = set()
        self.paths = []

    def write(self, table: SfccPriceTable) -> None:
        """Write one price table; raises ``RejectedRecord`` for a bad value or unknown currency."""
        book = self._books.get(table.currency)
        if book is None:
            ItemCheck("price-table", table.product_id).reject(
                "currency", f"no pricebook in {table.currency!r} in this file"
            )
        if table.currency in self._deleted:
            ItemCheck("price-table", table.product_id).reject(
                "currency", f"pricebook {book[0]} is being deleted"
            )
        self._parts.write(book[0], _serialize(price_table_element(table)), book[1])
        self._written.add(table.currency)

    def close(self) -> list[Path]:
        if not self.paths:
            for currency, (book_id, chain) in self._books.items():
                if currency not in self._written:
                    self._parts.write(book_id, b"", chain[:1])
        return super().close()


# -- library -------------------------------------------------------------------------


def content_element(asset: SfccContentAsset) -> etree._Element:
    """The ``<content>`` of ``asset``; raises :class:`RejectedRecord` for a bad value."""
    check = ItemCheck("content", str(asset.content_id))
    a = asset
    el = Element("content", {"content-id": check.ident("content-id", a.content_id)})
    if a.mode is not None:
        el.set("mode", a.mode)
        return el
    _localized(el, check, "display-name", a.display_name)
    _optional_flag(el, "online-flag", a.online)
    _optional_flag(el, "searchable-flag", a.searchable)
    _custom_attributes(el, check, a.custom_attributes)
    if a.classification_folder is not None or a.folders:
        links = SubElement(el, "folder-links")
        if a.classification_folder is not None:
            folder_id = check.ident("classification-link", a.classification_folder)
            SubElement(links, "classification-link", {"folder-id": folder_id})
        for folder in a.folders:
            SubElement(links, "folder-link", {"folder-id": check.ident("folder-link", folder)})
    return el


class LibraryWriter(_Writer):
    """Content assets of a library (``library.xsd``), streamed and split.

    ``library_id`` is the shared library's id; leave it out for a site's private library.
    """

    def __init__(
        self, path: Path, library_id: str | None = None, *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        attrib = {}
        if library_id is not None:
            try:
                attrib["library-id"] = ItemCheck("library", library_id).ident(
                    "library-id", library_id
                )
            except RejectedRecord as error:
                raise ConfigError(f"SFCC library: {error}") from error
        out = SplitXmlFile(
            path, root="library", namespace=LIBRARY_NS, attrib=attrib, max_bytes=max_bytes
        )
        self._parts = SectionedParts(out, ("content",), "content")
        self.paths = []

    def write(self, asset: SfccContentAsset) -> None:
        """Write one content asset; raises ``RejectedRecord`` for a bad value."""
        self._parts.write("content", _serialize(content_element(asset)))


# -- metadata ------------------------------------------------------------------------

_ENUM_TYPES = frozenset({"enum-of-string", "enum-of-int"})
_ATTRIBUTE_TYPES = frozenset(get_args(AttributeType))


def attribute_definition_element(definition: SfccAttributeDefinition) -> etree._Element:
    d = definition
    check = ItemCheck("attribute-definition", str(d.attribute_id))
    el = Element(
        "attribute-definition",
        {"attribute-id": check.definition_id("attribute-id", d.attribute_id)},
    )
    _localized(el, check, "display-name", d.display_name)
    if d.type not in _ATTRIBUTE_TYPES:
        check.reject("type", f"{d.type!r} is not an SFCC attribute type")
    _text(el, "type", d.type)
    _text(el, "localizable-flag", _flag(d.localizable))
    _text(el, "mandatory-flag", _flag(d.mandatory))
    _text(el, "externally-managed-flag", _flag(d.externally_managed))
    if d.type in _ENUM_TYPES:
        _text(el, "select-multiple-flag", _flag(d.multi_value))
        if d.values:
            values = SubElement(el, "value-definitions")
            for value in d.values:
                one = SubElement(values, "value-definition")
                _localized(one, check, "display", value.display)
                _text(one, "value", check.ident("value", value.value, 4000))
    elif d.values:
        check.reject("value-definitions", f"only enum types have value definitions, not {d.type}")
    return el


def attribute_group_element(group: SfccAttributeGroup) -> etree._Element:
    check = ItemCheck("attribute-group", str(group.group_id))
    el = Element("attribute-group", {"group-id": check.ident("group-id", group.group_id)})
    _localized(el, check, "display-name", group.display_name)
    for attribute_id in group.attribute_ids:
        SubElement(
            el, "attribute", {"attribute-id": check.definition_id("attribute", attribute_id)}
        )
    return el


class MetadataWriter(_Writer):
    """Custom attribute definitions and groups of one system object type (``metadata.xsd``).

    The file is ``meta/system-objecttype-extensions.xml`` of a site archive; groups may be
    written at any time (they are appended after the definitions).
    """

    def __init__(
        self, path: Path, type_id: str = "Product", *, max_bytes: int = DEFAULT_MAX_BYTES
    ) -> None:
        try:
            type_id = ItemCheck("type-extension", type_id).definition_id("type-id", type_id)
        except RejectedRecord as error:
            raise ConfigError(f"SFCC metadata: {error}") from error
        extension = Wrapper("type-extension", (("type-id", type_id),))
        self._definitions = (extension, Wrapper("custom-attribute-definitions"))
        self._groups = (extension, Wrapper("group-definitions"))
        out = SplitXmlFile(path, root="metadata", namespace=METADATA_NS, max_bytes=max_bytes)
        self._parts = SectionedParts(out, ("definition", "group"), "definition")
        self.paths = []

    def write_attribute(self, definition: SfccAttributeDefinition) -> None:
        """Write one attribute definition; raises ``RejectedRecord`` for a bad value."""
        element = attribute_definition_element(definition)
        self._parts.write("definition", _serialize(element), self._definitions)

    def write_group(self, group: SfccAttributeGroup) -> None:
        self._parts.write("group", _serialize(attribute_group_element(group)), self._groups)
