"""Enterprise Edition permissions of an activated app: categories, locales, attribute groups.

Akeneo EE attaches them to the app's user group (reference §d). Three axes:

* categories: *View*, *Edit*, *Own*; granting a category grants its whole subtree, and a
  product's right is the highest one given by any of its categories. Unclassified
  products are fully accessible (Own) to everyone;
* locales: *View*, *Edit*;
* attribute groups: *View*, *Edit*.

Own implies Edit, Edit implies View. :class:`AppPermissions` holds what was granted;
:meth:`AppPermissions.resolve` turns it, against a catalog, into an :class:`Access` whose
checks are O(1) per category, locale or attribute. Connection tokens have no ``Access``.

Not modelled: drafts can be read back but not submitted as proposals, and products
themselves carry no ``metadata.workflow_status``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

from pimsync.sandbox.akeneo._store import CatalogStore, Record

__all__ = [
    "Access",
    "AppPermissions",
    "PermissionDenied",
    "Right",
    "check_write",
    "keep_hidden_categories",
]


class Right(IntEnum):
    """A category right; higher includes lower."""

    NONE = 0
    VIEW = 1
    EDIT = 2
    OWN = 3


class PermissionDenied(Exception):
    """A write the app may not make: ``status`` (403, 404 or 422) and Akeneo's message."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass(frozen=True)
class AppPermissions:
    """What an app's user group was granted; ``None`` on a field means every code.

    Codes are category codes (each grants its subtree), locale codes and attribute group
    codes.
    """

    trees_view: frozenset[str] | None = None
    trees_edit: frozenset[str] | None = None
    trees_own: frozenset[str] | None = None
    locales_view: frozenset[str] | None = None
    locales_edit: frozenset[str] | None = None
    attribute_groups_view: frozenset[str] | None = None
    attribute_groups_edit: frozenset[str] | None = None

    @classmethod
    def of(
        cls,
        *,
        trees_view: Iterable[str] | None = None,
        trees_edit: Iterable[str] | None = None,
        trees_own: Iterable[str] | None = None,
        locales_view: Iterable[str] | None = None,
        locales_edit: Iterable[str] | None = None,
        attribute_groups_view: Iterable[str] | None = None,
        attribute_groups_edit: Iterable[str] | None = None,
    ) -> AppPermissions:
        """Permissions axis by axis: an axis with no argument at all keeps full rights;
        once one level of an axis is given, the levels not given are empty."""
        trees = (trees_view, trees_edit, trees_own)
        locales = (locales_view, locales_edit)
        groups = (attribute_groups_view, attribute_groups_edit)

        def axis(levels: tuple[Iterable[str] | None, ...]) -> list[frozenset[str] | None]:
            if all(level is None for level in levels):
                return [None] * len(levels)
            return [frozenset(level or ()) for level in levels]

        tv, te, to = axis(trees)
        lv, le = axis(locales)
        gv, ge = axis(groups)
        return cls(tv, te, to, lv, le, gv, ge)

    def resolve(self, store: CatalogStore) -> Access:
        """The rights against ``store``'s categories, locales and attributes."""

        def subtree(codes: frozenset[str] | None) -> frozenset[str] | None:
            if codes is None:
                return None
            found: set[str] = set()
            for code in codes:
                if code in store.categories:
                    found |= store.descendants(code)
            return frozenset(found)

        def union(*sets: frozenset[str] | None) -> frozenset[str] | None:
            if any(s is None for s in sets):
                return None
            return frozenset().union(*(s for s in sets if s is not None))

        own = subtree(self.trees_own)
        edit = union(subtree(self.trees_edit), own)
        view = union(subtree(self.trees_view), edit)
        locales_edit = self.locales_edit
        locales_view = union(self.locales_view, locales_edit)
        groups_edit = self.attribute_groups_edit
        groups_view = union(self.attribute_groups_view, groups_edit)
        groups = {code: str(a.get("group") or "") for code, a in store.attributes.items()}
        return Access(view, edit, own, locales_view, locales_edit, groups_view, groups_edit, groups)


