"""Akeneo → OroCommerce product mapping: configuration, checks, transforms, preview.

* :class:`MappingConfig` — what a job maps (its ``[jobs.X.options]`` table).
* :class:`AkeneoMetadata` / :class:`OroMetadata` — what the mapping knows of both systems,
  as plain data read once per run.
* :func:`validate` — checks a mapping against both before a run (:class:`Report`).
* :class:`Mapper` — ``product()`` / ``model()`` → :class:`~pimsync.connectors.oro.OroProduct`,
  :class:`~pimsync.errors.RejectedRecord` for a record Oro cannot take.
* :func:`preview` — one mapped record, field by field, with its Akeneo sources.
"""

from ._config import AttributeMapping, CategoryMapping, ImageMapping, MappingConfig, PriceMapping
from ._mapper import Mapper, slugify
from ._metadata import (
    AkeneoAttribute,
    AkeneoMetadata,
    OroField,
    OroMetadata,
    OroPriceList,
    VariantAxes,
    option_id,
)
from ._plan import Problem, Report, validate
from ._preview import preview, preview_rows

__all__ = [
    "AkeneoAttribute",
    "AkeneoMetadata",
    "AttributeMapping",
    "CategoryMapping",
    "ImageMapping",
    "Mapper",
    "MappingConfig",
    "OroField",
    "OroMetadata",
    "OroPriceList",
    "PriceMapping",
    "Problem",
    "Report",
    "VariantAxes",
    "option_id",
    "preview",
    "preview_rows",
    "slugify",
    "validate",
]
