"""Local evaluation: every field type and operator against the hand-built catalog, with
the expected SKUs read off ``_catalog.py`` by hand."""

from __future__ import annotations

from typing import Any

import pytest

from pimsync.catalogs import OPERATORS, CatalogSpec, Criterion, matches
from pimsync.errors import ConfigError
from pimsync.mapping import AkeneoMetadata
from tests.catalogs._catalog import ALL, METADATA, PRODUCTS, REQUIREMENTS


def selected(*criteria: Criterion, metadata: AkeneoMetadata = METADATA) -> set[str]:
    spec = CatalogSpec(criteria=criteria)
    return {
        str(p.identifier) for p in PRODUCTS if matches(spec, p, metadata, requirements=REQUIREMENTS)
    }


def c(field: str, operator: Any, value: Any = None, **context: Any) -> Criterion:
    return Criterion(field=field, operator=operator, value=value, **context)


EN = {"locale": "en_US"}
ECOM = {"scope": "ecommerce"}
KG = "KILOGRAM"

CASES: list[tuple[Criterion, set[str]]] = [
    # status
    (c("enabled", "=", True), ALL - {"B-100"}),
    (c("enabled", "!=", True), {"B-100"}),
    # categories: master → clothing → shirts, master → shoes; sales → clearance
    (c("categories", "IN", ["clothing"]), {"A-200"}),
    (c("categories", "IN CHILDREN", ["clothing"]), {"A-100", "A-200"}),
    (c("categories", "IN CHILDREN", ["master"]), {"A-100", "A-200", "B-100", "a-300"}),
    (c("categories", "NOT IN", ["clothing"]), ALL - {"A-200"}),
    (c("categories", "NOT IN CHILDREN", ["master"]), {"B-200", "C-100"}),
    (c("categories", "UNCLASSIFIED", []), {"B-200"}),
    (c("categories", "IN OR UNCLASSIFIED", ["clearance"]), {"A-200", "B-200", "C-100"}),
    # completeness (ecommerce: shirts need sku, name, weight; shoes sku, name, description)
    (c("completeness", "=", 100, **ECOM, **EN), {"A-100", "A-200", "B-100"}),
    (c("completeness", "<", 100, **ECOM, **EN), {"B-200", "C-100", "a-300"}),
    (c("completeness", ">", 50, **ECOM, **EN), ALL - {"C-100"}),
    (c("completeness", "!=", 66, **ECOM, **EN), {"A-100", "A-200", "B-100", "C-100"}),
    (c("completeness", "=", 100, **ECOM, locale="fr_FR"), {"A-100"}),
    # family
    (c("family", "IN", ["shoes"]), {"B-100", "B-200"}),
    (c("family", "NOT IN", ["shoes"]), {"A-100", "A-200", "C-100", "a-300"}),
    (c("family", "EMPTY", []), {"C-100"}),
    (c("family", "NOT EMPTY", []), ALL - {"C-100"}),
    # identifier (system field) and the identifier attribute
    (c("identifier", "=", "A-100"), {"A-100"}),
    (c("identifier", "!=", "A-100"), ALL - {"A-100"}),
    (c("identifier", "CONTAINS", "-1"), {"A-100", "B-100", "C-100"}),
    (c("identifier", "DOES NOT CONTAIN", "-1"), {"A-200", "B-200", "a-300"}),
    (c("identifier", "STARTS WITH", "a"), {"A-100", "A-200", "a-300"}),
    (c("identifier", "IN", ["A-100", "B-200", "zzz"]), {"A-100", "B-200"}),
    (c("identifier", "NOT IN", ["A-100", "B-200"]), {"A-200", "B-100", "C-100", "a-300"}),
    (c("sku", "STARTS WITH", "B"), {"B-100", "B-200"}),
    (c("sku", "IN", ["C-100"]), {"C-100"}),
    (c("sku", "NOT IN", ["A-100"]), ALL - {"A-100"}),
    (c("sku", "=", "A-200"), {"A-200"}),
    (c("sku", "!=", "A-200"), ALL - {"A-200"}),
    (c("sku", "CONTAINS", "-2"), {"A-200", "B-200"}),
    (c("sku", "DOES NOT CONTAIN", "-2"), {"A-100", "B-100", "C-100", "a-300"}),
    # text (localizable)
    (c("name", "=", "Runner", **EN), {"B-100"}),
    (c("name", "!=", "Runner", **EN), {"A-100", "A-200", "B-200", "a-300"}),
    (c("name", "CONTAINS", "shirt", **EN), {"A-100", "A-200"}),
    (c("name", "DOES NOT CONTAIN", "shirt", **EN), {"B-100", "B-200", "a-300"}),
    (c("name", "STARTS WITH", "blue", **EN), {"A-100", "a-300"}),
    (c("name", "EMPTY", None, **EN), {"C-100"}),
    (c("name", "NOT EMPTY", None, **EN), ALL - {"C-100"}),
    (c("name", "NOT EMPTY", None, locale="fr_FR"), {"A-100"}),
    # text area (localizable and scopable)
    (c("description", "CONTAINS", "cotton", **ECOM, **EN), {"A-100"}),
    (c("description", "EMPTY", None, **ECOM, **EN), {"A-200", "B-200", "C-100", "a-300"}),
    (c("description", "NOT EMPTY", None, **ECOM, **EN), {"A-100", "B-100"}),
    (c("description", "=", "Soft cotton", **ECOM, **EN), {"A-100"}),
    (c("description", "!=", "Soft cotton", **ECOM, **EN), {"B-100"}),
    (c("description", "DOES NOT CONTAIN", "cotton", **ECOM, **EN), {"B-100"}),
    (c("description", "STARTS WITH", "fast", **ECOM, **EN), {"B-100"}),
    (c("description", "NOT EMPTY", None, scope="mobile", **EN), set()),
    # simple select
    (c("color", "IN", ["blue"]), {"A-100", "B-100"}),
    (c("color", "NOT IN", ["blue"]), {"A-200", "C-100"}),
    (c("color", "EMPTY", []), {"B-200", "a-300"}),
    (c("color", "NOT EMPTY", []), {"A-100", "A-200", "B-100", "C-100"}),
    # multi select (B-100 has an empty list)
    (c("tags", "IN", ["sale"]), {"A-100", "a-300"}),
    (c("tags", "IN", ["winter", "summer"]), {"A-100", "A-200"}),
    (c("tags", "NOT IN", ["sale"]), {"A-200"}),
    (c("tags", "EMPTY", []), {"B-100", "B-200", "C-100"}),
    (c("tags", "NOT EMPTY", []), {"A-100", "A-200", "a-300"}),
    # number
    (c("power", "=", 10), {"A-100", "a-300"}),
    (c("power", "!=", 10), {"A-200", "B-100", "C-100"}),
    (c("power", "<", 10), {"B-100"}),
    (c("power", "<=", 10), {"A-100", "B-100", "a-300"}),
    (c("power", ">", 10), {"A-200", "C-100"}),
    (c("power", ">=", 25.5), {"A-200", "C-100"}),
    (c("power", "EMPTY"), {"B-200"}),
    (c("power", "NOT EMPTY"), ALL - {"B-200"}),
    # measurement: A-100 500 g, A-200 1.2 kg, B-100 2 kg, B-200 900 g
    (c("weight", "<", {"amount": 1, "unit": KG}), {"A-100", "B-200"}),
    (c("weight", ">=", {"amount": 900, "unit": "GRAM"}), {"A-200", "B-100", "B-200"}),
    (c("weight", "=", {"amount": "0.5", "unit": KG}), {"A-100"}),
    (c("weight", "!=", {"amount": 500, "unit": "GRAM"}), {"A-200", "B-100", "B-200"}),
    (c("weight", ">", {"amount": 1.5, "unit": KG}), {"B-100"}),
    (c("weight", "<=", {"amount": 1200, "unit": "GRAM"}), {"A-100", "A-200", "B-200"}),
    (c("weight", "EMPTY"), {"C-100", "a-300"}),
    (c("weight", "NOT EMPTY"), {"A-100", "A-200", "B-100", "B-200"}),
    # yes/no
    (c("eco", "=", True), {"A-100", "B-200"}),
    (c("eco", "!=", True), {"A-200", "a-300"}),
    (c("eco", "EMPTY"), {"B-100", "C-100"}),
    (c("eco", "NOT EMPTY"), {"A-100", "A-200", "B-200", "a-300"}),
    # date (scopable): A-100 2024-03-01, A-200 2024-06-15 on ecommerce; B-100 on mobile only
    (c("release", "=", "2024-03-01", **ECOM), {"A-100"}),
    (c("release", "!=", "2024-03-01", **ECOM), {"A-200"}),
    (c("release", "<", "2024-06-15", **ECOM), {"A-100"}),
    (c("release", ">", "2024-03-01", **ECOM), {"A-200"}),
    (c("release", "BETWEEN", ["2024-01-01", "2024-03-31"], **ECOM), {"A-100"}),
    (c("release", "BETWEEN", ["2024-03-01", "2024-06-15"], **ECOM), {"A-100", "A-200"}),
    (c("release", "NOT BETWEEN", ["2024-01-01", "2024-03-31"], **ECOM), {"A-200"}),
    (c("release", "EMPTY", None, **ECOM), {"B-100", "B-200", "C-100", "a-300"}),
    (c("release", "NOT EMPTY", None, **ECOM), {"A-100", "A-200"}),
    (c("release", "=", "2024-03-01", scope="mobile"), {"B-100"}),
]


