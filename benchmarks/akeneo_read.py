"""Full read of the Akeneo sandbox's products: pimsync's reader vs a plain sequential loop.

The sandbox runs in its own process (`pimsync sandbox akeneo`), so server and reader do
not share a GIL. In the same session this script runs, alternately:

* the baseline, ``../shared/tools/akeneo_raw_read.py`` (keep-alive httpx, limit=100,
  search_after, JSON parsed with the standard library);
* pimsync's client reading the same pages (decoded, not turned into records): the same
  work as the baseline, through pimsync's auth, retry and pagination layers;
* pimsync's reader: ``AkeneoProductSource`` read sequentially, each product parsed into
  the canonical model (what a job does before selection);
* pimsync's reader with two parallel reads over family partitions;
* pimsync's reader converting every value of every product at once (``all-values``), the
  cost a destination that maps every attribute would pay; values are otherwise converted
  per attribute on first use.

It also times the sandbox serving one page of 100 products, and each pimsync read runs in a
subprocess that reports its peak RSS.

usage: python benchmarks/akeneo_read.py --products 100000 [--repeat 2]
"""

from __future__ import annotations

import argparse
import re
import resource
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
BASELINE = ROOT.parent / "shared" / "tools" / "akeneo_raw_read.py"
CREDS = ("pimsync", "pimsync-secret", "admin", "admin")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def wait_until_up(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(f"{url}/api/rest/v1/channels", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise SystemExit(f"the sandbox at {url} did not start within {timeout} s")


def token(url: str) -> str:
    client_id, secret, user, password = CREDS
    r = httpx.post(
        f"{url}/api/oauth/v1/token",
        json={"grant_type": "password", "username": user, "password": password},
        auth=(client_id, secret),
    )
    r.raise_for_status()
    return str(r.json()["access_token"])


def page_latency(url: str) -> tuple[float, float]:
    headers = {"Authorization": f"Bearer {token(url)}"}
    times = []
    with httpx.Client(headers=headers) as client:
        for page in range(1, 51):
            started = time.perf_counter()
            client.get(f"{url}/api/rest/v1/products-uuid", params={"limit": 100, "page": page})
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


def read_with_pimsync(url: str, mode: str) -> None:
    """The subprocess side: read every product, print count, seconds and peak RSS.

    ``pages``: pimsync's client, pages decoded but not turned into model records (what the
    baseline does); ``sequential``/``partitioned``: the engine's source, model records.
    """
    from pydantic import SecretStr

    from pimsync.connectors.akeneo import API, AkeneoClient, AkeneoCredentials, AkeneoProductSource
    from pimsync.jobs._pipeline import frozen_heap, prefetch_pages

    partitions = mode == "partitioned"
    convert_all = mode == "all-values"

    client_id, secret, user, password = CREDS
    credentials = AkeneoCredentials(
        client_id=client_id,
        secret=SecretStr(secret),
        username=user,
        password=SecretStr(password),
    )
    with AkeneoClient(url, credentials) as client:
        source = AkeneoProductSource(client, partition_by="family" if partitions else None)
        heap = frozen_heap()  # as during a job run (JobEngine.run)
        heap.__enter__()
        started = time.perf_counter()
        count = errors = 0
        if mode == "pages":
            for raw in client.pages(f"{API}/products-uuid"):
                count += len(raw.items)
        else:
            for page in prefetch_pages(source, None, 2 if partitions else 1):
                for record in page:
                    count += 1
                    errors += record.error is not None
                    if convert_all and record.data is not None:
                        len(record.data.values)  # converts every value now
        seconds = time.perf_counter() - started
        heap.__exit__(None, None, None)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{count} products in {seconds:.2f} s ({count / seconds:.0f}/s)",
        f"errors={errors} rss={rss:.0f}",
    )


def run(cmd: list[str]) -> str:
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip()
    return out.splitlines()[-1]


def rate(line: str) -> float:
    match = re.search(r"\((\d+)/s\)", line)
    assert match, line
    return float(match.group(1))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--reader", choices=["pages", "sequential", "partitioned", "all-values"])
    parser.add_argument("--url")
    args = parser.parse_args()
    if args.reader:
        read_with_pimsync(args.url, args.reader)
        return 0
    if not BASELINE.exists():
        raise SystemExit(f"baseline reader not found at {BASELINE}")
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "pimsync.cli",
            "sandbox",
            "akeneo",
            "--products",
            str(args.products),
            "--port",
            str(port),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        started = time.perf_counter()
        wait_until_up(url)
        print(f"sandbox with {args.products} products up in {time.perf_counter() - started:.1f} s")
        median, p95 = page_latency(url)
        print(f"sandbox page of 100 products: median {median:.1f} ms, p95 {p95:.1f} ms")
        me = [sys.executable, __file__, "--url", url, "--reader"]
        for round_ in range(1, args.repeat + 1):
            base = run([sys.executable, str(BASELINE), url, *CREDS, "--endpoint", "products-uuid"])
            pages = run([*me, "pages"])
            seq = run([*me, "sequential"])
            par = run([*me, "partitioned"])
            every = run([*me, "all-values"])
            print(f"round {round_}: baseline    {base}")
            print(f"round {round_}: pages       {pages}  ratio {rate(pages) / rate(base):.2f}")
            print(f"round {round_}: pimsync     {seq}  ratio {rate(seq) / rate(base):.2f}")
            print(f"round {round_}: pimsync x2  {par}  ratio {rate(par) / rate(base):.2f}")
            print(f"round {round_}: all values  {every}  ratio {rate(every) / rate(base):.2f}")
    finally:
        server.terminate()
        server.wait(30)
    return 0


if __name__ == "__main__":
    sys.exit(main())
