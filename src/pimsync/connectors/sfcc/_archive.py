"""Site-import archives: the zip an SFCC instance's ``sfcc-site-archive-import`` reads.

Each archive holds one top-level folder named after the zip, with the standard layout
(``meta/``, ``catalogs/<id>/``, ``pricebooks/``, ``libraries/<id>/``…), files in the
order the import needs them: metadata, then catalogs, pricebooks, inventory lists,
libraries and sites, then static files (``…/static/…``: catalog images), as the
official tooling orders them. An instance refuses large archives, so files are spread
over as many archives as needed, each under ``max_bytes`` and each importable on its own
in that order. Static files are stored as they are (images are compressed already).
"""

from __future__ import annotations

import zipfile
import zlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from pimsync.errors import FatalDestinationError

__all__ = ["ArchiveEntry", "build_archives"]

# The import's dependency order (the official tooling splits in this order too).
_ORDER = ("meta", "catalogs", "pricebooks", "inventory-lists", "libraries", "sites")
_ZIP_OVERHEAD = 512  # local header, central directory entry, data descriptor, per file
_CHUNK = 1024 * 1024


@dataclass(frozen=True, slots=True)
class ArchiveEntry:
    """A file to import and its path inside the archive's folder, e.g.
    ``catalogs/akeneo-master/catalog.xml``."""

    path: str
    file: Path

    @property
    def static(self) -> bool:
        """A static file (an image of a catalog's or library's static folder)."""
        return "static" in self.path.split("/")[:-1]

    @property
    def rank(self) -> int:
        if self.static:  # after every import file: they may go in later archives
            return len(_ORDER) + 1
        top = self.path.split("/", 1)[0]
        return _ORDER.index(top) if top in _ORDER else len(_ORDER)


def _compressed_size(path: Path) -> int:
    """What ``path`` takes in a zip (deflate at zipfile's default level)."""
    compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
    size = 0
    with path.open("rb") as fh:
        while chunk := fh.read(_CHUNK):
            size += len(compressor.compress(chunk))
    return size + len(compressor.flush()) + _ZIP_OVERHEAD


def build_archives(
    entries: Sequence[ArchiveEntry], folder: Path, stem: str, max_bytes: int
) -> list[Path]:
    """Zip ``entries`` into ``folder/stem.zip`` (then ``stem-2.zip``…), each under
    ``max_bytes``; returns the archives in the order they must be imported.

    Raises :class:`FatalDestinationError` when one file alone does not fit.
    """
    ordered = sorted(entries, key=lambda e: e.rank)  # stable: keeps each kind's order
    parts: list[list[ArchiveEntry]] = []
    current: list[ArchiveEntry] = []
    used = 0
    for entry in ordered:
        # Deflate never grows XML: its size is a bound; compress only when it matters.
        # Static files are stored: their size is exact.
        size = entry.file.stat().st_size + _ZIP_OVERHEAD
        if used + size > max_bytes:
            size = size if entry.static else _compressed_size(entry.file)
            if size > max_bytes:
                raise FatalDestinationError(
                    f"{entry.path} takes {size / 1e6:.1f} MB in an archive, more than the "
                    f"archive limit of {max_bytes / 1e6:.1f} MB"
                    + ("" if entry.static else "; lower max_file_mb")
                )
            if used + size > max_bytes and current:
                parts.append(current)
                current, used = [], 0
        current.append(entry)
        used += size
    if current:
        parts.append(current)
    folder.mkdir(parents=True, exist_ok=True)
    archives = []
    for number, part in enumerate(parts, start=1):
        name = stem if number == 1 else f"{stem}-{number}"
        archive = folder / f"{name}.zip"
        with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as zf:
            for entry in part:
                stored = zipfile.ZIP_STORED if entry.static else zipfile.ZIP_DEFLATED
                zf.write(entry.file, f"{name}/{entry.path}", compress_type=stored)
        archives.append(archive)
    return archives
