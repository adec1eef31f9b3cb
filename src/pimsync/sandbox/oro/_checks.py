"""Validation helpers shared by the per-type rules: Oro-shaped 400s with JSON pointers."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from pimsync.sandbox.oro._documents import ApiError
from pimsync.sandbox.oro._store import Record, Transaction

MAX_STRING = 255
MAX_EXTERNAL_ID = 36  # the external_id column of customers, customer users, orders (6.1.10+)
Rule = Callable[[Transaction, Record, str], None]


def invalid(title: str, detail: str, pointer: str) -> ApiError:
    return ApiError(400, title, detail, pointer=pointer)


def blank(pointer: str) -> ApiError:
    return invalid("not blank constraint", "This value should not be blank.", pointer)


def too_long(limit: int, pointer: str) -> ApiError:
    return invalid(
        "length constraint",
        f"This value is too long. It should have {limit} characters or less.",
        pointer,
    )


def choice(record: Record, name: str, choices: tuple[str, ...], pointer: str) -> None:
    """Default to the first choice; anything outside ``choices`` is a 400."""
    attributes = record["attributes"]
    attributes.setdefault(name, choices[0])
    if attributes[name] not in choices:
        raise invalid(
            "choice constraint",
            "The value you selected is not a valid choice.",
            f"{pointer}/attributes/{name}",
        )


def required_links(record: Record, names: tuple[str, ...], pointer: str) -> None:
    for name in names:
        if not record["relationships"].get(name):
            raise blank(f"{pointer}/relationships/{name}/data")


def required_text(record: Record, names: tuple[str, ...], pointer: str) -> None:
    """Non-blank strings of at most 255 characters (Oro's NotBlank + Length)."""
    for name in names:
        value = record["attributes"].get(name)
        where = f"{pointer}/attributes/{name}"
        if value is None or (isinstance(value, str) and not value.strip()):
            raise blank(where)
        if isinstance(value, str) and len(value) > MAX_STRING:
            raise too_long(MAX_STRING, where)


def money(value: Any, pointer: str) -> str:
    """A decimal as Oro returns money: a string with 4 decimals."""
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise invalid("type constraint", "This value should be of type numeric.", pointer) from None
    if not number.is_finite():
        raise invalid("type constraint", "This value should be of type numeric.", pointer)
    return f"{number:.4f}"


def external_id(tx: Transaction, record: Record, pointer: str) -> None:
    """``externalId``: nullable, at most 36 characters, unique per type (brief §0, §1.9).

    Oro checks uniqueness with a form-level UniqueEntity, so a duplicate is a 400, not a
    409; the comparison is exact, as the database column compares it.
    """
    value = record["attributes"].setdefault("externalId", None)
    if value is None:
        return
    where = f"{pointer}/attributes/externalId"
    if not isinstance(value, str):
        raise invalid("type constraint", "This value should be of type string.", where)
    if len(value) > MAX_EXTERNAL_ID:
        raise too_long(MAX_EXTERNAL_ID, where)
    for other in tx.find(record["type"], "externalId", value):
        if other["id"] != record["id"] and other["attributes"].get("externalId") == value:
            raise invalid("unique entity constraint", "This value is already used.", where)


def staged(tx: Transaction, type_: str, id_: str) -> Record | None:
    """A record to change inside ``tx``: the staged one, or a copy of the stored one."""
    if (type_, id_) in tx.staged:
        return tx.staged[(type_, id_)]
    found = tx.store.get(type_, id_)
    if found is None:
        return None
    copied: Record = {
        "type": found["type"],
        "id": found["id"],
        "attributes": dict(found["attributes"]),
        "relationships": {
            k: (list(v) if isinstance(v, list) else v) for k, v in found["relationships"].items()
        },
    }
    return copied
