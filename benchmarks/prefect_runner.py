"""Akeneo → OroCommerce with the local runner and with the Prefect runner, in one sitting.

One Akeneo sandbox (``pimsync sandbox akeneo --products N``) serves both runs; each
runner writes to a fresh Oro sandbox of its own (``--companion --attributes-csv FILE``,
FILE computed as in ``oro_sync.py``). Each runner gets an installation made as a user
makes one: ``pimsync init``, ``connections add`` (secrets on stdin), ``config import`` of
a project with the jobs ``oro-structure`` and ``oro-products`` (the options of the Oro
flow tests, ``partition_by = "family"`` so the Prefect runner has partitions to spread,
job ``batch_size`` 1,000).

pimsync then runs in a process of its own (this script with ``--worker``), which prints
one JSON line per step:

1. ``start-up`` (Prefect only): importing Prefect and running an empty flow. Without
   ``PREFECT_API_URL``, Prefect starts its temporary local server for the first flow;
   this is that cost, reported apart from the job runs;
2. ``oro-structure`` full;
3. ``oro-products`` full: every product model and product written;
4. ``oro-products`` full again: nothing changed, nothing written.

Times are wall-clock for building the job plus running it, as ``pimsync run`` would.
The Prefect worker uses a fresh ``PREFECT_HOME`` with the environment of
``../shared/ENVIRONMENT.md`` (analytics off, logging at WARNING).

usage: python benchmarks/prefect_runner.py --products 20000
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from oro_sync import (  # this folder is on sys.path
    PIM_CREDS,
    SHOP_CREDS,
    attributes_csv,
    cpu_seconds,
    sandbox,
)
from pimsync.cli._demo import OPTIONS  # the demo's mapping, also used by the flow tests

STRUCTURE, PRODUCTS = "oro-structure", "oro-products"
RUNNERS = ("local", "prefect")


# -- the installation ----------------------------------------------------------------------


def pimsync(home: Path, *args: str, input: str | None = None) -> None:
    cmd = [sys.executable, "-m", "pimsync.cli", "--home", str(home), *args]
    done = subprocess.run(cmd, input=input, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"pimsync {' '.join(args)}: {done.stderr.strip()}")


def install(home: Path, pim_url: str, shop_url: str) -> None:
    """An installation whose two jobs join the two sandboxes, set up through the CLI."""
    from pimsync.config import ConnectionConfig, JobConfig, ProjectConfig, write_project

    client_id, secret, user, password = PIM_CREDS
    shop_id, shop_secret = SHOP_CREDS
    pimsync(home, "init")
    pimsync(
        home, "connections", "add", "pim", "--kind", "akeneo",
        "--set", f"url={pim_url}", "--set", f"client_id={client_id}",
        "--set", f"username={user}", "--secret", "secret=stdin", "--secret", "password=stdin",
        input=f"{secret}\n{password}\n",
    )  # fmt: skip
    pimsync(
        home, "connections", "add", "shop", "--kind", "oro",
        "--set", f"url={shop_url}", "--set", f"client_id={shop_id}",
        "--set", "version=6.1.10", "--secret", "client_secret=stdin",
        input=f"{shop_secret}\n",
    )  # fmt: skip
    stored = {"stored": True}
    pim = ConnectionConfig.model_validate(
        {
            "kind": "akeneo",
            "url": pim_url,
            "client_id": client_id,
            "username": user,
            "secret": stored,
            "password": stored,
        }
    )
    shop = ConnectionConfig.model_validate(
        {
            "kind": "oro",
            "url": shop_url,
            "client_id": shop_id,
            "client_secret": stored,
            "version": "6.1.10",
        }
    )
    common: dict[str, Any] = {
        "source": "pim",
        "destination": "shop",
        "batch_size": 1000,
        "options": {**OPTIONS, "partition_by": "family"},
    }
    jobs = {
        STRUCTURE: JobConfig.model_validate({**common, "flow": "oro.structure"}),
        PRODUCTS: JobConfig.model_validate({**common, "flow": "oro.products"}),
    }
    project_file = home / "pimsync.toml"
    write_project(ProjectConfig(connections={"pim": pim, "shop": shop}, jobs=jobs), project_file)
    pimsync(home, "config", "import", str(project_file))


# -- the pimsync process -------------------------------------------------------------------


def emit(line: dict[str, Any]) -> None:
    print(json.dumps(line), flush=True)


def worker(runner_name: str, home: Path) -> None:
    """Run the steps with one runner; one JSON line per step on stdout."""
    from pimsync.jobs import Mode
    from pimsync.runners.local import LocalRunner
    from pimsync.settings import Settings

    settings = Settings(home=home)
    runner: LocalRunner
    if runner_name == "prefect":
        started = time.perf_counter()
        from prefect import flow

        from pimsync.runners.prefect import PrefectRunner

        @flow(name="start-up")
        def start_up() -> None:
            """An empty flow: what the first flow of a process costs before any job."""

        start_up()
        emit({"step": "start-up", "seconds": time.perf_counter() - started})
        runner = PrefectRunner(settings)
    else:
        runner = LocalRunner(settings)
    for label, job in (
        ("structure", STRUCTURE),
        ("products full", PRODUCTS),
        ("products no-op full", PRODUCTS),
    ):
        cpu = time.process_time()
        started = time.perf_counter()
        report = runner.run(job, Mode.FULL)
        emit(
            {
                "step": label,
                "status": str(report.status),
                "error": report.error,
                "seconds": time.perf_counter() - started,
                "cpu_seconds": time.process_time() - cpu,
                "streams": {name: c.as_dict() for name, c in report.streams.items()},
            }
        )


# -- the driver ------------------------------------------------------------------------------


def run_one(runner_name: str, pim_url: str, pim_pid: int, csv: Path, tmp: Path) -> list[Any]:
    with sandbox("oro", "--companion", "--attributes-csv", str(csv)) as (shop_url, shop_pid):
        home = tmp / runner_name
        install(home, pim_url, shop_url)
        env = dict(os.environ)
        if runner_name == "prefect":
            env |= {
                "PREFECT_HOME": str(tmp / "prefect-home"),
                "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
                "DO_NOT_TRACK": "1",
                "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120",
                "PREFECT_LOGGING_LEVEL": "WARNING",
            }
        cmd = [sys.executable, __file__, "--worker", runner_name, str(home)]
        process = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
        assert process.stdout is not None
        lines = []
        cpu = {"akeneo": cpu_seconds(pim_pid), "oro": cpu_seconds(shop_pid)}
        for raw in process.stdout:
            line = json.loads(raw)
            now = {"akeneo": cpu_seconds(pim_pid), "oro": cpu_seconds(shop_pid)}
            line["sandbox_cpu"] = {k: round(now[k] - cpu[k], 1) for k in now}
            cpu = now
            line["runner"] = runner_name
            print(json.dumps(line), flush=True)
            lines.append(line)
        if process.wait() != 0:
            raise SystemExit(f"the {runner_name} worker failed")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=20_000)
    parser.add_argument("--worker", nargs=2, metavar=("RUNNER", "HOME"))
    args = parser.parse_args()
    if args.worker:
        worker(args.worker[0], Path(args.worker[1]))
        return 0

    n = args.products
    started = time.perf_counter()
    results: dict[str, dict[str, float]] = {}
    with (
        sandbox("akeneo", "--products", str(n)) as (pim_url, pim_pid),
        tempfile.TemporaryDirectory(prefix="pimsync-prefect-bench-") as folder,
    ):
        print(f"Akeneo sandbox with {n} products up in {time.perf_counter() - started:.1f} s")
        tmp = Path(folder)
        csv = tmp / "attributes.csv"
        csv.write_text(attributes_csv(pim_url), encoding="utf-8")
        for name in RUNNERS:
            lines = run_one(name, pim_url, pim_pid, csv, tmp)
            for line in lines:
                if line.get("status") not in (None, "succeeded"):
                    raise SystemExit(f"{name} {line['step']}: {line['status']} {line['error']}")
            results[name] = {line["step"]: line["seconds"] for line in lines}
    print()
    print(f"| runner | start-up | structure | products full | products no-op full |  ({n})")
    for name in RUNNERS:
        r = results[name]
        startup = f"{r['start-up']:.2f} s" if "start-up" in r else "-"
        print(
            f"| {name} | {startup} | {r['structure']:.2f} s | {r['products full']:.2f} s "
            f"| {r['products no-op full']:.2f} s |"
        )
    for step in ("products full", "products no-op full"):
        ratio = results["prefect"][step] / results["local"][step]
        print(f"prefect / local, {step}: {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
