"""sObject Collections (brief §6): create, update, upsert, delete and retrieve up to 200
records in one call, with per-record SaveResults and ``allOrNone`` rollback."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import partial
from typing import Any

from pimsync.sandbox.salesforce._errors import Problem, SalesforceError, not_found
from pimsync.sandbox.salesforce._org import Org
from pimsync.sandbox.salesforce._schema import Field, SObjectType, normalize_id, to_json

LIMIT = 200
ROLLED_BACK = Problem(
    "ALL_OR_NONE_OPERATION_ROLLED_BACK",
    "Record rolled back because not all records were valid and the request was using "
    "AllOrNone header",
)
# one operation: returns (id, created); raises SalesforceError
Operation = Callable[[], tuple[str, bool | None]]


class _RollBack(Exception):
    pass


def request_records(body: Any) -> tuple[list[dict[str, Any]], bool]:
    """``records`` and ``allOrNone`` of a collection request. Raises SalesforceError."""
    if not isinstance(body, dict) or not isinstance(body.get("records"), list):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "Expected a 'records' array")
    records = body["records"]
    if len(records) > LIMIT:
        too_many(len(records))
    if not all(isinstance(r, dict) for r in records):
        raise SalesforceError(400, "JSON_PARSER_ERROR", "Each record must be an object")
    return records, bool(body.get("allOrNone", False))


def too_many(count: int) -> None:
    raise SalesforceError(
        400,
        "EXCEEDED_ID_LIMIT",
        f"record limit reached. cannot submit more than {LIMIT} records into this call "
        f"({count} sent)",
    )


def record_type(org: Org, record: dict[str, Any]) -> SObjectType:
    attributes = record.get("attributes")
    name = attributes.get("type") if isinstance(attributes, dict) else None
    sobject = org.sobject(str(name)) if name else None
    if sobject is None:
        raise SalesforceError(400, "INVALID_TYPE", f"Invalid or missing sObject type: {name}")
    return sobject


def run(
    org: Org,
    operations: list[Operation | Problem],
    known_ids: list[str | None],
    all_or_none: bool,
    *,
    with_created: bool,
) -> list[dict[str, Any]]:
    """Run the operations in order; a Problem stands for a record refused up front."""
    results: list[dict[str, Any]] = []
    failed = False
    context: AbstractContextManager[None] = org.atomic() if all_or_none else nullcontext()
    try:
        with context:
            for op, known in zip(operations, known_ids, strict=True):
                if isinstance(op, Problem):
                    failed = True
                    results.append(_failure(known, op))
                    continue
                try:
                    id_, created = op()
                except SalesforceError as exc:
                    failed = True
                    results.append(_failure(known, exc.problem))
                    continue
                result: dict[str, Any] = {"id": id_, "success": True, "errors": []}
                if with_created:
                    result["created"] = bool(created)
                results.append(result)
            _roll_back_if(failed and all_or_none)
    except _RollBack:
        results = [
            r if not r["success"] else _failure(known, ROLLED_BACK)
            for r, known in zip(results, known_ids, strict=True)
        ]
    return results


def _roll_back_if(condition: bool) -> None:
    if condition:
        raise _RollBack


def _failure(known: str | None, problem: Problem) -> dict[str, Any]:
    result: dict[str, Any] = {"success": False, "errors": [problem.save_result()]}
    return {"id": known, **result} if known else result


def create(org: Org, body: Any, user: str) -> list[dict[str, Any]]:
    records, all_or_none = request_records(body)
    ops: list[Operation | Problem] = []
    for record in records:
        sobject = record_type(org, record)
        if any(k.lower() == "id" for k in record):
            ops.append(Problem("INVALID_FIELD", "cannot specify Id in an insert call", ()))
            continue
        ops.append(partial(_created, org, sobject.name, record, user))
    return run(org, ops, [None] * len(ops), all_or_none, with_created=False)


def update(org: Org, body: Any, user: str) -> list[dict[str, Any]]:
    records, all_or_none = request_records(body)
    ops: list[Operation | Problem] = []
    known: list[str | None] = []
    for record in records:
        sobject = record_type(org, record)
        raw = next((v for k, v in record.items() if k.lower() == "id"), None)
        fields = {k: v for k, v in record.items() if k.lower() != "id"}
        known.append(normalize_id(str(raw)) if raw else None)
        if not raw:
            ops.append(Problem("MISSING_ARGUMENT", "Id not specified in an update call", ()))
            continue
        ops.append(partial(_updated, org, sobject.name, str(raw), fields, user))
    return run(org, ops, known, all_or_none, with_created=False)


def _created(org: Org, type_: str, record: dict[str, Any], user: str) -> tuple[str, None]:
    return org.create(type_, record, user=user), None


def _upserted(
    org: Org, s: SObjectType, key: Field, value: Any, record: dict[str, Any], user: str
) -> tuple[str, bool]:
    return org.upsert(s.name, key, value, record, user=user)


def _updated(org: Org, type_: str, id_: str, fields: dict[str, Any], user: str) -> tuple[str, None]:
    org.update(type_, id_, fields, user=user)
    return org.get(type_, id_)["Id"], None


def upsert(
    org: Org, sobject: SObjectType, field_name: str, body: Any, user: str
) -> list[dict[str, Any]]:
    key = sobject.field(field_name)
    if key is None:
        raise not_found()
    if not key.external_id:
        raise SalesforceError(
            400,
            "INVALID_FIELD",
            f"Field {key.name} is not an External ID or Id field for {sobject.name}",
        )
    records, all_or_none = request_records(body)
    values = [
        next((v for k, v in r.items() if k.lower() == key.name.lower()), None) for r in records
    ]
    seen = Counter(str(v).lower() for v in values if v not in (None, ""))
    ops: list[Operation | Problem] = []
    for record, value in zip(records, values, strict=True):
        if record_type(org, record).name != sobject.name:
            ops.append(Problem("INVALID_TYPE", f"Records must be of type {sobject.name}", ()))
        elif value in (None, ""):
            ops.append(Problem("MISSING_ARGUMENT", f"{key.name} not specified", ()))
        elif seen[str(value).lower()] > 1:
            ops.append(
                Problem(
                    "DUPLICATE_EXTERNAL_ID",
                    f"Duplicate external id specified: {value}",
                    (key.name,),
                )
            )
        else:
            ops.append(partial(_upserted, org, sobject, key, value, record, user))
    return run(org, ops, [None] * len(ops), all_or_none, with_created=True)


def delete(org: Org, ids: list[str], all_or_none: bool, user: str) -> list[dict[str, Any]]:
    if len(ids) > LIMIT:
        too_many(len(ids))
    ops: list[Operation | Problem] = []
    known: list[str | None] = []
    prefixes = {t.key_prefix: t.name for t in org.types.values()}
    for raw in ids:
        id_ = normalize_id(raw)
        known.append(id_ or raw)
        type_ = prefixes.get((id_ or "")[:3])
        if id_ is None or type_ is None:
            ops.append(Problem("MALFORMED_ID", f"malformed id {raw}", ()))
            continue
        ops.append(partial(_deleted, org, type_, id_, user))
    return run(org, ops, known, all_or_none, with_created=False)


def _deleted(org: Org, type_: str, id_: str, user: str) -> tuple[str, None]:
    org.delete(type_, id_, user=user)
    return id_, None


def retrieve(
    org: Org, sobject: SObjectType, ids: list[str], fields: list[str], base: str
) -> list[dict[str, Any] | None]:
    if len(ids) > 2000:
        too_many(len(ids))
    chosen = []
    for name in fields:
        f = sobject.field(name)
        if f is None:
            raise SalesforceError(
                400,
                "INVALID_FIELD",
                f"No such column '{name}' on entity '{sobject.name}'.",
            )
        chosen.append(f)
    out: list[dict[str, Any] | None] = []
    for raw in ids:
        id_ = normalize_id(raw)
        record = org.live(sobject.name, id_) if id_ else None
        if record is None:
            out.append(None)
            continue
        shaped: dict[str, Any] = {
            "attributes": {"type": sobject.name, "url": f"{base}/sobjects/{sobject.name}/{id_}"}
        }
        for f in chosen or sobject.fields.values():
            shaped[f.name] = to_json(record.get(f.name))
        out.append(shaped)
    return out
