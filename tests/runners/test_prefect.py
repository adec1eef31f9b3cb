"""The Prefect runner against an Akeneo sandbox and an Oro sandbox on 127.0.0.1.

Each installation is set up through the CLI as a user would (see ``tests.cli._oro_project``)
with products read per family, so a run has several partition tasks. Flows run against
Prefect's test harness: a temporary Prefect server on 127.0.0.1, started once per module.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from pimsync.cli import app
from pimsync.cli._demo import OPTIONS
from pimsync.config import write_project
from pimsync.connectors.base import Change, Destination, ItemResult
from pimsync.errors import RemoteError
from pimsync.jobs import JobSpec, Mode, PairSpec, RunStatus
from pimsync.runners.local import LocalRunner
from pimsync.settings import Settings
from pimsync.state._sync import get_watermark
from tests.cli._oro_project import JOB, STRUCTURE_JOB, OroProject, _project, oro_project

PRODUCTS = 60
PRODUCT_STREAMS = ("product_models", "products")


@pytest.fixture(scope="module")
def harness(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """A temporary Prefect server, with the environment of ../shared/ENVIRONMENT.md."""
    env = {
        "PREFECT_HOME": str(tmp_path_factory.mktemp("prefect-home")),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
        "PREFECT_LOGGING_LEVEL": "WARNING",
    }
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        # Imported only now, so Prefect reads its settings from the environment above.
        from prefect.settings import (
            PREFECT_HOME,
            PREFECT_LOGGING_LEVEL,
            PREFECT_SERVER_ANALYTICS_ENABLED,
            temporary_settings,
        )
        from prefect.testing.utilities import prefect_test_harness

        updates = {
            PREFECT_HOME: env["PREFECT_HOME"],
            PREFECT_SERVER_ANALYTICS_ENABLED: False,
            PREFECT_LOGGING_LEVEL: "WARNING",
        }
        with (
            temporary_settings(updates=updates),
            prefect_test_harness(server_startup_timeout=120),
        ):
            yield


def _invoke(home: Path) -> Callable[..., Result]:
    runner = CliRunner()

    def run(*args: str, input: str | None = None) -> Result:
        return runner.invoke(app, ["--home", str(home), *args], input=input, catch_exceptions=False)

    return run


def _install(folder: Path) -> Iterator[OroProject]:
    """Both sandboxes and an installation ready for the products job: attributes
    imported by the Oro admin, `oro apply` done, products read per family."""
    folder.mkdir()
    with oro_project(folder, _invoke(folder / "home"), products=PRODUCTS, companion=True) as p:
        project_file = folder / "pimsync.toml"
        options = {**OPTIONS, "partition_by": "family"}
        write_project(_project(p.pim_url, p.shop_url, options), project_file)
        assert p.run("config", "import", str(project_file)).exit_code == 0
        checked = p.run("oro", "check", JOB, "--attributes-csv", str(folder / "attributes.csv"))
        assert checked.exit_code == 3, checked.output
        p.admin_imports((folder / "attributes.csv").read_text(encoding="utf-8"))
        applied = p.run("oro", "apply", JOB)
        assert applied.exit_code == 0, applied.output
        yield p


@pytest.fixture
def install(tmp_path: Path) -> Iterator[OroProject]:
    yield from _install(tmp_path / "prefect")


def _settings(project: OroProject) -> Settings:
    return Settings(home=project.folder / "home")


def _snapshot(project: OroProject) -> dict[str, Any]:
    """What Oro holds for each product, by SKU, without ids and timestamps (which differ
    between two sandboxes written in another order)."""
    shop = project.shop
    localizations = {r["id"]: r["attributes"]["name"] for r in shop.store.all("localizations")}
    titles = shop.category_titles()
    out: dict[str, Any] = {}
    for product in shop.products():
        sku = product["attributes"]["sku"]
        assert sku not in out, f"{sku} twice in Oro"
        category = product["relationships"].get("category")
        out[sku] = {
            "attributes": {
                k: v
                for k, v in product["attributes"].items()
                if k not in ("createdAt", "updatedAt")
            },
            "names": {
                localizations.get(k) if k else None: v
                for k, v in shop.product_names(product["id"]).items()
            },
            "prices": [{k: v for k, v in p.items() if k != "id"} for p in shop.product_prices(sku)],
            "images": [
                {k: v for k, v in i.items() if k not in ("id", "file_id")}
                for i in shop.product_images(sku)
            ],
            "variants": shop.variant_links(sku),
            "category": titles.get(category["id"]) if category else None,
        }
    return out


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the local runner leaves in Oro: the structure job, then the products job."""
    for project in _install(tmp_path_factory.mktemp("local") / "install"):
        runner = LocalRunner(_settings(project))
        for job in (STRUCTURE_JOB, JOB):
            report = runner.run(job, Mode.FULL)
            assert report.status is RunStatus.SUCCEEDED, report.error
        runner.db.dispose()
        snapshot = _snapshot(project)
    assert len(snapshot) > PRODUCTS // 2, "the reference wrote too few products"
    return snapshot


