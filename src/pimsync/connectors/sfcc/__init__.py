"""Salesforce Commerce Cloud (B2C Commerce) destination: import files and their checks.

Writers stream SFCC's standard import XML (catalog, pricebook, library, metadata) from
the records in :mod:`._model`, rejecting bad items one by one and splitting large files;
:func:`validate` checks a file against the official XSDs, :func:`check_structure`
without them. Delivery: :func:`build_archives` packs the files as a site-import archive
and :class:`SfccClient` uploads it and runs the instance's import.
"""

from pimsync.connectors.sfcc._archive import ArchiveEntry, build_archives
from pimsync.connectors.sfcc._client import Execution, SfccClient
from pimsync.connectors.sfcc._images import ImageLoader, static_path
from pimsync.connectors.sfcc._model import (
    SfccAssignment,
    SfccAttributeDefinition,
    SfccAttributeGroup,
    SfccBundledProduct,
    SfccCategory,
    SfccContentAsset,
    SfccImageGroup,
    SfccPageAttributes,
    SfccPricebook,
    SfccPriceTable,
    SfccProduct,
    SfccProductLink,
    SfccRecommendation,
    SfccValueDefinition,
    SfccVariationAttribute,
    SfccVariationValue,
)
from pimsync.connectors.sfcc._parts import DEFAULT_MAX_BYTES
from pimsync.connectors.sfcc._schema import check_structure, load_schema, validate
from pimsync.connectors.sfcc._settings import SECRET_FIELDS, SfccSettings, check_sfcc
from pimsync.connectors.sfcc._xml import (
    CatalogWriter,
    LibraryWriter,
    MetadataWriter,
    PricebookWriter,
    SfccImageSettings,
)

__all__ = [
    "DEFAULT_MAX_BYTES",
    "SECRET_FIELDS",
    "ArchiveEntry",
    "CatalogWriter",
    "Execution",
    "ImageLoader",
    "LibraryWriter",
    "MetadataWriter",
    "PricebookWriter",
    "SfccAssignment",
    "SfccAttributeDefinition",
    "SfccAttributeGroup",
    "SfccBundledProduct",
    "SfccCategory",
    "SfccClient",
    "SfccContentAsset",
    "SfccImageGroup",
    "SfccImageSettings",
    "SfccPageAttributes",
    "SfccPriceTable",
    "SfccPricebook",
    "SfccProduct",
    "SfccProductLink",
    "SfccRecommendation",
    "SfccSettings",
    "SfccValueDefinition",
    "SfccVariationAttribute",
    "SfccVariationValue",
    "build_archives",
    "check_sfcc",
    "check_structure",
    "load_schema",
    "static_path",
    "validate",
]