@dataclass(frozen=True)
class Access:
    """Resolved rights: category sets include subtrees; ``None`` means unrestricted."""

    categories_view: frozenset[str] | None
    categories_edit: frozenset[str] | None
    categories_own: frozenset[str] | None
    locales_view: frozenset[str] | None
    locales_edit: frozenset[str] | None
    groups_view: frozenset[str] | None
    groups_edit: frozenset[str] | None
    attribute_groups: dict[str, str]

    def right(self, item: Record) -> Right:
        """The highest right a product or product model's categories give."""
        categories = item.get("categories") or []
        if not categories:
            return Right.OWN  # unclassified: everyone may see and own it
        for level, granted in (
            (Right.OWN, self.categories_own),
            (Right.EDIT, self.categories_edit),
            (Right.VIEW, self.categories_view),
        ):
            if granted is None or any(c in granted for c in categories):
                return level
        return Right.NONE

    def visible(self, item: Record) -> bool:
        return self.right(item) >= Right.VIEW

    def category_visible(self, code: str) -> bool:
        return self.categories_view is None or code in self.categories_view

    def group_of(self, attribute: str) -> str:
        return self.attribute_groups.get(attribute, "")

    def attribute_visible(self, attribute: str) -> bool:
        return self.groups_view is None or self.group_of(attribute) in self.groups_view

    def locale_visible(self, locale: str | None) -> bool:
        return locale is None or self.locales_view is None or locale in self.locales_view

    def render(self, item: Record) -> Record:
        """``item`` without the values and categories the app may not view."""
        values: dict[str, list[Record]] = {}
        for code, entries in item.get("values", {}).items():
            if not self.attribute_visible(code):
                continue
            kept = [v for v in entries if self.locale_visible(v.get("locale"))]
            if kept:
                values[code] = kept
        out = {**item, "values": values}
        if "categories" in item:
            out["categories"] = [c for c in item["categories"] if self.category_visible(c)]
        return out


def check_write(access: Access, current: Record | None, body: dict[str, Any]) -> Right:
    """Check a product write by an app; returns the right the write goes through with.

    ``current`` is the product as stored (None for a creation). Raises PermissionDenied
    with Akeneo's status and message (§d): 404 for a product the app cannot view, 403 for
    view-only rights, 422 for codes the app cannot even view. A creation needs no category
    right; an update needs Edit (which makes a draft) or Own (applied directly).
    """
    right = Right.OWN if current is None else access.right(current)
    if right == Right.NONE and current is not None:
        raise PermissionDenied(
            404,
            f'Product "{current["uuid"]}" does not exist or you do not have permission to '
            "access it.",
        )
    if right == Right.VIEW:
        # [inferred] Akeneo's wording for a view-only product is not in the reference.
        raise PermissionDenied(403, "You only have view permission on this product.")
    categories = body.get("categories")
    if isinstance(categories, list):
        hidden = [str(c) for c in categories if not access.category_visible(str(c))]
        if hidden:
            raise PermissionDenied(
                422,
                'Property "categories" expects a valid category code. The category does not '
                f'exist, "{", ".join(hidden)}" given.',
            )
    values = body.get("values")
    if isinstance(values, dict):
        for attribute, entries in values.items():
            _check_value(access, str(attribute), entries)
    return right


def _check_value(access: Access, attribute: str, entries: Any) -> None:
    if not access.attribute_visible(attribute):
        raise PermissionDenied(422, f"The {attribute} attribute does not exist in your PIM.")
    group = access.group_of(attribute)
    if access.groups_edit is not None and group not in access.groups_edit:
        raise PermissionDenied(
            403,
            f'Attribute "{attribute}" belongs to the attribute group "{group}" on which you '
            "only have view permission.",
        )
    for entry in entries if isinstance(entries, list) else []:
        locale = entry.get("locale") if isinstance(entry, dict) else None
        if locale is None:
            continue
        if not access.locale_visible(str(locale)):
            raise PermissionDenied(
                422,
                f'Attribute "{attribute}" expects an existing and activated locale, '
                f'"{locale}" given.',
            )
        if access.locales_edit is not None and locale not in access.locales_edit:
            raise PermissionDenied(
                403, f'You only have a view permission on the locale "{locale}".'
            )


def keep_hidden_categories(access: Access, current: Record, body: dict[str, Any]) -> None:
    """An app's ``categories`` replace only the ones it can view: hidden ones stay."""
    if not isinstance(body.get("categories"), list):
        return
    hidden = [c for c in current.get("categories") or [] if not access.category_visible(c)]
    if hidden:
        body["categories"] = [*body["categories"], *hidden]
