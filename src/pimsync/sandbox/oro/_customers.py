"""Rules for customers, customer users and their addresses (API brief §3.6)."""

from __future__ import annotations

import re
from typing import Any

from pimsync.sandbox.oro._checks import (
    Rule,
    external_id,
    invalid,
    required_links,
    required_text,
    staged,
)
from pimsync.sandbox.oro._store import Record, Transaction

ADMIN = {"type": "users", "id": "1"}
ORGANIZATION = {"type": "organizations", "id": "1"}
ADDRESS_TYPES = ("billing", "shipping")
ADDRESS_FIELDS = (
    "street",
    "street2",
    "city",
    "postalCode",
    "label",
    "phone",
    "organization",
    "namePrefix",
    "firstName",
    "middleName",
    "lastName",
    "nameSuffix",
    "customRegion",
    "validatedAt",
)
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def owned_defaults(record: Record) -> None:
    """Records Oro owns by user and organization get the API user's when none is sent."""
    links = record["relationships"]
    if not links.get("owner"):
        links["owner"] = dict(ADMIN)
    if not links.get("organization"):
        links["organization"] = dict(ORGANIZATION)


def _customer(tx: Transaction, record: Record, pointer: str) -> None:
    required_text(record, ("name",), pointer)
    external_id(tx, record, pointer)
    links = record["relationships"]
    for name in ("parent", "group", "paymentTerm", "internal_rating"):
        links.setdefault(name, None)
    for name in ("children", "users", "addresses", "salesRepresentatives"):
        links.setdefault(name, [])
    owned_defaults(record)
    # a customer cannot sit below itself (Oro's circular customer reference check)
    parent = links["parent"]
    seen: set[str] = set()
    while parent is not None and parent["id"] not in seen:
        if parent["id"] == record["id"]:
            raise invalid(
                "circular customer reference constraint",
                "The customer cannot be its own parent or the parent of one of its parents.",
                f"{pointer}/relationships/parent/data",
            )
        seen.add(parent["id"])
        above = tx.get("customers", parent["id"])
        parent = above["relationships"].get("parent") if above is not None else None


def _customer_user(tx: Transaction, record: Record, pointer: str) -> None:
    attributes = record["attributes"]
    required_text(record, ("email", "firstName", "lastName"), pointer)
    email = str(attributes["email"])
    where = f"{pointer}/attributes/email"
    if not _EMAIL.match(email):
        raise invalid("email constraint", "This value is not a valid email address.", where)
    # Oro keeps a lower-cased copy of the email and refuses a second user with it
    if any(other["id"] != record["id"] for other in tx.find("customerusers", "email", email)):
        raise invalid("unique entity constraint", "This email is already used.", where)
    required_links(record, ("customer",), pointer)
    external_id(tx, record, pointer)
    attributes.pop("password", None)  # write-only: never stored as given nor returned
    for name, default in (("enabled", True), ("confirmed", True), ("isGuest", False)):
        attributes.setdefault(name, default)
    attributes.setdefault("loginCount", 0)
    for name in ("namePrefix", "middleName", "nameSuffix", "birthday", "lastLogin"):
        attributes.setdefault(name, None)
    for name in ("passwordChangedAt", "passwordRequestedAt"):
        attributes.setdefault(name, None)
    links = record["relationships"]
    for name in ("userRoles", "addresses", "salesRepresentatives"):
        links.setdefault(name, [])
    owned_defaults(record)
    if attributes["enabled"] and not links["userRoles"]:
        raise invalid(
            "customer user check role constraint",
            "Please select at least one role before you enable the customer user.",
            f"{pointer}/relationships/userRoles/data",
        )


