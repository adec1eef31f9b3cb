"""`connections activate`: connect an ``akeneo`` connection to its PIM as an App.

The command listens on ``http://127.0.0.1:PORT/callback``, prints the PIM's authorize
URL (and opens it in a browser), waits for the PIM to send the browser back with a
code, trades the code for an App token and stores the token encrypted as the
connection's ``app_token`` secret. Every job then reads the PIM with that token.
The code, the token and the client secret are never printed or logged.
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

import typer

from pimsync.cli._connections import connections_app
from pimsync.cli._exit import EXIT_FAILED, fail
from pimsync.cli._session import session_of
from pimsync.connectors.akeneo import new_state, read_callback
from pimsync.errors import AuthenticationError, ConfigError
from pimsync.runners.apps import keep_token, prepare_activation

CALLBACK_PATH = "/callback"
_PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>pimsync</title></head>"
    "<body><p>{text}</p></body></html>"
)


class _Callback:
    """The one redirect the PIM sends back: its query string, once it has arrived."""

    def __init__(self) -> None:
        self.query: str | None = None
        self.arrived = threading.Event()


def _handler(callback: _Callback) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != CALLBACK_PATH or callback.arrived.is_set():
                self._answer(404, "Nothing here.")
                return
            callback.query = parts.query
            cancelled = "error" in dict(parse_qsl(parts.query))
            text = "Activation cancelled." if cancelled else "pimsync received the PIM's answer."
            self._answer(200, f"{text} You can close this tab and go back to the terminal.")
            callback.arrived.set()

        def _answer(self, status: int, text: str) -> None:
            body = _PAGE.format(text=text).encode()
            self.send_response(status)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            """Silent: the request line holds the code."""

    return Handler


@contextmanager
def listen(port: int) -> Iterator[tuple[str, _Callback]]:
    """A loopback server for the PIM's redirect; yields its callback URL."""
    callback = _Callback()
    try:
        server = HTTPServer(("127.0.0.1", port), _handler(callback))
    except OSError as exc:
        raise ConfigError(
            f"cannot listen on 127.0.0.1:{port}: {exc.strerror or exc}; choose another --port"
        ) from None
    thread = threading.Thread(target=server.serve_forever, name="pimsync-callback", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{CALLBACK_PATH}", callback
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@connections_app.command("activate")
def connections_activate(
    ctx: typer.Context,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The akeneo connection.")],
    port: Annotated[
        int,
        typer.Option(
            "--port",
            min=0,
            max=65535,
            help="Port of the callback http://127.0.0.1:PORT/callback (0: a free one). "
            "The App's callback URL in the PIM must be this URL.",
        ),
    ] = 0,
    no_browser: Annotated[
        bool, typer.Option("--no-browser", help="Only print the URL to open.")
    ] = False,
    timeout: Annotated[
        float,
        typer.Option("--timeout", min=1, help="Seconds to wait for the PIM's answer."),
    ] = 300.0,
    catalogs: Annotated[
        bool,
        typer.Option(
            "--catalogs",
            help="Also ask to manage the App's Akeneo catalogs (pimsync catalogs akeneo-create).",
        ),
    ] = False,
) -> None:
    """Connect an akeneo connection to its PIM as an App; the token is stored encrypted."""
    session = session_of(ctx)
    activation = prepare_activation(session.runner, name, catalogs=catalogs)
    with listen(port) as (callback_url, callback):
        state = new_state()
        url = activation.authorize_url(state)
        session.say(f"waiting for the PIM on {callback_url} (the App's callback URL)")
        session.say(f"open this URL, sign in to the PIM and allow the App:\n{url}")
        if not no_browser:
            webbrowser.open(url)
        if not callback.arrived.wait(timeout):
            fail(
                f"connection {name!r}: no answer from the PIM within {timeout:g} s; "
                "run the command again (and check the App's callback URL in the PIM)",
                EXIT_FAILED,
            )
    query = callback.query or ""
    try:
        code = read_callback(query, state)
    except AuthenticationError as exc:
        params = dict(parse_qsl(query))
        if params.get("state") == state and params.get("error") == "access_denied":
            fail(
                f"connection {name!r}: the PIM user cancelled the activation; "
                "run the command again and choose Allow",
                EXIT_FAILED,
            )
        raise AuthenticationError(f"connection {name!r}: {exc}") from None
    token = activation.exchange(code)
    keep_token(session.runner, activation, token)
    granted = " ".join(token.scopes) or "none"
    session.say(f"connected {name} as an App (scopes: {granted})")
    session.say(f"check it: pimsync connections test {name}")
