"""The catalog editor's form: the criteria lines it holds, read into Akeneo-spelled
criteria, and each problem tied to the input it is about.

Every check is the domain's (:func:`pimsync.catalogs.criterion_problems`); this module
only reads the form's text into criterion values and says which input of which line a
problem belongs to, so the page can show it there.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from pydantic import ValidationError

from pimsync.catalogs import (
    CatalogSpec,
    Criterion,
    ValueFilters,
    criterion_problems,
    value_filter_problems,
)
from pimsync.mapping import AkeneoMetadata
from pimsync.web._catalog_fields import FieldChoice, SourceStructure

MAX_CRITERIA = 25
_INTEGER = re.compile(r"^-?\d+$")


@dataclass
class Line:
    """One line of the builder as the form holds it (raw text, not yet checked)."""

    field: str
    operator: str = ""
    values: list[str] = dataclasses.field(default_factory=list)
    second: str = ""
    unit: str = ""
    scope: str = ""
    locale: str = ""


@dataclass
class Draft:
    """A catalog's criteria and value filters being edited, with what is wrong, keyed by
    input name (``criteria.N.value``, ``channels``…; ``""`` for the whole catalog)."""

    lines: list[Line]
    filters: ValueFilters
    problems: dict[str, str] = dataclasses.field(default_factory=dict)
    criteria: list[Criterion] = dataclasses.field(default_factory=list)

    @property
    def spec(self) -> CatalogSpec:
        """The draft as a spec; only meaningful when it has no problems."""
        return CatalogSpec.model_construct(
            criteria=tuple(self.criteria), value_filters=self.filters, enabled=False
        )


def _first(values: Sequence[str]) -> str:
    return next((v.strip() for v in values if v.strip()), "")


def _number(text: str) -> Any:
    """An int or float when ``text`` is one; else the text, for the validator to refuse."""
    if _INTEGER.match(text):
        return int(text)
    try:
        Decimal(text)
    except InvalidOperation:
        return text
    return float(text)


def _value(line: Line, choice: FieldChoice | None) -> Any:
    """The criterion value the line's inputs spell, in Akeneo's shape."""
    if choice is None:
        return _first(line.values) or None
    match choice.input_for(line.operator):
        case "none":
            return None
        case "boolean":
            text = _first(line.values)
            return {"true": True, "false": False}.get(text, text or None)
        case "codes":
            return [v for v in (v.strip() for v in line.values) if v]
        case "list":
            return [v for text in line.values for v in re.split(r"[,\s]+", text) if v]
        case "percent" | "number":
            text = _first(line.values)
            return _number(text) if text else None
        case "metric":
            amount = _first(line.values)
            return {"amount": _number(amount), "unit": line.unit} if amount else None
        case "dates":
            first = _first(line.values)
            return [first, line.second.strip()] if first or line.second.strip() else None
        case _:
            return _first(line.values) or None


def _part(problem: str) -> str:
    """Which input of a line a domain problem is about."""
    if "scope" in problem or "channel" in problem:
        return "scope"
    if "locale" in problem:
        return "locale"
    if problem.startswith("operator") and "is not valid" in problem:
        return "operator"
    if problem.startswith("unknown attribute") or "cannot select" in problem:
        return "field"
    return "value"


def check_draft(draft: Draft, structure: SourceStructure | None) -> Draft:
    """Fill ``draft.criteria`` and ``draft.problems``; without a ``structure`` (Akeneo
    could not be read) only the shape of each line is checked."""
    fields = structure.fields if structure is not None else {}
    if len(draft.lines) > MAX_CRITERIA:
        draft.problems[""] = f"a catalog has at most {MAX_CRITERIA} criteria"
    for number, line in enumerate(draft.lines):
        where = f"criteria.{number}"
        choice = fields.get(line.field)
        try:
            criterion = Criterion.model_validate(
                {
                    "field": line.field,
                    "operator": line.operator,
                    "value": _value(line, choice),
                    "scope": line.scope or None,
                    "locale": line.locale or None,
                }
            )
        except ValidationError as exc:
            for error in exc.errors():
                part = str(error["loc"][0]) if error["loc"] else "value"
                draft.problems.setdefault(f"{where}.{part}", str(error["msg"]))
            continue
        draft.criteria.append(criterion)
        if structure is not None:
            draft.problems.update(
                criterion_problems_by_input(number, criterion, structure.metadata)
            )
    if structure is not None:
        draft.problems.update(filter_problems_by_input(draft.filters, structure.metadata))
    return draft


def criterion_problems_by_input(
    number: int, criterion: Criterion, metadata: AkeneoMetadata
) -> dict[str, str]:
    """The domain's problems with criterion ``number``, keyed ``criteria.N.<input>``."""
    found: dict[str, list[str]] = {}
    for problem in criterion_problems(criterion, metadata):
        found.setdefault(_part(problem), []).append(problem)
    return {f"criteria.{number}.{part}": "; ".join(p) for part, p in found.items()}


