"""Running a sandbox: uvicorn on loopback in a background thread, for tests and the demo."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, Protocol

import uvicorn


class DroppingFaults(Protocol):
    """The part of a sandbox's fault injector the server wires up."""

    dropper: Callable[[tuple[str, int] | None], bool] | None


def _dropper(server: uvicorn.Server) -> Callable[[tuple[str, int] | None], bool]:
    def drop(client: tuple[str, int] | None) -> bool:
        for connection in list(server.server_state.connections):
            if client is not None and getattr(connection, "client", None) == tuple(client):
                transport = getattr(connection, "transport", None)
                if transport is not None:
                    transport.abort()
                    return True
        return False

    return drop


def build_server(
    app: Any, faults: DroppingFaults, host: str = "127.0.0.1", port: int = 0
) -> uvicorn.Server:
    """A uvicorn server for ``app`` (not started); drop_next faults abort its connections."""
    config = uvicorn.Config(
        app, host=host, port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    faults.dropper = _dropper(server)
    return server


@contextmanager
def serve_app(
    app: Any, faults: DroppingFaults, *, name: str, host: str = "127.0.0.1", port: int = 0
) -> Iterator[str]:
    """Serve ``app`` in a background thread; yields the base URL; stops on exit.

    ``port=0`` picks a free port. Raises RuntimeError if the server does not start.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = build_server(app, faults, host, port)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError(f"the {name} did not start")
        time.sleep(0.01)
    try:
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
