"""Connecting an ``akeneo`` connection to its PIM as an App, for the CLI's and the web
app's activation alike: what to ask the PIM for, and keeping the token it grants."""

from __future__ import annotations

from dataclasses import dataclass, field

import httpx
from pydantic import SecretStr

from pimsync.config._app_token import store_app_token
from pimsync.connectors.akeneo import (
    CATALOG_READS,
    AkeneoAppToken,
    AkeneoSettings,
    authorize_url,
    exchange_code,
    scopes_for,
)
from pimsync.errors import ConfigError
from pimsync.runners.local import LocalRunner

# Scopes asked for when no job reads from the connection yet: reading products.
DEFAULT_FLOWS = ("akeneo.products",)


@dataclass(frozen=True, slots=True)
class AppActivation:
    """One connection's activation: its PIM, App credentials and the scopes its jobs need."""

    connection: str
    settings: AkeneoSettings
    client_secret: SecretStr = field(repr=False)
    scopes: str

    @property
    def pim_url(self) -> str:
        return str(self.settings.url).rstrip("/")

    def authorize_url(self, state: str) -> str:
        """The PIM's authorization page for this App, with ``state``."""
        assert self.settings.app_client_id is not None  # checked by prepare_activation
        return authorize_url(self.pim_url, self.settings.app_client_id, self.scopes, state)

    def exchange(self, code: str) -> AkeneoAppToken:
        """Trade the callback's ``code`` for the App token."""
        assert self.settings.app_client_id is not None
        timeout = self.settings.timeout
        return exchange_code(
            self.pim_url,
            self.settings.app_client_id,
            self.client_secret,
            code,
            allow_insecure_http=self.settings.allow_insecure_http,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
        )


def prepare_activation(runner: LocalRunner, name: str, *, catalogs: bool = False) -> AppActivation:
    """The activation of connection ``name``; :class:`ConfigError` says what is missing.

    ``catalogs`` also asks for the scopes to create and delete the App's Akeneo
    catalogs (`pimsync catalogs akeneo-create`)."""
    project = runner.project()
    endpoint = runner.endpoint(project, name)
    if endpoint.kind != "akeneo":
        raise ConfigError(
            f"connection {name!r} is a {endpoint.kind} connection; only akeneo connections "
            "can be activated as an App"
        )
    settings: AkeneoSettings = endpoint.settings
    secret = endpoint.secrets.get("app_client_secret")
    if settings.app_client_id is None:
        raise ConfigError(
            f"connection {name!r} has no app_client_id: add it with `pimsync connections add "
            f"{name} --kind akeneo --replace --set app_client_id=… --secret app_client_secret`"
        )
    if secret is None or not secret.get_secret_value():
        raise ConfigError(
            f"connection {name!r} has app_client_id but no app_client_secret: add it with "
            f"`pimsync connections add {name} --kind akeneo --replace … --secret "
            "app_client_secret`"
        )
    jobs = [job for job in project.jobs.values() if job.source == name]
    flows = {job.flow for job in jobs}
    if any(job.options.get("akeneo_catalog") for job in jobs):
        flows.add(CATALOG_READS)  # reading through an Akeneo catalog needs read_catalogs
    if catalogs:
        flows.add("catalogs")
    return AppActivation(name, settings, secret, scopes_for(sorted(flows) or DEFAULT_FLOWS))


def keep_token(runner: LocalRunner, activation: AppActivation, token: AkeneoAppToken) -> None:
    """Store ``token`` encrypted as the connection's ``app_token``, its scopes in the
    settings; every job then reads the PIM with it."""
    with runner.db.begin() as conn:
        store_app_token(conn, runner.box, activation.connection, token.access_token, token.scopes)
