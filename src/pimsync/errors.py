"""The errors pimsync raises, grouped by what the caller should do about them.

* :class:`ConfigError` — the user must fix something (config, mapping, arguments).
* :class:`TransientError` — try again later; the HTTP layer retries these with backoff,
  and a run whose batch still fails stops without advancing its watermark.
* :class:`RejectedRecord` — one record cannot be written; skip it, report it, go on.
* :class:`FatalSourceError` / :class:`FatalDestinationError` — stop the run; the
  watermark is not advanced, so the next run starts from the same point.
* :class:`JobLocked` — another run of the same job holds the lock.
"""

from __future__ import annotations

from typing import Any


class PimsyncError(Exception):
    """Base of every error pimsync raises on purpose."""


class ConfigError(PimsyncError):
    """Invalid configuration, mapping or argument: the user must fix it."""

    @classmethod
    def from_validation(cls, error: Any, subject: str, *, prefix: str = "") -> ConfigError:
        """One line naming ``subject`` and each invalid field of a pydantic ``ValidationError``.

        ``prefix`` goes before each field's path (e.g. ``"options."``).
        """
        problems = "; ".join(
            f"{prefix}{'.'.join(str(p) for p in e['loc']) or 'value'}: {e['msg']}"
            for e in error.errors()
        )
        return cls(f"{subject}: {problems}")


class StateStoreError(PimsyncError):
    """The state database cannot be reached or is not at the expected schema."""


class TransientError(PimsyncError):
    """A temporary failure (timeout, 429, 5xx, dropped connection) worth retrying.

    ``retry_after`` is the delay in seconds the remote system asked for, if any.
    """

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class RemoteError(PimsyncError):
    """A remote system answered with an error that retrying will not fix."""

    def __init__(self, message: str, *, status_code: int | None = None, url: str = "") -> None:
        super().__init__(message)
        self.status_code = status_code
        self.url = url


class AuthenticationError(RemoteError):
    """Credentials were refused (401 after a fresh token, or a failed token request)."""


class RejectedRecord(PimsyncError):
    """The destination refused one record; it is reported and skipped."""

    def __init__(self, key: str, message: str, *, field: str | None = None) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key
        self.reason = message
        self.field = field


class AwaitingParent(RejectedRecord):
    """The record needs another one that is not synced yet (a contact's account, an
    order's products): it is retried after that one, and waiting costs no attempt."""


class FatalSourceError(PimsyncError):
    """The source cannot be read any further; the run stops without advancing its watermark."""


class FatalDestinationError(PimsyncError):
    """The destination cannot be written any further; the run stops."""


class JobLocked(PimsyncError):
    """Another run of the same job is in progress."""

    def __init__(self, job: str, holder: str, *, group: str | None = None) -> None:
        if group is None:
            text = f"job {job!r} is already running ({holder}); wait for it to finish"
        else:
            text = (
                f"job {job!r} cannot start while {holder} (jobs of group {group!r} never "
                "run at the same time); wait for it to finish"
            )
        super().__init__(text)
        self.job = job
        self.holder = holder
