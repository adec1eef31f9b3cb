"""Akeneo products and product models → SFCC master catalog products (jobs 3-x, B5, B9).

A product (simple or variant) is an SFCC product whose id is its identifier; a root
product model is a variation master whose id is the model code; with
``master-group-variation`` each sub-model that has variants is a variation group.

Image paths are Akeneo media file codes; an asset's main media file is
``assets/<media file code>`` (:data:`ASSET_PREFIX`), so the job knows to download it from
the asset media endpoint and it never collides with a product media file.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from pimsync.connectors.sfcc._model import (
    CustomValue,
    SfccImageGroup,
    SfccPageAttributes,
    SfccProduct,
    SfccProductLink,
    SfccVariationAttribute,
    SfccVariationValue,
)
from pimsync.errors import RejectedRecord
from pimsync.mapping._metadata import AkeneoMetadata, VariantAxes
from pimsync.model import AttributeType, Product, ProductModel, Values

from ._config import SfccMapping, sfcc_locale
from ._definitions import axis_codes
from ._values import axis_value, custom_attributes, localized, option_label, single_text

__all__ = ["ASSET_PREFIX", "AssetMedia", "master", "product"]

ASSET_PREFIX = "assets/"
AssetMedia = Mapping[tuple[str, str], str]
"""(asset family, asset code) → the media file code of the asset's main media."""


def _require(key: str, values: Values, metadata: AkeneoMetadata, mapping: SfccMapping) -> None:
    for code in mapping.required:
        attribute = metadata.attributes.get(code)
        locale = mapping.default if attribute is not None and attribute.localizable else None
        data = values.get(code, locale, mapping.channel)
        if data is None or data in ("", ()):
            where = f" in {locale}" if locale else ""
            raise RejectedRecord(
                key,
                f"required attribute {code!r} has no value{where} for channel {mapping.channel!r}",
                field=code,
            )


def _images(
    key: str,
    values: Values,
    metadata: AkeneoMetadata,
    mapping: SfccMapping,
    assets: AssetMedia | None = None,
) -> list[tuple[str, list[str]]]:
    """(view type, media paths) in the order of ``mapping.images``, then of
    ``mapping.asset_images``; a path is the Akeneo media file code (an asset's:
    ``assets/<code>``), relative to the catalog's static folder. An asset missing from
    ``assets`` (deleted, or without a main media file) is left out."""
    groups: dict[str, list[str]] = {}
    for view in mapping.images or ():
        attribute = metadata.attributes.get(view.attribute)
        locale = mapping.default if attribute is not None and attribute.localizable else None
        data = values.get(view.attribute, locale, mapping.channel)
        if data is None or data == "":
            continue
        if not isinstance(data, str):
            raise RejectedRecord(
                key, f"{view.attribute!r} is not a media file code: {data!r}", field="images"
            )
        paths = groups.setdefault(view.view_type, [])
        if data not in paths:
            paths.append(data)
    for asset_view in mapping.asset_images:
        attribute = metadata.attributes.get(asset_view.attribute)
        if attribute is None or not attribute.reference_data_name:
            continue  # checked by SfccMapping.check
        locale = mapping.default if attribute.localizable else None
        data = values.get(asset_view.attribute, locale, mapping.channel)
        if not data:
            continue
        if not isinstance(data, list | tuple) or not all(isinstance(c, str) for c in data):
            raise RejectedRecord(
                key, f"{asset_view.attribute!r} is not a list of asset codes", field="images"
            )
        family = attribute.reference_data_name
        found = [(assets or {}).get((family, code)) for code in data]
        paths = groups.setdefault(asset_view.view_type, [])
        for media in found:
            if media and ASSET_PREFIX + media not in paths:
                paths.append(ASSET_PREFIX + media)
    return [(view, paths) for view, paths in groups.items() if paths]


def _links(
    record: Product | ProductModel, mapping: SfccMapping, ids: Mapping[str, str] | None
) -> list[SfccProductLink]:
    """Product links of the mapped association types; product targets by identifier
    (``ids`` resolves uuids), product model targets by code (their master's id)."""
    links: list[SfccProductLink] = []
    by_uuid = isinstance(record, Product) and record.association_key == "uuid"
    for type_code, association in sorted(record.associations.items()):
        link_type = mapping.association_links.get(type_code)
        if link_type is None:
            continue
        for target in association.products:
            target_id = (ids or {}).get(target) if by_uuid else target
            if target_id:  # a uuid without known identifier is not in the selection
                links.append(SfccProductLink(target_id, link_type))
        links.extend(SfccProductLink(code, link_type) for code in association.product_models)
    return links


def _languages(mapping: SfccMapping) -> list[str]:
    return ["x-default", *(sfcc_locale(locale) for locale in mapping.locales)]


