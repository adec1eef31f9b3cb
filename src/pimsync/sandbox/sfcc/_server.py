"""Running the SFCC sandbox: uvicorn on loopback in a background thread."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import uvicorn

from pimsync.sandbox._server import build_server as _build
from pimsync.sandbox._server import serve_app
from pimsync.sandbox.sfcc._app import create_app
from pimsync.sandbox.sfcc._sandbox import SfccSandbox


def build_server(sb: SfccSandbox, host: str = "127.0.0.1", port: int = 0) -> uvicorn.Server:
    """A uvicorn server for ``sb`` (not started); drop_next faults abort its connections."""
    return _build(create_app(sb), sb.faults, host, port)


@contextmanager
def serve(sb: SfccSandbox, *, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve ``sb`` in a background thread; yields the base URL; stops on exit."""
    with serve_app(create_app(sb), sb.faults, name="SFCC sandbox", host=host, port=port) as url:
        yield url
