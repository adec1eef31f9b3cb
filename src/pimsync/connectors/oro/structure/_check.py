"""`pimsync oro check`: read both systems, plan, and say what blocks a product run."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from pimsync.connectors.akeneo import AkeneoCatalog
from pimsync.connectors.oro._client import OroClient

from ._akeneo import read_akeneo_structure
from ._import_file import attribute_import_csv, checklist
from ._metadata import EnumOption, OroMetadata, read_enum_options, read_oro_metadata
from ._plan import StructurePlan, plan_structure
from ._settings import StructureSettings

__all__ = ["StructureCheck", "check_structure", "read_plan"]


def read_plan(
    catalog: AkeneoCatalog,
    client: OroClient,
    settings: StructureSettings,
    *,
    oro_metadata: OroMetadata | None = None,
    enum_options: Callable[[str], list[EnumOption]] | None = None,
) -> StructurePlan:
    """Read Akeneo's structure and Oro's metadata (with the options of the mapped enum
    fields) and compare them. ``oro_metadata`` and ``enum_options`` (enum type → its
    options) stand for reads already made (a cache). Raises what the readers raise
    (:class:`~pimsync.errors.FatalSourceError`, :class:`~pimsync.errors.AuthenticationError`)."""
    akeneo = read_akeneo_structure(
        catalog, attributes=settings.attributes.keys(), scope=settings.scope
    )
    oro = oro_metadata if oro_metadata is not None else read_oro_metadata(client)
    options_of = enum_options or (lambda enum_type: read_enum_options(client, enum_type))
    options: dict[str, list[EnumOption]] = {}
    for name in dict.fromkeys(settings.attributes.values()):
        found = oro.product_fields.get(name)
        if found is not None and found.enum_type is not None:
            options[name] = options_of(found.enum_type)
    return plan_structure(akeneo, oro, settings, options)


@dataclass(slots=True)
class StructureCheck:
    """The outcome of a check: the plan, the import file (None: nothing to import), and
    the admin's checklist."""

    job: str
    plan: StructurePlan
    csv: str | None = None
    steps: list[str] = field(default_factory=list)

    @property
    def blocked(self) -> bool:
        """Whether something stops a product run until it is fixed."""
        return bool(self.plan.blockers)

    def lines(self) -> list[str]:
        """The report for a terminal, one finding per line."""
        plan = self.plan
        out = [f"job {self.job}: Oro structure check"]
        out += [f"blocking: {b}" for b in plan.blockers]
        out += [f"missing: Oro localization for {loc}" for loc in plan.missing_localizations]
        if not plan.categories_writable:
            out += [f"missing: Oro category for {code}" for code in plan.categories.missing]
        out += [f"pimsync will create: {line}" for line in plan.pimsync_will_create]
        out += [f"warning: {w}" for w in plan.warnings]
        mode = "writable (companion config)" if plan.categories_writable else "read-only (stock)"
        out.append(f"categories: {mode}; {len(plan.categories.ids)} matched")
        out.append(
            f"localizations: {len(plan.localizations)} matched; price lists: "
            f"{len(plan.price_lists)} found; attributes: {len(plan.fields)} found, "
            f"{len(plan.attributes_to_create)} to import"
        )
        if self.steps:
            out.append("to do in Oro:")
            out += [f"  {step}" for step in self.steps]
        out.append("blocked: a product run would fail" if self.blocked else "ok: nothing blocks")
        return out


def check_structure(
    catalog: AkeneoCatalog,
    client: OroClient,
    settings: StructureSettings,
    *,
    job: str = "JOB",
    csv_path: str | None = None,
) -> StructureCheck:
    """Read both systems (nothing is written) and build the report; ``csv_path`` is where
    the caller will write :attr:`StructureCheck.csv`, named in the checklist."""
    plan = read_plan(catalog, client, settings)
    return structure_check_of(plan, job=job, csv_path=csv_path)


def structure_check_of(
    plan: StructurePlan, *, job: str = "JOB", csv_path: str | None = None
) -> StructureCheck:
    """The report of an already computed plan."""
    csv = attribute_import_csv(plan.attributes_to_create) if plan.attributes_to_create else None
    return StructureCheck(job, plan, csv, checklist(plan, csv_path=csv_path, job=job))
