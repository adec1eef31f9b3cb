"""Apply a structure plan where Oro's API allows it, and hand back the ids products need.

pimsync creates enum options (POST to the enum type with a chosen id), price lists per
currency (and adds a missing currency to one found by name), and — only with the
companion API config — the category tree. Custom attributes and localizations stay on
the admin's list.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from pimsync.connectors.oro._client import OroClient, OroRejected
from pimsync.connectors.oro._documents import resource_object

from ._categories import apply_category_changes
from ._plan import OptionSpec, StructurePlan

__all__ = ["StructureResult", "apply_structure"]


@dataclass(slots=True)
class StructureResult:
    """The Oro ids the product mapping needs, and what is still missing.

    * ``localizations`` — Akeneo locale → Oro localization id.
    * ``price_lists`` — currency → Oro price list id.
    * ``categories`` — Akeneo category code → Oro category id.
    * ``enum_options`` — Oro field → Akeneo option code → Oro option id.
    * ``fields`` — Akeneo attribute code → Oro field name (existing fields only).
    * ``families`` — Akeneo family code → Oro attribute family id.
    """

    localizations: dict[str, str] = field(default_factory=dict)
    price_lists: dict[str, str] = field(default_factory=dict)
    categories: dict[str, str] = field(default_factory=dict)
    enum_options: dict[str, dict[str, str]] = field(default_factory=dict)
    fields: dict[str, str] = field(default_factory=dict)
    families: dict[str, str] = field(default_factory=dict)
    missing_localizations: list[str] = field(default_factory=list)
    missing_categories: list[str] = field(default_factory=list)
    missing_attributes: list[str] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when nothing blocks a product run."""
        return not self.errors and not self.missing_attributes


def apply_structure(client: OroClient, plan: StructurePlan) -> StructureResult:
    """Create what pimsync may create, and return every id the plan and the writes give.

    A write Oro refuses becomes an entry of ``errors`` (the rest still runs); transport
    failures raise (:class:`~pimsync.errors.TransientError`, ``FatalSourceError``...).
    """
    result = StructureResult(
        localizations=dict(plan.localizations),
        price_lists=dict(plan.price_lists),
        fields={code: f.name for code, f in plan.fields.items()},
        families=dict(plan.families),
        enum_options={name: dict(ids) for name, ids in plan.enum_options.items()},
        missing_localizations=list(plan.missing_localizations),
        missing_attributes=[a.field for a in plan.attributes_to_create],
        warnings=list(plan.warnings),
        errors=list(plan.errors),
    )
    _apply_price_lists(client, plan, result)
    _apply_options(client, plan, result)
    _apply_categories(client, plan, result)
    return result


def _apply_price_lists(client: OroClient, plan: StructurePlan, result: StructureResult) -> None:
    for currency, name in plan.price_lists_to_create.items():
        document = {
            "data": resource_object(
                "pricelists",
                attributes={"name": name, "priceListCurrencies": [currency], "active": True},
            )
        }
        try:
            stored, _ = client.create("pricelists", document)
        except OroRejected as exc:
            result.errors.append(f"price list {name!r} was not created: {exc}")
            continue
        result.price_lists[currency] = stored.one.id
        result.created.append(f"price list {name!r} ({currency}) = {stored.one.id}")
    for currency, list_id in plan.price_list_currencies_to_add.items():
        try:
            current = client.get("pricelists", list_id)
            have = list(current.one.attributes.get("priceListCurrencies") or ()) if current else []
            document = {
                "data": resource_object(
                    "pricelists",
                    id_=list_id,
                    attributes={"priceListCurrencies": sorted({*have, currency})},
                )
            }
            client.update("pricelists", list_id, document)
        except OroRejected as exc:
            result.errors.append(
                f"currency {currency} was not added to price list {list_id}: {exc}"
            )
            continue
        result.created.append(f"currency {currency} on price list {list_id}")


def _apply_options(client: OroClient, plan: StructurePlan, result: StructureResult) -> None:
    for name, options in plan.options_to_create.items():
        enum_type = plan.field_named(name).enum_type
        assert enum_type is not None  # the plan reports fields without one as errors
        ids = result.enum_options.setdefault(name, {})
        for option in options:
            try:
                client.create(enum_type, _option_document(enum_type, option))
            except OroRejected as exc:
                if any(e.status == "409" for e in exc.errors):  # created meanwhile
                    ids[option.code] = option.id
                    continue
                result.errors.append(f"option {option.id} of {name} was not created: {exc}")
                continue
            ids[option.code] = option.id
            result.created.append(f"option {option.id} of {name}")


def _option_document(enum_type: str, option: OptionSpec) -> dict[str, object]:
    return {
        "data": resource_object(
            enum_type,
            id_=option.id,
            attributes={"name": option.label, "priority": option.priority, "default": False},
        )
    }


def _apply_categories(client: OroClient, plan: StructurePlan, result: StructureResult) -> None:
    if not plan.categories_writable:
        result.categories = dict(plan.categories.ids)
        result.missing_categories = list(plan.categories.missing)
        return
    if plan.category_root is None:
        return
    result.categories, done, failed = apply_category_changes(
        client, plan.category_changes, plan.categories.ids, plan.category_root
    )
    result.created += done
    result.errors += failed
    result.missing_categories = [
        c.code for c in plan.category_changes if c.code and c.code not in result.categories
    ]