def _clear_emptied(
    customs: dict[str, CustomValue],
    in_family: frozenset[str],
    metadata: AkeneoMetadata,
    mapping: SfccMapping,
) -> None:
    """Send "" for each custom attribute of the record's family that has no value (in
    a locale): the import merges, so only an explicit empty value clears what an
    earlier import set. Attributes outside the family never had a value to clear."""
    for code in mapping.custom_attributes or ():
        if code not in in_family or code not in metadata.attributes:
            continue
        attribute_id = mapping.custom_id(code)
        found = customs.get(attribute_id)
        if not metadata.attributes[code].localizable:
            if found is None:
                customs[attribute_id] = ""
            continue
        given = found if isinstance(found, Mapping) else {}
        customs[attribute_id] = {**dict.fromkeys(_languages(mapping), ""), **given}


def _record(
    key: str,
    product_id: str,
    values: Values,
    categories: Sequence[str],
    metadata: AkeneoMetadata,
    mapping: SfccMapping,
    *,
    online: bool | None,
    axes: frozenset[str],
    exclude: frozenset[str] = frozenset(),
    family: str | None = None,
    assets: AssetMedia | None = None,
) -> SfccProduct:
    system = mapping.system_attributes
    in_family = metadata.family_attributes.get(family or "", frozenset())

    def texts(code: str | None) -> dict[str, str]:
        return localized(values, code, metadata, mapping)

    def text(code: str | None) -> str | None:
        return single_text(values, code, metadata, mapping)

    page = SfccPageAttributes(
        title=texts(system.page_title),
        description=texts(system.page_description),
        keywords=texts(system.page_keywords),
        url=texts(system.page_url),
    )
    has_page = page.title or page.description or page.keywords or page.url
    customs = custom_attributes(key, values, metadata, mapping, axes=axes)
    for code in exclude:
        customs.pop(mapping.custom_id(code), None)
    _clear_emptied(customs, in_family - exclude, metadata, mapping)
    classification = None
    if mapping.classification_catalog is not None:
        classification = next((c for c in categories if c in metadata.categories), None)

    def cleared(code: str | None, found: dict[str, str]) -> dict[str, str]:
        """``found``, with "" for each locale left empty of a family attribute (which
        clears a value sent before: the import merges)."""
        if code is None or code not in in_family:
            return found
        return {**dict.fromkeys(_languages(mapping), ""), **found}

    def scalar(code: str | None) -> str | None:
        found = text(code)
        return "" if found is None and code is not None and code in in_family else found

    return SfccProduct(
        product_id=product_id,
        display_name=texts(system.name),
        short_description=cleared(system.short_description, texts(system.short_description)),
        long_description=cleared(system.long_description, texts(system.long_description)),
        ean=scalar(system.ean),
        upc=scalar(system.upc),
        online=online if mapping.online_from_enabled else None,
        image_groups=[
            SfccImageGroup(view, paths)
            for view, paths in _images(key, values, metadata, mapping, assets)
        ],
        tax_class_id=text(system.tax_class_id),
        brand=scalar(system.brand),
        manufacturer_name=scalar(system.manufacturer_name),
        manufacturer_sku=scalar(system.manufacturer_sku),
        page_attributes=page if has_page else None,
        custom_attributes=customs,
        classification_category=classification,
        classification_catalog_id=mapping.classification_catalog if classification else None,
    )


def product(
    p: Product,
    metadata: AkeneoMetadata,
    mapping: SfccMapping,
    *,
    identifiers: Mapping[str, str] | None = None,
    assets: AssetMedia | None = None,
) -> SfccProduct:
    """A simple or variant product; ``mapping`` as returned by :meth:`SfccMapping.check`.

    ``identifiers`` (uuid → identifier) resolves product associations read from the
    products-uuid endpoint; ``assets`` the main media of the assets ``asset_images``
    lists. Raises :class:`RejectedRecord` for a product without
    identifier, without a ``required`` value, or with a value SFCC cannot take.
    """
    mapping.require_checked()
    key = p.key
    if not p.identifier:
        raise RejectedRecord(key, "no identifier; SFCC's product-id is the identifier")
    _require(key, p.values, metadata, mapping)
    record = _record(
        key,
        p.identifier,
        p.values,
        p.categories,
        metadata,
        mapping,
        online=p.enabled,
        family=p.family,
        axes=axis_codes(metadata),
        assets=assets,
    )
    links = _links(p, mapping, identifiers)
    if not links:
        return record
    return replace(record, product_links=links)


