"""The local runner: builds jobs from the stored project and runs them in this process."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from functools import cached_property

from sqlalchemy import Engine

from pimsync.config import ProjectConfig
from pimsync.config._stored import connection_secrets, load_project
from pimsync.connectors.kinds import get_kind, parse_settings
from pimsync.errors import ConfigError
from pimsync.jobs import JobEngine, JobSpec, Mode, PairEngine, PairSpec, RunObserver, RunReport
from pimsync.runners.flows import Endpoint, FlowContext, get_flow
from pimsync.settings import Settings
from pimsync.state import (
    SecretBox,
    create_state_engine,
    load_secret_box,
    require_current_schema,
)


class LocalRunner:
    """One installation: its settings, state store and secret key."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @cached_property
    def db(self) -> Engine:
        """The state store, checked to be reachable and at the current schema."""
        engine = create_state_engine(self.settings.resolved_database_url)
        require_current_schema(engine)
        return engine

    @cached_property
    def box(self) -> SecretBox:
        return load_secret_box(self.settings.secret_key, self.settings.key_file)

    def project(self) -> ProjectConfig:
        with self.db.connect() as conn:
            return load_project(conn)

    def endpoint(self, project: ProjectConfig, name: str, role: str | None = None) -> Endpoint:
        """A connection with validated settings and secret values, able to play ``role``.

        Raises :class:`ConfigError` if the connection is unknown, invalid, or cannot play
        ``role`` (``"source"`` or ``"destination"``; None: either).
        """
        if name not in project.connections:
            known = ", ".join(sorted(project.connections)) or "none"
            raise ConfigError(f"unknown connection {name!r} (known: {known})")
        config = project.connections[name]
        kind = get_kind(config.kind)
        if role is not None and role not in kind.roles:
            raise ConfigError(
                f"connection {name!r} is a {kind.name} connection, which cannot be a {role}"
            )
        with self.db.connect() as conn:
            secrets = connection_secrets(conn, self.box, name) if config.secret_refs() else {}
        return Endpoint(name, kind.name, parse_settings(name, kind, config.settings()), secrets)

    def build(self, job: str) -> JobSpec | PairSpec:
        """The job ``job`` of the stored project, ready to run (a two-way job's flow
        gives a :class:`PairSpec`)."""
        project = self.project()
        if job not in project.jobs:
            known = ", ".join(sorted(project.jobs)) or "none; add one with `pimsync config import`"
            raise ConfigError(f"unknown job {job!r} (known: {known})")
        config = project.jobs[job]
        flow = get_flow(config.flow)
        source = self.endpoint(project, config.source, "source")
        destination = self.endpoint(project, config.destination, "destination")
        for endpoint, kinds in (
            (source, flow.source_kinds),
            (destination, flow.destination_kinds),
        ):
            if endpoint.kind not in kinds:
                raise ConfigError(
                    f"job {job!r}: flow {flow.name} needs a {' or '.join(kinds)} connection, "
                    f"but {endpoint.name!r} is {endpoint.kind}"
                )
        context = FlowContext(
            job, config, source, destination, project, self.db, self.settings.home
        )
        streams = flow.build(context)
        defaults = self.settings.engine
        overlap = config.overlap_seconds
        if isinstance(streams, PairSpec):
            return replace(
                streams,
                deletion_policy=config.deletion_policy,
                overlap=timedelta(seconds=defaults.overlap_seconds if overlap is None else overlap),
                max_attempts=config.max_attempts or defaults.max_attempts,
                lock_ttl=timedelta(seconds=defaults.lock_ttl_seconds),
            )
        return JobSpec(
            name=job,
            streams=streams,
            deletion_policy=config.deletion_policy,
            batch_size=config.batch_size or defaults.batch_size,
            load_concurrency=config.load_concurrency or defaults.load_concurrency,
            extract_concurrency=config.extract_concurrency or defaults.extract_concurrency,
            overlap=timedelta(seconds=defaults.overlap_seconds if overlap is None else overlap),
            max_attempts=config.max_attempts or defaults.max_attempts,
            lock_ttl=timedelta(seconds=defaults.lock_ttl_seconds),
            notes=tuple(context.notes),
            mode=context.overrides.get("mode"),
            exclusive_group=context.overrides.get("exclusive_group"),
            state_key=context.overrides.get("state_key"),
        )

    def run(
        self,
        job: str,
        mode: Mode = Mode.DIFF,
        *,
        dry_run: bool = False,
        observer: RunObserver | None = None,
    ) -> RunReport:
        """Build and run ``job`` once."""
        spec = self.build(job)
        if isinstance(spec, PairSpec):
            if dry_run:
                raise ConfigError(f"job {job!r} syncs both ways, which has no dry run yet")
            return PairEngine(self.db).run(spec)
        return JobEngine(self.db, observer).run(spec, mode, dry_run=dry_run)
