"""A site archive (TRIGGER.md A7): which files it holds, in which order they import.

Order of the data units: ``meta → catalogs → pricebooks → inventory-lists → libraries →
sites``; files inside a unit in alphanumeric order. A catalog's static files
(``catalogs/<id>/static/<locale>/…``, images) are kept in the instance's file tree; an
archive may hold only static files (the official tooling puts them in later parts).
Everything is validated before anything is applied, so a refused archive leaves the
instance unchanged (assumed; verify: the real import may apply the units before the
failing one).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from typing import IO

from pimsync.sandbox.sfcc._import import ImportFailure, Schemas, apply, root_kind, validate
from pimsync.sandbox.sfcc._instance import Instance

_UNITS = ("meta", "catalogs", "pricebooks", "inventory-lists", "libraries", "sites")
_EXPECTED = {"meta": "metadata", "catalogs": "catalog", "pricebooks": "pricebooks"}


@dataclass(frozen=True)
class ArchiveFile:
    path: str  # inside the archive, without the top folder
    kind: str  # catalog | pricebooks | library | metadata
    library_id: str | None = None  # a site's private library


def plan(names: list[str]) -> tuple[list[tuple[str, str, str | None]], list[str]]:
    """(path, unit, site-library id) of the importable XML files in order; skipped paths."""
    tops = {n.split("/", 1)[0] for n in names}
    strip = len(tops) == 1 and next(iter(tops)) not in _UNITS
    chosen: list[tuple[int, str, str, str | None]] = []
    skipped: list[str] = []
    for name in names:
        if name.endswith("/"):
            continue
        inner = name.split("/", 1)[1] if strip and "/" in name else name
        parts = inner.split("/")
        unit = parts[0]
        xml = inner.endswith(".xml") and "static" not in parts
        site_library = unit == "sites" and len(parts) == 4 and parts[2] == "library"
        importable = xml and (
            (unit == "meta" and len(parts) == 2)
            or (unit == "catalogs" and len(parts) == 3)
            or (unit == "pricebooks" and len(parts) in (2, 3))
            or (unit == "libraries" and len(parts) == 3)
            or site_library
        )
        if importable:
            library_id = parts[1] if site_library else None
            chosen.append((_UNITS.index(unit), inner, name, library_id))
        else:
            skipped.append(inner)
    chosen.sort(key=lambda c: (c[0], c[1]))
    return [(name, inner, lib) for _u, inner, name, lib in chosen], skipped


def import_archive(
    instance: Instance, content: bytes, schemas: Schemas | None, log: Callable[[str], None]
) -> None:
    """Validate every file of the archive, then apply them in order.

    Raises ImportFailure (the message names the file and line).
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(content))
    except zipfile.BadZipFile:
        raise ImportFailure("archive", 0, "the file is not a valid zip archive") from None
    with archive:
        files, skipped = plan(archive.namelist())
        statics: dict[tuple[str, str], str] = {}
        for path in skipped:
            place = _static_place(path)
            if place is not None:
                statics[place] = path
            else:
                log(f"Skipping {path} (not modelled by the sandbox)")
        if not files and not statics:
            raise ImportFailure("archive", 0, "the archive contains no data to import")
        checked: list[tuple[Callable[[], IO[bytes]], str, str, str | None]] = []
        for name, inner, library_id in files:
            source = _opener(archive, name)
            kind = root_kind(source, inner)
            expected = _EXPECTED.get(inner.split("/", 1)[0], "library")
            if kind != expected:
                raise ImportFailure(inner, 1, f"a {kind} file in a {expected} folder")
            log(f"Validating {inner} ({kind})")
            validate(source, inner, kind, schemas)
            checked.append((source, inner, kind, library_id))
        for source, inner, kind, library_id in checked:
            log(f"Importing {inner}")
            apply(instance, source, inner, kind, library_id=library_id)
        names = {_inner(n): n for n in archive.namelist()} if statics else {}
        for (catalog_id, path), inner in statics.items():
            instance.put_static(catalog_id, path, archive.read(names[inner]))
        if statics:
            log(f"Stored {len(statics)} static file(s)")


def _inner(name: str) -> str:
    """``name`` without the archive's top folder (when it is not a data unit)."""
    top, _, rest = name.partition("/")
    return rest if rest and top not in _UNITS else name


def _static_place(inner: str) -> tuple[str, str] | None:
    """(catalog id, path under ``static/``) of a catalog's static file, else None."""
    parts = inner.split("/")
    if len(parts) >= 5 and parts[0] == "catalogs" and parts[2] == "static":
        return parts[1], "/".join(parts[3:])
    return None


def _opener(archive: zipfile.ZipFile, name: str) -> Callable[[], IO[bytes]]:
    def source() -> IO[bytes]:
        return archive.open(name)

    return source
