"""SfccSandbox: one stand-in B2C Commerce instance — data, files, tokens, jobs, faults."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from pimsync.sandbox.akeneo._faults import Faults
from pimsync.sandbox.sfcc._auth import ApiClient, TokenIssuer
from pimsync.sandbox.sfcc._import import Schemas
from pimsync.sandbox.sfcc._instance import Instance
from pimsync.sandbox.sfcc._jobs import SiteJobs
from pimsync.sandbox.sfcc._webdav import FileTree

# TRIGGER.md A3: an instance rejects a single import archive above ~200 MB
DEFAULT_SIZE_LIMIT = 200 * 1024 * 1024


def _utc_now() -> datetime:
    return datetime.now(UTC)


class SfccSandbox:
    """A local B2C Commerce instance: serve it with :func:`pimsync.sandbox.sfcc.serve`.

    * ``client`` — the Account Manager API client (id + secret) allowed to get tokens.
    * ``size_limit`` — the largest WebDAV upload in bytes; above it PUT answers 413.
    * ``xsd_folder`` — a folder with the import XSDs (``catalog.xsd`` ...); when given,
      every imported file is validated against them, otherwise structural checks only.
    * ``webdav_paths`` — the WebDAV Client Permissions of the client (A1); other paths 401.
    * ``accept_file_name=False`` plays an instance that refuses ``file_name`` in the job
      execution request (``UnknownPropertyException``), so clients must send
      ``parameters: [{name: ImportFile}]``.
    * ``import_delay`` — seconds an execution stays ``pending`` and then ``running``.

    State: ``instance`` (catalogs, pricebooks, libraries, metadata; see
    :class:`~pimsync.sandbox.sfcc._instance.Instance`), ``files`` (the WebDAV tree),
    ``jobs`` (executions; ``jobs.wait()``), ``faults``, ``requests`` ("METHOD path").
    """

    def __init__(
        self,
        *,
        client: ApiClient | None = None,
        size_limit: int = DEFAULT_SIZE_LIMIT,
        xsd_folder: Path | None = None,
        webdav_paths: tuple[str, ...] = ("/impex",),
        accept_file_name: bool = True,
        token_ttl: int = 1799,
        import_delay: float = 0.05,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.client = client or ApiClient()
        self.size_limit = size_limit
        self.xsd_folder = xsd_folder
        self.webdav_paths = webdav_paths
        self.accept_file_name = accept_file_name
        self.instance = Instance()
        self.files = FileTree()
        self.tokens = TokenIssuer(self.client, clock, token_ttl)
        self.faults = Faults(self.tokens.expire_all)
        self.requests: Counter[str] = Counter()
        self._schemas = Schemas(xsd_folder) if xsd_folder is not None else None
        self.jobs = SiteJobs(self.instance, self.files, self.schemas, import_delay)

    def schemas(self) -> Schemas | None:
        """The compiled XSDs (cached) when the sandbox was given their folder."""
        return self._schemas

    def webdav_allowed(self, path: str) -> bool:
        """Whether the client's WebDAV permissions cover ``path`` (relative to Sites/)."""
        lowered = "/" + path.strip("/").lower()
        return any(
            lowered == p.lower() or lowered.startswith(p.lower().rstrip("/") + "/")
            for p in self.webdav_paths
        )
