"""Validating and applying one import file the way a site-archive import (MERGE) does.

Semantics modelled (TRIGGER.md A6 and the XSD annotations):

* MERGE: an object is created when missing; elements present set their value (localized
  ones per ``xml:lang``, site-specific ones per ``site-id``), absent elements are kept.
  A custom attribute is replaced as a whole for its language.
* Clearing (not stated in TRIGGER.md; assumed, verify): ``xsi:nil="true"`` on a nillable
  element and an empty element (no text, no ``<value>``) remove that value.
* ``mode="delete"`` on category, product, category-assignment, recommendation,
  variation-attribute (inside ``<variations>``), pricebook ``header`` (whole book),
  price-table (the table with the same online-from/to), folder and content.
  ``mode="delete-all"`` on price-table removes every table of the product.
  Deleting a product also removes its category assignments in every catalog; deleting a
  category removes its assignments and its sub-categories.
* ``merge-mode`` (add | merge | remove | replace) on ``images`` (default merge),
  ``variants``, ``variation-groups``, ``variation-attribute-values`` (default replace).
* Lists without a merge-mode (bundled-products, product-set-products, product-links,
  folder-links, ``refinement-definitions`` of a category) are replaced when given.
* Metadata: attribute definitions are merged per element, value definitions by value,
  attribute groups gain the attributes listed (existing ones kept).

Not modelled: product options, shared variation attributes, catalog-level attribute
definitions, category links, attribute groups of categories, page meta tag rules,
inventory lists, custom objects. They are accepted (validated) and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import IO, Any, cast

from lxml import etree

from pimsync.sandbox.sfcc._instance import (
    Catalog,
    Category,
    CategoryAssignment,
    ContentAsset,
    Folder,
    Instance,
    Library,
    Pricebook,
    PriceTable,
    Product,
    ProductLink,
    TypeExtension,
)
from pimsync.sandbox.sfcc._merge import (
    decimal_of,
    image_group,
    local_name,
    merge_field,
    merge_list,
    merge_type,
    merge_variations,
    refinement,
)

IMPEX = "http://www.demandware.com/xml/impex/"
NAMESPACES = {
    "catalog": IMPEX + "catalog/2006-10-31",
    "pricebooks": IMPEX + "pricebook/2006-10-31",
    "library": IMPEX + "library/2006-10-31",
    "metadata": IMPEX + "metadata/2006-10-31",
}
XSD_FILES = {
    "catalog": "catalog.xsd",
    "pricebooks": "pricebook.xsd",
    "library": "library.xsd",
    "metadata": "metadata.xsd",
}
_REQUIRED_IDS = {
    "category": "category-id",
    "product": "product-id",
    "price-table": "product-id",
    "content": "content-id",
    "folder": "folder-id",
    "type-extension": "type-id",
    "custom-type": "type-id",
}


_CATEGORY_IGNORED = {
    "category-links",
    "attribute-groups",
    "categorization-rules-and-excluded-products",
}


class ImportFailure(Exception):
    """A file the import refuses: its name, the line (0 when unknown) and why."""

    def __init__(self, file: str, line: int, message: str) -> None:
        where = f"{file} line {line}" if line else file
        super().__init__(f"{where}: {message}")
        self.file = file
        self.line = line


class Schemas:
    """The compiled XSDs of a folder, loaded once per kind (imports resolve in the folder)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._compiled: dict[str, etree.XMLSchema] = {}

    def get(self, kind: str) -> etree.XMLSchema:
        if kind not in self._compiled:
            self._compiled[kind] = etree.XMLSchema(etree.parse(str(self.folder / XSD_FILES[kind])))
        return self._compiled[kind]


def root_kind(source: Callable[[], IO[bytes]], name: str) -> str:
    """The kind of an import file from its root element. Raises ImportFailure."""
    try:
        with source() as stream:
            for _event, elem in etree.iterparse(stream, events=("start",), resolve_entities=False):
                kind = local_name(elem.tag)
                if NAMESPACES.get(kind) != etree.QName(elem).namespace:
                    line = elem.sourceline or 0
                    raise ImportFailure(name, line, f"unknown root element {elem.tag}")
                return kind
    except etree.XMLSyntaxError as exc:
        raise ImportFailure(name, exc.lineno or 0, f"not well-formed: {exc.msg}") from None
    raise ImportFailure(name, 0, "empty file")


def validate(
    source: Callable[[], IO[bytes]], name: str, kind: str, schemas: Schemas | None
) -> None:
    """Check a file against its XSD (streaming), or structurally without one.

    Raises ImportFailure naming the file and line of the first problem.
    """
    if schemas is None:
        for _elem in _records(source, name, kind):
            pass
        return
    schema = schemas.get(kind)
    try:
        with source() as stream:
            for _event, elem in etree.iterparse(
                stream, events=("end",), schema=schema, resolve_entities=False
            ):
                parent = elem.getparent()
                if parent is not None:  # done at any depth: a pricebook's tables pile up else
                    elem.clear()
                    while elem.getprevious() is not None:
                        del parent[0]
    except etree.XMLSyntaxError as exc:
        # streaming validation loses line numbers: find them with one full pass
        with source() as stream:
            tree = etree.parse(stream, etree.XMLParser(resolve_entities=False))
        if not schema.validate(tree):
            first: Any = next(iter(cast(Iterable[Any], schema.error_log)))
            raise ImportFailure(name, int(first.line), _readable(str(first.message))) from None
        raise ImportFailure(name, exc.lineno or 0, _readable(exc.msg)) from None


