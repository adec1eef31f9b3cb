"""The sandbox's custom-attribute state: pending/active attributes, families, enum types."""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable, MutableMapping

from pimsync.sandbox.oro._attributes import (
    PRODUCT_CLASS,
    Attribute,
    check_value,
    custom_field,
    field_entry,
    option_id,
    parse_import,
    structure,
)
from pimsync.sandbox.oro._documents import ApiError
from pimsync.sandbox.oro._schema import Rel, ResourceType, enum_option_type
from pimsync.sandbox.oro._store import Record, Store, Transaction

_PRODUCT_FIELDS = [
    field_entry("id", "integer"),
    field_entry("sku", "string", "SKU"),
    field_entry("status", "string"),
    field_entry("type", "string"),
    field_entry("featured", "boolean"),
    field_entry("newArrival", "boolean"),
    field_entry("variantFields", "array"),
    field_entry("createdAt", "datetime"),
    field_entry("updatedAt", "datetime"),
    *(
        field_entry(name, "ref-many", relation="manyToMany", target=target)
        for name, target in (
            ("names", "Oro\\Bundle\\ProductBundle\\Entity\\ProductName"),
            ("descriptions", "Oro\\Bundle\\ProductBundle\\Entity\\ProductDescription"),
            ("shortDescriptions", "Oro\\Bundle\\ProductBundle\\Entity\\ProductShortDescription"),
            ("slugPrototypes", "Oro\\Bundle\\LocaleBundle\\Entity\\LocalizedFallbackValue"),
            ("images", "Oro\\Bundle\\ProductBundle\\Entity\\ProductImage"),
            ("unitPrecisions", "Oro\\Bundle\\ProductBundle\\Entity\\ProductUnitPrecision"),
            ("variantLinks", "Oro\\Bundle\\ProductBundle\\Entity\\ProductVariantLink"),
        )
    ),
    *(
        field_entry(name, "ref-one", relation="manyToOne", target=target)
        for name, target in (
            (
                "attributeFamily",
                "Oro\\Bundle\\EntityConfigBundle\\Attribute\\Entity\\AttributeFamily",
            ),
            ("category", "Oro\\Bundle\\CatalogBundle\\Entity\\Category"),
            ("brand", "Oro\\Bundle\\ProductBundle\\Entity\\Brand"),
            ("primaryUnitPrecision", "Oro\\Bundle\\ProductBundle\\Entity\\ProductUnitPrecision"),
            ("inventory_status", "Extend\\Entity\\EV_Prod_Inventory_Status"),
        )
    ),
]
_OTHER_ENTITIES = [
    ("Oro\\Bundle\\CatalogBundle\\Entity\\Category", "category", "categories", "Category"),
    ("Oro\\Bundle\\ProductBundle\\Entity\\Brand", "brand", "brands", "Brand"),
    (
        "Oro\\Bundle\\LocaleBundle\\Entity\\Localization",
        "localization",
        "localizations",
        "Localization",
    ),
]


def _variant_field_error(name: object, pointer: str) -> ApiError:
    return ApiError(
        400,
        "product variant field constraint",
        f'The field "{name}" cannot be a variant field: it must be a select or boolean '
        "product attribute.",
        pointer=f"{pointer}/attributes/variantFields",
    )


