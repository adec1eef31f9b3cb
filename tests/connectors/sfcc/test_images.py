"""Image files of a run: each path loaded once, failures remembered per run, kept files
placed in the catalog's static folder after every XML file of the archives."""

from __future__ import annotations

import threading
import zipfile
from pathlib import Path

import pytest

from pimsync.connectors.sfcc._archive import ArchiveEntry, build_archives
from pimsync.connectors.sfcc._images import CatalogImages
from pimsync.errors import RejectedRecord
from pimsync.runners._sfcc_images import is_image

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_is_image_knows_image_files_by_their_first_bytes(tmp_path: Path) -> None:
    cases = {
        "a.png": (PNG, True),
        "b.jpg": (b"\xff\xd8\xff\xe0" + b"\x00" * 16, True),
        "c.webp": (b"RIFF\x00\x00\x00\x00WEBPVP8 ", True),
        "d.svg": (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', True),
        "e.txt": (b"hello, not an image", False),
        "f.html": (b"<html><body>404</body></html>", False),
    }
    for name, (content, expected) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        assert is_image(path) is expected, name


def test_each_path_is_loaded_once_and_a_failure_is_remembered(tmp_path: Path) -> None:
    calls: list[str] = []
    lock = threading.Lock()

    def loader(path: str) -> Path:
        with lock:
            calls.append(path)
        if path == "missing.png":
            raise RejectedRecord(path, "Akeneo does not serve media file 'missing.png'")
        file = tmp_path / path.replace("/", "_")
        file.write_bytes(PNG)
        return file

    images = CatalogImages("master", loader)
    threads = [
        threading.Thread(target=images.load, args=(f"P{n}", ["a/b.png", "c.png"])) for n in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(calls) == ["a/b.png", "c.png"]
    for key in ("P1", "P2"):
        with pytest.raises(RejectedRecord, match=r"missing\.png") as caught:
            images.load(key, ["c.png", "missing.png"])
        assert caught.value.key == key
    assert calls.count("missing.png") == 1
    images.keep(images.load("P3", ["c.png"]))
    assert [e.path for e in images.entries()] == ["catalogs/master/static/default/c.png"]


def test_static_files_come_after_every_xml_file(tmp_path: Path) -> None:
    xml = tmp_path / "catalog.xml"
    xml.write_text("<catalog/>")
    picture = tmp_path / "p.png"
    picture.write_bytes(PNG)
    entries = [
        ArchiveEntry("catalogs/master/static/default/p.png", picture),
        ArchiveEntry("libraries/lib/library.xml", xml),
        ArchiveEntry("catalogs/master/catalog.xml", xml),
    ]
    [archive] = build_archives(entries, tmp_path / "out", "pimsync-1", 10_000_000)
    with zipfile.ZipFile(archive) as zf:
        names = zf.namelist()
        assert names[-1] == "pimsync-1/catalogs/master/static/default/p.png"
        assert zf.getinfo(names[-1]).compress_type == zipfile.ZIP_STORED
