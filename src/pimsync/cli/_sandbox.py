"""`pimsync sandbox`: run a local stand-in of a connected system until Ctrl-C."""

from __future__ import annotations

import gc
import time
from pathlib import Path
from typing import Annotated

import typer

sandbox_app = typer.Typer(help="Run local stand-ins of the systems pimsync connects.")


@sandbox_app.command("akeneo")
def akeneo_command(
    products: Annotated[
        int, typer.Option("--products", min=0, help="Size of the generated demo catalog.")
    ] = 1200,
    fixtures: Annotated[
        Path | None,
        typer.Option(
            "--fixtures",
            help="Serve an Akeneo fixture folder (e.g. icecat_demo_dev) instead of the demo.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    edition: Annotated[
        str, typer.Option("--edition", help="community or enterprise.")
    ] = "community",
    port: Annotated[int, typer.Option("--port", help="TCP port (0: any free port).")] = 8081,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Serve a local Akeneo PIM REST API; prints its URL and credentials."""
    from pimsync.sandbox.akeneo import AkeneoSandbox, serve

    if edition not in ("community", "enterprise"):
        raise typer.BadParameter("expected community or enterprise", param_hint="--edition")
    if fixtures is not None:
        sandbox = AkeneoSandbox.from_fixtures(fixtures, edition=edition)
    else:
        sandbox = AkeneoSandbox.demo(products=products, edition=edition)
    creds = sandbox.credentials
    with serve(sandbox, host=host, port=port) as base_url:
        typer.echo(f"Akeneo sandbox ({sandbox.edition}) at {base_url}")
        typer.echo(f"  client_id={creds.client_id} secret={creds.secret}")
        typer.echo(f"  username={creds.username} password={creds.password}")
        typer.echo(f"  {sandbox.counts()['products']} products. Ctrl-C stops it.")
        _run_until_interrupted()


@sandbox_app.command("oro")
def oro_command(
    companion: Annotated[
        bool,
        typer.Option(
            "--companion/--stock",
            help="Act as an Oro with pimsync's companion API config (writable categories).",
        ),
    ] = False,
    attributes_csv: Annotated[
        Path | None,
        typer.Option(
            "--attributes-csv",
            help="Import this product-attribute file, update the schema and add the "
            "attributes to the default family, as an Oro administrator would.",
            exists=True,
            dir_okay=False,
        ),
    ] = None,
    port: Annotated[int, typer.Option("--port", help="TCP port (0: any free port).")] = 8082,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Serve a local OroCommerce back-office API; prints its URL and credentials."""
    from pimsync.sandbox.oro import OroSandbox, serve

    sandbox = OroSandbox(companion_categories=companion)
    if attributes_csv is not None:
        try:
            fields = sandbox.import_attributes(attributes_csv.read_text(encoding="utf-8"))
        except ValueError as exc:
            raise typer.BadParameter(str(exc), param_hint="--attributes-csv") from None
        sandbox.update_schema()
        sandbox.add_to_family("default_family", fields)
    creds = sandbox.credentials
    with serve(sandbox, host=host, port=port) as base_url:
        mode = "companion API config" if companion else "stock"
        typer.echo(f"Oro sandbox ({mode}) at {base_url}")
        typer.echo(f"  client_id={creds.client_id} client_secret={creds.client_secret}")
        _run_until_interrupted()


@sandbox_app.command("sfcc")
def sfcc_command(
    xsd_folder: Annotated[
        Path | None,
        typer.Option(
            "--xsd-folder",
            help="Validate every imported file against the SFCC XSDs in this folder "
            "(catalog.xsd, pricebook.xsd, ...); without it only structural checks run.",
            exists=True,
            file_okay=False,
        ),
    ] = None,
    size_limit_mb: Annotated[
        int, typer.Option("--size-limit-mb", min=1, help="Largest WebDAV upload (413 above).")
    ] = 200,
    port: Annotated[int, typer.Option("--port", help="TCP port (0: any free port).")] = 8083,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Serve a local B2C Commerce instance (token, WebDAV, site-archive import job)."""
    from pimsync.sandbox.sfcc import SfccSandbox, serve

    sandbox = SfccSandbox(xsd_folder=xsd_folder, size_limit=size_limit_mb * 1024 * 1024)
    creds = sandbox.client
    with serve(sandbox, host=host, port=port) as base_url:
        checks = f"XSDs from {xsd_folder}" if xsd_folder else "structural checks only"
        typer.echo(f"SFCC sandbox ({checks}) at {base_url}")
        typer.echo(f"  client_id={creds.client_id} client_secret={creds.client_secret}")
        _run_until_interrupted()


@sandbox_app.command("salesforce")
def salesforce_command(
    accounts: Annotated[int, typer.Option("--accounts", min=0, help="Demo accounts.")] = 5,
    products: Annotated[int, typer.Option("--products", min=0, help="Demo products.")] = 8,
    port: Annotated[int, typer.Option("--port", help="TCP port (0: any free port).")] = 8084,
    host: Annotated[str, typer.Option("--host", help="Address to listen on.")] = "127.0.0.1",
) -> None:
    """Serve a local Salesforce org's REST API (OAuth, SOQL, sObjects, collections, Bulk 2.0)."""
    from pimsync.sandbox.salesforce import SalesforceSandbox, serve

    sandbox = SalesforceSandbox.demo(accounts=accounts, products=products)
    app = sandbox.app
    with serve(sandbox, host=host, port=port) as base_url:
        typer.echo(f"Salesforce sandbox at {base_url} (token: {base_url}/services/oauth2/token)")
        typer.echo(f"  client_id={app.client_id} client_secret={app.client_secret}")
        typer.echo(f"  client-credentials user={app.run_as}")
        for login in sandbox.logins.values():
            typer.echo(
                f"  username={login.username} password={login.password} "
                f"security_token={login.security_token}"
            )
        _run_until_interrupted()


def _run_until_interrupted(every: float = 2.0) -> None:
    """Wait for Ctrl-C, keeping the garbage collector off the sandbox's records.

    A sandbox holds millions of long-lived objects, and every full collection would walk
    them all. Every ``every`` seconds the youngest objects are collected and everything
    left is moved out of the collector's sight (``gc.freeze``); records dropped later are
    still freed by their reference counts. (A full collection there instead cost 16% of
    the Oro sandbox's CPU under a 20k-product sync.) A write batch parses into hundreds
    of thousands of objects, so the collector waits for as many as a run of pimsync does
    (``RUN_GC_THRESHOLD``).
    """
    from pimsync.jobs._pipeline import RUN_GC_THRESHOLD

    gc.set_threshold(*RUN_GC_THRESHOLD)
    try:
        while True:  # short sleeps so Ctrl-C gets through
            for _ in range(max(1, round(every / 0.5))):
                time.sleep(0.5)
            gc.collect(0)
            gc.freeze()
    except KeyboardInterrupt:
        typer.echo("stopped")
