"""An Akeneo sandbox and an Oro sandbox on 127.0.0.1, and an installation set up through
the CLI the way a user would: ``pimsync init``, ``pimsync connections add`` (secrets from
stdin, stored encrypted), then ``pimsync config import`` of a project file with the
demo's two Oro jobs (its secrets ``{ stored = true }``).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from typer.testing import Result

from pimsync.cli._demo import OPTIONS  # the demo's mapping
from pimsync.config import ConnectionConfig, JobConfig, ProjectConfig, write_project
from pimsync.sandbox import akeneo as akeneo_sandbox
from pimsync.sandbox import oro as oro_sandbox
from pimsync.sandbox.akeneo import AkeneoSandbox
from pimsync.sandbox.oro import OroSandbox
from tests.cli._cli import Invoke

JOB = "oro-products"
STRUCTURE_JOB = "oro-structure"
FAMILY = "default_family"

# Secrets no output could contain by chance (the sandbox defaults, e.g. "admin", can).
AKENEO = akeneo_sandbox.Credentials(
    client_id="pim-client",
    secret="akeneo-secret-5d1f8c",
    username="pim-user",
    password="akeneo-password-9b3e7a",
)
ORO = oro_sandbox.Credentials(client_id="shop-client", client_secret="oro-secret-c47a20")


@dataclass
class OroProject:
    pim: AkeneoSandbox
    shop: OroSandbox
    folder: Path
    pim_url: str
    shop_url: str
    invoke: Invoke
    results: list[Result] = field(default_factory=list)

    @property
    def secrets(self) -> tuple[str, ...]:
        """The secret values of both connections."""
        return (AKENEO.secret, AKENEO.password, ORO.client_secret)

    def run(self, *args: str, input: str | None = None) -> Result:
        """``pimsync ARGS…``; fails at once if its output holds a secret or a traceback
        (unless ``--debug`` asked for one)."""
        result = self.invoke(*args, input=input)
        for secret in self.secrets:
            assert secret not in result.stdout, f"secret on stdout of {args}"
            assert secret not in result.stderr, f"secret on stderr of {args}"
        if "--debug" not in args:
            assert "Traceback" not in result.output, result.output
        self.results.append(result)
        return result

    def writes(self) -> int:
        """How many writes Oro's API has taken so far."""
        return sum(self.shop.writes.values())

    def admin_imports(self, csv_text: str) -> list[str]:
        """What the Oro admin does with the attribute file: import, update schema, family."""
        fields = self.shop.import_attributes(csv_text)
        self.shop.update_schema()
        self.shop.add_to_family(FAMILY, fields)
        return fields

    def add_shop(self, client_secret: str, *, replace: bool = False) -> Result:
        return self.run(
            "connections", "add", "shop", "--kind", "oro",
            "--set", f"url={self.shop_url}", "--set", f"client_id={ORO.client_id}",
            "--set", "version=6.1.10", "--secret", "client_secret=stdin",
            *(["--replace"] if replace else []),
            input=f"{client_secret}\n",
        )  # fmt: skip

    def add_pim(self, secret: str, password: str, *, replace: bool = False) -> Result:
        return self.run(
            "connections", "add", "pim", "--kind", "akeneo",
            "--set", f"url={self.pim_url}", "--set", f"client_id={AKENEO.client_id}",
            "--set", f"username={AKENEO.username}",
            "--secret", "secret=stdin", "--secret", "password=stdin",
            *(["--replace"] if replace else []),
            input=f"{secret}\n{password}\n",
        )  # fmt: skip


def _project(pim_url: str, shop_url: str, options: dict[str, Any]) -> ProjectConfig:
    pim = ConnectionConfig.model_validate(
        {
            "kind": "akeneo",
            "url": pim_url,
            "client_id": AKENEO.client_id,
            "username": AKENEO.username,
            "secret": {"stored": True},
            "password": {"stored": True},
        }
    )
    shop = ConnectionConfig.model_validate(
        {
            "kind": "oro",
            "url": shop_url,
            "client_id": ORO.client_id,
            "client_secret": {"stored": True},
            "version": "6.1.10",
        }
    )
    common = {"source": "pim", "destination": "shop", "options": options}
    jobs = {
        STRUCTURE_JOB: JobConfig.model_validate({**common, "flow": "oro.structure"}),
        JOB: JobConfig.model_validate({**common, "flow": "oro.products"}),
    }
    return ProjectConfig(connections={"pim": pim, "shop": shop}, jobs=jobs)


@contextmanager
def oro_project(
    folder: Path, invoke: Invoke, *, products: int, companion: bool
) -> Iterator[OroProject]:
    """Both sandboxes served, and an installation whose jobs join them."""
    pim = AkeneoSandbox.demo(products=products, credentials=AKENEO)
    shop = OroSandbox(companion_categories=companion, credentials=ORO)
    with akeneo_sandbox.serve(pim) as pim_url, oro_sandbox.serve(shop) as shop_url:
        project = OroProject(pim, shop, folder, pim_url, shop_url, invoke)
        assert project.run("init").exit_code == 0
        for added in (
            project.add_pim(AKENEO.secret, AKENEO.password),
            project.add_shop(ORO.client_secret),
        ):
            assert added.exit_code == 0, added.output
        project_file = folder / "pimsync.toml"
        write_project(_project(pim_url, shop_url, OPTIONS), project_file)
        imported = project.run("config", "import", str(project_file))
        assert imported.exit_code == 0, imported.output
        assert project.writes() == 0
        yield project
