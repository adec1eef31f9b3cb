"""The canonical records every connector converts to and from.

Records are frozen, slotted dataclasses: cheap to build, safe to share between stages,
and serialized natively by orjson. :func:`to_json` gives their canonical bytes, which the
engine hashes to tell an unchanged record from a changed one.

Conventions:

* Records must not be mutated. Mapping fields (labels, values, associations) hold plain
  dicts for speed, so a record with such a field cannot be hashed (put in a set, used as
  a dict key); compare records with ``==`` or by their :func:`to_json` bytes.
* Lists whose order means nothing in the source (categories, groups, codes) are sorted
  tuples, so equal content gives equal bytes.
* Time is UTC and timezone-aware; money and measures are ``Decimal``.
* ``from_akeneo`` constructors accept Akeneo REST payloads, ignore unknown fields, default
  absent optional ones, and raise :class:`InvalidRecord` (a ``ValueError``) naming the
  record and field when a payload cannot be used; :class:`MissingField` when a field the
  model needs is absent.
"""

from pimsync.model._assets import (
    Asset,
    AssetFamily,
    MediaFile,
    ReferenceEntity,
    ReferenceEntityRecord,
)
from pimsync.model._attributes import Attribute, AttributeGroup, AttributeOption, AttributeType
from pimsync.model._catalog import (
    Associations,
    Product,
    ProductModel,
    QuantifiedAssociations,
    QuantifiedLink,
)
from pimsync.model._channels import (
    Channel,
    ConversionOperation,
    Currency,
    Locale,
    MeasurementFamily,
    MeasurementUnit,
)
from pimsync.model._crm import (
    Account,
    Address,
    Contact,
    Contract,
    CrmProduct,
    CrmRecord,
    Order,
    OrderLine,
    PriceBook,
    PriceBookEntry,
)
from pimsync.model._json import to_json
from pimsync.model._raw import InvalidRecord, MissingField, parse_datetime
from pimsync.model._structure import (
    AssociationType,
    Category,
    Family,
    FamilyVariant,
    VariantAttributeSet,
)
from pimsync.model._values import Metric, Price, ProductValue, ValueData, Values

__all__ = [
    "Account",
    "Address",
    "Asset",
    "AssetFamily",
    "AssociationType",
    "Associations",
    "Attribute",
    "AttributeGroup",
    "AttributeOption",
    "AttributeType",
    "Category",
    "Channel",
    "Contact",
    "Contract",
    "ConversionOperation",
    "CrmProduct",
    "CrmRecord",
    "Currency",
    "Family",
    "FamilyVariant",
    "InvalidRecord",
    "Locale",
    "MeasurementFamily",
    "MeasurementUnit",
    "MediaFile",
    "Metric",
    "MissingField",
    "Order",
    "OrderLine",
    "Price",
    "PriceBook",
    "PriceBookEntry",
    "Product",
    "ProductModel",
    "ProductValue",
    "QuantifiedAssociations",
    "QuantifiedLink",
    "ReferenceEntity",
    "ReferenceEntityRecord",
    "ValueData",
    "Values",
    "VariantAttributeSet",
    "parse_datetime",
    "to_json",
]
