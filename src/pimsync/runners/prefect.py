"""The Prefect runner: any pimsync job as a Prefect flow, for when one machine is not enough.

Installed with the extra ``pimsync[prefect]``; nothing else in pimsync imports this module
except lazily, so pimsync without the extra never imports Prefect.

A job becomes the flow ``pimsync-job`` (parameters: job name, mode, dry run). For each
stream, in the job's order:

1. ``plan-stream`` works out what every part reads (a :class:`StreamWindow`: full or
   not, changes since when, the next watermark, the source's partitions);
2. ``retry-failed`` reads again the records whose last attempt failed, if any;
3. one ``partition`` task per partition extracts, diffs, loads and commits that
   partition only; they run concurrently;
4. ``close-stream``, once every partition task succeeded, reconciles deletions (full
   runs) and advances the stream's watermark.

Tasks are handed the job's name, the run's id and mode, and the window (cursors and a
partition key), never records: each task builds the job from the state store the way
the local runner does, so it can run on any worker that shares the store. The state
store stays the one source of truth: hashes and xrefs are committed per loaded batch, so
a partition task retried (here or on another worker) re-sends only what its failed
attempt did not commit, and destinations upsert by key, so nothing is duplicated. The
watermark moves only in ``close-stream``.

The flow holds the run's locks (with their heartbeat) for the whole run, as the local
runner does. Jobs that cannot run in parts run as one ``run-job`` task: two-way jobs
(:class:`~pimsync.jobs.PairSpec`) and jobs whose destination stages its records for one
delivery at the end (SFCC import files).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Hashable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefect import flow, task
from prefect.cache_policies import NONE as NO_CACHE
from prefect.client.schemas.objects import State, TaskRun
from prefect.futures import wait
from prefect.states import Failed
from prefect.task_runners import ThreadPoolTaskRunner
from prefect.tasks import Task

from pimsync.config import ProjectConfig
from pimsync.errors import ConfigError, JobLocked, RemoteError
from pimsync.jobs import (
    JobEngine,
    JobSpec,
    Mode,
    PairSpec,
    RunObserver,
    RunReport,
    RunStatus,
    StreamCounts,
    StreamWindow,
)
from pimsync.runners.local import LocalRunner
from pimsync.settings import Settings

log = logging.getLogger("pimsync.prefect")

FLOW_NAME = "pimsync-job"
# Partition tasks in flight at once per flow run: the engine's default extract
# concurrency, so a flow reads as many partitions at once as the local runner does.
PARTITIONS_IN_FLIGHT = 2
# Retried quickly first (a worker restarting), then with more patience (an outage).
RETRY_DELAYS = [1, 10, 60]


@dataclass(frozen=True, slots=True)
class JobRun:
    """What a task knows of the run it works for: plain data, cheap to hand to a worker."""

    job: str
    run_id: int
    mode: str
    dry_run: bool
    home: str | None

    def report(self) -> RunReport:
        """An empty report of this run for one task's counts."""
        return RunReport(run_id=self.run_id, job=self.job, mode=self.mode, dry_run=self.dry_run)


# -- the installation a task works in ------------------------------------------------------

_runners: dict[str | None, LocalRunner] = {}
_runners_lock = threading.Lock()


def _runner(home: str | None) -> LocalRunner:
    """This process's runner for ``home`` (None: the settings of the environment, as on a
    worker), created once so tasks share its state-store connections."""
    with _runners_lock:
        if home not in _runners:
            settings = Settings(home=Path(home)) if home else Settings()
            _runners[home] = LocalRunner(settings)
        return _runners[home]


# Per thread, the job built for the latest run: building one (connecting, reading the
# mapping's Akeneo metadata) took 0.5 s in the tests, and a run has a task per partition.
_built = threading.local()


def _keep(run: JobRun, spec: JobSpec) -> None:
    _built.entry = ((run.home, run.job, run.run_id), spec)


def _spec_for(run: JobRun) -> JobSpec:
    """The job built for ``run``, once per thread: tasks of one run on one thread share
    it, as the local runner shares one build between the streams of a run."""
    entry = getattr(_built, "entry", None)
    if entry is not None and entry[0] == (run.home, run.job, run.run_id):
        spec: JobSpec = entry[1]
        return spec
    built = _runner(run.home).build(run.job)
    if not isinstance(built, JobSpec):  # the flow checked it; the project changed since
        raise ConfigError(f"job {run.job!r} no longer runs in parts; run it again")
    _keep(run, built)
    return built


