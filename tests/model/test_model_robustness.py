"""Whatever JSON a source sends, parsing yields a record or an InvalidRecord, nothing else.

The engine skips and reports records that raise InvalidRecord; any other exception would
stop a whole run over one bad payload.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimsync.model import (
    Asset,
    AssetFamily,
    AssociationType,
    Attribute,
    AttributeGroup,
    AttributeOption,
    Category,
    Channel,
    Currency,
    Family,
    FamilyVariant,
    InvalidRecord,
    Locale,
    MeasurementFamily,
    MediaFile,
    Product,
    ProductModel,
    ReferenceEntity,
    ReferenceEntityRecord,
    to_json,
)

PARSERS: list[Callable[[dict[str, Any]], object]] = [
    Product.from_akeneo,
    ProductModel.from_akeneo,
    Attribute.from_akeneo,
    AttributeOption.from_akeneo,
    AttributeGroup.from_akeneo,
    Family.from_akeneo,
    lambda raw: FamilyVariant.from_akeneo(raw, family="clothing"),
    Category.from_akeneo,
    Channel.from_akeneo,
    Locale.from_akeneo,
    Currency.from_akeneo,
    MeasurementFamily.from_akeneo,
    AssociationType.from_akeneo,
    MediaFile.from_akeneo,
    AssetFamily.from_akeneo,
    lambda raw: Asset.from_akeneo(raw, family="packshots"),
    ReferenceEntity.from_akeneo,
    lambda raw: ReferenceEntityRecord.from_akeneo(raw, reference_entity="brands"),
]

FIELDS = [
    "code", "uuid", "identifier", "family", "parent", "categories", "values", "associations",
    "quantified_associations", "created", "updated", "labels", "type", "group",
    "attribute_as_label", "attributes", "attribute_requirements", "variant_attribute_sets",
    "category_tree", "locales", "currencies", "conversion_units", "units", "standard_unit_code",
    "family_variant", "enabled", "sort_order", "position", "table_configuration", "number_min",
    "date_min", "available_locales", "size", "_links",
]  # fmt: skip

json_data = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=12,
)
# Values shaped like Akeneo's, so parsing gets past the outer checks and into the data.
value_entry = st.fixed_dictionaries(
    {"locale": st.none() | st.text(max_size=5), "scope": st.none() | st.text(max_size=5)},
    optional={"data": json_data},
)
values = st.dictionaries(st.text(max_size=8), st.lists(value_entry, max_size=3), max_size=4)
payload = st.dictionaries(
    st.sampled_from(FIELDS), json_data | values | st.text(min_size=1, max_size=8), max_size=10
)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(parse=st.sampled_from(PARSERS), raw=payload)
def test_any_payload_parses_or_is_an_invalid_record(parse, raw):
    try:
        record = parse(raw)
    except InvalidRecord:
        return
    assert to_json(record) == to_json(parse(raw))
