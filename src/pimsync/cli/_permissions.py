"""`pimsync permissions`: the category trees, locales and attribute groups a destination
may receive (``[permissions.DEST]`` in the project file).

Both commands only touch the state store; codes are checked against Akeneo when a job
writing to the destination runs.
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from pimsync.catalogs import Permissions
from pimsync.cli._session import command_group, session_of
from pimsync.config._stored import save_permissions
from pimsync.errors import ConfigError

permissions_app = command_group(
    "Permissions: the category trees, locales and attribute groups a destination may receive."
)

DestArg = Annotated[str, typer.Argument(metavar="DEST", help="The destination connection.")]
_FIELDS = ("category_trees", "locales", "attribute_groups")


def _codes(text: str | None) -> tuple[str, ...] | None:
    """``a,b`` as codes; ``""`` is no code at all (nothing of that dimension)."""
    if text is None:
        return None
    return tuple(code.strip() for code in text.split(",") if code.strip())


def _describe(destination: str, permissions: Permissions | None) -> dict[str, Any]:
    found = permissions or Permissions()
    return {"destination": destination, **found.model_dump(mode="json")}


@permissions_app.command("show")
def permissions_show(
    ctx: typer.Context,
    destination: DestArg,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """What DEST may receive; null (JSON) or "all" means not restricted."""
    session = session_of(ctx)
    project = session.runner.project()
    if destination not in project.connections:
        known = ", ".join(sorted(project.connections)) or "none"
        raise ConfigError(f"unknown connection {destination!r} (known: {known})")
    row = _describe(destination, project.permissions.get(destination))
    if as_json:
        session.emit_json(row)
        return
    session.say(f"permissions of {destination}")
    for field in _FIELDS:
        codes = row[field]
        shown = "all" if codes is None else ", ".join(codes) or "none"
        session.say(f"{field.replace('_', ' ')}: {shown}")


@permissions_app.command("set")
def permissions_set(
    ctx: typer.Context,
    destination: DestArg,
    trees: Annotated[
        str | None,
        typer.Option("--trees", metavar="A,B", help='Root categories it may receive ("": none).'),
    ] = None,
    locales: Annotated[
        str | None,
        typer.Option("--locales", metavar="X,Y", help='Locales it may receive ("": none).'),
    ] = None,
    groups: Annotated[
        str | None,
        typer.Option(
            "--attribute-groups", metavar="G", help='Attribute groups it may receive ("": none).'
        ),
    ] = None,
    clear: Annotated[bool, typer.Option("--clear", help="Remove every restriction first.")] = False,
) -> None:
    """Restrict what DEST receives; a dimension not given keeps its current setting.

    Unclassified products are always sent, and the identifier (SKU) always kept.
    """
    session = session_of(ctx)
    project = session.runner.project()
    if destination not in project.connections:
        known = ", ".join(sorted(project.connections)) or "none"
        raise ConfigError(
            f"permissions {destination!r}: {destination!r} is not a defined connection "
            f"(defined: {known})"
        )
    current = None if clear else project.permissions.get(destination)
    data = (current or Permissions()).model_dump()
    for field, given in zip(_FIELDS, (trees, locales, groups), strict=True):
        if given is not None:
            data[field] = _codes(given)
    try:
        permissions = Permissions.model_validate(data)
    except ValidationError as exc:
        raise ConfigError.from_validation(exc, f"permissions {destination!r}") from None
    unrestricted = permissions == Permissions()
    with session.write() as conn:
        save_permissions(conn, destination, None if unrestricted else permissions)
    if unrestricted:
        session.say(f"{destination} has no restriction: it receives what its jobs select")
        return
    session.say(f"permissions of {destination} set")