class Catalog:
    """Custom attributes by name, attribute-family groups, and the API schema they imply."""

    def __init__(self, store: Store, types: MutableMapping[str, ResourceType]) -> None:
        self.store = store
        self.types = types
        self.attributes: dict[str, Attribute] = {}
        self.families: dict[str, dict[str, list[str]]] = {}  # family code -> group -> fields
        self.enum_types: set[str] = set()  # option types of the active select attributes
        self._stock_products = types["products"]
        self.publish_structures()

    def import_csv(self, csv_text: str) -> list[str]:
        """Add or replace pending attributes from an import file. Raises ValueError."""
        parsed = parse_import(csv_text)
        for attribute in parsed:
            current = self.attributes.get(attribute.name)
            if current is not None and current.active and current.type != attribute.type:
                raise ValueError(
                    f"fieldName {attribute.name!r}: cannot change type {current.type} "
                    f"to {attribute.type}"
                )
        for attribute in parsed:
            current = self.attributes.get(attribute.name)
            if current is not None and current.active:
                attribute.active = True
                attribute.options = _merged(current.options, attribute.options)
            self.attributes[attribute.name] = attribute
        return [a.name for a in parsed]

    def update_schema(self, now: str) -> None:
        """Make pending attributes real: API fields, enum option records, structures."""
        with self.store.lock:
            for attribute in self.attributes.values():
                attribute.active = True
                if attribute.is_enum:
                    self._publish_enum(attribute)
            active = [a for a in self.attributes.values() if a.active]
            self.types["products"] = dataclasses.replace(
                self._stock_products,
                attributes=self._stock_products.attributes
                | {a.name for a in active if not a.is_enum},
                relationships={
                    **self._stock_products.relationships,
                    **{
                        a.name: Rel(a.enum_type, many=a.type == "multiEnum")
                        for a in active
                        if a.is_enum
                    },
                },
            )
            for product in self.store.all("products"):
                filled = copy.deepcopy(product)
                self.defaults(filled)
                self.store.put(filled)
            self.publish_structures()

    def _publish_enum(self, attribute: Attribute) -> None:
        type_ = attribute.enum_type
        self.types.setdefault(type_, enum_option_type(type_))
        self.enum_types.add(type_)
        for priority, (label, default) in enumerate(attribute.options):
            id_ = option_id(label)
            if self.store.get(type_, id_) is None:
                self.store.put(
                    {
                        "type": type_,
                        "id": id_,
                        "attributes": {"name": label, "priority": priority, "default": default},
                        "relationships": {},
                    }
                )

    def add_to_family(self, family_code: str, fields: Iterable[str], group: str) -> None:
        """Put attributes in a family's group. Raises KeyError (family), ValueError (field)."""
        with self.store.lock:
            codes = {f["attributes"]["code"] for f in self.store.all("attributefamilies")}
        if family_code not in codes:
            raise KeyError(family_code)
        groups = self.families.setdefault(family_code, {})
        for name in fields:
            if name not in self.attributes:
                raise ValueError(f"unknown product attribute {name!r}")
            if not any(name in members for members in groups.values()):
                groups.setdefault(group, []).append(name)

    def active(self) -> list[Attribute]:
        return [a for a in self.attributes.values() if a.active]

    def defaults(self, product: Record) -> None:
        """Give a product every active custom field (null / empty when unset)."""
        for attribute in self.active():
            if attribute.type == "multiEnum":
                product["relationships"].setdefault(attribute.name, [])
            elif attribute.is_enum:
                product["relationships"].setdefault(attribute.name, None)
            else:
                product["attributes"].setdefault(attribute.name, None)

    def check_product(self, tx: Transaction, record: Record, pointer: str) -> None:
        """Custom values and variant fields of a product. Raises ApiError (400)."""
        self.defaults(record)
        attributes = record["attributes"]
        for attribute in self.active():
            if not attribute.is_enum:
                attributes[attribute.name] = check_value(
                    attribute, attributes[attribute.name], f"{pointer}/attributes/{attribute.name}"
                )
        variant_fields = attributes.get("variantFields") or []
        if not isinstance(variant_fields, list):
            raise _variant_field_error(variant_fields, pointer)
        for name in variant_fields:
            found = self.attributes.get(name) if isinstance(name, str) else None
            if found is None or not found.active or found.type not in ("enum", "boolean"):
                raise _variant_field_error(name, pointer)

    def publish_structures(self) -> None:
        """Rewrite the ``entitystructures`` records from the current schema."""
        with self.store.lock:
            for old in self.store.all("entitystructures"):
                self.store.remove("entitystructures", old["id"])
            fields = _PRODUCT_FIELDS + [custom_field(a) for a in self.active()]
            records = [structure(PRODUCT_CLASS, "product", "products", "Product", fields)]
            for class_name, alias, plural, label in _OTHER_ENTITIES:
                records.append(structure(class_name, alias, plural, label, []))
            for attribute in self.active():
                if attribute.is_enum:
                    type_ = attribute.enum_type
                    option_fields = [
                        field_entry("id", "string"),
                        field_entry("name", "string"),
                        field_entry("priority", "integer"),
                        field_entry("default", "boolean"),
                    ]
                    records.append(
                        structure(
                            attribute.enum_class, type_[:-1], type_, attribute.label, option_fields
                        )
                    )
            for record in records:
                self.store.put(record)


def _merged(old: list[tuple[str, bool]], new: list[tuple[str, bool]]) -> list[tuple[str, bool]]:
    labels = {option_id(label) for label, _ in new}
    return new + [(label, d) for label, d in old if option_id(label) not in labels]
