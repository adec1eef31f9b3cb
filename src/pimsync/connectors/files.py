"""Files as source and destination: a JSON Lines product file and a folder of JSON documents.

They let pimsync run end to end with nothing but a disk (the demo uses them), and suit
teams that exchange catalogs as files. The JSON Lines source holds one product per line
in Akeneo's standard format; the folder destination keeps one ``<key>.json`` per record.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Hashable, Iterator, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

import orjson

from pimsync.connectors.base import Change, ItemResult, Op, SourceRecord, Window
from pimsync.errors import ConfigError, FatalSourceError
from pimsync.model import InvalidRecord, Product, to_json


class JsonlProductSource:
    """Products from a JSON Lines file, keyed by uuid (or identifier when there is none)."""

    def __init__(self, path: Path, *, page_size: int = 100) -> None:
        self.path = path
        self.page_size = page_size

    def clock(self) -> datetime:
        return datetime.now(UTC)

    def partitions(self, since: datetime | None) -> Sequence[Hashable | None]:
        return [None]

    def _records(self) -> Iterator[SourceRecord[Product]]:
        try:
            fh = self.path.open("rb")
        except OSError as exc:
            raise FatalSourceError(f"cannot read {self.path}: {exc.strerror}") from None
        with fh:
            for number, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                yield self._parse(line, number)

    def _parse(self, line: bytes, number: int) -> SourceRecord[Product]:
        where = f"{self.path.name} line {number}"
        try:
            raw = orjson.loads(line)
        except orjson.JSONDecodeError as exc:
            return SourceRecord(where, None, error=f"{where}: invalid JSON: {exc}")
        if not isinstance(raw, dict):
            return SourceRecord(where, None, error=f"{where}: expected a JSON object")
        key = str(raw.get("uuid") or raw.get("identifier") or where)
        try:
            item = Product.from_akeneo(raw)
        except (InvalidRecord, ValueError) as exc:
            return SourceRecord(key, None, error=f"{where}: {exc}")
        return SourceRecord(item.key, item, item.updated)

    def extract(self, window: Window) -> Iterator[Sequence[SourceRecord[Product]]]:
        page: list[SourceRecord[Product]] = []
        for record in self._records():
            unchanged = record.updated is not None and window.since is not None
            if unchanged and record.error is None and record.updated <= window.since:  # type: ignore[operator]
                continue
            page.append(record)
            if len(page) >= self.page_size:
                yield page
                page = []
        if page:
            yield page

    def read(self, keys: Sequence[str]) -> Iterator[SourceRecord[Product]]:
        wanted = set(keys)
        for record in self._records():
            if record.key in wanted:
                wanted.discard(record.key)
                yield record
        for key in sorted(wanted):
            yield SourceRecord(key, None, deleted=True)


class DirectoryDestination:
    """One JSON document per record in a folder; writes are atomic renames."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            path.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConfigError(f"cannot create the folder {path}: {exc.strerror}") from None

    def file_for(self, key: str) -> Path:
        return self.path / f"{quote(key, safe='')}.json"

    def _write(self, target: Path, document: Any) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.path, prefix=".tmp-")
        with os.fdopen(fd, "wb") as fh:
            fh.write(to_json(document))
        Path(tmp).replace(target)

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        results = []
        for change in changes:
            target = self.file_for(change.key)
            try:
                if change.op is Op.UPSERT:
                    created = not target.exists()
                    self._write(target, change.payload)
                    results.append(ItemResult(change.key, target.name, created=created))
                elif change.op is Op.DELETE:
                    target.unlink(missing_ok=True)
                    results.append(ItemResult(change.key, target.name))
                else:
                    if target.exists():
                        document = orjson.loads(target.read_bytes())
                        document["enabled"] = False
                        self._write(target, document)
                    results.append(ItemResult(change.key, target.name))
            except OSError as exc:
                results.append(ItemResult(change.key, error=f"{target}: {exc.strerror}"))
        return results
