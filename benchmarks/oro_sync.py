"""Akeneo → OroCommerce sync: full, no-op and differential runs between two sandboxes.

Both sandboxes run in their own processes, as pimsync would meet the real systems:

* ``pimsync sandbox akeneo --products N``;
* ``pimsync sandbox oro --companion --attributes-csv FILE``, where FILE is what an Oro
  admin imports: ``structure_check_of(read_plan(...)).csv``, computed by this script
  against a throwaway in-process Oro sandbox (the file only depends on Akeneo's
  structure and the mapping).

pimsync itself runs in a third process (this script with ``--worker``), with a fresh
SQLite state store in a temporary folder and the options of the Oro flow tests. In that
process, in order:

1. ``oro.structure`` (full): price lists, enum options, brands, categories;
2. ``oro.products`` full: every product model and product written;
3. ``oro.products`` full again: nothing changed, nothing should be written;
4. this script PATCHes the name of ``--changed`` products through Akeneo's REST API
   (outside the pimsync process and outside the clock);
5. ``oro.products`` differential.

Requests are counted on the client side, in the pimsync process, by wrapping
``httpx.HTTPTransport.handle_request`` (every request that goes on the wire, retries
included): Oro writes are requests other than GET/HEAD/OPTIONS to ``/admin/api``;
Akeneo source page reads are GETs of the ``/api/rest/v1/products-uuid`` list. The
worker reports its peak RSS (``ru_maxrss``) after each step; it only grows. It also
reports the wall time of its garbage collections (``gc.callbacks``), and the driver the
CPU seconds of each process.

The Oro connection is told ``--oro-version`` (default 6.1.10), which enables its batch
API; ``none`` leaves it unset (one request per product). ``--profile FILE`` writes a
pyinstrument profile of the full run: the main thread, and every writer call in the
loader thread that makes it (combined).

usage: python benchmarks/oro_sync.py --products 100000 [--batch-size 1000] [--changed 100]
       [--oro-version 6.1.10] [--profile FILE]
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from pimsync.cli._demo import OPTIONS  # the demo's mapping, also used by the flow tests

ROOT = Path(__file__).resolve().parents[1]
PIM_CREDS = ("pimsync", "pimsync-secret", "admin", "admin")
SHOP_CREDS = ("pimsync-oro", "pimsync-oro-secret")
API = "/api/rest/v1"


# A path each sandbox answers once it is up.
_UP = {
    "akeneo": f"{API}/channels",
    "oro": "/admin/api/products",
    "sfcc": "/",
    "salesforce": "/services/data",
}


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = int(fields[11]) + int(fields[12])  # utime, stime
    return ticks / os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(url: str, path: str, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}{path}", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"the sandbox at {url} did not start within {timeout} s")


@contextmanager
def sandbox(kind: str, *args: str) -> Iterator[tuple[str, int]]:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "pimsync.cli", "sandbox", kind, *args, "--port", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(url, _UP[kind])
        yield url, server.pid
    finally:
        server.terminate()
        server.wait(30)


def akeneo_endpoint(pim_url: str) -> Any:
    """Connection ``pim`` to the Akeneo sandbox, as a job sees it."""
    from pydantic import SecretStr

    from pimsync.connectors.kinds import get_kind, parse_settings
    from pimsync.runners.flows import Endpoint

    client_id, secret, user, password = PIM_CREDS
    return Endpoint(
        "pim",
        "akeneo",
        parse_settings(
            "pim", get_kind("akeneo"), {"url": pim_url, "client_id": client_id, "username": user}
        ),
        {"secret": SecretStr(secret), "password": SecretStr(password)},
    )


def endpoints(pim_url: str, shop_url: str, oro_version: str | None) -> tuple[Any, Any]:
    from pydantic import SecretStr

    from pimsync.connectors.kinds import get_kind, parse_settings
    from pimsync.runners.flows import Endpoint

    source = akeneo_endpoint(pim_url)
    shop_id, shop_secret = SHOP_CREDS
    destination = Endpoint(
        "shop",
        "oro",
        parse_settings(
            "shop",
            get_kind("oro"),
            {"url": shop_url, "client_id": shop_id, "version": oro_version},
        ),
        {"client_secret": SecretStr(shop_secret)},
    )
    return source, destination


def attributes_csv(pim_url: str) -> str:
    """The product-attribute file `pimsync oro check` gives the Oro admin, computed
    against a throwaway in-process Oro sandbox."""
    from pimsync.connectors.akeneo import AkeneoCatalog
    from pimsync.connectors.akeneo import connect as connect_akeneo
    from pimsync.connectors.oro import connect as connect_oro
    from pimsync.connectors.oro.structure import read_plan, structure_check_of
    from pimsync.runners._oro import OroJobOptions, structure_settings
    from pimsync.sandbox.oro import OroSandbox
    from pimsync.sandbox.oro import serve as serve_oro

    with serve_oro(OroSandbox(companion_categories=True)) as shop_url:
        source, destination = endpoints(pim_url, shop_url, None)
        options = OroJobOptions.model_validate(OPTIONS)
        with (
            connect_akeneo(source.settings, source.secrets) as akeneo,
            connect_oro(destination.settings, destination.secrets) as oro,
        ):
            plan = read_plan(AkeneoCatalog(akeneo), oro, structure_settings(options))
    csv = structure_check_of(plan).csv
    if csv is None:
        raise SystemExit("the plan has no attribute file to import")
    return csv


# -- the pimsync process -------------------------------------------------------------------

REQUESTS: Counter[tuple[int | None, str, str]] = Counter()


def count_requests() -> None:
    """Count every request pimsync's clients put on the wire: (port, method, path)."""
    send = httpx.HTTPTransport.handle_request

    def counting(self: httpx.HTTPTransport, request: httpx.Request) -> httpx.Response:
        REQUESTS[(request.url.port, request.method, request.url.path)] += 1
        return send(self, request)

    httpx.HTTPTransport.handle_request = counting  # type: ignore[method-assign]


