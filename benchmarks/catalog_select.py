"""What a hub catalog's selection costs on a full read of the Akeneo sandbox's products.

The sandbox runs in its own process (``pimsync sandbox akeneo --products N``). In this
process, alternately (``--repeat`` times), the script reads every product through
``AkeneoProductSource`` (model records, as a job reads them) in three ways:

* ``plain``: no catalog, the baseline;
* ``local``: no push-down, every criterion of the catalog evaluated locally on every
  product (the worst case: criteria Akeneo's search cannot express);
* ``pushed``: the catalog's search pushed down to Akeneo (``push_down``), the residual
  criteria evaluated locally.

The catalog: family IN (shoes, tshirts), enabled = true, color IN (black, white). All
three go to Akeneo's search (a simple select ``IN`` is pushed down too), so ``pushed``
evaluates nothing locally. For each way the script prints products transferred from
Akeneo, selected, seconds, and the time relative to ``plain`` in the same round.

usage: python benchmarks/catalog_select.py --products 100000 [--repeat 2]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from typing import Any

from akeneo_read import CREDS, free_port, wait_until_up  # this folder is on sys.path

CRITERIA: list[dict[str, Any]] = [
    {"field": "family", "operator": "IN", "value": ["shoes", "tshirts"]},
    {"field": "enabled", "operator": "=", "value": True},
    {"field": "color", "operator": "IN", "value": ["black", "white"]},
]


def read(client: Any, search: Any, keep: Any) -> tuple[int, int, float]:
    """Products transferred, products selected by ``keep``, seconds."""
    from pimsync.connectors.akeneo import AkeneoProductSource
    from pimsync.connectors.base import Window
    from pimsync.jobs._pipeline import frozen_heap

    source = AkeneoProductSource(client, search=search)
    transferred = selected = 0
    with frozen_heap():  # as during a job run
        started = time.perf_counter()
        for page in source.extract(Window(since=None, partition=None)):
            for record in page:
                transferred += 1
                if record.data is not None and keep(record.data):
                    selected += 1
        seconds = time.perf_counter() - started
    return transferred, selected, seconds


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--products", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()

    from pydantic import SecretStr

    from pimsync.catalogs import CatalogSpec, check, matches, push_down
    from pimsync.connectors.akeneo import (
        AkeneoCatalog,
        AkeneoClient,
        AkeneoCredentials,
        ProductSearch,
    )
    from pimsync.runners._oro import read_akeneo_metadata

    port = free_port()
    url = f"http://127.0.0.1:{port}"
    cmd = [sys.executable, "-m", "pimsync.cli", "sandbox", "akeneo"]
    cmd += ["--products", str(args.products), "--port", str(port)]
    server = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until_up(url)
        client_id, secret, user, password = CREDS
        credentials = AkeneoCredentials(
            client_id=client_id,
            secret=SecretStr(secret),
            username=user,
            password=SecretStr(password),
        )
        with AkeneoClient(url, credentials) as client:
            spec = CatalogSpec.model_validate({"criteria": CRITERIA, "enabled": True})
            metadata = read_akeneo_metadata(AkeneoCatalog(client), ["color"])
            check(spec, metadata)
            search, residual = push_down(spec, metadata)
            rest = spec.model_copy(update={"criteria": residual})
            print(f"{args.products} products; pushed down: {search.filters()}")
            print(f"evaluated locally: {[c.describe() for c in residual]}")
            for round_ in range(1, args.repeat + 1):
                plain = read(client, ProductSearch(), lambda p: True)
                local = read(client, ProductSearch(), lambda p: matches(spec, p, metadata))
                pushed = read(client, search, lambda p: matches(rest, p, metadata))
                for name, (transferred, selected, seconds) in (
                    ("plain", plain),
                    ("local", local),
                    ("pushed", pushed),
                ):
                    print(
                        f"round {round_} {name}: {transferred} transferred, {selected} "
                        f"selected, {seconds:.2f} s ({seconds / plain[2]:.3f} of plain)"
                    )
                if local[1] != pushed[1]:
                    raise SystemExit(f"local selected {local[1]}, pushed {pushed[1]}")
    finally:
        server.terminate()
        server.wait(30)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