def _readable(message: str) -> str:
    return re.sub(r"\{[^}]*\}", "", message)


def _records(source: Callable[[], IO[bytes]], name: str, kind: str) -> Iterator[etree._Element]:
    """The record elements of a file, each complete, cleared once the caller is done."""
    record_depth = 2 if kind == "pricebooks" else 1
    depth = 0
    stream = source()
    try:
        events = etree.iterparse(
            stream, events=("start", "end"), remove_comments=True, resolve_entities=False
        )
        for event, elem in events:
            if event == "start":
                depth += 1
                continue
            depth -= 1
            tag = local_name(elem.tag)
            in_table = kind == "pricebooks" and tag == "price-table" and depth == 3
            if depth == record_depth or in_table:
                required = _REQUIRED_IDS.get(tag)
                if required and not elem.get(required) and tag != "category":
                    raise ImportFailure(name, elem.sourceline or 0, f"<{tag}> without {required}")
                if tag == "price-tables":
                    continue
                yield elem
                elem.clear()
                parent = elem.getparent()
                while parent is not None and elem.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as exc:
        raise ImportFailure(name, exc.lineno or 0, f"not well-formed: {exc.msg}") from None
    finally:
        stream.close()


def apply(
    instance: Instance,
    source: Callable[[], IO[bytes]],
    name: str,
    kind: str,
    *,
    library_id: str | None = None,
) -> None:
    """Apply a validated file to ``instance`` (MERGE). Raises ImportFailure."""
    applier = _Applier(instance, library_id)
    root_id: str | None = None
    with source() as stream:
        for _event, elem in etree.iterparse(stream, events=("start",), resolve_entities=False):
            root_id = elem.get("catalog-id") or elem.get("library-id")
            break
    with instance.lock:
        if kind == "catalog":
            applier.catalog = instance.catalog(root_id or "")
        elif kind == "library":
            lib_id = root_id or library_id or ""
            applier.library = instance.libraries.setdefault(lib_id, Library(lib_id))
        for elem in _records(source, name, kind):
            applier.record(elem)