@pytest.mark.parametrize(
    ("criterion", "expected"), CASES, ids=[f"{c.field} {c.operator} {c.value}" for c, _ in CASES]
)
def test_each_operator_selects_the_expected_products(
    criterion: Criterion, expected: set[str]
) -> None:
    assert selected(criterion) == expected


def test_the_cases_cover_every_operator_of_every_type() -> None:
    covered = {
        (
            METADATA.attributes[c.field].type if c.field in METADATA.attributes else c.field,
            c.operator,
        )
        for c, _ in CASES
    }

    wanted = {(kind, operator) for kind, operators in OPERATORS.items() for operator in operators}
    assert wanted - covered == set()


def test_no_criteria_select_every_product() -> None:
    assert selected() == ALL


def test_criteria_are_anded() -> None:
    both = (c("enabled", "=", True), c("family", "IN", ["shirts"]), c("color", "IN", ["blue"]))
    assert selected(*both) == {"A-100"}


def test_measurement_without_conversions_compares_only_the_same_unit() -> None:
    bare = AkeneoMetadata(attributes=METADATA.attributes, categories=METADATA.categories)
    # A-200 (1.2 kg) and B-100 (2 kg) are in kilograms; the gram weights never match.
    assert selected(c("weight", ">", {"amount": 1, "unit": KG}), metadata=bare) == {
        "A-200",
        "B-100",
    }
    assert selected(c("weight", "<", {"amount": 1, "unit": KG}), metadata=bare) == set()


def test_completeness_without_requirements_is_a_config_error() -> None:
    spec = CatalogSpec(criteria=(c("completeness", "=", 100, **ECOM, **EN),))
    with pytest.raises(ConfigError, match="attribute requirements"):
        matches(spec, PRODUCTS[0], METADATA)
