"""Akeneo categories in Oro: matched onto an existing tree, or kept in step with it.

Stock Oro serves ``categories`` read-only (POST → 405), so pimsync can only match:
an explicit mapping first, then the default title (case-insensitive; Oro categories
have no code field). With the companion API config (``resources/oro/api.yml``) the
Akeneo tree is created, retitled, moved and pruned under one root Oro category.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from pimsync.connectors.oro._client import OroClient, OroRejected
from pimsync.connectors.oro._documents import linkage, resource_object
from pimsync.model import Category

from ._metadata import OroCategory

__all__ = [
    "CategoryAction",
    "CategoryChange",
    "CategoryMatch",
    "CategoryTitles",
    "apply_category_changes",
    "match_categories",
    "plan_category_tree",
]


@dataclass(frozen=True, slots=True)
class CategoryTitles:
    """How Akeneo labels become Oro titles: the default locale, and the other locales'
    Oro localization ids."""

    default_locale: str
    localizations: Mapping[str, str] = field(default_factory=dict)

    def of(self, category: Category) -> dict[str | None, str]:
        """Titles by localization id (None: the default title, the code when unlabelled)."""
        titles: dict[str | None, str] = {None: category.labels.get(self.default_locale) or ""}
        if not titles[None].strip():
            titles[None] = category.code
        for locale, localization in self.localizations.items():
            label = category.labels.get(locale)
            if label and label.strip():
                titles[localization] = label
        return titles


@dataclass(frozen=True, slots=True)
class CategoryMatch:
    """Akeneo code → Oro id for the categories found; the codes not found; notes."""

    ids: Mapping[str, str]
    missing: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


def match_categories(
    categories: Iterable[Category],
    oro: Iterable[OroCategory],
    titles: CategoryTitles,
    explicit: Mapping[str, str] | None = None,
) -> CategoryMatch:
    """Match Akeneo categories onto existing Oro ones.

    By ``explicit`` (Akeneo code → Oro id), then by default title (case-insensitive).
    Several Oro categories with the title: the one under the parent's match wins, else
    the category is reported missing with a warning.
    """
    existing = {c.id: c for c in oro}
    by_title: dict[str, list[OroCategory]] = {}
    for oro_category in existing.values():
        by_title.setdefault(oro_category.title.casefold().strip(), []).append(oro_category)
    ids: dict[str, str] = {}
    missing: list[str] = []
    warnings: list[str] = []
    for category in _parents_first(categories):
        wanted = (explicit or {}).get(category.code)
        if wanted is not None:
            if wanted in existing:
                ids[category.code] = wanted
            else:
                warnings.append(
                    f"category {category.code}: mapped to Oro category {wanted}, "
                    "which does not exist"
                )
                missing.append(category.code)
            continue
        title = titles.of(category)[None]
        candidates = by_title.get(title.casefold().strip(), [])
        if len(candidates) > 1:
            parent_id = ids.get(category.parent or "")
            candidates = [c for c in candidates if c.parent == parent_id] or candidates
        if len(candidates) == 1:
            ids[category.code] = candidates[0].id
            continue
        if candidates:
            found = ", ".join(c.id for c in candidates)
            warnings.append(
                f"category {category.code}: several Oro categories are titled {title!r} "
                f"({found}); map it explicitly"
            )
        missing.append(category.code)
    return CategoryMatch(ids, tuple(missing), tuple(warnings))


class CategoryAction(StrEnum):
    CREATE = "create"
    UPDATE = "update"  # new titles and/or a new parent
    DELETE = "delete"


@dataclass(frozen=True, slots=True)
class CategoryChange:
    """One write to bring the Oro tree in step: ``code`` is the Akeneo code (None for a
    deletion of a category Akeneo does not have), ``parent`` the Akeneo parent code
    (None: the root)."""

    action: CategoryAction
    code: str | None
    oro_id: str | None = None
    parent: str | None = None
    titles: Mapping[str | None, str] = field(default_factory=dict)
    moved: bool = False

    def describe(self) -> str:
        title = self.titles.get(None, "")
        if self.action is CategoryAction.DELETE:
            return f"delete Oro category {self.oro_id}"
        if self.action is CategoryAction.CREATE:
            return f"create category {self.code} ({title!r})"
        what = "move" if self.moved else "retitle"
        return f"{what} category {self.code} (Oro {self.oro_id})"


def plan_category_tree(
    categories: Iterable[Category],
    oro: Iterable[OroCategory],
    root_id: str,
    titles: CategoryTitles,
    *,
    known: Mapping[str, str] | None = None,
    delete_removed: bool = True,
) -> tuple[dict[str, str], list[CategoryChange]]:
    """The Oro ids already matching Akeneo categories, and the changes for the rest.

    The Akeneo tree root maps onto ``root_id`` when there is one tree; with several, each
    root becomes a child of ``root_id``. A category is recognised by its id in ``known``
    (a previous result, so moves and renames are kept), else by its default title among
    the children of its parent. With ``delete_removed``, categories of ``known`` (those
    pimsync placed before) that no Akeneo category claims any more are deleted, deepest
    first; categories an Oro user made are never deleted.
    """
    existing = {c.id: c for c in oro}
    children: dict[str | None, list[OroCategory]] = {}
    for oro_category in existing.values():
        children.setdefault(oro_category.parent, []).append(oro_category)
    managed = _descendants(root_id, children)
    ordered = _parents_first(categories)
    roots = [c for c in ordered if c.parent is None or c.parent not in {x.code for x in ordered}]
    ids: dict[str, str] = {}
    if len(roots) == 1:
        ids[roots[0].code] = root_id
    claimed = {root_id}
    changes: list[CategoryChange] = []
    for category in ordered:
        if category.code in ids:
            continue
        parent_code = category.parent if category not in roots else None
        parent_id = ids.get(parent_code) if parent_code else root_id
        wanted = titles.of(category)
        found = _recognise(category, wanted, parent_id, known, existing, managed, claimed, children)
        if found is None:
            changes.append(
                CategoryChange(CategoryAction.CREATE, category.code, None, parent_code, wanted)
            )
            continue
        claimed.add(found.id)
        ids[category.code] = found.id
        moved = parent_id is None or found.parent != parent_id
        if moved or dict(found.titles) != wanted:
            changes.append(
                CategoryChange(
                    CategoryAction.UPDATE, category.code, found.id, parent_code, wanted, moved
                )
            )
    if delete_removed:
        placed = set((known or {}).values())
        for oro_id in reversed(managed):
            if oro_id not in claimed and oro_id in placed:
                changes.append(CategoryChange(CategoryAction.DELETE, None, oro_id))
    return ids, changes


def apply_category_changes(
    client: OroClient,
    changes: Iterable[CategoryChange],
    ids: Mapping[str, str],
    root_id: str,
) -> tuple[dict[str, str], list[str], list[str]]:
    """Write ``changes`` in order (parents are created before their children).

    Returns Akeneo code → Oro id for every category in Oro, what was done, and what Oro
    refused (a category whose parent could not be created is skipped). Transport
    failures raise.
    """
    result = dict(ids)
    done: list[str] = []
    failed: list[str] = []
    for change in changes:
        try:
            if change.action is CategoryAction.DELETE:
                assert change.oro_id is not None
                client.delete("categories", change.oro_id)
            else:
                assert change.code is not None
                parent = result.get(change.parent) if change.parent else root_id
                if parent is None:
                    failed.append(f"{change.describe()}: its parent {change.parent} is missing")
                    continue
                document = _category_document(change.titles, parent, change.oro_id)
                if change.oro_id is None:
                    stored, _ = client.create("categories", document)
                    result[change.code] = stored.one.id
                else:
                    client.update("categories", change.oro_id, document)
        except OroRejected as exc:
            failed.append(f"{change.describe()}: {exc}")
            continue
        done.append(change.describe())
    return result, done, failed


def _recognise(
    category: Category,
    wanted: Mapping[str | None, str],
    parent_id: str | None,
    known: Mapping[str, str] | None,
    existing: Mapping[str, OroCategory],
    managed: list[str],
    claimed: set[str],
    children: Mapping[str | None, list[OroCategory]],
) -> OroCategory | None:
    previous = (known or {}).get(category.code)
    if previous in existing and previous in managed and previous not in claimed:
        return existing[previous]
    if parent_id is None:
        return None
    title = wanted[None].casefold().strip()
    for candidate in children.get(parent_id, ()):
        if candidate.id not in claimed and candidate.title.casefold().strip() == title:
            return candidate
    return None


def _category_document(
    titles: Mapping[str | None, str], parent: str, oro_id: str | None
) -> dict[str, Any]:
    included = []
    links = []
    for index, (localization, text) in enumerate(titles.items()):
        temp = f"title-{index}"
        links.append({"type": "localizedfallbackvalues", "id": temp})
        included.append(
            resource_object(
                "localizedfallbackvalues",
                id_=temp,
                attributes={"fallback": None, "string": text},
                relationships={"localization": linkage("localizations", localization)},
            )
        )
    data = resource_object(
        "categories",
        id_=oro_id,
        relationships={
            "titles": {"data": links},
            "parentCategory": linkage("categories", parent),
        },
    )
    return {"data": data, "included": included}


def _descendants(root: str, children: Mapping[str | None, list[OroCategory]]) -> list[str]:
    """The ids below ``root``, parents before children (the root itself excluded)."""
    found: list[str] = []
    queue = [root]
    while queue:
        current = queue.pop(0)
        for child in children.get(current, ()):
            if child.id not in found and child.id != root:
                found.append(child.id)
                queue.append(child.id)
    return found


def _parents_first(categories: Iterable[Category]) -> list[Category]:
    """Categories ordered so every parent comes before its children."""
    pending = list(categories)
    codes = {c.code for c in pending}
    placed: set[str] = set()
    ordered: list[Category] = []
    while pending:
        rest = []
        for category in pending:
            if category.parent is None or category.parent not in codes or category.parent in placed:
                ordered.append(category)
                placed.add(category.code)
            else:
                rest.append(category)
        if len(rest) == len(pending):  # a cycle: keep the Akeneo order for the rest
            ordered.extend(rest)
            break
        pending = rest
    return ordered
