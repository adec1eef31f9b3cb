"""Oro's product-attribute import file, and the steps an Oro admin follows with it.

Stock Oro cannot create attributes through its API (API brief §3.4): pimsync writes the
CSV that Products → Product Attributes → Import reads (contracts §3).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from ._plan import AttributeSpec, StructurePlan
from ._types import OroFieldType

__all__ = ["BASE_COLUMNS", "attribute_import_csv", "checklist"]

BASE_COLUMNS = (
    "fieldName",
    "type",
    "entity.label",
    "entity.description",
    "extend.length",
    "extend.precision",
    "extend.scale",
    "attribute.searchable",
    "attribute.filterable",
    "attribute.sortable",
    "attribute.enabled",
    "frontend.is_displayable",
)

_TEXTS = {OroFieldType.STRING, OroFieldType.TEXT, OroFieldType.WYSIWYG}
_SELECTS = {OroFieldType.ENUM, OroFieldType.MULTI_ENUM}
_SORTABLE = {
    OroFieldType.STRING,
    OroFieldType.INTEGER,
    OroFieldType.FLOAT,
    OroFieldType.DATE,
    OroFieldType.BOOLEAN,
}


def attribute_import_csv(attributes: Sequence[AttributeSpec]) -> str:
    """The import file for ``attributes`` (header included; ``\\r\\n`` line ends).

    Every row has every column: as many ``enum.enum_options.N.label`` /
    ``.is_default`` pairs as the longest option list; booleans are ``yes``/``no``.
    """
    width = max((len(a.options) for a in attributes), default=0)
    header = list(BASE_COLUMNS)
    for n in range(width):
        header += [f"enum.enum_options.{n}.label", f"enum.enum_options.{n}.is_default"]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for spec in attributes:
        row = [
            spec.field,
            spec.type.value,
            spec.label,
            f"Akeneo attribute {spec.akeneo_code}",
            str(spec.length) if spec.type is OroFieldType.STRING and spec.length else "",
            "",
            "",
            _yes(spec.type in _TEXTS or spec.type in _SELECTS),
            _yes(spec.type not in (OroFieldType.TEXT, OroFieldType.WYSIWYG)),
            _yes(spec.type in _SORTABLE),
            "yes",
            "yes",
        ]
        for option in spec.options:
            row += [option.label, "no"]
        row += [""] * (len(header) - len(row))
        writer.writerow(row)
    return out.getvalue()


def checklist(plan: StructurePlan, *, csv_path: str | None = None, job: str = "JOB") -> list[str]:
    """The numbered steps an Oro admin takes so the plan has no attributes to create."""
    if not plan.attributes_to_create:
        return []
    names = ", ".join(a.field for a in plan.attributes_to_create)
    where = csv_path or "the attribute file (pimsync oro check --attributes-csv FILE)"
    family, group = plan.settings.attribute_family, plan.settings.attribute_group
    return [
        f"1) In Oro, open Products → Product Attributes → Import and import {where} "
        f"({len(plan.attributes_to_create)} attribute(s): {names}).",
        "2) Click Update Schema on the Product Attributes page "
        "(or run `php bin/console oro:entity-extend:update` on the Oro server).",
        f"3) Open Products → Product Families → {family}, and add {names} to the group "
        f"{group!r} (create the group if needed).",
        f"4) Run `pimsync oro check {job}` again: it should report nothing to import.",
    ]


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"