def filter_problems_by_input(filters: ValueFilters, metadata: AkeneoMetadata) -> dict[str, str]:
    """Unknown codes of the value filters, keyed ``channels``, ``locales``, ``currencies``."""
    return {k: "; ".join(p) for k, p in value_filter_problems(filters, metadata).items()}


def _filters(form: Mapping[str, Sequence[str]]) -> ValueFilters:
    def codes(key: str) -> tuple[str, ...]:
        return tuple(v.strip() for v in form.get(key, ()) if v.strip())

    return ValueFilters(
        channels=codes("channels"), locales=codes("locales"), currencies=codes("currencies")
    )


def draft_of_form(
    form: Mapping[str, Sequence[str]],
    structure: SourceStructure | None,
    *,
    add: str | None = None,
    remove: int | None = None,
) -> Draft:
    """The editor's form as a checked :class:`Draft`; ``add`` appends a line for a field
    (its first operator chosen), ``remove`` drops line ``remove``."""
    numbers = sorted(
        {int(m[1]) for key in form if (m := re.fullmatch(r"criteria\.(\d+)\.field", key))}
    )
    lines = []
    for number in numbers:
        prefix = f"criteria.{number}."

        def one(part: str, prefix: str = prefix) -> str:
            return _first(form.get(prefix + part, ()))

        lines.append(
            Line(
                field=one("field"),
                operator=one("operator"),
                values=list(form.get(prefix + "value", ())),
                second=one("second"),
                unit=one("unit"),
                scope=one("scope"),
                locale=one("locale"),
            )
        )
    fields = structure.fields if structure is not None else {}
    if remove is not None and 0 <= remove < len(lines):
        del lines[remove]
    for line in lines:  # a line without an operator gets its field's first
        choice = fields.get(line.field)
        if choice is not None and not line.operator and choice.operators:
            line.operator = choice.operators[0]
    if add:
        choice = fields.get(add)
        first = choice.operators[0] if choice is not None and choice.operators else ""
        lines.append(Line(field=add, operator=first))
    return check_draft(Draft(lines, _filters(form)), structure)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def line_of(criterion: Criterion) -> Line:
    """A stored criterion as the builder's inputs show it."""
    value = criterion.value
    line = Line(
        field=criterion.field,
        operator=criterion.operator,
        scope=criterion.scope or "",
        locale=criterion.locale or "",
    )
    if isinstance(value, dict):
        line.values, line.unit = [_text(value.get("amount"))], _text(value.get("unit"))
    elif isinstance(value, list | tuple) and criterion.operator in ("BETWEEN", "NOT BETWEEN"):
        line.values = [_text(value[0])] if value else []
        line.second = _text(value[1]) if len(value) > 1 else ""
    elif isinstance(value, list | tuple):
        line.values = [_text(v) for v in value]
    else:
        line.values = [_text(value)] if value is not None else []
    return line


def draft_of_spec(
    criteria: Iterable[Criterion], filters: ValueFilters, structure: SourceStructure | None
) -> Draft:
    """A stored catalog as a checked draft (a criterion Akeneo no longer backs shows its
    problem on its line)."""
    criteria = list(criteria)
    draft = Draft([line_of(c) for c in criteria], filters)
    check_draft(draft, structure)
    draft.criteria = criteria  # as stored, not as re-spelled by the form
    return draft
