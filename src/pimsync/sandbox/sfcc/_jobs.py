"""OCAPI job executions of ``sfcc-site-archive-import`` (TRIGGER.md A4/A5) and of
``sfcc-site-archive-export`` (catalogs only, see ``_export.py``).

An execution is ``pending``, then ``running``, then ``finished`` with exit code ``OK`` or
``ERROR``; the import runs in a background thread after ``delay`` seconds per phase so
clients really poll. The log is written to ``Impex/log/<log_file_name>`` over WebDAV.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from pimsync.sandbox.sfcc._archive import import_archive
from pimsync.sandbox.sfcc._export import export_catalogs
from pimsync.sandbox.sfcc._import import ImportFailure, Schemas
from pimsync.sandbox.sfcc._instance import Instance
from pimsync.sandbox.sfcc._webdav import FileTree

SITE_IMPORT = "sfcc-site-archive-import"
SITE_EXPORT = "sfcc-site-archive-export"
JOBS = (SITE_IMPORT, SITE_EXPORT)


def _iso(moment: datetime | None) -> str | None:
    if moment is None:
        return None
    return (
        moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
    )


@dataclass
class Execution:
    id: str
    job_id: str
    file_name: str
    client_id: str
    start_time: datetime
    execution_status: str = "pending"
    exit_code: str | None = None
    exit_message: str | None = None
    end_time: datetime | None = None
    log: list[str] = field(default_factory=list)
    catalogs: list[str] = field(default_factory=list)  # an export's catalog data units

    @property
    def log_file_name(self) -> str:
        return f"Job-{self.job_id}-{self.start_time.strftime('%Y%m%d%H%M%S')}-{self.id}.log"

    @property
    def step(self) -> str:
        return "ImportSiteArchive" if self.job_id == SITE_IMPORT else "ExportSiteArchive"

    @property
    def parameter(self) -> str:
        return "ImportFile" if self.job_id == SITE_IMPORT else "ExportFile"

    def document(self, version: str) -> dict[str, Any]:
        """The ``job_execution`` document (A5)."""
        finished = self.execution_status == "finished"
        exit_status = (
            {
                "code": self.exit_code,
                "message": self.exit_message,
                "status": "ok" if self.exit_code == "OK" else "error",
            }
            if finished
            else None
        )
        doc: dict[str, Any] = {
            "_v": version,
            "_type": "job_execution",
            "id": self.id,
            "job_id": self.job_id,
            "execution_status": self.execution_status,
            "status": self.exit_code if finished else self.execution_status.upper(),
            "start_time": _iso(self.start_time),
            "client_id": self.client_id,
            "is_log_file_existing": finished,
            "log_file_name": self.log_file_name,
            "parameters": [{"name": self.parameter, "value": self.file_name}],
            "step_executions": [
                {
                    "_type": "job_step_execution",
                    "step_id": self.step,
                    "step_type_id": self.step,
                    "execution_scope": "Organization",
                    "execution_status": self.execution_status,
                    **({"exit_status": exit_status} if exit_status else {}),
                }
            ],
        }
        if exit_status:
            doc["exit_status"] = exit_status
            doc["end_time"] = _iso(self.end_time)
            assert self.end_time is not None
            doc["duration"] = int((self.end_time - self.start_time).total_seconds() * 1000)
        return doc


class JobAlreadyRunning(Exception):
    pass


class SiteJobs:
    """Starts and remembers executions; one execution per job runs at a time."""

    def __init__(
        self,
        instance: Instance,
        files: FileTree,
        schemas: Callable[[], Schemas | None],
        delay: float = 0.05,
    ) -> None:
        self.instance = instance
        self.files = files
        self.schemas = schemas
        self.delay = delay
        self.executions: dict[str, Execution] = {}
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._next = 1

    def start(
        self, job_id: str, file_name: str, client_id: str, catalogs: list[str] | None = None
    ) -> Execution:
        """Queue an import of ``Impex/src/instance/<file_name>``, or an export of
        ``catalogs`` to it. Raises JobAlreadyRunning."""
        with self._lock:
            running = [e for e in self.executions.values() if e.execution_status != "finished"]
            if any(e.job_id == job_id for e in running):
                raise JobAlreadyRunning(job_id)
            execution = Execution(str(self._next), job_id, file_name, client_id, datetime.now(UTC))
            execution.catalogs = list(catalogs or [])
            self._next += 1
            self.executions[execution.id] = execution
        thread = threading.Thread(
            target=self._run, args=(execution,), name=f"sfcc-import-{execution.id}", daemon=True
        )
        self._threads.append(thread)
        thread.start()
        return execution

    def wait(self, timeout: float = 30.0) -> None:
        """Block until every execution started so far has finished."""
        deadline = time.monotonic() + timeout
        for thread in list(self._threads):
            thread.join(max(0.0, deadline - time.monotonic()))

    def _run(self, execution: Execution) -> None:
        def log(line: str) -> None:
            stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")[:-3]
            execution.log.append(f"[{stamp} GMT] INFO {line}")

        time.sleep(self.delay)
        execution.execution_status = "running"
        log(f"{execution.step} of {execution.file_name} started")
        time.sleep(self.delay)
        code, message = "OK", "Success"
        path = f"Impex/src/instance/{execution.file_name}"
        entry = self.files.get(path)
        if execution.job_id == SITE_EXPORT:
            top = execution.file_name.removesuffix(".zip")
            try:
                self.files.put(path, export_catalogs(self.instance, execution.catalogs, top))
            except KeyError as missing:
                code, message = "ERROR", f"Export failed: unknown catalog {missing}."
        elif entry is None or entry.content is None:
            code = "ERROR"
            message = f"File '{execution.file_name}' not found in IMPEX/src/instance."
        else:
            try:
                import_archive(self.instance, entry.content, self.schemas(), log)
            except ImportFailure as failure:
                code = "ERROR"
                message = f"Import failed: {failure}"
        execution.log.append(f"[{execution.log_file_name}] {code} {message}")
        self.files.put(
            f"Impex/log/{execution.log_file_name}", ("\n".join(execution.log) + "\n").encode()
        )
        execution.exit_code, execution.exit_message = code, message
        execution.end_time = datetime.now(UTC)
        execution.execution_status = "finished"