class _Applier:
    def __init__(self, instance: Instance, library_id: str | None) -> None:
        self.instance = instance
        self.catalog: Catalog | None = None
        self.library: Library | None = None
        self.pricebook: Pricebook | None = None

    def record(self, elem: etree._Element) -> None:
        tag = local_name(elem.tag)
        handler = getattr(self, "_" + tag.replace("-", "_"), None)
        if handler is not None:
            handler(elem)

    # --- catalog ----------------------------------------------------------------------

    def _category(self, elem: etree._Element) -> None:
        assert self.catalog is not None
        cid = elem.get("category-id") or ""
        if elem.get("mode") == "delete":
            self._delete_category(cid)
            return
        category = self.catalog.categories.setdefault(cid, Category(category_id=cid))
        for child in elem:
            tag = local_name(child.tag)
            if tag == "refinement-definitions":
                category.refinements = [refinement(r) for r in child]
            elif tag in _CATEGORY_IGNORED or tag.endswith("meta-tag-rules"):
                continue
            else:
                merge_field(category, child)

    def _delete_category(self, cid: str) -> None:
        assert self.catalog is not None
        doomed = {cid}
        changed = True
        while changed:  # the whole subtree
            more = {c for c, cat in self.catalog.categories.items() if cat.parent in doomed}
            changed = not more <= doomed
            doomed |= more
        for c in doomed:
            self.catalog.categories.pop(c, None)
        for key in [k for k in self.catalog.assignments if k[0] in doomed]:
            del self.catalog.assignments[key]

    def _product(self, elem: etree._Element) -> None:
        assert self.catalog is not None
        pid = elem.get("product-id") or ""
        if elem.get("mode") == "delete":
            self.catalog.products.pop(pid, None)
            for catalog in self.instance.catalogs.values():
                for key in [k for k in catalog.assignments if k[1] == pid]:
                    del catalog.assignments[key]
            return
        product = self.catalog.products.setdefault(pid, Product(product_id=pid))
        for child in elem:
            tag = local_name(child.tag)
            if tag == "images":
                given = [image_group(g) for g in child]
                product.images = merge_list(
                    product.images, given, child.get("merge-mode", "merge"), lambda g: g.key
                )
            elif tag == "variations":
                merge_variations(product, child)
            elif tag == "product-links":
                product.product_links = [
                    ProductLink(link.get("product-id", ""), link.get("type", "")) for link in child
                ]
            elif tag in ("product-set-products", "retail-set-products"):
                product.set_products = [p.get("product-id", "") for p in child]
            elif tag == "bundled-products":
                product.bundled_products = {
                    b.get("product-id", ""): decimal_of(b.findtext("{*}quantity") or "1")
                    for b in child
                }
            elif tag == "classification-category":
                product.classification = (child.get("catalog-id"), child.text or "")
            elif tag in ("options", "category-links") or tag.endswith("meta-tag-rules"):
                continue
            elif tag in ("page-attributes", "store-attributes"):
                for sub in child:
                    merge_field(product, sub)
            else:
                merge_field(product, child)

    def _category_assignment(self, elem: etree._Element) -> None:
        assert self.catalog is not None
        key = (elem.get("category-id") or "", elem.get("product-id") or "")
        if elem.get("mode") == "delete":
            self.catalog.assignments.pop(key, None)
            return
        assignment = self.catalog.assignments.setdefault(
            key, CategoryAssignment(category_id=key[0], product_id=key[1])
        )
        for child in elem:
            if local_name(child.tag) != "variation-assignments":
                merge_field(assignment, child)

    def _recommendation(self, elem: etree._Element) -> None:
        assert self.catalog is not None
        key = (
            elem.get("source-id") or "",
            elem.get("source-type") or "product",
            elem.get("target-id") or "",
            elem.get("type") or "",
        )
        if elem.get("mode") == "delete":
            self.catalog.recommendations.discard(key)
        else:
            self.catalog.recommendations.add(key)

    # --- pricebooks -------------------------------------------------------------------

    def _header(self, elem: etree._Element) -> None:
        book_id = elem.get("pricebook-id")
        if book_id is None:  # a catalog or library header: settings not modelled
            return
        books = self.instance.pricebooks
        if elem.get("mode") == "delete":
            books.pop(book_id, None)
            self.pricebook = None
            return
        self.pricebook = books.setdefault(book_id, Pricebook(pricebook_id=book_id))
        for child in elem:
            if local_name(child.tag) == "currency":
                self.pricebook.currency = (child.text or "").strip()
            else:
                merge_field(self.pricebook, child)

    def _price_table(self, elem: etree._Element) -> None:
        if self.pricebook is None:  # the book was deleted in this file
            return
        pid = elem.get("product-id") or ""
        table = PriceTable(pid, elem.findtext("{*}online-from"), elem.findtext("{*}online-to"))
        tables = self.pricebook.tables.get(pid, [])
        mode = elem.get("mode")
        if mode == "delete-all":
            self.pricebook.tables.pop(pid, None)
            return
        same = [
            t
            for t in tables
            if (t.online_from, t.online_to) == (table.online_from, table.online_to)
        ]
        rest = [t for t in tables if t not in same]
        if mode != "delete":
            for child in elem:
                tag = local_name(child.tag)
                quantity = decimal_of(child.get("quantity") or "1")
                if tag == "amount":
                    table.amounts[quantity] = decimal_of(child.text or "0")
                elif tag == "percentage":
                    table.percentages[quantity] = decimal_of(child.text or "0")
                elif tag == "price-info":
                    table.price_info = child.text
            rest.append(table)
        if rest:
            self.pricebook.tables[pid] = rest
        else:
            self.pricebook.tables.pop(pid, None)

    # --- libraries --------------------------------------------------------------------

    def _folder(self, elem: etree._Element) -> None:
        assert self.library is not None
        fid = elem.get("folder-id") or ""
        if elem.get("mode") == "delete":
            self.library.folders.pop(fid, None)
            return
        folder = self.library.folders.setdefault(fid, Folder(folder_id=fid))
        for child in elem:
            tag = local_name(child.tag)
            ignored = tag in ("attribute-groups", "refinement-definitions", "page-attributes")
            if not ignored and not tag.endswith("meta-tag-rules"):
                merge_field(folder, child)

    def _content(self, elem: etree._Element) -> None:
        assert self.library is not None
        cid = elem.get("content-id") or ""
        if elem.get("mode") == "delete":
            self.library.contents.pop(cid, None)
            return
        asset = self.library.contents.setdefault(cid, ContentAsset(content_id=cid))
        for child in elem:
            tag = local_name(child.tag)
            if tag == "folder-links":
                asset.classification_folder = None
                asset.folders = []
                for link in child:
                    if local_name(link.tag) == "classification-link":
                        asset.classification_folder = link.get("folder-id")
                    else:
                        asset.folders.append(link.get("folder-id", ""))
            elif tag == "page-attributes":
                for sub in child:
                    merge_field(asset, sub)
            elif tag in ("content-links", "content-object-assignments") or tag.endswith("rules"):
                continue
            elif tag != "content-variant-assignments":
                merge_field(asset, child)

    # --- metadata ---------------------------------------------------------------------

    def _type_extension(self, elem: etree._Element) -> None:
        type_id = elem.get("type-id") or ""
        ext = self.instance.type_extensions.setdefault(type_id, TypeExtension(type_id))
        merge_type(ext, elem)

    def _custom_type(self, elem: etree._Element) -> None:
        type_id = elem.get("type-id") or ""
        ext = self.instance.custom_types.setdefault(type_id, TypeExtension(type_id))
        merge_type(ext, elem)