def tally(pim_port: int, shop_port: int) -> dict[str, Any]:
    oro_writes: Counter[str] = Counter()
    page_reads = 0
    for (port, method, path), n in REQUESTS.items():
        write = method not in ("GET", "HEAD", "OPTIONS")
        if port == shop_port and write and path.startswith("/admin/api"):
            oro_writes[f"{method} {path}"] += n
        if port == pim_port and method == "GET" and path == f"{API}/products-uuid":
            page_reads += n
    return {
        "oro_writes": sum(oro_writes.values()),
        "oro_write_kinds": dict(oro_writes),
        "akeneo_product_pages": page_reads,
        "requests": sum(REQUESTS.values()),
    }


WRITE_SESSIONS: list[Any] = []
GC = {"seconds": 0.0, "started": 0.0}


def time_gc() -> None:
    """Add the wall time of the pimsync process's garbage collections to ``GC``."""

    def callback(phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            GC["started"] = time.perf_counter()
        else:
            GC["seconds"] += time.perf_counter() - GC["started"]

    gc.callbacks.append(callback)


def profile_writes() -> None:
    """Profile each ``OroProductWriter.write`` call in the thread that makes it: the
    loader threads, which the main thread's profile only shows as waits."""
    from pyinstrument import Profiler

    from pimsync.connectors.oro import OroProductWriter

    write = OroProductWriter.write

    def profiled(self: Any, changes: Any) -> Any:
        profiler = Profiler(interval=0.001)
        profiler.start()
        try:
            return write(self, changes)
        finally:
            WRITE_SESSIONS.append(profiler.stop())

    OroProductWriter.write = profiled  # type: ignore[method-assign]


def writes_profile() -> str:
    from pyinstrument.renderers import ConsoleRenderer
    from pyinstrument.session import Session

    if not WRITE_SESSIONS:
        return "(no writes)\n"
    session = WRITE_SESSIONS[0]
    for other in WRITE_SESSIONS[1:]:
        session = Session.combine(session, other)
    return str(ConsoleRenderer(unicode=True, show_all=False).render(session))


def worker(
    pim_url: str, shop_url: str, batch_size: int, oro_version: str | None, profile: str | None
) -> None:
    """Run the jobs; one JSON line per step on stdout; waits for "go" before the diff."""
    count_requests()
    time_gc()
    from pimsync.config import JobConfig, ProjectConfig
    from pimsync.jobs import JobEngine, JobSpec, Mode
    from pimsync.runners.flows import FlowContext, get_flow
    from pimsync.state import create_state_engine, upgrade

    pim_port, shop_port = httpx.URL(pim_url).port, httpx.URL(shop_url).port
    assert pim_port is not None and shop_port is not None
    source, destination = endpoints(pim_url, shop_url, oro_version)
    with tempfile.TemporaryDirectory(prefix="pimsync-oro-bench-") as tmp:
        home = Path(tmp)
        db = create_state_engine(f"sqlite:///{home / 'state.db'}")
        upgrade(db)

        def step(label: str, flow: str, job: str, mode: Mode) -> None:
            REQUESTS.clear()
            GC["seconds"] = 0.0
            profiler = None
            if profile is not None and label == "full":
                from pyinstrument import Profiler

                profiler = Profiler()
                profiler.start()
                profile_writes()
            cpu = time.process_time()
            started = time.perf_counter()
            config = JobConfig(flow=flow, source="pim", destination="shop", options=OPTIONS)
            context = FlowContext(job, config, source, destination, ProjectConfig(), db, home)
            streams = get_flow(flow).build(context)
            built = time.perf_counter() - started
            spec = JobSpec(name=job, streams=streams, batch_size=batch_size)
            report = JobEngine(db).run(spec, mode)
            seconds = time.perf_counter() - started
            cpu = time.process_time() - cpu
            if profiler is not None:
                profiler.stop()
                text = "main thread:\n" + profiler.output_text(unicode=True)
                text += "\nwriter calls (loader threads), combined:\n" + writes_profile()
                Path(profile).write_text(text)
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            line = {
                "step": label,
                "status": str(report.status),
                "error": report.error,
                "seconds": seconds,
                "build_seconds": built,
                "cpu_seconds": cpu,
                "gc_seconds": GC["seconds"],
                "rss_mb": rss,
                "streams": {name: c.as_dict() for name, c in report.streams.items()},
                **tally(pim_port, shop_port),
            }
            print(json.dumps(line), flush=True)

        step("structure", "oro.structure", "structure", Mode.FULL)
        step("full", "oro.products", "products", Mode.FULL)
        step("no-op full", "oro.products", "products", Mode.FULL)
        print(json.dumps({"step": "change"}), flush=True)
        if sys.stdin.readline().strip() != "go":
            raise SystemExit("no go")
        step("differential", "oro.products", "products", Mode.DIFF)
        db.dispose()


# -- the driver ------------------------------------------------------------------------------


def akeneo_token(client: httpx.Client) -> str:
    client_id, secret, user, password = PIM_CREDS
    r = client.post(
        "/api/oauth/v1/token",
        json={"grant_type": "password", "username": user, "password": password},
        auth=(client_id, secret),
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def change_products(pim_url: str, total: int, changed: int) -> tuple[int, int]:
    """PATCH the English name of ``changed`` products spread over the catalog; returns
    how many were changed and how many of those are variants."""
    stamp = time.strftime("%H%M%S")
    with httpx.Client(base_url=pim_url, timeout=60) as client:
        client.headers["Authorization"] = f"Bearer {akeneo_token(client)}"
        pages = max(1, min(changed, math.ceil(total / 100)))
        per_page = math.ceil(changed / pages)
        step = max(1, math.ceil(total / 100) // pages)
        picked: list[tuple[str, bool]] = []
        for page in range(1, pages * step + 1, step):
            r = client.get(f"{API}/products-uuid", params={"limit": 100, "page": page})
            r.raise_for_status()
            items = r.json()["_embedded"]["items"]
            picked += [(item["uuid"], bool(item.get("parent"))) for item in items[:per_page]]
            if len(picked) >= changed:
                break
        variants = 0
        for uuid, variant in picked[:changed]:
            name = [{"locale": "en_US", "scope": None, "data": f"{uuid} {stamp}"}]
            r = client.patch(f"{API}/products-uuid/{uuid}", json={"values": {"name": name}})
            if r.status_code != 204:
                raise SystemExit(f"PATCH {uuid}: {r.status_code} {r.text[:300]}")
            variants += variant
    return min(changed, len(picked)), variants


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=1000)
    parser.add_argument("--changed", type=int, default=100)
    parser.add_argument(
        "--oro-version",
        default="6.1.10",
        help="the Oro version pimsync is told (its batch capabilities); 'none' for none",
    )
    parser.add_argument("--profile", help="write a pyinstrument profile of the full run here")
    parser.add_argument("--worker", nargs=2, metavar=("PIM_URL", "SHOP_URL"))
    args = parser.parse_args()
    if args.worker:
        version = None if args.oro_version == "none" else args.oro_version
        worker(*args.worker, args.batch_size, version, args.profile)
        return 0

    n = args.products
    started = time.perf_counter()
    with (
        sandbox("akeneo", "--products", str(n)) as (pim_url, pim_pid),
        tempfile.TemporaryDirectory() as tmp,
    ):
        print(f"Akeneo sandbox with {n} products up in {time.perf_counter() - started:.1f} s")
        csv = Path(tmp) / "attributes.csv"
        csv.write_text(attributes_csv(pim_url), encoding="utf-8")
        print(f"attribute file: {len(csv.read_text().splitlines()) - 1} attributes")
        with sandbox("oro", "--companion", "--attributes-csv", str(csv)) as (shop_url, shop_pid):
            cmd = [sys.executable, __file__, "--batch-size", str(args.batch_size)]
            cmd += ["--oro-version", args.oro_version]
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
            cpu = {"akeneo": cpu_seconds(pim_pid), "oro": cpu_seconds(shop_pid)}
            for raw in worker_.stdout:
                line = json.loads(raw)
                now = {"akeneo": cpu_seconds(pim_pid), "oro": cpu_seconds(shop_pid)}
                line["sandbox_cpu"] = {k: now[k] - cpu[k] for k in now}
                cpu = now
                if line["step"] == "change":
                    done, _variants = change_products(pim_url, n, args.changed)
                    print(f"changed the name of {done} products in Akeneo")
                    cpu = {"akeneo": cpu_seconds(pim_pid), "oro": cpu_seconds(shop_pid)}
                    worker_.stdin.write("go\n")
                    worker_.stdin.flush()
                    continue
                steps.append(line)
                show(line, n, args.batch_size)
            if worker_.wait() != 0:
                raise SystemExit("the pimsync process failed")
    summary(steps, n, args.batch_size)
    return 0


def show(line: dict[str, Any], n: int, batch: int) -> None:
    streams = ", ".join(
        f"{name}: " + " ".join(f"{k}={v}" for k, v in counts.items() if v and k != "writes")
        for name, counts in line["streams"].items()
    )
    print(
        f"{line['step']}: {line['status']} in {line['seconds']:.2f} s "
        f"(metadata/build {line['build_seconds']:.2f} s), peak RSS {line['rss_mb']:.0f} MB, "
        f"Oro writes {line['oro_writes']} {line['oro_write_kinds']}, "
        f"Akeneo product pages {line['akeneo_product_pages']}, "
        f"requests {line['requests']}; CPU seconds: pimsync {line['cpu_seconds']:.1f} "
        f"(garbage collection {line['gc_seconds']:.1f}), "
        f"Akeneo sandbox {line['sandbox_cpu']['akeneo']:.1f}, "
        f"Oro sandbox {line['sandbox_cpu']['oro']:.1f}; {streams}"
    )
    if line["error"]:
        print(f"  error: {line['error']}")


def summary(steps: list[dict[str, Any]], n: int, batch: int) -> None:
    by = {s["step"]: s for s in steps}
    structure, full, noop, diff = (
        by["structure"],
        by["full"],
        by["no-op full"],
        by["differential"],
    )
    models = full["streams"].get("product_models", {}).get("extracted", 0)
    bound = math.ceil(n / batch) + math.ceil(models / batch)
    print()
    print("| step | time | products/s | Oro writes | Akeneo product pages | peak RSS |")
    print("|---|---|---|---|---|---|")
    print(
        f"| structure | {structure['seconds']:.2f} s | | {structure['oro_writes']} | "
        f"{structure['akeneo_product_pages']} | {structure['rss_mb']:.0f} MB |"
    )
    for s in (full, noop, diff):
        products = s["streams"].get("products", {})
        extracted = products.get("extracted", 0)
        rate = (
            f"{extracted / s['seconds']:,.0f}"
            if s is not diff
            else f"{products.get('updated', 0)} of {extracted} read updated"
        )
        print(
            f"| {s['step']} | {s['seconds']:.2f} s | {rate} | {s['oro_writes']} | "
            f"{s['akeneo_product_pages']} | {s['rss_mb']:.0f} MB |"
        )
    end_to_end = structure["seconds"] + full["seconds"]
    print()
    print(
        f"full, structure included: {end_to_end:.2f} s — {n / end_to_end:,.0f} products/s; "
        f"product writes bound ceil({n}/{batch}) + ceil({models}/{batch}) = {bound}"
    )


if __name__ == "__main__":
    sys.exit(main())
