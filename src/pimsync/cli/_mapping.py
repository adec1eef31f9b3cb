"""`pimsync mapping preview JOB SKU`: one product as an Oro job would write it."""

from __future__ import annotations

from typing import Annotated

import typer

from pimsync.cli._exit import EXIT_FAILED, EXIT_OK
from pimsync.cli._oro import job_endpoints, job_options
from pimsync.cli._session import command_group, session_of
from pimsync.connectors.akeneo import AkeneoCatalog
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.connectors.oro import connect as connect_oro
from pimsync.errors import RejectedRecord
from pimsync.hub_mappings import find_record
from pimsync.mapping import preview
from pimsync.runners._oro import build_mapper

mapping_app = command_group("Mappings: check what a job would write.")


@mapping_app.command("preview")
def mapping_preview(
    ctx: typer.Context,
    job: Annotated[str, typer.Argument(metavar="JOB", help="An Akeneo → Oro job.")],
    sku: Annotated[
        str, typer.Argument(metavar="SKU", help="A product identifier or product model code.")
    ],
) -> int:
    """Validate JOB's mapping against both systems and show SKU as Oro would receive it.

    Reads Akeneo and Oro; writes nothing. Exits 2 when the mapping is refused and 3 when
    this product would be rejected (the reason is printed).
    """
    session = session_of(ctx)
    project, source, destination = job_endpoints(session, job)
    options = job_options(project, job)
    with (
        connect_akeneo(source.settings, source.secrets) as akeneo,
        connect_oro(destination.settings, destination.secrets) as oro,
    ):
        mapper = build_mapper(akeneo, oro, options, job)
        record = find_record(AkeneoCatalog(akeneo), sku)
    for warning in mapper.report.warnings:
        session.note(f"warning: {warning}")
    try:
        session.out.print(preview(mapper, record), markup=False, highlight=False)
    except RejectedRecord as exc:
        typer.echo(f"error: {sku} would be rejected: {exc}", err=True)
        return EXIT_FAILED
    return EXIT_OK
