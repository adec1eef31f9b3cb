"""The state store: connections, jobs, runs, watermarks, xrefs, hashes, failed items, locks."""

from pimsync.state._secrets import SecretBox, create_key_file, load_secret_box
from pimsync.state._store import (
    create_state_engine,
    cross_references,
    redact_url,
    replace_cross_references,
    require_current_schema,
    schema_status,
    upgrade,
)

__all__ = [
    "SecretBox",
    "create_key_file",
    "create_state_engine",
    "cross_references",
    "load_secret_box",
    "redact_url",
    "replace_cross_references",
    "require_current_schema",
    "schema_status",
    "upgrade",
]
