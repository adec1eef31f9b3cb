"""AkeneoClient and AkeneoProductSource against the Akeneo sandbox over real HTTP."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pytest
from pydantic import SecretStr
from sqlalchemy import Engine

from pimsync.config import JobConfig, ProjectConfig
from pimsync.connectors.akeneo import (
    AkeneoCatalog,
    AkeneoClient,
    AkeneoCredentials,
    AkeneoProductModelSource,
    AkeneoProductSource,
    AkeneoSettings,
    check_akeneo,
    download_media_file,
)
from pimsync.connectors.base import Window
from pimsync.connectors.kinds import DirectorySettings, get_kind
from pimsync.errors import AuthenticationError, FatalSourceError
from pimsync.jobs import JobEngine, JobSpec, Mode, RunStatus
from pimsync.runners.flows import Endpoint, FlowContext, get_flow
from pimsync.state import _sync, create_state_engine, upgrade

sandbox = pytest.importorskip("pimsync.sandbox.akeneo")
AkeneoSandbox, serve = sandbox.AkeneoSandbox, sandbox.serve

PRODUCTS = "/api/rest/v1/products-uuid"
FIXTURES = Path(__file__).resolve().parents[3].parent / "shared" / "reference" / "akeneo"


def connect(sb: Any, url: str, **options: Any) -> AkeneoClient:
    c = sb.credentials
    options.setdefault("sleep", lambda seconds: None)
    return AkeneoClient(
        url, AkeneoCredentials.of(c.client_id, c.secret, c.username, c.password), **options
    )


def count(pages: Iterator[list[Any]]) -> int:
    total = 0
    for page in pages:
        assert all(r.error is None for r in page), [r.error for r in page if r.error]
        total += len(page)
    return total


def read_counts(catalog: AkeneoCatalog) -> dict[str, int]:
    return {
        "products": count(catalog.products()),
        "product_models": count(catalog.product_models()),
        "attributes": count(catalog.attributes()),
        "attribute_options": count(catalog.all_attribute_options()),
        "attribute_groups": count(catalog.attribute_groups()),
        "families": count(catalog.families()),
        "family_variants": count(catalog.all_family_variants()),
        "categories": count(catalog.categories()),
        "channels": count(catalog.channels()),
        "locales": count(catalog.locales()),
        "currencies": count(catalog.currencies()),
        "measurement_families": count(catalog.measurement_families()),
        "association_types": count(catalog.association_types()),
        "media_files": count(catalog.media_files()),
    }


@pytest.fixture(scope="module")
def demo() -> Iterator[tuple[Any, str]]:
    sb = AkeneoSandbox.demo(products=1200, seed=7)
    with serve(sb) as url:
        yield sb, url


@pytest.fixture
def small() -> Iterator[tuple[Any, str]]:
    sb = AkeneoSandbox.demo(products=250, seed=7)
    with serve(sb) as url:
        yield sb, url


def test_the_whole_demo_catalog_is_read(demo: tuple[Any, str]) -> None:
    sb, url = demo
    with connect(sb, url) as client:
        counts = read_counts(AkeneoCatalog(client))
        legacy = count(AkeneoCatalog(client).products(legacy=True))
    assert counts == {k: v for k, v in sb.counts().items() if k in counts}
    assert counts["products"] == 1200 and legacy == 1200


def test_the_fixtures_catalog_is_read() -> None:
    folder = FIXTURES / "icecat_demo_dev"
    if not (folder / "attributes.csv").is_file():
        pytest.skip(f"the icecat_demo_dev fixtures are not at {folder}")
    sb = AkeneoSandbox.from_fixtures(folder)
    with serve(sb) as url, connect(sb, url) as client:
        counts = read_counts(AkeneoCatalog(client))
    assert counts == {k: v for k, v in sb.counts().items() if k in counts}
    assert counts["products"] > 0


def test_enterprise_entities_and_edition() -> None:
    sb = AkeneoSandbox.demo(products=10, edition="enterprise")
    with serve(sb) as url, connect(sb, url) as client:
        catalog = AkeneoCatalog(client)
        assert client.edition().value == "enterprise"
        assert count(catalog.asset_families()) > 0 and count(catalog.all_assets()) > 0
        assert count(catalog.reference_entities()) > 0 and count(catalog.all_records()) > 0


def test_enterprise_entities_on_community_yield_nothing(demo: tuple[Any, str]) -> None:
    sb, url = demo
    with connect(sb, url) as client:
        catalog = AkeneoCatalog(client)
        assert count(catalog.all_assets()) == 0 and count(catalog.all_records()) == 0
        assert client.edition().value == "community"


def test_wrong_password(demo: tuple[Any, str]) -> None:
    sb, url = demo
    c = sb.credentials
    bad = AkeneoCredentials.of(c.client_id, c.secret, c.username, "nope")
    with AkeneoClient(url, bad) as client, pytest.raises(AuthenticationError) as caught:
        client.token()
    assert str(caught.value).startswith(f"authentication failed for {url}: ")


def test_differential_read_returns_exactly_the_updated_products(small: tuple[Any, str]) -> None:
    sb, url = small
    with connect(sb, url) as client:
        source = AkeneoProductSource(client)
        everything = [r.key for p in source.extract(Window(since=None)) for r in p]
        since = source.clock()
        changed = everything[10:13]
        for key in changed:
            sb.update_product(key, {"enabled": False})
        found = [r.key for p in source.extract(Window(since=since)) for r in p]
    assert sorted(found) == sorted(changed)


def test_read_by_keys_marks_missing_products_deleted(small: tuple[Any, str]) -> None:
    sb, url = small
    with connect(sb, url) as client:
        source = AkeneoProductSource(client)
        keys = [r.key for p in source.extract(Window(since=None)) for r in p][:120]
        sb.delete_product(keys[5])
        records = {r.key: r for r in source.read(keys)}
    assert len(records) == 120
    assert [k for k, r in records.items() if r.deleted] == [keys[5]]


def test_token_expiry_mid_pagination_continues(demo: tuple[Any, str]) -> None:
    sb, url = demo
    with connect(sb, url) as client:
        pages = AkeneoCatalog(client).products()
        total = len(next(pages))  # 12 pages: the reader is at most a few pages ahead
        tokens_before = sb.requests["/api/oauth/v1/token"]
        sb.faults.expire_tokens()
        total += sum(len(p) for p in pages)
    assert total == 1200
    assert sb.requests["/api/oauth/v1/token"] > tokens_before  # signed in again mid-read


def test_rate_limit_waits_for_retry_after(small: tuple[Any, str]) -> None:
    sb, url = small
    waits: list[float] = []

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        time.sleep(seconds)

    with connect(sb, url, sleep=sleep) as client:
        client.token()
        sb.faults.fail_next(PRODUCTS, 429, times=2, retry_after=0.2)
        total = count(AkeneoCatalog(client).products())
    assert total == 250
    assert waits == [pytest.approx(0.2), pytest.approx(0.2)]


def test_dropped_connection_is_retried(small: tuple[Any, str]) -> None:
    sb, url = small
    with connect(sb, url) as client:
        client.token()
        sb.faults.drop_next(PRODUCTS, times=1)
        assert count(AkeneoCatalog(client).products()) == 250


def test_a_page_failing_six_times_is_fatal_and_names_its_url(demo: tuple[Any, str]) -> None:
    sb, url = demo
    with connect(sb, url) as client:
        pages = AkeneoCatalog(client).products()
        next(pages)
        # The reader fetches ahead, so the fault hits a later page: any page but the first.
        sb.faults.fail_next(PRODUCTS, 500, times=6)
        try:
            with pytest.raises(FatalSourceError) as caught:
                for _page in pages:
                    pass
        finally:
            sb.faults.clear()
    message = str(caught.value)
    assert f"{url}{PRODUCTS}?" in message and "search_after=" in message


def test_media_files_download_into_the_cache(demo: tuple[Any, str], tmp_path: Path) -> None:
    sb, url = demo
    with connect(sb, url) as client:
        media = next(iter(next(AkeneoCatalog(client).media_files())))
        assert media.data is not None
        first = download_media_file(client, media.data, tmp_path)
        again = download_media_file(client, media.data, tmp_path)
    assert first.downloaded and not again.downloaded and first.size > 0


def test_check_reports_counts_and_edition(demo: tuple[Any, str]) -> None:
    sb, url = demo
    kind = get_kind("akeneo")
    c = sb.credentials
    settings = AkeneoSettings(url=url, client_id=c.client_id, username=c.username)
    secrets = {"secret": SecretStr(c.secret), "password": SecretStr(c.password)}
    lines = kind.check(settings, secrets)
    assert lines == check_akeneo(settings, secrets)
    assert "products: 1200" in lines and "edition: community" in lines
    assert "PIM version 7.0.0-sandbox (CE)" in lines
    assert kind.secret_fields == ("secret", "password", "app_client_secret", "app_token")


# -- the akeneo.products flow in the engine ---------------------------------------------


@pytest.fixture
def state_db(tmp_path: Path) -> Iterator[Engine]:
    engine = create_state_engine(f"sqlite:///{tmp_path / 'state.db'}")
    upgrade(engine)
    yield engine
    engine.dispose()


def flow_job(sb: Any, url: str, out: Path, **options: Any) -> JobSpec:
    c = sb.credentials
    source = Endpoint(
        "pim",
        "akeneo",
        AkeneoSettings(url=url, client_id=c.client_id, username=c.username),
        {"secret": SecretStr(c.secret), "password": SecretStr(c.password)},
    )
    destination = Endpoint("folder", "directory", DirectorySettings(path=out), {})
    config = JobConfig(flow="akeneo.products", source="pim", destination="folder", options=options)
    project = ProjectConfig(
        connections={"pim": {"kind": "akeneo"}, "folder": {"kind": "directory"}},  # type: ignore[dict-item]
        jobs={"export": config},
    )
    flow = get_flow("akeneo.products")
    streams = flow.build(FlowContext("export", config, source, destination, project))
    return JobSpec(name="export", streams=streams)


def test_the_akeneo_products_flow_runs_end_to_end(
    small: tuple[Any, str], tmp_path: Path, state_db: Engine
) -> None:
    sb, url = small
    out = tmp_path / "out"
    report = JobEngine(state_db).run(flow_job(sb, url, out), Mode.FULL)
    assert report.status is RunStatus.SUCCEEDED, report.error
    documents = list(out.glob("*.json"))
    assert len(documents) == 250
    doc = orjson.loads(documents[0].read_bytes())
    assert {"uuid", "sku", "family", "enabled", "categories", "name", "prices"} <= doc.keys()


def test_the_flow_pushes_the_family_filter_down(
    small: tuple[Any, str], tmp_path: Path, state_db: Engine
) -> None:
    sb, url = small
    family = next(iter(sb.store.families))
    expected = sum(1 for p in sb.store.products.values() if p.get("family") == family)
    job = flow_job(sb, url, tmp_path / "out", families=[family], partition_by="family")
    report = JobEngine(state_db).run(job, Mode.FULL)
    assert report.status is RunStatus.SUCCEEDED, report.error
    assert len(list((tmp_path / "out").glob("*.json"))) == expected > 0


def test_a_failing_page_fails_the_run_without_advancing_the_watermark(
    small: tuple[Any, str], tmp_path: Path, state_db: Engine
) -> None:
    sb, url = small
    job = flow_job(sb, url, tmp_path / "out")
    sb.faults.fail_next(PRODUCTS, 500, times=6)
    report = JobEngine(state_db).run(job, Mode.FULL)
    assert report.status is RunStatus.FAILED
    assert PRODUCTS in (report.error or "")
    with state_db.connect() as conn:
        assert _sync.get_watermark(conn, "export", "products") is None


def test_model_source_yields_root_models_and_reads_them_back(demo: tuple[Any, str]) -> None:
    sb, url = demo
    roots = {code for code, m in sb.store.product_models.items() if m["parent"] is None}
    subs = {code for code, m in sb.store.product_models.items() if m["parent"] is not None}
    assert roots and subs
    with connect(sb, url) as client:
        source = AkeneoProductModelSource(client)
        extracted = [r for page in source.extract(Window(since=None)) for r in page]
        assert {r.key for r in extracted} == roots
        assert all(r.data is not None and r.data.is_root for r in extracted)
        root, sub = sorted(roots)[0], sorted(subs)[0]
        found = {r.key: r for r in source.read([root, sub, "no_such_model"])}
    assert found[root].data is not None and found[root].data.code == root
    assert found[sub].deleted and found["no_such_model"].deleted
