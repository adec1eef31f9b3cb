"""Element-level MERGE rules shared by the importers: fields, custom attributes, lists
under ``merge-mode``, variations, refinements, metadata definitions (see ``_import.py``)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from lxml import etree

from pimsync.sandbox.sfcc._instance import (
    DEFAULT_LANG,
    AttributeDefinition,
    AttributeGroup,
    Fields,
    ImageGroup,
    Product,
    Refinement,
    TypeExtension,
    ValueDefinition,
    Variant,
    VariationAttribute,
    VariationValue,
)

XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"
XSI_NIL = "{http://www.w3.org/2001/XMLSchema-instance}nil"

_T = TypeVar("_T")


def local_name(tag: object) -> str:
    return str(tag).rpartition("}")[2]


def merge_type(ext: TypeExtension, elem: etree._Element) -> None:
    for part in elem:
        tag = local_name(part.tag)
        if tag in (
            "system-attribute-definitions",
            "custom-attribute-definitions",
            "attribute-definitions",
        ):
            for definition in part:
                aid = definition.get("attribute-id") or ""
                found = ext.attribute_definitions.setdefault(
                    aid, AttributeDefinition(aid, system=tag.startswith("system"))
                )
                merge_definition(found, definition)
        elif tag == "group-definitions":
            for group in part:
                gid = group.get("group-id") or ""
                known = ext.groups.setdefault(gid, AttributeGroup(gid))
                for child in group:
                    ctag = local_name(child.tag)
                    if ctag == "display-name":
                        known.display_names[lang_of(child)] = child.text or ""
                    elif ctag == "attribute":
                        aid = child.get("attribute-id") or ""
                        if aid not in known.attributes:
                            known.attributes.append(aid)


def merge_definition(found: AttributeDefinition, elem: etree._Element) -> None:
    for child in elem:
        tag = local_name(child.tag)
        if tag == "type":
            found.type = (child.text or "").strip()
        elif tag == "display-name":
            found.display_names[lang_of(child)] = child.text or ""
        elif tag == "value-definitions":
            by_value = {v.value: v for v in found.value_definitions}
            for vdef in child:
                value = vdef.findtext("{*}value") or ""
                target = by_value.get(value)
                if target is None:
                    target = ValueDefinition(value)
                    by_value[value] = target
                    found.value_definitions.append(target)
                for display in vdef.iterfind("{*}display"):
                    target.display[lang_of(display)] = display.text or ""
        elif len(child) == 0:
            found.flags[tag] = (child.text or "").strip()


def lang_of(elem: etree._Element) -> str:
    return elem.get(XML_LANG) or DEFAULT_LANG


def _cleared(elem: etree._Element) -> bool:
    return elem.get(XSI_NIL) in ("true", "1") or (len(elem) == 0 and not (elem.text or "").strip())


_LOCALIZED = {
    "display-name", "description", "short-description", "long-description", "callout-message",
    "store-receipt-name", "localized-tax-class-id", "page-title", "page-description",
    "page-keywords", "page-url", "search-words", "data", "receipt-name", "visibility-mode",
}  # fmt: skip


def merge_field(record: Fields, elem: etree._Element) -> None:
    """MERGE one element into a record: set, or clear when empty/nil."""
    tag = local_name(elem.tag)
    if tag == "custom-attributes":
        for attr in elem:
            merge_custom(record, attr)
        return
    if tag in _LOCALIZED or elem.get(XML_LANG) is not None:
        texts = record.localized.setdefault(tag, {})
        if _cleared(elem):
            texts.pop(lang_of(elem), None)
        else:
            texts[lang_of(elem)] = elem.text or ""
        return
    site = elem.get("site-id")
    key = f"{tag}@{site}" if site else tag
    if _cleared(elem):
        record.values.pop(key, None)
    else:
        record.values[key] = (elem.text or "").strip()


def merge_custom(record: Fields, attr: etree._Element) -> None:
    aid = attr.get("attribute-id") or ""
    site = attr.get("site-id")
    lang = lang_of(attr) if not site else f"{lang_of(attr)}@{site}"
    by_lang = record.custom.setdefault(aid, {})
    values = [v.text or "" for v in attr.iterfind("{*}value")]
    if values:
        by_lang[lang] = values
    elif _cleared(attr):
        by_lang.pop(lang, None)
    else:
        by_lang[lang] = attr.text or ""
    if not by_lang:
        del record.custom[aid]


def merge_list(
    existing: list[_T], given: list[_T], mode: str, key: Callable[[_T], object]
) -> list[_T]:
    """A list element under its ``merge-mode`` (XSD ``simpleType.MergeMode``)."""
    if mode == "replace":
        return given
    given_keys = {key(g): g for g in given}
    if mode == "remove":
        return [e for e in existing if key(e) not in given_keys]
    existing_keys = {key(e) for e in existing}
    updated = [given_keys.get(key(e), e) for e in existing]
    if mode == "merge":  # unspecified objects are removed
        updated = [u for u in updated if key(u) in given_keys]
    return updated + [g for g in given if key(g) not in existing_keys]


def image_group(elem: etree._Element) -> ImageGroup:
    variation = tuple(
        (v.get("attribute-id", ""), v.get("value", "")) for v in elem.iterfind("{*}variation")
    )
    images = [i.get("path", "") for i in elem.iterfind("{*}image")]
    return ImageGroup(elem.get("view-type", ""), variation, images)


def merge_variations(product: Product, elem: etree._Element) -> None:
    for part in elem:
        tag = local_name(part.tag)
        mode = part.get("merge-mode", "replace")
        if tag == "attributes":
            for va in part:
                if local_name(va.tag) != "variation-attribute":
                    continue  # shared/deprecated attribute references: not modelled
                vid = va.get("variation-attribute-id", "")
                existing = [
                    a for a in product.variation_attributes if a.variation_attribute_id == vid
                ]
                if va.get("mode") == "delete":
                    product.variation_attributes = [
                        a for a in product.variation_attributes if a not in existing
                    ]
                    continue
                attribute = (
                    existing[0] if existing else VariationAttribute(va.get("attribute-id", ""), vid)
                )
                if not existing:
                    product.variation_attributes.append(attribute)
                for child in va:
                    if local_name(child.tag) == "display-name":
                        attribute.display_names[lang_of(child)] = child.text or ""
                    else:
                        given = [
                            VariationValue(
                                v.get("value", ""),
                                {lang_of(d): d.text or "" for d in v.iterfind("{*}display-value")},
                            )
                            for v in child
                        ]
                        attribute.values = merge_list(
                            attribute.values,
                            given,
                            child.get("merge-mode", "replace"),
                            lambda v: v.value,
                        )
        elif tag == "variants":
            variants = [Variant(v.get("product-id", ""), v.get("default") == "true") for v in part]
            product.variants = merge_list(product.variants, variants, mode, lambda v: v.product_id)
        elif tag == "variation-groups":
            groups = [g.get("product-id", "") for g in part]
            product.variation_groups = merge_list(
                product.variation_groups, groups, mode, lambda g: g
            )


def refinement(elem: etree._Element) -> Refinement:
    names: list[tuple[str, str]] = []
    sort_mode: str | None = None
    cutoff: int | None = None
    details = ""
    for child in elem:
        tag = local_name(child.tag)
        if tag == "display-name":
            names.append((lang_of(child), child.text or ""))
        elif tag == "sort-mode":
            sort_mode = (child.text or "").strip()
        elif tag == "cutoff-threshold":
            cutoff = int((child.text or "0").strip())
        else:
            details += _plain_xml(child)
    return Refinement(
        type=elem.get("type", ""),
        attribute_id=elem.get("attribute-id"),
        bucket_type=elem.get("bucket-type"),
        system=elem.get("system") in ("true", "1"),
        display_names=tuple(names),
        sort_mode=sort_mode,
        cutoff_threshold=cutoff,
        blocked=local_name(elem.tag) == "blocked-refinement-definition",
        details_xml=details,
    )


def _plain_xml(elem: etree._Element) -> str:
    """An element without its namespace declarations (it is re-embedded in catalog XML)."""
    copy = etree.fromstring(etree.tostring(elem))
    for node in copy.iter():
        if isinstance(node.tag, str):
            node.tag = local_name(node.tag)
    etree.cleanup_namespaces(copy)
    return etree.tostring(copy, encoding="unicode", with_tail=False)


def decimal_of(text: str) -> Decimal:
    try:
        return Decimal(text.strip())
    except InvalidOperation:
        return Decimal(0)
