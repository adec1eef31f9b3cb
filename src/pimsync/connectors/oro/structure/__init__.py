"""The structure side of Akeneo → OroCommerce: what Oro must have before products land.

* :func:`read_oro_metadata` / :class:`OroMetadata` — product fields (``entitystructures``),
  localizations, price lists, categories, brands, attribute families;
  :func:`read_enum_options` — the options of one enum field.
* :func:`read_akeneo_structure` / :class:`AkeneoStructure` — Akeneo's side.
* :func:`plan_structure` / :class:`StructurePlan` — what is missing and who adds it;
  :func:`oro_target` — the Oro type of an Akeneo attribute.
* :func:`attribute_import_csv` and :func:`checklist` — Oro's attribute import file and
  the admin's steps (import, update schema, add to family, check again).
* :func:`apply_structure` / :class:`StructureResult` — enum options, price lists and
  (companion config) categories written through the API; the ids products need.
* :func:`check_structure` / :class:`StructureCheck` — ``pimsync oro check``.
* :func:`companion_api_config` — the Oro API config that makes categories writable.
"""

from ._akeneo import AkeneoStructure, read_akeneo_structure, subtree
from ._apply import StructureResult, apply_structure
from ._categories import (
    CategoryAction,
    CategoryChange,
    CategoryMatch,
    CategoryTitles,
    apply_category_changes,
    match_categories,
    plan_category_tree,
)
from ._check import StructureCheck, check_structure, read_plan, structure_check_of
from ._companion import companion_api_config
from ._import_file import BASE_COLUMNS, attribute_import_csv, checklist
from ._metadata import (
    PRODUCT_CLASS,
    EnumOption,
    OroBrand,
    OroCategory,
    OroLocalization,
    OroMetadata,
    OroPriceList,
    ProductField,
    read_categories,
    read_enum_options,
    read_oro_metadata,
    read_product_fields,
)
from ._plan import (
    AttributeSpec,
    OptionSpec,
    StructurePlan,
    enum_option_id,
    match_localizations,
    plan_structure,
)
from ._settings import StructureSettings
from ._types import (
    FIELD_NAME_LIMIT,
    SYSTEM_FIELDS,
    AttributeTarget,
    OroFieldType,
    Placement,
    compatible,
    field_name_problem,
    oro_target,
)

__all__ = [
    "BASE_COLUMNS",
    "FIELD_NAME_LIMIT",
    "PRODUCT_CLASS",
    "SYSTEM_FIELDS",
    "AkeneoStructure",
    "AttributeSpec",
    "AttributeTarget",
    "CategoryAction",
    "CategoryChange",
    "CategoryMatch",
    "CategoryTitles",
    "EnumOption",
    "OptionSpec",
    "OroBrand",
    "OroCategory",
    "OroFieldType",
    "OroLocalization",
    "OroMetadata",
    "OroPriceList",
    "Placement",
    "ProductField",
    "StructureCheck",
    "StructurePlan",
    "StructureResult",
    "StructureSettings",
    "apply_category_changes",
    "apply_structure",
    "attribute_import_csv",
    "check_structure",
    "checklist",
    "companion_api_config",
    "compatible",
    "enum_option_id",
    "field_name_problem",
    "match_categories",
    "match_localizations",
    "oro_target",
    "plan_category_tree",
    "plan_structure",
    "read_akeneo_structure",
    "read_categories",
    "read_enum_options",
    "read_oro_metadata",
    "read_plan",
    "read_product_fields",
    "structure_check_of",
    "subtree",
]
