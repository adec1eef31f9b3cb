"""Image binaries for the master catalog's static folder (TRIGGER.md A7, B9).

With an ``internal-location`` header, an image path of the catalog XML is a file under
``catalogs/<master>/static/default/`` of the site archive. The destination asks an
:data:`ImageLoader` (injected by the job, so this module knows nothing of Akeneo) for the
local file of each path its staged products reference, once per run, and packs those
files after the import files. Files are never read into memory here: the loader returns
a path on disk (its download cache) and the archive streams it.

A path the loader cannot provide rejects the products that reference it, with the
loader's reason: an image group naming a missing file would import, and show a broken
picture on the storefront.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

from pimsync.errors import RejectedRecord

from ._archive import ArchiveEntry
from ._model import SfccProduct

__all__ = ["CatalogImages", "ImageLoader", "static_path"]

ImageLoader = Callable[[str], Path]
"""An image path of the catalog → the local file with its bytes. Raises
:class:`RejectedRecord` (its reason is reported) when the image cannot be had; any other
error stops the run."""


def static_path(catalog_id: str, path: str) -> str:
    """Where image ``path`` of catalog ``catalog_id`` goes in a site archive."""
    return f"catalogs/{catalog_id}/static/default/{path}"


def referenced(records: Iterable[object]) -> list[str]:
    """The image paths the products among ``records`` reference, first seen first
    (deletions reference none)."""
    found: dict[str, None] = {}
    for record in records:
        if isinstance(record, SfccProduct) and record.mode != "delete":
            for group in record.image_groups:
                found.update(dict.fromkeys(group.images))
    return list(found)


def _check_path(path: str) -> str | None:
    """Why ``path`` cannot be a file of the static folder, or None."""
    parts = path.split("/")
    if not path or path.startswith("/") or "\\" in path:
        return "is not a relative path"
    if any(part in ("", ".", "..") for part in parts):
        return "has an empty, '.' or '..' segment"
    return None


class CatalogImages:
    """The image files of one run: each path loaded once, kept once staged products
    reference it. Thread-safe; two threads asking for one path share one load."""

    def __init__(self, catalog_id: str, loader: ImageLoader) -> None:
        self.catalog_id = catalog_id
        self._loader = loader
        self._lock = threading.Lock()
        self._loading: dict[str, threading.Lock] = {}
        self._loaded: dict[str, Path] = {}
        self._failed: dict[str, str] = {}
        self.kept: dict[str, Path] = {}

    def load(self, key: str, paths: Iterable[str]) -> Mapping[str, Path]:
        """The local file of each of ``paths`` (those of record ``key``).

        Raises :class:`RejectedRecord` for ``key`` naming the first path that cannot be
        had and why; a failure is remembered, so later products are rejected alike
        without another request.
        """
        files: dict[str, Path] = {}
        for path in paths:
            problem = _check_path(path)
            if problem is not None:
                raise RejectedRecord(key, f"image {path!r} {problem}", field="images")
            with self._lock:
                gate = self._loading.setdefault(path, threading.Lock())
            with gate:
                found, reason = self._loaded.get(path), self._failed.get(path)
                if found is None and reason is None:
                    try:
                        found = self._loaded[path] = self._loader(path)
                    except RejectedRecord as exc:
                        reason = self._failed[path] = exc.reason
            if reason is not None:
                raise RejectedRecord(key, f"image {path!r}: {reason}", field="images")
            assert found is not None
            files[path] = found
        return files

    def keep(self, files: Mapping[str, Path]) -> None:
        """Send ``files`` (those of a staged record) with the run's archives."""
        with self._lock:
            self.kept.update(files)

    def entries(self) -> list[ArchiveEntry]:
        """Each kept file with its place in the site archive, in path order."""
        return [
            ArchiveEntry(static_path(self.catalog_id, path), file)
            for path, file in sorted(self.kept.items())
        ]