class _Fault:
    """A writer fault: the products writer raises ``error`` at its ``after``-th write
    (later writes succeed), ``times`` times in all."""

    def __init__(self, error: Exception, *, after: int, times: int) -> None:
        self.error = error
        self.after = after
        self.times = times
        self.writes = 0
        self.raised = 0
        self.lock = threading.Lock()

    def wrap(self, writer: Destination) -> Destination:
        fault = self

        class Faulty:
            def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
                with fault.lock:  # partition tasks write from several threads
                    fault.writes += 1
                    fails = fault.writes >= fault.after and fault.raised < fault.times
                    fault.raised += fails
                if fails:
                    raise fault.error
                return writer.write(changes)

        return Faulty()


def _prefect_runner(project: OroProject, fault: _Fault | None = None) -> LocalRunner:
    """A Prefect runner whose tasks (here, in threads) build the job with ``fault`` in
    the products stream's writer."""
    from pimsync.runners.prefect import PrefectRunner

    runner = PrefectRunner(_settings(project))
    if fault is None:
        return runner
    build = runner.build

    def faulty_build(job: str) -> JobSpec | PairSpec:
        spec = build(job)
        assert isinstance(spec, JobSpec)
        streams = [
            replace(s, destination=fault.wrap(s.destination)) if s.name == "products" else s
            for s in spec.streams
        ]
        return replace(spec, streams=streams)

    runner.build = faulty_build  # type: ignore[method-assign]
    return runner


def _run_structure_locally(project: OroProject) -> None:
    """Price lists, options, brands, categories: what the products job needs first."""
    runner = LocalRunner(_settings(project))
    assert runner.run(STRUCTURE_JOB, Mode.FULL).status is RunStatus.SUCCEEDED
    runner.db.dispose()


def _watermarks(runner: LocalRunner) -> dict[str, Any]:
    with runner.db.connect() as conn:
        return {s: get_watermark(conn, JOB, s) for s in PRODUCT_STREAMS}


def test_the_prefect_runner_leaves_the_same_products_in_oro_as_the_local_runner(
    harness: None, reference: dict[str, Any], install: OroProject
) -> None:
    runner = _prefect_runner(install)
    structure = runner.run(STRUCTURE_JOB, Mode.FULL)
    assert structure.status is RunStatus.SUCCEEDED, structure.error
    report = runner.run(JOB, Mode.FULL)
    assert report.status is RunStatus.SUCCEEDED, report.error
    assert _snapshot(install) == reference
    # The run's counts add up across the partition tasks: every product was extracted once.
    assert report.streams["products"].extracted == PRODUCTS

    writes = install.writes()
    again = runner.run(JOB)  # differential: nothing changed in Akeneo
    assert again.status is RunStatus.SUCCEEDED, again.error
    assert install.writes() == writes
    runner.db.dispose()


def test_a_task_that_fails_mid_run_is_retried_without_duplicates_or_gaps(
    harness: None, reference: dict[str, Any], install: OroProject
) -> None:
    fault = _Fault(ConnectionResetError("worker lost its connection"), after=3, times=1)
    runner = _prefect_runner(install, fault)
    _run_structure_locally(install)

    report = runner.run(JOB, Mode.FULL)

    assert fault.raised == 1  # a partition task failed after other batches were written
    assert report.status is RunStatus.SUCCEEDED, report.error
    assert _snapshot(install) == reference  # each product once, none missing
    stored = _watermarks(runner)
    assert all(stored[s] is not None for s in PRODUCT_STREAMS)
    assert {s: stored[s].isoformat() for s in PRODUCT_STREAMS} == {  # type: ignore[union-attr]
        s: report.watermarks[s] for s in PRODUCT_STREAMS
    }
    runner.db.dispose()


