"""Salesforce-shaped errors: a top-level REST error array, or a SaveResult's ``errors``."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Problem:
    """One error: ``errorCode`` (``statusCode`` in a SaveResult), message, fields."""

    code: str
    message: str
    fields: tuple[str, ...] | None = None  # None: the REST body has no "fields" key

    def rest(self) -> dict[str, Any]:
        """The element of a top-level error array (brief §10)."""
        body: dict[str, Any] = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            body["fields"] = list(self.fields)
        return body

    def save_result(self) -> dict[str, Any]:
        """The element of a SaveResult's ``errors`` (brief §6: ``statusCode``)."""
        return {"statusCode": self.code, "message": self.message, "fields": list(self.fields or ())}


class SalesforceError(Exception):
    """A refused request: HTTP status and the problems the body lists."""

    def __init__(
        self, status: int, code: str, message: str, fields: tuple[str, ...] | None = None
    ) -> None:
        super().__init__(f"{code}: {message}")
        self.status = status
        self.problem = Problem(code, message, fields)

    def body(self) -> list[dict[str, Any]]:
        return [self.problem.rest()]


def not_found() -> SalesforceError:
    return SalesforceError(404, "NOT_FOUND", "The requested resource does not exist")


def dml(code: str, message: str, *fields: str) -> SalesforceError:
    """A DML failure (validation, integrity): 400 with a ``fields`` list."""
    return SalesforceError(400, code, message, tuple(fields))