def _variation_attribute(
    key: str,
    code: str,
    children: Sequence[Product],
    metadata: AkeneoMetadata,
    mapping: SfccMapping,
) -> SfccVariationAttribute:
    attribute = metadata.attributes.get(code)
    if attribute is None:
        raise RejectedRecord(key, f"axis {code!r} is not an Akeneo attribute", field="axes")
    seen: dict[str, None] = {}
    for child in children:
        value = axis_value(key, attribute, child.values.get(code, None, mapping.channel))
        if value is None:
            raise RejectedRecord(
                key, f"variant {child.identifier or child.key!r} has no value for axis {code!r}"
            )
        seen.setdefault(value, None)
    found = list(seen)
    if attribute.type == AttributeType.SIMPLESELECT:  # Akeneo's option order
        rank = {option: i for i, option in enumerate(attribute.options)}
        found.sort(key=lambda value: rank.get(value, len(rank)))
    values = []
    for value in found:
        display = {"x-default": value}
        if attribute.type == AttributeType.SIMPLESELECT:
            default = option_label(attribute, value, mapping.default)
            display = {"x-default": default or value}
            for locale in mapping.locales:
                label = option_label(attribute, value, locale)
                if label:
                    display[sfcc_locale(locale)] = label
        values.append(SfccVariationValue(value, display))
    return SfccVariationAttribute(
        attribute_id=mapping.custom_id(code),
        values=values,
        display_names={"x-default": code},
    )


def _variation_images(
    key: str,
    axis: str,
    children: Sequence[Product],
    groups: Mapping[str, Values],
    metadata: AkeneoMetadata,
    mapping: SfccMapping,
    assets: AssetMedia | None,
) -> list[SfccImageGroup]:
    """Image groups per value of the first axis: the sub-model's images, else those of
    its first variant with that value."""
    attribute = metadata.attributes[axis]
    axis_id = mapping.custom_id(axis)
    by_value: dict[str, list[tuple[str, list[str]]]] = {}
    for values in [*groups.values(), *(child.values for child in children)]:
        value = axis_value(key, attribute, values.get(axis, None, mapping.channel))
        if value is not None and not by_value.get(value):
            by_value[value] = _images(key, values, metadata, mapping, assets)
    return [
        SfccImageGroup(view, paths, ((axis_id, value),))
        for value, images in by_value.items()
        for view, paths in images
    ]


def master(
    model: ProductModel,
    children: Sequence[Product],
    sub_models: Sequence[ProductModel],
    metadata: AkeneoMetadata,
    mapping: SfccMapping,
    *,
    identifiers: Mapping[str, str] | None = None,
    assets: AssetMedia | None = None,
) -> list[SfccProduct]:
    """A root product model as a variation master, then its variation groups.

    ``children`` are the variant products of the model (at any level), ``sub_models``
    its level-1 models. Variation attributes are the family variant's axes at every
    level with the values the children take; variants are the children's identifiers.
    Raises :class:`RejectedRecord` for a sub-model, an unknown family variant, a model
    without variants or a variant without an axis value.
    """
    mapping.require_checked()
    key = model.code
    if model.parent is not None:
        raise RejectedRecord(
            key,
            f"a sub product model is a variation group of master {model.parent!r}, not a master",
            field="parent",
        )
    variant: VariantAxes | None = metadata.family_variants.get(model.family_variant)
    if variant is None:
        raise RejectedRecord(
            key, f"family variant {model.family_variant!r} is unknown", field="family_variant"
        )
    own_subs = {m.code: m for m in sub_models if m.parent == model.code}
    mine = [c for c in children if c.parent == model.code or c.parent in own_subs]
    variants = [c for c in mine if c.identifier]
    if not variants:
        raise RejectedRecord(key, "no variant product with an identifier", field="variants")
    axes = variant.axes
    attributes = [_variation_attribute(key, axis, variants, metadata, mapping) for axis in axes]
    all_axes = axis_codes(metadata)
    groups: dict[str, Values] = {}
    if mapping.model_import == "master-group-variation" and len(variant.levels) > 1:
        with_children = {c.parent for c in variants}
        for code, sub in own_subs.items():
            if code in with_children:
                groups[code] = model.values.with_values(*sub.values)
    base = _record(
        key,
        model.code,
        model.values,
        model.categories,
        metadata,
        mapping,
        online=any(c.enabled for c in variants),
        family=model.family,
        axes=all_axes,
        exclude=frozenset(axes),
        assets=assets,
    )
    images = list(base.image_groups)
    if variant.levels and variant.levels[0]:
        first_axis = variant.levels[0][0]
        images += _variation_images(key, first_axis, variants, groups, metadata, mapping, assets)
    records = [
        replace(
            base,
            image_groups=images,
            variation_attributes=attributes,
            variants=list(
                dict.fromkeys(c.identifier for c in variants if c.identifier is not None)
            ),
            variation_groups=list(groups),
            product_links=_links(model, mapping, identifiers),
        )
    ]
    for code, values in groups.items():
        sub = own_subs[code]
        records.append(
            _record(
                code,
                code,
                values,
                sub.categories,
                metadata,
                mapping,
                online=any(c.enabled for c in variants if c.parent == code),
                family=model.family,
                axes=all_axes,
                exclude=frozenset(variant.levels[1]) if len(variant.levels) > 1 else frozenset(),
                assets=assets,
            )
        )
    return records
