"""Merchants' search refinements of the storefront catalog, kept in the hub (job 6).

Merchandisers edit a category's refinements in Business Manager. Job 6
(``sfcc.save-catalog-refinements``) exports the storefront catalog from the instance
(:meth:`SfccClient.export_catalog`), reads each category's ``<refinement-definitions>``
element and keeps it verbatim in the state store: one document per connection and
catalog (section ``sfcc-refinements``, body ``{category id: XML}``). The storefront jobs
write the saved element into their categories, so a category pimsync recreates, or a
fresh catalog, gets the merchant's refinements back; categories without saved
refinements get none, so a MERGE import keeps what the instance has.

A category the export shows without refinements loses its saved ones (the merchant
removed them) under the job's deletion policy; a category missing from the export
(deleted on the instance, say) keeps them.
"""

from __future__ import annotations

import tempfile
import threading
import zipfile
from collections.abc import Hashable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from lxml import etree
from pydantic import SecretStr
from sqlalchemy import Engine, select

from pimsync.connectors.base import Change, ItemResult, Op, SourceRecord, Window
from pimsync.connectors.sfcc import SfccClient, SfccSettings
from pimsync.connectors.sfcc._xml import category_refinements
from pimsync.errors import FatalDestinationError, FatalSourceError
from pimsync.state._tables import documents
from pimsync.state._upsert import upsert

__all__ = ["SECTION", "HubRefinements", "InstanceRefinements", "saved_refinements"]

SECTION = "sfcc-refinements"


def _document(connection: str, catalog: str) -> str:
    return f"{connection}:{catalog}"


def saved_refinements(db: Engine | None, connection: str, catalog: str) -> dict[str, str]:
    """Category id → its saved ``<refinement-definitions>`` XML (empty without a store)."""
    if db is None:
        return {}
    with db.connect() as conn:
        body = conn.execute(
            select(documents.c.body).where(
                documents.c.section == SECTION,
                documents.c.name == _document(connection, catalog),
            )
        ).scalar_one_or_none()
    return {str(k): str(v) for k, v in (body or {}).items()}


class InstanceRefinements:
    """A source of each category of ``catalog`` on the instance: its refinement
    definitions as XML, or a deletion when it has none. Read whole on every run."""

    def __init__(self, settings: SfccSettings, secret: SecretStr, catalog: str) -> None:
        self.settings = settings
        self.secret = secret
        self.catalog = catalog
        self._found: dict[str, str | None] | None = None

    def clock(self) -> datetime:
        return datetime.now(UTC)

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        return [None]

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[str]]]:
        yield [_record(key, xml) for key, xml in self._categories().items()]

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[str]]:
        found = self._categories()
        for key in keys:
            yield _record(key, found.get(key))

    def _categories(self) -> dict[str, str | None]:
        """One export per run, read once."""
        if self._found is None:
            self._found = self._export()
        return self._found

    def _export(self) -> dict[str, str | None]:
        member = f"catalogs/{self.catalog}/catalog.xml"
        with tempfile.TemporaryDirectory(prefix="pimsync-sfcc-export-") as folder:
            try:
                with SfccClient(self.settings, self.secret) as client:
                    path = client.export_catalog(self.catalog, Path(folder))
                with zipfile.ZipFile(path) as archive:
                    name = next((n for n in archive.namelist() if n.endswith("/" + member)), None)
                    if name is None:
                        raise FatalSourceError(
                            f"the instance's export of catalog {self.catalog!r} has no {member}"
                        )
                    with archive.open(name) as xml:
                        return dict(category_refinements(xml))
            except FatalDestinationError as exc:  # the instance is this job's source
                raise FatalSourceError(
                    f"cannot read catalog {self.catalog!r} from the instance: {exc}"
                ) from None
            except (zipfile.BadZipFile, etree.XMLSyntaxError) as exc:
                raise FatalSourceError(
                    f"the instance's export of catalog {self.catalog!r} is unreadable: {exc}"
                ) from None


def _record(key: str, xml: str | None) -> SourceRecord[str]:
    return SourceRecord(key, xml) if xml is not None else SourceRecord(key, None, deleted=True)


class HubRefinements:
    """A staged destination: the saved refinements of one catalog, a document of the
    state store written once, when the run delivers."""

    def __init__(self, db: Engine, connection: str, catalog: str) -> None:
        self.db = db
        self.name = _document(connection, catalog)
        self._lock = threading.Lock()  # the engine writes batches from several threads
        self._saved: dict[str, str] = {}
        self._removed: set[str] = set()

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results = []
        with self._lock:
            for change in changes:
                dest_key = f"{SECTION}:{self.name}:{change.key}"
                if change.op is Op.UPSERT:
                    if not isinstance(change.payload, str):
                        results.append(ItemResult(change.key, error="no refinements to save"))
                        continue
                    self._saved[change.key] = change.payload
                    self._removed.discard(change.key)
                else:  # deleted or disabled: the merchant removed them, so are they here
                    self._removed.add(change.key)
                    self._saved.pop(change.key, None)
                results.append(ItemResult(change.key, dest_key=dest_key))
        return results

    def deliver(self) -> Sequence[str]:
        with self._lock, self.db.begin() as conn:
            body = conn.execute(
                select(documents.c.body).where(
                    documents.c.section == SECTION, documents.c.name == self.name
                )
            ).scalar_one_or_none()
            held: dict[str, Any] = dict(body or {})
            for key in self._removed:
                held.pop(key, None)
            held.update(self._saved)
            row = {
                "section": SECTION,
                "name": self.name,
                "body": dict(sorted(held.items())),
                "updated_at": datetime.now(UTC),
            }
            upsert(conn, documents, [row], update=("body", "updated_at"))
            saved, removed = len(self._saved), len(self._removed)
            self._saved, self._removed = {}, set()
        return [
            f"SFCC refinements: saved the refinements of {saved} categor"
            f"{'y' if saved == 1 else 'ies'}, removed {removed}; the hub holds "
            f"{len(held)} for {self.name}"
        ]

    def discard(self) -> None:
        with self._lock:
            self._saved, self._removed = {}, set()
