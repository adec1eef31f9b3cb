"""``sfcc-site-archive-export`` of catalogs: what job 6 reads back to keep merchants'
refinements (TRIGGER.md B8).

Only the catalog data unit is modelled, and of a catalog only its categories (display
names, online flag, parent, custom attributes, refinement definitions) and category
assignments (primary flag): the parts a merchandiser edits in Business Manager.
"""

from __future__ import annotations

import io
import zipfile
from xml.sax.saxutils import escape, quoteattr

from pimsync.sandbox.sfcc._instance import Catalog, Fields, Instance

_NS = "http://www.demandware.com/xml/impex/catalog/2006-10-31"


def export_catalogs(instance: Instance, catalog_ids: list[str], top: str) -> bytes:
    """A site archive with ``<top>/catalogs/<id>/catalog.xml`` per catalog. Raises KeyError."""
    buffer = io.BytesIO()
    with instance.lock, zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for catalog_id in catalog_ids:
            catalog = instance.catalogs[catalog_id]
            archive.writestr(f"{top}/catalogs/{catalog_id}/catalog.xml", catalog_xml(catalog))
    return buffer.getvalue()


def catalog_xml(catalog: Catalog) -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n',
        f"<catalog xmlns={quoteattr(_NS)} catalog-id={quoteattr(catalog.catalog_id)}>\n",
    ]
    for cid, category in catalog.categories.items():
        body = _localized(category, "display-name")
        if category.online is not None:
            body += f"<online-flag>{str(category.online).lower()}</online-flag>"
        if category.parent is not None:
            body += f"<parent>{escape(category.parent)}</parent>"
        body += _custom(category)
        if category.refinements is not None:
            inner = "".join(r.to_xml() for r in category.refinements)
            body += f"<refinement-definitions>{inner}</refinement-definitions>"
        parts.append(f"  <category category-id={quoteattr(cid)}>{body}</category>\n")
    for (cid, pid), assignment in sorted(catalog.assignments.items()):
        flag = assignment.flag("primary-flag")
        body = "" if flag is None else f"<primary-flag>{str(flag).lower()}</primary-flag>"
        parts.append(
            f"  <category-assignment category-id={quoteattr(cid)} product-id={quoteattr(pid)}>"
            f"{body}</category-assignment>\n"
        )
    parts.append("</catalog>\n")
    return "".join(parts)


def _localized(record: Fields, name: str) -> str:
    return "".join(
        f"<{name} xml:lang={quoteattr(lang)}>{escape(text)}</{name}>"
        for lang, text in record.localized.get(name, {}).items()
    )


def _custom(record: Fields) -> str:
    items = []
    for aid, by_lang in record.custom.items():
        for lang, value in by_lang.items():
            if "@" in lang:
                continue  # site-specific values: not exported by the sandbox
            attrs = f"attribute-id={quoteattr(aid)}"
            if lang != "x-default":
                attrs += f" xml:lang={quoteattr(lang)}"
            if isinstance(value, list):
                inner = "".join(f"<value>{escape(v)}</value>" for v in value)
            else:
                inner = escape(value)
            items.append(f"<custom-attribute {attrs}>{inner}</custom-attribute>")
    return f"<custom-attributes>{''.join(items)}</custom-attributes>" if items else ""