@contextmanager
def _working_on(run: JobRun) -> Iterator[tuple[JobEngine, JobSpec]]:
    """The engine and the job for one task; after a failure the job is built afresh, so a
    retry starts clean, as it would on another worker."""
    try:
        yield JobEngine(_runner(run.home).db), _spec_for(run)
    except BaseException:
        _built.entry = None
        raise


# -- retries -----------------------------------------------------------------------------


def _worth_retrying(_task: Task[Any, Any], _run: TaskRun, state: State[Any]) -> bool:
    """Retry unless retrying cannot help: the configuration (the user must fix it), an
    answer the remote system will give again, or another run holding the job's lock."""
    try:
        state.result()
    except (ConfigError, RemoteError, JobLocked):
        return False
    except Exception:  # noqa: BLE001 - a crash, a timeout, a dropped connection: retry
        return True
    return True


_RETRIED: dict[str, Any] = {
    "retries": len(RETRY_DELAYS),
    "retry_delay_seconds": RETRY_DELAYS,
    "retry_condition_fn": _worth_retrying,
    "cache_policy": NO_CACHE,
}


# -- tasks -------------------------------------------------------------------------------


@task(name="plan-stream", task_run_name="plan {stream}", **_RETRIED)
def plan_stream(run: JobRun, stream: str) -> StreamWindow:
    """The window every part of ``stream`` reads."""
    with _working_on(run) as (engine, spec):
        return engine.plan_stream(spec, stream, run.report())


@task(name="retry-failed", task_run_name="retry failed {window.stream}", **_RETRIED)
def retry_failed(run: JobRun, window: StreamWindow) -> StreamCounts:
    """Send again the records of ``window.retry_keys``."""
    report = run.report()
    with _working_on(run) as (engine, spec):
        engine.run_retries(spec, window, report)
    return report.streams.get(window.stream, StreamCounts())


@task(name="partition", task_run_name="{window.stream} {partition}", **_RETRIED)
def run_partition(run: JobRun, window: StreamWindow, partition: Hashable | None) -> StreamCounts:
    """Extract, diff, load and commit one partition of ``window``."""
    report = run.report()
    with _working_on(run) as (engine, spec):
        engine.run_partition(spec, window, partition, report)
    return report.streams.get(window.stream, StreamCounts())


@task(name="close-stream", task_run_name="close {window.stream}", **_RETRIED)
def close_stream(run: JobRun, window: StreamWindow) -> StreamCounts:
    """Reconcile deletions (full runs) and advance the watermark of ``window.stream``."""
    report = run.report()
    with _working_on(run) as (engine, spec):
        engine.close_stream(spec, window, report)
    return report.streams.get(window.stream, StreamCounts())


@task(name="run-job", task_run_name="run {job}", cache_policy=NO_CACHE)
def run_whole_job(job: str, mode: str, dry_run: bool, home: str | None) -> RunReport:
    """A job that runs only as a whole (two-way, or staged for one delivery), as the
    local runner runs it. Not retried: a failed run is already stored as failed."""
    # LocalRunner's own run: in this process the runner may be the PrefectRunner itself.
    return LocalRunner.run(_runner(home), job, Mode(mode), dry_run=dry_run)


# -- the flow ------------------------------------------------------------------------------


def _add(total: StreamCounts, part: StreamCounts) -> None:
    for name, value in part.as_dict().items():
        setattr(total, name, getattr(total, name) + value)


def _run_stream(run: JobRun, stream: str, report: RunReport) -> None:
    """One stream in parts; raises the first error of a part after all parts ended."""
    window = plan_stream(run, stream)
    report.notes.extend(window.notes)
    counts = report.streams.setdefault(stream, StreamCounts())
    if window.retry_keys:
        _add(counts, retry_failed(run, window))
    futures = [run_partition.submit(run, window, p) for p in window.partitions]
    wait(futures)
    for future in futures:  # raises the first failure, once none is left running
        _add(counts, future.result())
    _add(counts, close_stream(run, window))
    report.watermarks[stream] = window.started.isoformat()


