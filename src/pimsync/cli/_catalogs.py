"""`pimsync catalogs`: hub catalogs, which products (and values) a destination receives.

A catalog is stored with the project (``[catalogs.NAME]`` in the project file) and used by
an ``oro.products`` job with ``catalog = "NAME"``. ``preview`` reads Akeneo (never the
destination) and shows what the catalog selects; every other command only touches the
state store.
"""

from __future__ import annotations

from typing import Annotated, Any

import orjson
import typer
from pydantic import ValidationError
from rich.table import Table

from pimsync.catalogs import Criterion, ValueFilters
from pimsync.cli._exit import EXIT_OK, fail
from pimsync.cli._session import Session, command_group, session_of
from pimsync.config import CatalogConfig, ProjectConfig
from pimsync.config._stored import remove_catalog
from pimsync.connectors.akeneo import AkeneoAppCatalogs, AkeneoAppClient
from pimsync.connectors.akeneo import connect as connect_akeneo
from pimsync.errors import ConfigError
from pimsync.hub_catalogs import catalog_jobs, find_catalog, preview_catalog, store_catalog

catalogs_app = command_group("Hub catalogs: which products and values a destination receives.")

_CRITERION_HELP = (
    "A selection criterion as JSON, Akeneo's spelling, e.g. "
    '\'{"field": "family", "operator": "IN", "value": ["shoes"]}\'; repeat for more '
    "(all must hold)."
)
NameArg = Annotated[str, typer.Argument(metavar="NAME", help="The catalog.")]


def _criteria(texts: list[str]) -> list[Criterion]:
    """Criteria from ``--criterion`` JSON texts; :class:`ConfigError` names a bad one."""
    found = []
    for number, text in enumerate(texts, start=1):
        try:
            data = orjson.loads(text)
        except orjson.JSONDecodeError as exc:
            raise ConfigError(f"--criterion {number}: not JSON: {exc}") from None
        try:
            found.append(Criterion.model_validate(data))
        except ValidationError as exc:
            raise ConfigError.from_validation(exc, f"--criterion {number}") from None
    return found


def _store(session: Session, project: ProjectConfig, name: str, data: dict[str, Any]) -> None:
    """Validate catalog ``name`` within ``project`` and store it."""
    with session.write() as conn:
        store_catalog(conn, project, name, data)


def _filters(
    base: ValueFilters,
    channels: list[str] | None,
    locales: list[str] | None,
    currencies: list[str] | None,
) -> dict[str, Any]:
    return {
        "channels": base.channels if channels is None else tuple(channels),
        "locales": base.locales if locales is None else tuple(locales),
        "currencies": base.currencies if currencies is None else tuple(currencies),
    }


def _describe(name: str, catalog: CatalogConfig, users: list[str]) -> dict[str, Any]:
    return {
        "name": name,
        "destination": catalog.destination,
        "enabled": catalog.enabled,
        "criteria": [c.model_dump(mode="json", exclude_none=True) for c in catalog.criteria],
        "value_filters": catalog.value_filters.model_dump(mode="json"),
        "jobs": users,
    }


ChannelOpt = Annotated[
    list[str] | None,
    typer.Option("--channel", metavar="CODE", help="Keep values of this channel (repeat)."),
]
LocaleOpt = Annotated[
    list[str] | None,
    typer.Option("--locale", metavar="CODE", help="Keep values of this locale (repeat)."),
]
CurrencyOpt = Annotated[
    list[str] | None,
    typer.Option("--currency", metavar="CODE", help="Keep prices in this currency (repeat)."),
]


