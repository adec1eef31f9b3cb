"""Keep secrets out of logs and error messages.

A :class:`Redactor` belongs to one connection. It knows the secrets registered for
it (client secret, password, tokens as they are fetched) and also recognises
credentials by shape: ``Authorization`` headers, ``Bearer`` tokens, URL userinfo,
and ``access_token=`` / ``"password": "…"`` style parameters and JSON fields.
"""

from __future__ import annotations

import json
import logging
import re
import threading
import weakref
from collections.abc import Iterable
from typing import Protocol
from urllib.parse import quote, quote_plus

from pydantic import SecretStr

REDACTED = "***"

# Parameter and field names whose values are credentials wherever they appear.
SENSITIVE_NAMES: tuple[str, ...] = (
    "access_token",
    "refresh_token",
    "id_token",
    "client_secret",
    "client_assertion",
    "password",
    "api_key",
    "apikey",
)

_NAMES = "|".join(re.escape(name) for name in SENSITIVE_NAMES)

# No word boundary before the name on purpose: "new_password=" is a secret too.
_QUERY_OR_FORM = re.compile(rf"(?i)((?:{_NAMES})=)[^&\s#\"',;]*")
_QUOTED_FIELD = re.compile(
    rf"""(?ix)
    (["'])((?:{_NAMES}))\1      # "password" or 'password'
    (\s*[:=]\s*)                # : (JSON, repr) or = (kwargs-like)
    (["'])(?:\\.|(?!\4).)*\4    # the quoted value, escapes included
    """
)
_AUTHORIZATION = re.compile(
    r"""(?i)(authorization["']?\s*[:=]\s*["']?)(?:(bearer|basic|token|digest)\s+)?[^\s"',}]+"""
)
_BEARER = re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9\-._~+/]+=*")
_USERINFO = re.compile(r"(?i)(\b[a-z][a-z0-9+.\-]*://[^/\s:@]*:)[^@\s/]+@")


def _variants(secret: str) -> set[str]:
    """The spellings a secret can take on the wire: raw, URL-encoded, JSON-escaped."""
    return {
        secret,
        quote(secret, safe=""),
        quote_plus(secret, safe=""),
        json.dumps(secret, ensure_ascii=False)[1:-1],
        json.dumps(secret)[1:-1],
    }


class Redactor:
    """Replaces the secrets of one connection with ``***`` in any string.

    Thread-safe: connectors register tokens from worker threads while other threads
    log. Empty secrets are ignored; every non-empty one is redacted, however short.
    """

    def __init__(self, secrets: Iterable[str | SecretStr | None] = ()) -> None:
        self._lock = threading.Lock()
        self._secrets: frozenset[str] = frozenset()
        self._pattern: re.Pattern[str] | None = None
        self.add(*secrets)

    def add(self, *secrets: str | SecretStr | None) -> None:
        """Register secrets (plain or :class:`SecretStr`); ``None`` and ``""`` are skipped."""
        new: set[str] = set()
        for secret in secrets:
            value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
            if value:
                new |= _variants(value)
        new.discard("")
        with self._lock:
            if new <= self._secrets:
                return
            self._secrets |= new
            # Longest first so a secret containing another one is replaced whole.
            ordered = sorted(self._secrets, key=len, reverse=True)
            self._pattern = re.compile("|".join(re.escape(s) for s in ordered))

    def redact(self, text: str) -> str:
        """Return ``text`` with registered secrets and credential-shaped values masked."""
        pattern = self._pattern  # one read: add() swaps the compiled pattern atomically
        if pattern is not None:
            text = pattern.sub(REDACTED, text)
        text = _AUTHORIZATION.sub(_mask_authorization, text)
        text = _BEARER.sub(rf"\1 {REDACTED}", text)
        text = _USERINFO.sub(rf"\1{REDACTED}@", text)
        text = _QUERY_OR_FORM.sub(rf"\1{REDACTED}", text)
        return _QUOTED_FIELD.sub(rf"\1\2\1\3\4{REDACTED}\4", text)

    def logging_filter(self) -> RedactingFilter:
        """A :class:`logging.Filter` that redacts this connection's secrets from records."""
        return RedactingFilter(self)


class Redacts(Protocol):
    """Anything that can redact a string: a :class:`Redactor` or a :class:`RedactorRegistry`."""

    def redact(self, text: str) -> str: ...


class RedactorRegistry:
    """Redacts with the redactors of every live connection, holding them weakly.

    For loggers shared by all connections (httpx's own): one filter serves every
    client, and a discarded client's secrets leave with it.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._redactors: weakref.WeakSet[Redactor] = weakref.WeakSet()

    def register(self, redactor: Redactor) -> None:
        """Include ``redactor`` until it is garbage-collected."""
        with self._lock:
            self._redactors.add(redactor)

    def redact(self, text: str) -> str:
        """``text`` passed through every registered redactor (by shape alone if none)."""
        with self._lock:
            redactors = list(self._redactors)
        for redactor in redactors or [_SHAPES_ONLY]:
            text = redactor.redact(text)
        return text


_SHAPES_ONLY = Redactor()


def _mask_authorization(match: re.Match[str]) -> str:
    scheme = match.group(2)
    return f"{match.group(1)}{scheme} {REDACTED}" if scheme else f"{match.group(1)}{REDACTED}"


class RedactingFilter(logging.Filter):
    """Rewrites log records so neither the message nor the traceback shows a secret.

    Attach it to a logger (records created there) or a handler (every record that
    reaches it). It never drops a record.
    """

    def __init__(self, redactor: Redacts) -> None:
        super().__init__()
        self._redactor = redactor

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return True  # malformed record: logging reports it at emit time
        redacted = self._redactor.redact(message)
        if redacted != message:
            record.msg, record.args = redacted, None
        if record.exc_info and not record.exc_text:
            # Formatters reuse exc_text when it is set, so the redacted text is what prints.
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self._redactor.redact(record.exc_text)
        return True