@flow(
    name=FLOW_NAME,
    # Prefect types task_runner as invariant in its future type; a thread pool is its default.
    task_runner=ThreadPoolTaskRunner(max_workers=PARTITIONS_IN_FLIGHT),  # type: ignore[arg-type]
    log_prints=False,
)
def job_flow(job: str, mode: str = "diff", dry_run: bool = False, home: str | None = None) -> Any:
    """Run the pimsync job ``job`` once (``mode``: ``diff`` or ``full``) and return its
    :class:`RunReport`. ``home`` names the installation's folder; None (deployments)
    takes the worker's ``PIMSYNC_*`` environment."""
    runner = _runner(home)
    spec = runner.build(job)
    if isinstance(spec, PairSpec) or not JobEngine.partitionable(spec):
        return _outcome(run_whole_job(job, mode, dry_run, home))
    with JobEngine(runner.db).held_run(spec, Mode(mode), dry_run=dry_run) as report:
        run = JobRun(job, report.run_id, report.mode, dry_run, home)
        _keep(run, spec)  # tasks run on this thread need not build it again
        for stream in spec.streams:
            _run_stream(run, stream.name, report)
    return _outcome(report)


def _outcome(report: RunReport) -> RunReport | State[Any]:
    """The flow run's result: the report, in a failed state if the run failed, so that
    Prefect (its UI, its automations) sees the failure too."""
    if report.status is RunStatus.FAILED:
        return Failed(
            message=f"run {report.run_id} of {report.job} failed: {report.error}", data=report
        )
    return report


# -- the runner ------------------------------------------------------------------------------


class PrefectRunner(LocalRunner):
    """Builds jobs as the local runner does and runs each as a flow run of ``pimsync-job``.

    Without ``PREFECT_API_URL``, Prefect starts a temporary local server for the flow
    (about 15 s the first time); with it, the flow run is recorded on that server.
    """

    def run(
        self,
        job: str,
        mode: Mode = Mode.DIFF,
        *,
        dry_run: bool = False,
        observer: RunObserver | None = None,
    ) -> RunReport:
        """Run ``job`` once as a flow in this process (its tasks in threads)."""
        home = str(self.settings.home.resolve())
        with _runners_lock:
            _runners[home] = self  # tasks of this process use these very settings
        state = job_flow(job=job, mode=mode.value, dry_run=dry_run, home=home, return_state=True)
        assert isinstance(state, State)  # a sync flow called outside an event loop
        outcome = state.result(raise_on_failure=False)
        if isinstance(outcome, BaseException):  # e.g. JobLocked, or the run interrupted
            raise outcome
        if not isinstance(outcome, RunReport):
            raise TypeError(f"the flow returned {type(outcome).__name__}, not a run report")
        return outcome


# -- deployments -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Deployed:
    """A deployment ``deploy`` created or updated."""

    job: str
    name: str
    schedule: str | None


def deploy(project: ProjectConfig, pool: str, jobs: Iterable[str] = ()) -> Sequence[Deployed]:
    """Create or update one deployment of ``pimsync-job`` per job of ``project`` (or per
    job named in ``jobs``), on the work pool ``pool`` (created as a process pool if
    missing), each with its job's cron schedule (UTC). Raises :class:`ConfigError` for
    an unknown job."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.deployments.runner import RunnerDeployment
    from prefect.exceptions import ObjectNotFound
    from prefect.types.entrypoint import EntrypointType

    names = list(jobs) or list(project.jobs)
    for name in names:
        if name not in project.jobs:
            raise ConfigError(f"unknown job {name!r}")
    with get_client(sync_client=True) as client:
        try:
            client.read_work_pool(pool)
        except ObjectNotFound:
            client.create_work_pool(WorkPoolCreate(name=pool, type="process"))
    deployed = []
    for name in names:
        schedule = project.jobs[name].schedule
        deployment = job_flow.to_deployment(
            name=name,
            cron=schedule,
            parameters={"job": name},
            description=f"pimsync job {name} ({project.jobs[name].flow})",
            tags=["pimsync"],
            work_pool_name=pool,
            # Workers import the flow from the installed package, not from a file here.
            entrypoint_type=EntrypointType.MODULE_PATH,
        )
        assert isinstance(deployment, RunnerDeployment)  # called outside an event loop: sync
        deployment.apply(work_pool_name=pool)
        deployed.append(Deployed(name, f"{FLOW_NAME}/{name}", schedule))
    return deployed
