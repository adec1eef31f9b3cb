"""The mapping editor keeps what it read of Akeneo's and Oro's structure for a minute per
connection: previews within it read only the previewed product, Save reads the
structure again, and so does a changed connection.

Reads are counted by the sandboxes' request counters; the minute passes on the web app's
injected clock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest

from pimsync.sandbox._server import serve_app
from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo
from pimsync.web import create_app
from pimsync.web._connections import add_connection
from pimsync.web._ttl_cache import TtlCache
from tests.web.conftest import Hub, csrf_of, make_installation
from tests.web.test_mapping_ui import JOB, OPTIONS, Systems, add_job, form_of, pim_and_shop

API = "/api/rest/v1"
ORO_FIELDS = "/admin/api/entitystructures"


class Clock:
    """The web app's clock for its caches: moves only when told."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@dataclass
class Counted:
    systems: Systems
    clock: Clock

    def akeneo(self, path: str) -> int:
        return self.systems.pim.requests[f"{API}/{path}"]

    def structure(self) -> tuple[int, int, int]:
        """How often Akeneo's attributes and product models and Oro's fields were read."""
        return (
            self.akeneo("attributes"),
            self.akeneo("product-models"),
            self.systems.shop.requests[ORO_FIELDS],
        )


class _NoFaults:
    dropper = None


@pytest.fixture
def counted(tmp_path: Path) -> Iterator[Counted]:
    """A hub whose mapping cache runs on :class:`Clock`, and both sandboxes."""
    clock = Clock()
    with ExitStack() as stack:
        settings, runner = make_installation(tmp_path / "home")
        stack.callback(runner.db.dispose)
        app = create_app(settings, runner)
        app.state.mapping_structures = TtlCache(clock=clock)
        url = stack.enter_context(serve_app(app, _NoFaults(), name="hub"))
        hub = Hub(url, settings, runner, tmp_path / "home")
        yield Counted(stack.enter_context(pim_and_shop(hub)), clock)


def test_previews_within_a_minute_read_the_structure_once_save_and_a_minute_read_it_again(
    counted: Counted,
) -> None:
    browser = counted.systems.hub.sign_in("max")
    csrf = csrf_of(browser.get(f"/mapping/{JOB}"))
    read = counted.structure()
    assert all(n > 0 for n in read), read  # the editor read both systems' structure
    products = counted.akeneo("products-uuid")

    start = counted.clock.now
    for field, seconds in (("newArrival", 0), ("featured", 20), ("newArrival", 59)):
        counted.clock.now = start + seconds
        shown = browser.post(f"/mapping/{JOB}/preview", data=form_of(csrf, [("eco_label", field)]))
        assert shown.status_code == 200
        assert f'data-preview-field="{field}"' in shown.text

    assert counted.structure() == read  # three previews, no structure read
    assert counted.akeneo("products-uuid") > products  # while each read its product

    saved = browser.post(f"/mapping/{JOB}", data=form_of(csrf, [("eco_label", "newArrival")]))
    assert saved.status_code == 200, saved.text
    after_save = counted.structure()
    assert all(a > b for a, b in zip(after_save, read, strict=True)), (read, after_save)

    browser.post(f"/mapping/{JOB}/preview", data=form_of(csrf, [("eco_label", "featured")]))
    assert counted.structure() == after_save  # the save's reads serve the next minute

    counted.clock.now += 60
    browser.post(f"/mapping/{JOB}/preview", data=form_of(csrf, [("eco_label", "featured")]))
    late = counted.structure()
    assert all(a > b for a, b in zip(late, after_save, strict=True)), (after_save, late)


def test_the_api_previews_from_the_cache_and_saves_after_reading_again(counted: Counted) -> None:
    manager = counted.systems.token("max")
    body = {"attributes": [{"akeneo": "eco_label", "field": "newArrival"}]}
    assert manager.post(f"/api/v1/jobs/{JOB}/mapping/preview", json=body).status_code == 200
    read = counted.structure()
    assert manager.post(f"/api/v1/jobs/{JOB}/mapping/preview", json=body).status_code == 200
    assert counted.structure() == read

    saved = manager.put(f"/api/v1/jobs/{JOB}/mapping", json=body)
    assert saved.status_code == 200, saved.text
    assert all(a > b for a, b in zip(counted.structure(), read, strict=True))


def test_another_job_on_the_same_connections_shares_the_reads_but_not_the_mapping(
    counted: Counted,
) -> None:
    other = "oro-products-new"
    add_job(
        counted.systems.hub,
        other,
        "oro.products",
        "shop",
        {"attributes": [{"akeneo": "eco_label", "oro": "newArrival"}], "categories": {}},
    )
    browser = counted.systems.hub.sign_in("max")
    first = browser.get(f"/mapping/{JOB}")
    read = counted.structure()
    second = browser.get(f"/mapping/{other}")

    assert counted.structure() == read
    assert 'data-preview-field="featured"' in first.text
    assert 'data-preview-field="newArrival"' not in first.text
    assert 'data-preview-field="newArrival"' in second.text  # its own mapping, checked
    assert 'data-preview-field="featured"' not in second.text
    assert counted.systems.options() == OPTIONS


def test_a_changed_connection_is_read_again_within_the_minute(counted: Counted) -> None:
    browser = counted.systems.hub.sign_in("max")
    browser.get(f"/mapping/{JOB}")
    other = AkeneoSandbox.demo(products=3)
    with serve_akeneo(other) as other_url:
        credentials = other.credentials
        add_connection(
            counted.systems.hub.runner,
            "pim",
            "akeneo",
            {
                "url": other_url,
                "client_id": credentials.client_id,
                "username": credentials.username,
            },
            {"secret": credentials.secret, "password": credentials.password},
            replace=True,
        )
        editor = browser.get(f"/mapping/{JOB}")

        assert editor.status_code == 200
        assert other.requests[f"{API}/attributes"] > 0  # not the first PIM's structure
        assert other.requests[f"{API}/product-models"] > 0