def test_the_watermark_waits_until_every_partition_succeeded(
    harness: None, reference: dict[str, Any], install: OroProject
) -> None:
    # A refusal retrying cannot fix: the task is not retried and the run fails.
    fault = _Fault(RemoteError("Oro refused the batch"), after=2, times=1)
    runner = _prefect_runner(install, fault)
    _run_structure_locally(install)

    failed = runner.run(JOB, Mode.FULL)

    assert fault.raised == 1
    assert failed.status is RunStatus.FAILED
    assert "Oro refused the batch" in (failed.error or "")
    stored = _watermarks(runner)
    assert stored["product_models"] is not None  # its stream had ended before
    assert stored["products"] is None  # some partitions ran, not all: no watermark
    written = _snapshot(install)
    assert 0 < len(written) < len(reference)

    retried = runner.run(JOB)  # no watermark yet: runs full, the writer works again
    assert retried.status is RunStatus.SUCCEEDED, retried.error
    assert _snapshot(install) == reference
    assert _watermarks(runner)["products"] is not None
    runner.db.dispose()


def test_without_prefect_pimsync_works_and_the_prefect_runner_says_how_to_install_it(
    tmp_path: Path,
) -> None:
    """A subprocess in which ``import prefect`` fails, as when the extra is not installed."""
    import subprocess
    import sys

    shim = tmp_path / "shim"
    shim.mkdir()
    (shim / "sitecustomize.py").write_text(
        "import sys\n"
        "class _NoPrefect:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'prefect' or name.startswith('prefect.'):\n"
        "            raise ModuleNotFoundError(\"No module named 'prefect'\", name=name)\n"
        "        return None\n"
        "sys.meta_path.insert(0, _NoPrefect())\n",
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PIMSYNC_", "PREFECT_"))}
    env |= {"PYTHONPATH": str(shim), "PIMSYNC_HOME": str(tmp_path / "home"), "COLUMNS": "200"}
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "catalog.jsonl").write_text("", encoding="utf-8")

    def pimsync(*args: str) -> subprocess.CompletedProcess[str]:
        code = "import sys; from pimsync.cli import main; sys.exit(main())"
        return subprocess.run(
            [sys.executable, "-c", code, *args],
            env=env,
            cwd=folder,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    from tests.cli._cli import PROJECT

    (folder / "pimsync.toml").write_text(PROJECT.format(folder=folder), encoding="utf-8")
    set_up = _invoke(tmp_path / "home")("init", "--project", str(folder / "pimsync.toml"))
    assert set_up.exit_code == 0, set_up.output
    ran = pimsync("run", "publish")
    assert ran.returncode == 0, ran.stderr
    assert "Traceback" not in ran.stderr

    refused = pimsync("run", "publish", "--runner", "prefect")
    assert refused.returncode == 2, refused.stderr
    assert "pip install 'pimsync[prefect]'" in refused.stderr
    assert "Traceback" not in refused.stderr
    deploy = pimsync("prefect", "deploy")
    assert deploy.returncode == 2
    assert "pip install 'pimsync[prefect]'" in deploy.stderr


@pytest.fixture
def files_project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """An installation with the CLI tests' project: a JSON Lines catalog of 20 products
    published to a folder, scheduled every 15 minutes."""
    from tests.cli._cli import PROJECT, write_catalog

    for name in ("PIMSYNC_DATABASE_URL", "PIMSYNC_SECRET_KEY", "PIMSYNC_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    write_catalog(tmp_path / "catalog.jsonl", 20)
    (tmp_path / "pimsync.toml").write_text(PROJECT.format(folder=tmp_path), encoding="utf-8")
    invoke = _invoke(tmp_path / "home")
    assert invoke("init").exit_code == 0
    return invoke


def test_run_with_the_prefect_runner_from_the_command_line(
    harness: None, files_project: Callable[..., Result], tmp_path: Path
) -> None:
    ran = files_project("run", "publish", "--runner", "prefect", "--json")
    assert ran.exit_code == 0, ran.output
    import orjson

    doc = orjson.loads(ran.stdout)
    assert doc["status"] == "succeeded"
    assert len(list((tmp_path / "output").glob("*.json"))) == 20
    listed = files_project("runs", "list", "--json")
    assert [r["run_id"] for r in orjson.loads(listed.stdout)] == [doc["run_id"]]


def test_deploy_creates_a_deployment_per_job_with_its_schedule(
    harness: None, files_project: Callable[..., Result]
) -> None:
    from prefect.client.orchestration import get_client

    deployed = files_project("prefect", "deploy", "--pool", "pimsync-test")
    assert deployed.exit_code == 0, deployed.output
    assert "pimsync-job/publish" in deployed.stdout
    with get_client(sync_client=True) as client:
        deployment = client.read_deployment_by_name("pimsync-job/publish")
        pool = client.read_work_pool("pimsync-test")
    assert deployment.parameters == {"job": "publish"}
    assert deployment.work_pool_name == "pimsync-test"
    assert deployment.entrypoint == "pimsync.runners.prefect.job_flow"
    crons = [getattr(s.schedule, "cron", None) for s in deployment.schedules]
    assert crons == ["*/15 * * * *"]
    assert pool.type == "process"

    again = files_project("prefect", "deploy", "--pool", "pimsync-test", "--job", "publish")
    assert again.exit_code == 0, again.output  # updating is fine
    unknown = files_project("prefect", "deploy", "--job", "nope")
    assert unknown.exit_code == 2
    assert "unknown job 'nope'" in unknown.stderr


class _StagedFolder:
    """Stages records until ``deliver``, as the SFCC import files do."""

    def __init__(self) -> None:
        self.staged: list[Change] = []
        self.delivered: dict[str, Any] = {}

    def write(self, changes: Sequence[Change]) -> Sequence[ItemResult]:
        self.staged.extend(changes)
        return [ItemResult(c.key, dest_key=c.key) for c in changes]

    def deliver(self) -> Sequence[str]:
        self.delivered.update((c.key, c.payload) for c in self.staged)
        self.staged.clear()
        return [f"delivered {len(self.delivered)} record(s)"]

    def discard(self) -> None:
        self.staged.clear()


def test_a_job_with_a_staged_destination_runs_as_one_task(
    harness: None, files_project: Callable[..., Result], tmp_path: Path
) -> None:
    from pimsync.runners.prefect import PrefectRunner

    runner = PrefectRunner(Settings(home=tmp_path / "home"))
    build = runner.build
    folders: list[_StagedFolder] = []

    def staged_build(job: str) -> JobSpec | PairSpec:
        spec = build(job)
        assert isinstance(spec, JobSpec)
        folders.append(_StagedFolder())
        return replace(spec, streams=[replace(s, destination=folders[-1]) for s in spec.streams])

    runner.build = staged_build  # type: ignore[method-assign]
    report = runner.run("publish", Mode.FULL)

    assert report.status is RunStatus.SUCCEEDED, report.error
    assert len(folders[-1].delivered) == 20  # all of it delivered by the run that staged it
    assert "delivered 20 record(s)" in report.notes
    runner.db.dispose()


def test_a_job_another_run_holds_is_refused_as_with_the_local_runner(
    harness: None, files_project: Callable[..., Result], tmp_path: Path
) -> None:
    from datetime import timedelta

    from pimsync.state._locks import JobLock

    other = LocalRunner(Settings(home=tmp_path / "home"))
    lock = JobLock(other.db, "publish", 999, timedelta(minutes=5))
    lock.acquire()
    try:
        refused = files_project("run", "publish", "--runner", "prefect")
    finally:
        lock.release()
        other.db.dispose()
    assert refused.exit_code == 4, refused.output
    assert "error: job 'publish' is already running (run 999, pid" in refused.stderr
    assert not (tmp_path / "output").exists() or not any((tmp_path / "output").iterdir())
