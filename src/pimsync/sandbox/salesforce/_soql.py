"""The SOQL subset a connector uses, parsed and evaluated over the org:

    SELECT field, ... | COUNT() FROM Type
    [WHERE cond]  -- comparisons = != <> < <= > >=, [NOT] IN (...), LIKE, NOT, AND/OR, ()
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...] [LIMIT n] [OFFSET n]

Literals: 'strings', numbers, true/false, null, dates (2024-05-08) and unquoted datetimes
(2024-05-08T21:20:00Z). No relationship paths, sub-queries, aggregates or date literals.
Like Salesforce, AND and OR may not be mixed without parentheses, string comparisons
ignore case, and a literal must have its field's type (a quoted datetime is INVALID_FIELD).
Errors carry Salesforce's caret-and-position message.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from pimsync.sandbox.salesforce._errors import SalesforceError
from pimsync.sandbox.salesforce._schema import (
    NUMBERS,
    STRINGS,
    Field,
    SObjectType,
    normalize_id,
    parse_datetime,
    to_json,
)

_TOKEN = re.compile(
    r"""(?P<ws>\s+)
    |(?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:?\d{2}))
    |(?P<date>\d{4}-\d{2}-\d{2})
    |(?P<number>-?\d+(?:\.\d+)?)
    |(?P<string>'(?:\\.|[^'\\])*')
    |(?P<name>[A-Za-z_][A-Za-z0-9_.]*)
    |(?P<op>!=|<>|<=|>=|=|<|>|\(|\)|,)""",
    re.VERBOSE,
)
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f"}
_KEYWORDS = {
    "select",
    "from",
    "where",
    "and",
    "or",
    "not",
    "in",
    "like",
    "order",
    "by",
    "limit",
    "offset",
    "asc",
    "desc",
    "nulls",
    "first",
    "last",
    "null",
    "true",
    "false",
    "count",
}

Row = dict[str, Any]
Predicate = Callable[[Row], bool]


@dataclass(frozen=True)
class _Tok:
    kind: str
    text: str
    pos: int
    value: Any = None

    def kw(self, *words: str) -> bool:
        return self.kind == "name" and self.text.lower() in words


@dataclass(frozen=True)
class Query:
    """A parsed query: ``fields`` is None for ``SELECT COUNT()``."""

    sobject: SObjectType
    fields: list[Field] | None
    where: Predicate | None
    order: list[tuple[Field, bool, bool]]  # field, descending, nulls first
    limit: int | None
    offset: int

    def run(self, rows: list[Row]) -> list[Row]:
        """The matching rows, ordered, offset and limited."""
        hits = [r for r in rows if self.where is None or self.where(r)]
        for f, descending, nulls_first in reversed(self.order):
            present = sorted(
                (r for r in hits if r.get(f.name) is not None),
                key=lambda r, f=f: _sort_key(r[f.name]),  # type: ignore[misc]
                reverse=descending,
            )
            absent = [r for r in hits if r.get(f.name) is None]
            hits = absent + present if nulls_first else present + absent
        hits = hits[self.offset :]
        return hits if self.limit is None else hits[: self.limit]

    def shape(self, row: Row, base: str) -> dict[str, Any]:
        """A result record: ``attributes`` then the selected fields (brief §3)."""
        out: dict[str, Any] = {
            "attributes": {
                "type": self.sobject.name,
                "url": f"{base}/sobjects/{self.sobject.name}/{row['Id']}",
            },
        }
        for f in self.fields or ():
            out[f.name] = to_json(row.get(f.name))
        return out


def parse(text: str, find_type: Callable[[str], SObjectType | None]) -> Query:
    """Parse ``text``. Raises SalesforceError 400 MALFORMED_QUERY / INVALID_FIELD /
    INVALID_TYPE."""
    return _Parser(text, find_type).query()


def _sort_key(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


class _Parser:
    def __init__(self, text: str, find_type: Callable[[str], SObjectType | None]) -> None:
        self.text = text
        self.find_type = find_type
        self.toks = self._tokens(text)
        self.i = 0

    # --- errors and tokens ---------------------------------------------------------------

    def fail(self, code: str, message: str, pos: int | None = None) -> SalesforceError:
        pos = self.peek().pos if pos is None else pos
        caret = f"\n{self.text}\n{' ' * pos}^\nERROR at Row:1:Column:{pos + 1}\n"
        return SalesforceError(400, code, caret + message)

    def _tokens(self, text: str) -> list[_Tok]:
        toks, pos = [], 0
        while pos < len(text):
            m = _TOKEN.match(text, pos)
            if m is None:
                raise SalesforceError(
                    400,
                    "MALFORMED_QUERY",
                    f"\n{text}\n{' ' * pos}^\nERROR at Row:1:Column:{pos + 1}\n"
                    f"unexpected token: '{text[pos]}'",
                )
            kind = m.lastgroup or ""
            if kind != "ws":
                toks.append(_Tok(kind, m.group(), pos, self._literal(kind, m.group())))
            pos = m.end()
        toks.append(_Tok("end", "", len(text)))
        return toks

    @staticmethod
    def _literal(kind: str, text: str) -> Any:
        if kind == "string":
            return re.sub(r"\\(.)", lambda m: _ESCAPES.get(m.group(1), m.group(1)), text[1:-1])
        if kind == "number":
            return Decimal(text)
        if kind == "date":
            return date.fromisoformat(text)
        if kind == "datetime":
            return parse_datetime(text)
        return None

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def next(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def unexpected(self) -> SalesforceError:
        tok = self.peek()
        shown = tok.text or "<EOF>"
        return self.fail("MALFORMED_QUERY", f"unexpected token: '{shown}'")

    def expect_kw(self, word: str) -> None:
        if not self.peek().kw(word):
            raise self.unexpected()
        self.i += 1

    def expect_op(self, op: str) -> None:
        if self.peek().text != op:
            raise self.unexpected()
        self.i += 1

    # --- grammar -------------------------------------------------------------------------

    def query(self) -> Query:
        self.expect_kw("select")
        selected: list[_Tok] | None = []
        if self.peek().kw("count") and self.toks[self.i + 1].text == "(":
            self.i += 2
            self.expect_op(")")
            selected = None
        else:
            selected = [self.name_token()]
            while self.peek().text == ",":
                self.i += 1
                selected.append(self.name_token())
        self.expect_kw("from")
        type_tok = self.peek()  # an object may share a keyword's name: FROM Order
        if type_tok.kind != "name":
            raise self.unexpected()
        self.i += 1
        sobject = self.find_type(type_tok.text)
        if sobject is None:
            raise self.fail(
                "INVALID_TYPE",
                f"sObject type '{type_tok.text}' is not supported. If you are attempting to "
                "use a custom object, be sure to append the '__c' after the entity name. "
                "Please reference your WSDL or the describe call for the appropriate names.",
                type_tok.pos,
            )
        fields = None if selected is None else [self.field(sobject, t) for t in selected]
        where = None
        if self.peek().kw("where"):
            self.i += 1
            where = self.condition(sobject)
        order: list[tuple[Field, bool, bool]] = []
        if self.peek().kw("order"):
            self.i += 1
            self.expect_kw("by")
            order.append(self.order_item(sobject))
            while self.peek().text == ",":
                self.i += 1
                order.append(self.order_item(sobject))
        limit = self.count_clause("limit")
        offset = self.count_clause("offset") or 0
        if self.peek().kind != "end":
            raise self.unexpected()
        return Query(sobject, fields, where, order, limit, offset)

    def count_clause(self, word: str) -> int | None:
        if not self.peek().kw(word):
            return None
        self.i += 1
        tok = self.next()
        if tok.kind != "number" or tok.value < 0 or tok.value != int(tok.value):
            self.i -= 1
            raise self.unexpected()
        return int(tok.value)

    def name_token(self) -> _Tok:
        tok = self.peek()
        if tok.kind != "name" or tok.text.lower() in _KEYWORDS:
            raise self.unexpected()
        self.i += 1
        return tok

    def field(self, sobject: SObjectType, tok: _Tok) -> Field:
        if "." in tok.text:
            raise self.fail(
                "MALFORMED_QUERY",
                f"relationship paths are not supported by the sandbox: {tok.text}",
                tok.pos,
            )
        found = sobject.field(tok.text)
        if found is None:
            raise self.fail(
                "INVALID_FIELD",
                f"No such column '{tok.text}' on entity '{sobject.name}'. If you are "
                "attempting to use a custom field, be sure to append the '__c' after the "
                "custom field name. Please reference your WSDL or the describe call for the "
                "appropriate names.",
                tok.pos,
            )
        return found

    def order_item(self, sobject: SObjectType) -> tuple[Field, bool, bool]:
        f = self.field(sobject, self.name_token())
        descending = False
        if self.peek().kw("asc", "desc"):
            descending = self.next().kw("desc")
        nulls_first = not descending
        if self.peek().kw("nulls"):
            self.i += 1
            if not self.peek().kw("first", "last"):
                raise self.unexpected()
            nulls_first = self.next().kw("first")
        return f, descending, nulls_first

    def condition(self, sobject: SObjectType) -> Predicate:
        parts = [self.unary(sobject)]
        joiner = None
        while self.peek().kw("and", "or"):
            word = self.peek().text.lower()
            if joiner is not None and word != joiner:
                raise self.unexpected()  # SOQL wants parentheses between AND and OR
            joiner = word
            self.i += 1
            parts.append(self.unary(sobject))
        if len(parts) == 1:
            return parts[0]
        if joiner == "and":
            return lambda r: all(p(r) for p in parts)
        return lambda r: any(p(r) for p in parts)

    def unary(self, sobject: SObjectType) -> Predicate:
        if self.peek().kw("not"):
            self.i += 1
            inner = self.unary(sobject)
            return lambda r: not inner(r)
        if self.peek().text == "(":
            self.i += 1
            inner = self.condition(sobject)
            self.expect_op(")")
            return inner
        return self.comparison(sobject)

    def comparison(self, sobject: SObjectType) -> Predicate:
        f = self.field(sobject, self.name_token())
        tok = self.peek()
        if tok.kw("not") and self.toks[self.i + 1].kw("in"):
            self.i += 2
            values = self.value_list(f)
            return lambda r: not _in(f, r.get(f.name), values)  # like !=, keeps nulls
        if tok.kw("in"):
            self.i += 1
            values = self.value_list(f)
            return lambda r: _in(f, r.get(f.name), values)
        if tok.kw("like"):
            self.i += 1
            pattern_tok = self.next()
            if pattern_tok.kind != "string" or f.type not in STRINGS | {"id", "reference"}:
                self.i -= 1
                raise self.unexpected()
            regex = _like(pattern_tok.value)
            return lambda r: isinstance(r.get(f.name), str) and bool(regex.fullmatch(r[f.name]))
        if tok.kind != "op" or tok.text in "(),":
            raise self.unexpected()
        self.i += 1
        op = "!=" if tok.text == "<>" else tok.text
        value = self.value(f)
        if value is None and op not in ("=", "!="):
            raise self.unexpected()
        return lambda r: _compare(f, r.get(f.name), op, value)

    def value_list(self, f: Field) -> list[Any]:
        self.expect_op("(")
        values = [self.value(f)]
        while self.peek().text == ",":
            self.i += 1
            values.append(self.value(f))
        self.expect_op(")")
        return values

    def value(self, f: Field) -> Any:
        tok = self.next()
        if tok.kw("null"):
            return None
        kind = f.type
        if kind in STRINGS or kind in ("id", "reference"):
            if tok.kind != "string":
                raise self._wrong_type(f, tok, "string", quoted=True)
            if kind in ("id", "reference"):
                return normalize_id(tok.value) or tok.value
            return tok.value
        if kind == "boolean":
            if not tok.kw("true", "false"):
                raise self._wrong_type(f, tok, "boolean", quoted=False)
            return tok.kw("true")
        expected = {"date": "date", "datetime": "datetime"}.get(kind, "number")
        if tok.kind != expected or (kind in NUMBERS) != (expected == "number"):
            names = {"datetime": "dateTime", "date": "date", "number": kind}
            raise self._wrong_type(f, tok, names[expected], quoted=False)
        return tok.value

    def _wrong_type(self, f: Field, tok: _Tok, kind: str, *, quoted: bool) -> SalesforceError:
        how = "should be enclosed in quotes" if quoted else "should not be enclosed in quotes"
        return self.fail(
            "INVALID_FIELD",
            f"value of filter criterion for field '{f.name}' must be of type {kind} and {how}",
            tok.pos,
        )


def _norm(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


def _compare(f: Field, stored: Any, op: str, value: Any) -> bool:
    if value is None or stored is None:
        same = stored is None and value is None
        return same if op == "=" else not same
    a, b = _norm(stored), _norm(value)
    if op == "=":
        return bool(a == b)
    if op == "!=":
        return bool(a != b)
    if op == "<":
        return bool(a < b)
    if op == "<=":
        return bool(a <= b)
    if op == ">":
        return bool(a > b)
    return bool(a >= b)


def _in(f: Field, stored: Any, values: list[Any]) -> bool:
    return any(_compare(f, stored, "=", v) for v in values)


def _like(pattern: str) -> re.Pattern[str]:
    parts = ["." if c == "_" else ".*" if c == "%" else re.escape(c) for c in pattern]
    return re.compile("".join(parts), re.IGNORECASE | re.DOTALL)
