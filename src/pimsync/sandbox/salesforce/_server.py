"""Running the Salesforce sandbox: uvicorn on loopback in a background thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from pimsync.sandbox._server import build_server as _build
from pimsync.sandbox._server import serve_app
from pimsync.sandbox.salesforce._app import create_app
from pimsync.sandbox.salesforce._sandbox import SalesforceSandbox


def build_server(sb: SalesforceSandbox, host: str = "127.0.0.1", port: int = 0) -> uvicorn.Server:
    """A uvicorn server for ``sb`` (not started); drop_next faults abort its connections."""
    return _build(create_app(sb), sb.faults, host, port)


@contextmanager
def serve(sb: SalesforceSandbox, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``sb`` over plain HTTP in a background thread; yields the base URL (also the
    token response's ``instance_url``); stops on exit."""
    with serve_app(
        create_app(sb), sb.faults, name="Salesforce sandbox", host=host, port=port
    ) as url:
        yield url
