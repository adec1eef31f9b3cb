"""Reading and writing ``pimsync.toml``; a file exported then imported gives the same project."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import tomli_w
from pydantic import ValidationError

from pimsync.config._schema import ProjectConfig
from pimsync.errors import ConfigError


def describe_validation(error: ValidationError, origin: str) -> str:
    """One line per problem, each naming where it is: ``jobs.x.schedule: …``."""
    lines = []
    for item in error.errors():
        where = ".".join(str(p) for p in item["loc"]) or "(top level)"
        message = item["msg"].removeprefix("Value error, ")
        lines.append(f"{origin}: {where}: {message}")
    return "\n".join(lines)


def parse_project(data: dict[str, Any], origin: str) -> ProjectConfig:
    """A validated project; :class:`ConfigError` lists what to fix."""
    try:
        return ProjectConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(describe_validation(exc, origin)) from None


def read_project(path: Path) -> ProjectConfig:
    """Load and validate a project file."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such project file") from None
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: invalid TOML: {exc}") from None
    return parse_project(data, str(path))


def project_to_toml(project: ProjectConfig) -> str:
    """The project as TOML text, secrets as references only."""
    data = project.model_dump(mode="json", exclude_none=True, exclude_defaults=False)
    for job in data.get("jobs", {}).values():
        if not job.get("options"):
            job.pop("options", None)
    for section in ("mappings", "catalogs", "permissions"):
        if not data.get(section):
            data.pop(section, None)
    return tomli_w.dumps(data)


def write_project(project: ProjectConfig, path: Path) -> None:
    path.write_text(project_to_toml(project), encoding="utf-8")
