"""Checks written SFCC files: against the official XSDs when the user has them, else structurally.

SFCC developers have the schemas (``catalog.xsd``, ``pricebook.xsd``, … with ``xml.xsd``
beside them); pimsync does not ship them. :func:`validate` picks the schema from the
file's root namespace and validates while parsing (``iterparse``, elements cleared as
they end), so a 100k-product catalog is checked without holding its tree. libxml2 stops
at the first schema error, so at most one schema problem is reported per file.
:func:`check_structure` is the fallback: well-formed, known root and namespace, and
every item carries its id.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, cast

from lxml import etree

from pimsync.errors import ConfigError

_SCHEMAS = {
    "http://www.demandware.com/xml/impex/catalog/2006-10-31": ("catalog", "catalog.xsd"),
    "http://www.demandware.com/xml/impex/pricebook/2006-10-31": ("pricebooks", "pricebook.xsd"),
    "http://www.demandware.com/xml/impex/library/2006-10-31": ("library", "library.xsd"),
    "http://www.demandware.com/xml/impex/metadata/2006-10-31": ("metadata", "metadata.xsd"),
}
# Items per root (direct children of the root, or of a wrapper) and the id each needs.
_IDS = {
    "catalog": {
        "category": "category-id",
        "product": "product-id",
        "category-assignment": "product-id",
    },
    "pricebooks": {"header": "pricebook-id", "price-table": "product-id"},
    "library": {"content": "content-id", "folder": "folder-id"},
    "metadata": {
        "type-extension": "type-id",
        "attribute-definition": "attribute-id",
        "attribute-group": "group-id",
    },
}


@lru_cache(maxsize=16)
def load_schema(xsd: Path) -> etree.XMLSchema:
    """The compiled schema of ``xsd`` (cached); its imports (``xml.xsd``) resolve beside it.

    Raises ``ConfigError`` when the file is missing or is not a schema.
    """
    try:
        return etree.XMLSchema(etree.parse(str(xsd)))
    except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as error:
        raise ConfigError(f"SFCC schema {xsd}: {error}") from error


def _root_namespace(path: Path) -> str:
    for _, element in etree.iterparse(str(path), events=("start",), huge_tree=True):
        return etree.QName(element).namespace or ""
    return ""  # pragma: no cover - iterparse raises on an empty file


def validate(path: Path, xsd_folder: Path) -> list[str]:
    """Problems of ``path`` against the SFCC schema in ``xsd_folder`` (empty when valid).

    Each problem names the file and line. Raises ``ConfigError`` when the folder lacks
    the schema the file needs.
    """
    try:
        namespace = _root_namespace(path)
    except etree.XMLSyntaxError as error:
        return [f"{path.name}: line {error.lineno}: {error.msg}"]
    known = _SCHEMAS.get(namespace)
    if known is None:
        return [f"{path.name}: root namespace {namespace!r} is not an SFCC import namespace"]
    schema = load_schema(Path(xsd_folder).resolve() / known[1])
    try:
        for _, element in etree.iterparse(
            str(path), events=("end",), schema=schema, huge_tree=True, remove_blank_text=True
        ):
            parent = element.getparent()
            if parent is not None:
                # Done (validation is streamed): drop it and its earlier siblings, at every
                # depth, or a pricebook's price tables pile up and validation goes quadratic.
                element.clear()
                while element.getprevious() is not None:
                    del parent[0]
    except etree.XMLSyntaxError as error:
        entries = [e for e in cast("Iterable[Any]", error.error_log) if e.level_name != "WARNING"]
        if not entries or entries[0].line <= 0:
            # libxml2's streaming validation does not know lines: find the item that fails
            try:
                located = _locate(path, schema)
            except etree.XMLSyntaxError as syntax:
                return [f"{path.name}: line {syntax.lineno}: {syntax.msg}"]
            if located:
                return located
        if not entries:
            return [f"{path.name}: line {error.lineno}: {error.msg}"]
        return [_problem(path, e) for e in entries]
    return []


def _problem(path: Path, entry: Any) -> str:
    where = f"line {entry.line}" if entry.line > 0 else "(line unknown)"
    return f"{path.name}: {where}: {entry.message}"


def _locate(path: Path, schema: etree.XMLSchema) -> list[str]:
    """Problems of the root's items validated one by one (the schemas declare them globally)."""
    problems: list[str] = []
    previous = ""
    for _, element in etree.iterparse(str(path), events=("end",), huge_tree=True):
        parent = element.getparent()
        if parent is None or parent.getparent() is not None:
            continue
        name = etree.QName(element).localname
        if not schema.validate(element):
            problems.extend(_problem(path, e) for e in cast("Iterable[Any]", schema.error_log))
        elif problems == [] and previous and _RANK.get(name, 0) < _RANK.get(previous, 0):
            problems.append(
                f"{path.name}: line {element.sourceline}: <{name}> is not allowed after "
                f"<{previous}>"
            )
        previous = name
        element.clear()
        while element.getprevious() is not None:
            del parent[0]
    return problems


# The order of a catalog root's children (catalog.xsd); other roots hold one kind of item.
_RANK = {
    name: rank
    for rank, name in enumerate(
        (
            "header",
            "product-attribute-definitions",
            "category",
            "product",
            "product-option",
            "variation-attribute",
            "category-assignment",
            "recommendation",
        )
    )
}


def check_structure(path: Path) -> list[str]:
    """Problems found without the schemas: well-formedness, root, namespace, item ids."""
    problems: list[str] = []
    try:
        ids: dict[str, str] | None = None
        depth = 0
        for event, element in etree.iterparse(str(path), events=("start", "end"), huge_tree=True):
            if event == "start":
                depth += 1
                if ids is None:
                    name = etree.QName(element)
                    known = _SCHEMAS.get(name.namespace or "")
                    if known is None or known[0] != name.localname:
                        return [f"{path.name}: root {element.tag} is not an SFCC import file"]
                    ids = _IDS[name.localname]
                continue
            depth -= 1
            local = etree.QName(element).localname
            attribute = ids.get(local) if ids is not None else None
            if attribute is not None and depth <= 3 and not element.get(attribute):
                problems.append(
                    f"{path.name}: line {element.sourceline}: <{local}> without {attribute}"
                )
            if depth == 1:
                element.clear()
                while element.getprevious() is not None:
                    del element.getparent()[0]
    except etree.XMLSyntaxError as error:
        problems.append(f"{path.name}: line {error.lineno}: {error.msg}")
    return problems
