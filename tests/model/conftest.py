"""Fixtures for the model tests: the Akeneo reference material kept beside the repository."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

# The reference folder is /work/shared/reference: "shared" sits beside the repository root.
REFERENCE = (Path(__file__).resolve().parents[2] / ".." / "shared" / "reference").resolve()
SPEC = REFERENCE / "akeneo" / "akeneo-web-api.json"
ICECAT = REFERENCE / "akeneo" / "icecat_demo_dev"


@pytest.fixture(scope="session")
def akeneo_spec() -> dict[str, Any]:
    """The Akeneo REST API OpenAPI document; tests using it skip when it is not checked out."""
    if not SPEC.is_file():
        pytest.skip(f"Akeneo API spec not found at {SPEC} (shared reference folder absent)")
    return json.loads(SPEC.read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def icecat() -> Path:
    """The folder of Akeneo's Icecat demo fixtures (CSV); tests using it skip when absent."""
    if not ICECAT.is_dir():
        pytest.skip(f"Icecat demo fixtures not found at {ICECAT} (shared reference folder absent)")
    return ICECAT