def check_place(tx: Transaction, record: Record, pointer: str) -> None:
    """The postal part every address shares: street, city, postal code, a name or an
    organization, a known country, and a region of that country where it has regions."""
    attributes = record["attributes"]
    for name in ADDRESS_FIELDS:
        attributes.setdefault(name, None)
    required_text(record, ("street", "city", "postalCode"), pointer)
    named = attributes.get("firstName") and attributes.get("lastName")
    if not named and not attributes.get("organization"):
        raise invalid(
            "name or organization constraint",
            "Organization or First Name and Last Name should not be blank.",
            f"{pointer}/attributes/organization",
        )
    links = record["relationships"]
    links.setdefault("region", None)
    required_links(record, ("country",), pointer)
    country = links["country"]["id"]
    region = links["region"]
    where = f"{pointer}/relationships/region/data"
    if region is not None:
        found = tx.get("regions", region["id"])
        if found is None or found["relationships"]["country"]["id"] != country:
            raise invalid(
                "valid region constraint",
                f'Region "{region["id"]}" does not belong to country "{country}".',
                where,
            )
    elif tx.find("regions", "country", country) and not attributes.get("customRegion"):
        raise invalid(
            "required region constraint", f'State is required for country "{country}".', where
        )


def _types(record: Record, pointer: str) -> list[dict[str, Any]]:
    """``types``: [{addressType: billing|shipping, default: bool}], one entry per type."""
    raw = record["attributes"].get("types")
    if raw is None:
        raw = []
    where = f"{pointer}/attributes/types"
    if not isinstance(raw, list):
        raise invalid("form constraint", "This value is not valid.", where)
    found: dict[str, dict[str, Any]] = {}
    for i, entry in enumerate(raw):
        kind = entry.get("addressType") if isinstance(entry, dict) else None
        if kind not in ADDRESS_TYPES:
            raise invalid("form constraint", "This value is not valid.", f"{where}/{i}")
        found[str(kind)] = {"addressType": kind, "default": bool(entry.get("default", False))}
    return list(found.values())


def _address(owner_field: str) -> Rule:
    """A customer's or customer user's address.

    The owner's first address becomes its primary one and only one address per owner is
    primary; likewise an address that is the default for billing or shipping takes that
    default from the owner's other addresses, as Oro's typed addresses do.
    """

    def rule(tx: Transaction, record: Record, pointer: str) -> None:
        required_links(record, (owner_field,), pointer)
        check_place(tx, record, pointer)
        attributes = record["attributes"]
        attributes["types"] = types = _types(record, pointer)
        owned_defaults(record)
        owner = record["relationships"][owner_field]["id"]
        siblings = [
            s for s in tx.find(record["type"], owner_field, owner) if s["id"] != record["id"]
        ]
        if attributes.get("primary") is None:
            attributes["primary"] = not any(s["attributes"].get("primary") for s in siblings)
        attributes["primary"] = bool(attributes["primary"])
        defaults = {t["addressType"] for t in types if t["default"]}
        for sibling in siblings:
            lose_primary = attributes["primary"] and sibling["attributes"].get("primary")
            old_types = sibling["attributes"].get("types") or []
            lose_default = any(t["default"] and t["addressType"] in defaults for t in old_types)
            if not (lose_primary or lose_default):
                continue
            changed = staged(tx, sibling["type"], sibling["id"])
            assert changed is not None
            if lose_primary:
                changed["attributes"]["primary"] = False
            changed["attributes"]["types"] = [
                {**t, "default": t["default"] and t["addressType"] not in defaults}
                for t in old_types
            ]
            changed["attributes"]["updatedAt"] = attributes.get("updatedAt")
            tx.put(changed)

    return rule


def _named(*fields: str, owned: bool = False) -> Rule:
    """Types whose only rule is a required name (groups, payment terms, roles)."""

    def rule(tx: Transaction, record: Record, pointer: str) -> None:
        required_text(record, fields, pointer)
        if owned:
            record["relationships"].setdefault("paymentTerm", None)
            owned_defaults(record)

    return rule


CUSTOMER_RULES: dict[str, Rule] = {
    "customergroups": _named("name", owned=True),
    "paymentterms": _named("label"),
    "customeruserroles": _named("role", "label"),
    "customers": _customer,
    "customerusers": _customer_user,
    "customeraddresses": _address("customer"),
    "customeruseraddresses": _address("customerUser"),
}

# children kept in their owner's read-only lists (see _rules.MIRRORS)
CUSTOMER_MIRRORS: dict[tuple[str, str], str] = {
    ("customers", "parent"): "children",
    ("customerusers", "customer"): "users",
    ("customeraddresses", "customer"): "addresses",
    ("customeruseraddresses", "customerUser"): "addresses",
}
