"""The image loader of the Oro products flow: memory first, then the download cache."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from pydantic import SecretStr

from pimsync.connectors.akeneo import AkeneoClient
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.connectors.kinds import get_kind, parse_settings
from pimsync.connectors.oro import OroImage
from pimsync.runners._oro import _image_loader
from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo


@pytest.fixture
def pim() -> Iterator[tuple[AkeneoSandbox, AkeneoClient]]:
    sandbox = AkeneoSandbox.demo(products=20)  # 30 media files of 69 bytes
    creds = sandbox.credentials
    with serve_akeneo(sandbox) as url:
        settings = parse_settings(
            "pim",
            get_kind("akeneo"),
            {"url": url, "client_id": creds.client_id, "username": creds.username},
        )
        secrets = {"secret": SecretStr(creds.secret), "password": SecretStr(creds.password)}
        with connect_akeneo(settings, secrets) as client:
            yield sandbox, client


def _images(sandbox: AkeneoSandbox, n: int) -> list[OroImage]:
    codes = sorted(sandbox.store.media_files)[:n]
    return [OroImage(code, code.rsplit("/", 1)[-1], "image/png") for code in codes]


def _downloads(sandbox: AkeneoSandbox) -> int:
    return sum(n for path, n in sandbox.requests.items() if path.endswith("/download"))


def test_an_image_sent_once_is_served_from_memory(
    pim: tuple[AkeneoSandbox, AkeneoClient], tmp_path: Path
) -> None:
    sandbox, client = pim
    load = _image_loader(client, tmp_path / "media")
    image = _images(sandbox, 1)[0]
    assert load(image) == sandbox.store.media_files[image.key].content
    assert _downloads(sandbox) == 1
    shutil.rmtree(tmp_path / "media")  # not read from disk, not downloaded again
    assert load(image) == sandbox.store.media_files[image.key].content
    assert _downloads(sandbox) == 1


def test_memory_keeps_the_most_recent_images_within_its_budget(
    pim: tuple[AkeneoSandbox, AkeneoClient], tmp_path: Path
) -> None:
    sandbox, client = pim
    first, *middle, last = _images(sandbox, 10)
    load = _image_loader(client, tmp_path / "media", budget=8 * 69)  # room for 8 images
    for image in [first, *middle, last]:
        load(image)
    shutil.rmtree(tmp_path / "media")
    load(last)  # still in memory
    assert _downloads(sandbox) == 10
    load(first)  # the least recently used went first: downloaded again
    assert _downloads(sandbox) == 11
