"""The project file (``pimsync.toml``) and the project as stored in the state store."""

from pimsync.config._file import parse_project, project_to_toml, read_project, write_project
from pimsync.config._schema import (
    CatalogConfig,
    ConnectionConfig,
    JobConfig,
    ProjectConfig,
    SecretRef,
)

__all__ = [
    "CatalogConfig",
    "ConnectionConfig",
    "JobConfig",
    "ProjectConfig",
    "SecretRef",
    "parse_project",
    "project_to_toml",
    "read_project",
    "write_project",
]
