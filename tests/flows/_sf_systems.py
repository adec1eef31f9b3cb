"""What the Salesforce ↔ Oro flow tests share: both sandboxes served on 127.0.0.1, the
two connections as the jobs see them, and a fresh state store."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from pydantic import SecretStr
from sqlalchemy import Engine

from pimsync.connectors.kinds import get_kind, parse_settings
from pimsync.runners.flows import Endpoint
from pimsync.sandbox.oro import OroSandbox
from pimsync.sandbox.oro import serve as serve_oro
from pimsync.sandbox.salesforce import SalesforceSandbox
from pimsync.sandbox.salesforce import serve as serve_salesforce
from pimsync.state import create_state_engine, upgrade


def salesforce_endpoint(crm: SalesforceSandbox, url: str) -> Endpoint:
    """Connection ``crm``: the sandbox's connected app, client credentials."""
    settings = parse_settings(
        "crm", get_kind("salesforce"), {"url": url, "client_id": crm.app.client_id}
    )
    return Endpoint(
        "crm", "salesforce", settings, {"client_secret": SecretStr(crm.app.client_secret)}
    )


def oro_endpoint(shop: OroSandbox, url: str) -> Endpoint:
    """Connection ``shop``: the sandbox's OAuth application, on a 6.1.10 (ext_id) Oro."""
    credentials = shop.credentials
    settings = parse_settings(
        "shop",
        get_kind("oro"),
        {"url": url, "client_id": credentials.client_id, "version": "6.1.10"},
    )
    return Endpoint(
        "shop", "oro", settings, {"client_secret": SecretStr(credentials.client_secret)}
    )


@dataclass
class Served:
    source: Endpoint
    destination: Endpoint
    db: Engine


@contextmanager
def served(crm: SalesforceSandbox, shop: OroSandbox, folder: Path) -> Iterator[Served]:
    """Both sandboxes served, their connections and a state store in ``folder``."""
    with serve_salesforce(crm) as crm_url, serve_oro(shop) as shop_url:
        db = create_state_engine(f"sqlite:///{folder / 'state.db'}")
        upgrade(db)
        try:
            yield Served(salesforce_endpoint(crm, crm_url), oro_endpoint(shop, shop_url), db)
        finally:
            db.dispose()