@catalogs_app.command("list")
def catalogs_list(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The catalogs: destination, enabled or not, criteria, the jobs that use them."""
    session = session_of(ctx)
    project = session.runner.project()
    rows = [_describe(n, c, catalog_jobs(project, n)) for n, c in sorted(project.catalogs.items())]
    if as_json:
        session.emit_json(rows)
        return
    if not rows:
        session.say("no catalogs yet; add one: pimsync catalogs create NAME --destination CONN")
        return
    table = Table()
    for column in ("catalog", "destination", "enabled", "criteria", "jobs"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            row["name"],
            row["destination"],
            "yes" if row["enabled"] else "no",
            str(len(row["criteria"])),
            ", ".join(row["jobs"]) or "-",
        )
    session.out.print(table)


@catalogs_app.command("show")
def catalogs_show(
    ctx: typer.Context,
    name: NameArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """One catalog: its destination, status, criteria (numbered) and value filters."""
    session = session_of(ctx)
    project = session.runner.project()
    row = _describe(name, find_catalog(project, name), catalog_jobs(project, name))
    if as_json:
        session.emit_json(row)
        return
    session.say(f"catalog {name} → {row['destination']}")
    session.say(f"enabled: {'yes' if row['enabled'] else 'no'}")
    session.say(f"jobs: {', '.join(row['jobs']) or 'none'}")
    if not row["criteria"]:
        session.say("criteria: none (every product)")
    else:
        session.say("criteria:")
        for number, criterion in enumerate(row["criteria"], start=1):
            session.say(f"  {number}. {orjson.dumps(criterion).decode()}")
    filters = row["value_filters"]
    for key in ("channels", "locales", "currencies"):
        session.say(f"{key}: {', '.join(filters[key]) or 'all'}")


@catalogs_app.command("create")
def catalogs_create(
    ctx: typer.Context,
    name: NameArg,
    destination: Annotated[
        str, typer.Option("--destination", metavar="CONN", help="The connection it feeds.")
    ],
    criterion: Annotated[
        list[str] | None, typer.Option("--criterion", metavar="JSON", help=_CRITERION_HELP)
    ] = None,
    channel: ChannelOpt = None,
    locale: LocaleOpt = None,
    currency: CurrencyOpt = None,
    enable: Annotated[bool, typer.Option("--enable", help="Enable it at once.")] = False,
) -> None:
    """Add catalog NAME for connection CONN; it is disabled unless --enable is given.

    Criteria are checked against Akeneo when it is previewed or used by a job.
    """
    session = session_of(ctx)
    project = session.runner.project()
    if name in project.catalogs:
        fail(f"catalog {name!r} already exists; change it with `pimsync catalogs edit {name}`")
    criteria = _criteria(criterion or [])
    data = {
        "destination": destination,
        "enabled": enable,
        "criteria": criteria,
        "value_filters": _filters(ValueFilters(), channel, locale, currency),
    }
    _store(session, project, name, data)
    state = "enabled" if enable else "disabled (enable it with `pimsync catalogs enable`)"
    session.say(f"catalog {name} created for {destination}: {len(criteria)} criteria, {state}")


@catalogs_app.command("edit")
def catalogs_edit(
    ctx: typer.Context,
    name: NameArg,
    destination: Annotated[
        str | None, typer.Option("--destination", metavar="CONN", help="A new destination.")
    ] = None,
    criterion: Annotated[
        list[str] | None,
        typer.Option("--criterion", metavar="JSON", help="Replace all criteria with these."),
    ] = None,
    add: Annotated[
        list[str] | None,
        typer.Option("--add-criterion", metavar="JSON", help="Add a criterion (repeat)."),
    ] = None,
    remove: Annotated[
        list[int] | None,
        typer.Option(
            "--remove-criterion", metavar="N", help="Remove criterion N, as `show` numbers it."
        ),
    ] = None,
    clear: Annotated[
        bool, typer.Option("--clear-criteria", help="Remove every criterion.")
    ] = False,
    channel: ChannelOpt = None,
    locale: LocaleOpt = None,
    currency: CurrencyOpt = None,
    all_values: Annotated[
        bool, typer.Option("--all-values", help="Drop the value filters (keep every value).")
    ] = False,
) -> None:
    """Change catalog NAME: destination, criteria, value filters.

    Criteria are removed first (--clear-criteria, --remove-criterion), then replaced
    (--criterion) or added to (--add-criterion).
    """
    session = session_of(ctx)
    project = session.runner.project()
    catalog = find_catalog(project, name)
    criteria = [] if clear else list(catalog.criteria)
    for number in sorted(set(remove or []), reverse=True):
        if not 1 <= number <= len(catalog.criteria):
            fail(f"catalog {name!r} has no criterion {number} (it has {len(catalog.criteria)})")
        if not clear:
            del criteria[number - 1]
    if criterion is not None:
        criteria = _criteria(criterion)
    criteria += _criteria(add or [])
    base = ValueFilters() if all_values else catalog.value_filters
    data = {
        "destination": destination or catalog.destination,
        "enabled": catalog.enabled,
        "criteria": criteria,
        "value_filters": _filters(base, channel, locale, currency),
    }
    _store(session, project, name, data)
    session.say(f"catalog {name} changed: {len(criteria)} criteria")


def _switch(ctx: typer.Context, name: str, enabled: bool) -> None:
    session = session_of(ctx)
    project = session.runner.project()
    catalog = find_catalog(project, name)
    word = "enabled" if enabled else "disabled"
    if catalog.enabled == enabled:
        session.say(f"catalog {name} was already {word}")
        return
    _store(session, project, name, {**catalog.model_dump(), "enabled": enabled})
    jobs = catalog_jobs(project, name)
    effect = (
        f"; job(s) {', '.join(jobs)} {'send its products' if enabled else 'send nothing'}"
        if jobs
        else ""
    )
    session.say(f"catalog {name} {word}{effect}")


@catalogs_app.command("enable")
def catalogs_enable(ctx: typer.Context, name: NameArg) -> None:
    """Enable catalog NAME: the jobs using it send its products again."""
    _switch(ctx, name, True)


@catalogs_app.command("disable")
def catalogs_disable(ctx: typer.Context, name: NameArg) -> None:
    """Disable catalog NAME: the jobs using it read and write nothing until enabled."""
    _switch(ctx, name, False)


@catalogs_app.command("remove")
def catalogs_remove(ctx: typer.Context, name: NameArg) -> None:
    """Remove catalog NAME (refused while a job's options name it)."""
    session = session_of(ctx)
    with session.write() as conn:
        remove_catalog(conn, name)
    session.say(f"removed catalog {name}")


@catalogs_app.command("preview")
def catalogs_preview(
    ctx: typer.Context,
    name: NameArg,
    limit: Annotated[
        int, typer.Option("--limit", min=0, metavar="N", help="How many SKUs to list.")
    ] = 10,
    source: Annotated[
        str | None,
        typer.Option(
            "--source",
            metavar="CONN",
            help="The Akeneo connection to read (default: the one its jobs read).",
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> int:
    """Check catalog NAME against Akeneo and count the products it selects.

    Reads Akeneo with the criteria Akeneo can apply, checks the others here, and prints
    how many products were read, how many are selected and the first SKUs. Writes
    nothing. Exits 2 when a criterion names what Akeneo does not have.
    """
    session = session_of(ctx)
    runner = session.runner
    project = runner.project()
    catalog = find_catalog(project, name)
    preview = preview_catalog(runner, project, name, catalog, source=source)
    source_name, selected = preview.source, list(preview.skus)
    transferred, checked_locally = preview.transferred, preview.checked_locally
    permissions = project.permissions.get(catalog.destination)
    result = {
        "catalog": name,
        "enabled": catalog.enabled,
        "source": source_name,
        "selected": len(selected),
        "transferred": transferred,
        "checked_locally": checked_locally,
        "permissions": permissions is not None,
        "skus": selected[:limit],
    }
    if as_json:
        session.emit_json(result)
        return EXIT_OK
    state = "" if catalog.enabled else " (disabled: its jobs send nothing until enabled)"
    session.say(f"catalog {name} → {catalog.destination}, read from {source_name}{state}")
    session.say(f"selected: {len(selected)} product(s)")
    if permissions is not None:
        session.say(f"within the permissions of {catalog.destination} (pimsync permissions show)")
    session.say(
        f"transferred from Akeneo: {transferred}, selected {len(selected)} "
        f"({checked_locally} criteria checked by pimsync)"
    )
    if limit and selected:
        session.say(f"first {min(limit, len(selected))}: {', '.join(selected[:limit])}")
    return EXIT_OK


def _app_catalogs(session: Session, connection: str) -> AkeneoAppCatalogs:
    runner = session.runner
    endpoint = runner.endpoint(runner.project(), connection, "source")
    if endpoint.kind != "akeneo":
        raise ConfigError(f"connection {connection!r} is not an akeneo connection")
    client = connect_akeneo(endpoint.settings, endpoint.secrets)
    if not isinstance(client, AkeneoAppClient):
        client.close()
        raise ConfigError(
            f"connection {connection!r} signs in with a password; Akeneo catalogs belong to "
            f"Apps: run `pimsync connections activate {connection} --catalogs` first"
        )
    return AkeneoAppCatalogs(client)


ConnArg = Annotated[str, typer.Argument(metavar="CONN", help="The akeneo connection (an App).")]


@catalogs_app.command("akeneo-list")
def catalogs_akeneo_list(
    ctx: typer.Context,
    connection: ConnArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """The Akeneo catalogs of the App connected as CONN (their ids go in akeneo_catalog)."""
    session = session_of(ctx)
    catalogs = _app_catalogs(session, connection)
    with catalogs.client:
        found = catalogs.list()
        rows = [
            {"id": c.id, "name": c.name, "enabled": c.enabled, "page": catalogs.page_of(c.id)}
            for c in found
        ]
    if as_json:
        session.emit_json(rows)
        return
    if not rows:
        session.say(f"no Akeneo catalogs yet: pimsync catalogs akeneo-create {connection} NAME")
        return
    for row in rows:
        state = "enabled" if row["enabled"] else "disabled"
        session.say(f"{row['id']}  {row['name']} ({state})  {row['page']}")


@catalogs_app.command("akeneo-create")
def catalogs_akeneo_create(
    ctx: typer.Context,
    connection: ConnArg,
    name: Annotated[str, typer.Argument(metavar="NAME", help="The catalog's name in Akeneo.")],
) -> None:
    """Create an Akeneo catalog for the App connected as CONN (disabled until a PIM user
    sets its criteria and enables it on the page printed)."""
    session = session_of(ctx)
    catalogs = _app_catalogs(session, connection)
    with catalogs.client:
        created = catalogs.create(name)
        page = catalogs.page_of(created.id)
    session.say(f"created Akeneo catalog {created.id} ({created.name}), disabled")
    session.say(f"set its products and enable it in the PIM: {page}")
    session.say(f'then read it in an oro.products job: akeneo_catalog = "{created.id}"')
