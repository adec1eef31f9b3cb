"""Akeneo → Salesforce Commerce Cloud: the full chain of product jobs, then a differential.

Both sandboxes run in their own processes, as pimsync would meet the real systems:

* ``pimsync sandbox akeneo --products N`` (the demo catalog: t-shirts and shoes grouped
  under product models, about 40% of the products are variants);
* ``pimsync sandbox sfcc --xsd-folder ../shared/reference/sfcc/xsd``: every uploaded
  archive is unpacked, validated against SFCC's XSDs and merged, as the instance's
  ``sfcc-site-archive-import`` job would.

pimsync runs in a third process (this script with ``--worker``), once per ``--repeat``,
with a fresh SQLite state store in a temporary folder, the default SFCC job options and
the engine's default settings (what ``LocalRunner`` gives a job without overrides). In
that process, in order:

1. the full chain: ``sfcc.import-attributes`` (1),
   ``sfcc.full-import-media-assets-pricebook`` (2-2), ``sfcc.full-import-master`` (3-2-1),
   ``sfcc.full-import-storefront`` (3-2-4); with ``--all-jobs`` also 3-2-2 and 3-2-3,
   before 3-2-4 as in the connector's documentation;
2. this script PATCHes the English name of ``--changed`` products through Akeneo's REST
   API (outside the pimsync process and outside the clock), simple products and
   variants spread over the catalog;
3. ``sfcc.differential-import-master`` (3-1-1) and
   ``sfcc.differential-import-storefront`` (3-1-2).

Every job's time is end to end: building the job (Akeneo structure read), reading and
mapping, staging the import files, then the delivery (closing the files, XSD
validation, zipping, WebDAV upload, the import job on the sandbox and its polls every
``--poll-seconds``). Delivery is also timed on its own (``SfccImport.deliver``,
``_check`` for the validation, ``build_archives`` for the zips). Requests are counted on
the client side (``httpx.HTTPTransport.handle_request``): Akeneo product pages are GETs of
``/api/rest/v1/products-uuid``, model pages GETs of ``/api/rest/v1/product-models``.
The worker reports its peak RSS (``ru_maxrss``, only grows), the wall time of its garbage
collections and its CPU seconds; the driver the CPU seconds of each sandbox.

``--profile FILE`` writes a pyinstrument profile of the full chain's main thread; the
staging writes run in loader threads, so for them use py-spy on the worker (``py-spy
record --subprocesses -- python benchmarks/sfcc_sync.py ...``).

usage: python benchmarks/sfcc_sync.py --products 100000 [--repeat 1] [--changed 100]
       [--all-jobs] [--poll-seconds 3] [--profile FILE]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

import httpx

from oro_sync import (  # this folder is on sys.path
    API,
    GC,
    REQUESTS,
    akeneo_endpoint,
    change_products,
    count_requests,
    cpu_seconds,
    sandbox,
    time_gc,
)

ROOT = Path(__file__).resolve().parents[1]
XSD = (ROOT / ".." / "shared" / "reference" / "sfcc" / "xsd").resolve()
SHOP_CREDS = ("pimsync-sfcc", "pimsync-sfcc-secret")

FULL_CHAIN = [
    ("1-import-attributes", "sfcc.import-attributes"),
    ("2-2-full-import-media-assets-pricebook", "sfcc.full-import-media-assets-pricebook"),
    ("3-2-1-full-import-master", "sfcc.full-import-master"),
    ("3-2-2-full-import-master-variation", "sfcc.full-import-master-variation"),
    ("3-2-3-full-master-image", "sfcc.full-master-image"),
    ("3-2-4-full-import-storefront", "sfcc.full-import-storefront"),
]
OPTIONAL = {"sfcc.full-import-master-variation", "sfcc.full-master-image"}
DIFFERENTIAL = [
    ("3-1-1-differential-import-master", "sfcc.differential-import-master"),
    ("3-1-2-differential-import-storefront", "sfcc.differential-import-storefront"),
]


# -- the pimsync process -------------------------------------------------------------------

DELIVERY: dict[str, Any] = {}


def time_delivery() -> None:
    """Record in ``DELIVERY`` the delivery's seconds (all, validation, zipping) and the
    sizes of the files and archives it sends."""
    from pimsync.connectors.sfcc import _destination

    deliver, check, build = (
        _destination.SfccImport.deliver,
        _destination.SfccImport._check,
        _destination.build_archives,
    )

    def timed(key: str, call: Any) -> Any:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                DELIVERY[key] = DELIVERY.get(key, 0.0) + time.perf_counter() - started

        return wrapper

    def building(entries: Any, *args: Any) -> list[Path]:
        DELIVERY.setdefault("files", []).extend((e.path, e.file.stat().st_size) for e in entries)
        archives: list[Path] = timed("zip_seconds", build)(entries, *args)
        DELIVERY.setdefault("archives", []).extend(a.stat().st_size for a in archives)
        return archives

    _destination.SfccImport.deliver = timed("deliver_seconds", deliver)  # type: ignore[method-assign]
    _destination.SfccImport._check = timed("validate_seconds", check)  # type: ignore[method-assign]
    _destination.build_archives = building  # type: ignore[assignment]


def tally(pim_port: int, shop_port: int) -> dict[str, Any]:
    pages: Counter[str] = Counter()
    shop: Counter[str] = Counter()
    for (port, method, path), n in REQUESTS.items():
        if port == pim_port and method == "GET" and path.startswith(API):
            kind = path.removeprefix(API + "/").split("/", 1)[0]
            pages[kind] += n
        if port == shop_port:
            if method == "PUT":
                shop["uploads"] += n
            elif method == "GET" and "/executions/" in path:
                shop["polls"] += n
            elif method == "POST" and path.endswith("/executions"):
                shop["imports"] += n
    return {
        "akeneo_product_pages": pages["products-uuid"],
        "akeneo_model_pages": pages["product-models"],
        "akeneo_gets": dict(pages),
        "uploads": shop["uploads"],
        "imports": shop["imports"],
        "polls": shop["polls"],
        "requests": sum(REQUESTS.values()),
    }


def endpoints(pim_url: str, shop_url: str, poll_seconds: float) -> tuple[Any, Any]:
    from pydantic import SecretStr

    from pimsync.connectors.kinds import get_kind, parse_settings
    from pimsync.runners.flows import Endpoint

    source = akeneo_endpoint(pim_url)
    shop_id, shop_secret = SHOP_CREDS
    settings = {
        "url": shop_url,
        "account_manager_url": shop_url,
        "client_id": shop_id,
        "xsd_folder": str(XSD),
        "poll_seconds": poll_seconds,
    }
    destination = Endpoint(
        "shop",
        "sfcc",
        parse_settings("shop", get_kind("sfcc"), settings),
        {"client_secret": SecretStr(shop_secret)},
    )
    return source, destination


def worker(
    pim_url: str, shop_url: str, all_jobs: bool, poll_seconds: float, profile: str | None
) -> None:
    """Run the jobs; one JSON line per job on stdout; waits for "go" before the diff."""
    count_requests()
    time_gc()
    time_delivery()
    from pimsync.config import JobConfig, ProjectConfig
    from pimsync.jobs import JobEngine, JobSpec, Mode
    from pimsync.runners.flows import FlowContext, get_flow
    from pimsync.settings import EngineSettings
    from pimsync.state import create_state_engine, upgrade

    pim_port, shop_port = httpx.URL(pim_url).port, httpx.URL(shop_url).port
    assert pim_port is not None and shop_port is not None
    source, destination = endpoints(pim_url, shop_url, poll_seconds)
    defaults = EngineSettings()
    with tempfile.TemporaryDirectory(prefix="pimsync-sfcc-bench-") as tmp:
        home = Path(tmp)
        db = create_state_engine(f"sqlite:///{home / 'state.db'}")
        upgrade(db)

        def step(phase: str, job: str, flow: str) -> None:
            REQUESTS.clear()
            DELIVERY.clear()
            GC["seconds"] = 0.0
            cpu = time.process_time()
            started = time.perf_counter()
            config = JobConfig(flow=flow, source="pim", destination="shop", options={})
            context = FlowContext(job, config, source, destination, ProjectConfig(), db, home)
            streams = get_flow(flow).build(context)
            built = time.perf_counter() - started
            spec = JobSpec(
                name=job,
                streams=streams,
                batch_size=defaults.batch_size,
                load_concurrency=defaults.load_concurrency,
                extract_concurrency=defaults.extract_concurrency,
                notes=tuple(context.notes),
                mode=context.overrides.get("mode"),
                exclusive_group=context.overrides.get("exclusive_group"),
                state_key=context.overrides.get("state_key"),
            )
            report = JobEngine(db).run(spec, Mode.DIFF)
            seconds = time.perf_counter() - started
            line = {
                "phase": phase,
                "job": job,
                "status": str(report.status),
                "error": report.error,
                "seconds": seconds,
                "build_seconds": built,
                "cpu_seconds": time.process_time() - cpu,
                "gc_seconds": GC["seconds"],
                "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
                "streams": {name: c.as_dict() for name, c in report.streams.items()},
                "delivery": dict(DELIVERY),
                **tally(pim_port, shop_port),
            }
            print(json.dumps(line), flush=True)

        profiler = None
        if profile is not None:
            from pyinstrument import Profiler

            profiler = Profiler()
            profiler.start()
        for job, flow in FULL_CHAIN:
            if all_jobs or flow not in OPTIONAL:
                step("full", job, flow)
        if profiler is not None:
            profiler.stop()
            Path(profile).write_text(profiler.output_text(unicode=True))
        print(json.dumps({"phase": "change"}), flush=True)
        if sys.stdin.readline().strip() != "go":
            raise SystemExit("no go")
        for job, flow in DIFFERENTIAL:
            step("differential", job, flow)
        db.dispose()


# -- the driver ------------------------------------------------------------------------------


def run_once(
    args: argparse.Namespace, pim: tuple[str, int], shop: tuple[str, int]
) -> list[dict[str, Any]]:
    (pim_url, pim_pid), (shop_url, shop_pid) = pim, shop
    cmd = [sys.executable, __file__, "--poll-seconds", str(args.poll_seconds)]
    if args.all_jobs:
        cmd.append("--all-jobs")
    if args.profile:
        cmd += ["--profile", str(Path(args.profile).resolve())]
    worker_ = subprocess.Popen(
        [*cmd, "--worker", pim_url, shop_url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert worker_.stdin is not None and worker_.stdout is not None
    steps: list[dict[str, Any]] = []

    def sandboxes() -> dict[str, float]:
        return {"akeneo": cpu_seconds(pim_pid), "sfcc": cpu_seconds(shop_pid)}

    cpu = sandboxes()
    for raw in worker_.stdout:
        line = json.loads(raw)
        now = sandboxes()
        line["sandbox_cpu"] = {k: now[k] - cpu[k] for k in now}
        cpu = now
        if line["phase"] == "change":
            done, variants = change_products(pim_url, args.products, args.changed)
            print(f"changed the name of {done} products in Akeneo ({variants} variants)")
            cpu = sandboxes()
            worker_.stdin.write("go\n")
            worker_.stdin.flush()
            continue
        steps.append(line)
        show(line)
    if worker_.wait() != 0:
        raise SystemExit("the pimsync process failed")
    return steps


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument("--all-jobs", action="store_true", help="also run 3-2-2 and 3-2-3")
    parser.add_argument(
        "--poll-seconds",
        type=float,
        default=3.0,
        help="the connection's poll_seconds (how often an import's status is asked)",
    )
    parser.add_argument("--profile", help="write a pyinstrument profile of the full chain here")
    parser.add_argument("--worker", nargs=2, metavar=("PIM_URL", "SHOP_URL"))
    args = parser.parse_args()
    if args.worker:
        worker(*args.worker, args.all_jobs, args.poll_seconds, args.profile)
        return 0
    if not (XSD / "catalog.xsd").is_file():
        raise SystemExit(f"SFCC XSDs not found under {XSD}")

    n = args.products
    started = time.perf_counter()
    with (
        sandbox("akeneo", "--products", str(n)) as pim,
        sandbox("sfcc", "--xsd-folder", str(XSD)) as shop,
    ):
        print(f"sandboxes up in {time.perf_counter() - started:.1f} s ({n} products)")
        runs = []
        for number in range(1, args.repeat + 1):
            print(f"-- run {number} of {args.repeat}")
            runs.append(run_once(args, pim, shop))
    for number, steps in enumerate(runs, start=1):
        summary(number, steps, n, args.poll_seconds)
    return 0


def _mb(size: float) -> str:
    return f"{size / 1e6:.1f} MB"


def show(line: dict[str, Any]) -> None:
    streams = ", ".join(
        f"{name}: " + " ".join(f"{k}={v}" for k, v in counts.items() if v and k != "writes")
        for name, counts in line["streams"].items()
    )
    d = line["delivery"]
    files = ", ".join(f"{path} {_mb(size)}" for path, size in d.get("files", []))
    print(
        f"{line['job']}: {line['status']} in {line['seconds']:.2f} s (build "
        f"{line['build_seconds']:.2f} s, delivery {d.get('deliver_seconds', 0):.2f} s of which "
        f"XSD validation {d.get('validate_seconds', 0):.2f} s, zip {d.get('zip_seconds', 0):.2f} "
        f"s, {line['polls']} polls); peak RSS {line['rss_mb']:.0f} MB; Akeneo pages: products "
        f"{line['akeneo_product_pages']}, models {line['akeneo_model_pages']}, all GETs "
        f"{line['akeneo_gets']}; archives {len(d.get('archives', []))} "
        f"({', '.join(_mb(a) for a in d.get('archives', []))}); files: {files or 'none'}; "
        f"CPU seconds: pimsync {line['cpu_seconds']:.1f} (GC {line['gc_seconds']:.1f}), "
        f"Akeneo sandbox {line['sandbox_cpu']['akeneo']:.1f}, SFCC sandbox "
        f"{line['sandbox_cpu']['sfcc']:.1f}; {streams}"
    )
    if line["error"]:
        print(f"  error: {line['error']}")


def summary(number: int, steps: list[dict[str, Any]], n: int, poll: float) -> None:
    print()
    print(f"run {number}: {n} products, imports polled every {poll:g} s")
    print("| job | time | delivery | records/s | product pages | archives | MB sent | RSS |")
    print("|---|---|---|---|---|---|---|---|")
    for phase in ("full", "differential"):
        total = 0.0
        for s in (s for s in steps if s["phase"] == phase):
            total += s["seconds"]
            records = sum(c.get("extracted", 0) for c in s["streams"].values())
            archives = s["delivery"].get("archives", [])
            print(
                f"| {s['job']} | {s['seconds']:.2f} s | "
                f"{s['delivery'].get('deliver_seconds', 0):.2f} s | "
                f"{records / s['seconds']:,.0f} | {s['akeneo_product_pages']} | "
                f"{len(archives)} | {sum(archives) / 1e6:.1f} | {s['rss_mb']:.0f} MB |"
            )
        rate = f", {n / total:,.0f} products/s" if phase == "full" else ""
        print(f"| **{phase} total** | **{total:.2f} s**{rate} | | | | | | |")
    failed = [s["job"] for s in steps if s["status"] != "succeeded"]
    if failed:
        print(f"FAILED: {', '.join(failed)}")


if __name__ == "__main__":
    sys.exit(main())
