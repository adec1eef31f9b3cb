"""Akeneo's OpenAPI (Swagger 2.0) spec, read in place from ../shared/reference.

Response schemas are looked up by path template, method and status, with every ``$ref``
resolved. The spec leaves nullability implicit although Akeneo returns ``null`` for unset
optional fields (its own examples do: ``"parent": null``), so scalar types also accept null.
"""

from __future__ import annotations

import copy
import functools
from pathlib import Path
from typing import Any

import orjson
import pytest
from jsonschema import Draft4Validator

REFERENCE = Path(__file__).resolve().parents[2].parent / "shared" / "reference"
SPEC_FILE = REFERENCE / "akeneo" / "akeneo-web-api.json"
_SCALARS = {"string", "integer", "number", "boolean"}


@functools.cache
def spec() -> dict[str, Any]:
    if not SPEC_FILE.exists():
        pytest.skip(f"Akeneo OpenAPI spec not found at {SPEC_FILE} (../shared/reference absent)")
    data: dict[str, Any] = orjson.loads(SPEC_FILE.read_bytes())
    return data


def _resolve(node: Any, root: dict[str, Any], seen: tuple[str, ...] = ()) -> Any:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            if ref in seen:  # a recursive definition: stop at any object
                return {"type": "object"}
            target: Any = root
            for part in ref[2:].split("/"):
                target = target[part.replace("~1", "/").replace("~0", "~")]
            return _resolve(target, root, (*seen, ref))
        return {k: _resolve(v, root, seen) for k, v in node.items() if not k.startswith("x-")}
    if isinstance(node, list):
        return [_resolve(v, root, seen) for v in node]
    return node


def _nullable(node: Any, *, strict: bool = False) -> Any:
    """Let optional scalars be null; ``strict`` (a required property) keeps its type."""
    if isinstance(node, dict):
        required = set(node.get("required", ()))
        out = {}
        for key, value in node.items():
            if key == "properties" and isinstance(value, dict):
                out[key] = {n: _nullable(v, strict=n in required) for n, v in value.items()}
                if {"locale", "data"} <= value.keys():
                    # A product value's data: the spec says object, but Akeneo (and the
                    # spec's own examples) send text, numbers, booleans and lists too.
                    out[key]["data"] = {}
            else:
                out[key] = _nullable(value)
        kind = out.get("type")
        if not strict and isinstance(kind, str) and kind in _SCALARS:
            out["type"] = [kind, "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


def response_schema(template: str, method: str, status: int) -> dict[str, Any] | None:
    """The schema of the documented response, or None if the spec documents no body."""
    root = spec()
    operation = root["paths"][template][method]
    response = operation["responses"].get(str(status))
    if response is None:
        raise AssertionError(f"the spec documents no {status} for {method.upper()} {template}")
    resolved = _resolve(copy.deepcopy(response), root)
    schema = resolved.get("schema")
    return None if schema is None else _nullable(schema)


def check(
    template: str, method: str, status: int, actual_status: int, body: Any, *, each: bool = False
) -> None:
    """Assert that a response has the documented status and matches its schema.

    ``each``: the body is a list whose every element must match (the spec describes
    /measurement-families as one object, while the API answers a list of them).
    """
    assert actual_status == status, f"{method.upper()} {template}: {actual_status} != {status}"
    schema = response_schema(template, method, status)
    if schema is None:
        return
    if each:
        schema = {"type": "array", "items": schema}
    errors = sorted(Draft4Validator(schema).iter_errors(body), key=lambda e: list(e.path))
    assert not errors, f"{method.upper()} {template} {status}: " + "; ".join(
        f"{'/'.join(str(p) for p in e.path) or '(root)'}: {e.message}" for e in errors[:5]
    )
