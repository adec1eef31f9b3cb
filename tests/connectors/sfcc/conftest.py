"""Fixtures for the SFCC file tests: the official XSDs, read in place beside the repository."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

# /work/shared/reference: "shared" sits beside the repository root.
REFERENCE = (Path(__file__).resolve().parents[3] / ".." / "shared" / "reference").resolve()
XSD = REFERENCE / "sfcc" / "xsd"


@pytest.fixture(scope="session")
def xsd_folder() -> Path:
    """The folder of SFCC's import schemas; tests using it skip when it is absent."""
    if not (XSD / "catalog.xsd").is_file():
        pytest.skip(f"SFCC XSDs not found at {XSD} (../shared/reference absent)")
    return XSD


def assert_valid(paths: list[Path], xsd_folder: Path) -> None:
    """Every file validates against its schema (whole-tree validation, independent of ours)."""
    from pimsync.connectors.sfcc import load_schema

    names = {
        "catalog": "catalog.xsd",
        "pricebooks": "pricebook.xsd",
        "library": "library.xsd",
        "metadata": "metadata.xsd",
    }
    for path in paths:
        tree = etree.parse(str(path))
        schema = load_schema(xsd_folder / names[etree.QName(tree.getroot()).localname])
        assert schema.validate(tree), f"{path.name}: {schema.error_log}"
