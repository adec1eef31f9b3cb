"""A local stand-in for the Akeneo PIM REST API.

    sb = AkeneoSandbox.demo(products=1200, seed=7)
    with serve(sb) as base_url:
        ...

The sandbox follows Akeneo's OpenAPI spec (OAuth password grant, both paginations,
search filters, Akeneo-shaped errors) and injects faults on request (``sb.faults``).
"""

from pimsync.sandbox.akeneo._app import create_app
from pimsync.sandbox.akeneo._auth import Credentials
from pimsync.sandbox.akeneo._faults import Faults
from pimsync.sandbox.akeneo._sandbox import AkeneoSandbox, Edition
from pimsync.sandbox.akeneo._server import build_server, serve

__all__ = [
    "AkeneoSandbox",
    "Credentials",
    "Edition",
    "Faults",
    "build_server",
    "create_app",
    "serve",
]
