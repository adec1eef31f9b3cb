"""An Akeneo sandbox, an Oro sandbox and the Oro jobs between them, for flow tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import SecretStr
from sqlalchemy import Engine

from pimsync.cli._demo import OPTIONS  # the demo's mapping
from pimsync.config import JobConfig, ProjectConfig
from pimsync.connectors.akeneo import AkeneoCatalog
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.connectors.kinds import get_kind, parse_settings
from pimsync.connectors.oro import connect as connect_oro
from pimsync.connectors.oro.structure import read_plan, structure_check_of
from pimsync.jobs import JobEngine, JobSpec, Mode, RunReport
from pimsync.runners._oro import OroJobOptions, structure_settings
from pimsync.runners.flows import Endpoint, FlowContext, get_flow
from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.akeneo import serve as serve_akeneo
from pimsync.sandbox.oro import OroSandbox
from pimsync.sandbox.oro import serve as serve_oro
from pimsync.state import create_state_engine, upgrade


@dataclass
class Systems:
    pim: AkeneoSandbox
    shop: OroSandbox
    source: Endpoint
    destination: Endpoint
    db: Engine
    home: Path
    options: dict[str, Any]

    def job(self, flow: str, name: str, **overrides: Any) -> JobSpec:
        config = JobConfig(
            flow=flow, source="pim", destination="shop", options={**self.options, **overrides}
        )
        context = FlowContext(
            name, config, self.source, self.destination, ProjectConfig(), self.db, self.home
        )
        streams = get_flow(flow).build(context)
        return JobSpec(name=name, streams=streams, batch_size=40)

    def run(self, flow: str, name: str, mode: Mode = Mode.FULL) -> RunReport:
        return JobEngine(self.db).run(self.job(flow, name), mode)

    def admin_imports_attributes(self, *, lengths: dict[str, int] | None = None) -> list[str]:
        """What an Oro admin does with `pimsync oro check`'s file: import, update schema,
        add to the default family. ``lengths`` shortens string fields in the file."""
        options = OroJobOptions.model_validate(self.options)
        with (
            connect_akeneo(self.source.settings, self.source.secrets) as akeneo,
            connect_oro(self.destination.settings, self.destination.secrets) as oro,
        ):
            plan = read_plan(AkeneoCatalog(akeneo), oro, structure_settings(options))
        csv = structure_check_of(plan).csv
        assert csv is not None, "nothing to import"
        for field, length in (lengths or {}).items():
            lines = csv.splitlines(keepends=True)
            csv = lines[0] + "".join(
                line.replace(",string,", ",string,", 1).replace(",255,", f",{length},", 1)
                if line.startswith(f"{field},")
                else line
                for line in lines[1:]
            )
        fields = self.shop.import_attributes(csv)
        self.shop.update_schema()
        self.shop.add_to_family("default_family", fields)
        return fields

    def writes(self) -> int:
        return sum(self.shop.writes.values())


@contextmanager
def oro_systems(
    tmp_path: Path,
    *,
    products: int = 0,
    companion: bool = True,
    pim: AkeneoSandbox | None = None,
    **options: Any,
) -> Iterator[Systems]:
    """Both sandboxes over HTTP and a fresh state store; Akeneo is ``pim`` or a demo
    catalog of ``products``; the options are the demo's, updated with ``options``."""
    pim = pim or AkeneoSandbox.demo(products=products)
    shop = OroSandbox(companion_categories=companion)
    with serve_akeneo(pim) as pim_url, serve_oro(shop) as shop_url:
        pc, sc = pim.credentials, shop.credentials
        source = Endpoint(
            "pim",
            "akeneo",
            parse_settings(
                "pim",
                get_kind("akeneo"),
                {"url": pim_url, "client_id": pc.client_id, "username": pc.username},
            ),
            {"secret": SecretStr(pc.secret), "password": SecretStr(pc.password)},
        )
        destination = Endpoint(
            "shop",
            "oro",
            parse_settings(
                "shop",
                get_kind("oro"),
                {"url": shop_url, "client_id": sc.client_id, "version": "6.1.10"},
            ),
            {"client_secret": SecretStr(sc.client_secret)},
        )
        db = create_state_engine(f"sqlite:///{tmp_path / 'state.db'}")
        upgrade(db)
        try:
            yield Systems(pim, shop, source, destination, db, tmp_path, {**OPTIONS, **options})
        finally:
            db.dispose()
