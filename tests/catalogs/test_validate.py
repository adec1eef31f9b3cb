"""Validation names the criterion and the code or context to fix."""

from __future__ import annotations

from typing import Any

import pydantic
import pytest

from pimsync.catalogs import CatalogSpec, Criterion, ValueFilters, check, validate
from pimsync.errors import ConfigError
from tests.catalogs._catalog import METADATA


def problems(field: str, operator: Any, value: Any = None, **context: Any) -> list[str]:
    criterion = Criterion(field=field, operator=operator, value=value, **context)
    return validate(CatalogSpec(criteria=(criterion,)), METADATA)


def test_a_valid_catalog_has_no_problem() -> None:
    spec = CatalogSpec(
        criteria=(
            Criterion(field="enabled", operator="=", value=True),
            Criterion(field="family", operator="IN", value=["shirts"]),
            Criterion(field="categories", operator="IN CHILDREN", value=["master"]),
            Criterion(
                field="completeness", operator=">", value=80, scope="ecommerce", locale="en_US"
            ),
            Criterion(field="name", operator="CONTAINS", value="shirt", locale="en_US"),
            Criterion(field="color", operator="NOT EMPTY", value=[]),
            Criterion(field="weight", operator="<", value={"amount": 2, "unit": "GRAM"}),
            Criterion(
                field="release",
                operator="BETWEEN",
                value=["2024-01-01", "2024-12-31"],
                scope="mobile",
            ),
        ),
        value_filters=ValueFilters(
            channels=("ecommerce",), locales=("en_US",), currencies=("EUR",)
        ),
    )
    assert validate(spec, METADATA) == []
    check(spec, METADATA)  # does not raise


@pytest.mark.parametrize(
    ("criterion", "message"),
    [
        (("colour", "IN", ["blue"]), "criterion 1 (colour IN): unknown attribute 'colour'"),
        (("color", "IN", ["blue", "purple"]), "unknown option of 'color' 'purple'"),
        (("tags", "NOT IN", ["autumn"]), "unknown option of 'tags' 'autumn'"),
        (("family", "IN", ["hats"]), "unknown family 'hats'"),
        (("categories", "IN CHILDREN", ["toys"]), "unknown category 'toys'"),
        (("power", "CONTAINS", "1"), "operator 'CONTAINS' is not valid for pim_catalog_number"),
        (("enabled", "IN", [True]), "operator 'IN' is not valid for enabled"),
        (("price", "NOT EMPTY", None), "pim_catalog_price_collection cannot select products"),
        (("name", "=", "x"), "criterion 1 (name =): a locale is required"),
        (("description", "=", "x", {"locale": "en_US"}), "a scope (channel) is required"),
        (("power", "=", 1, {"scope": "ecommerce"}), "'power' is not scopable: remove the scope"),
        (("color", "EMPTY", None, {"locale": "en_US"}), "'color' is not localizable"),
        (("release", "=", "2024-01-01", {"scope": "print"}), "unknown channel 'print'"),
        (("name", "=", "x", {"locale": "de_DE"}), "unknown or disabled locale 'de_DE'"),
        (("completeness", ">", 80, {"scope": "ecommerce"}), "a locale is required"),
        (("completeness", ">", 180, {"scope": "ecommerce", "locale": "en_US"}), "0 to 100"),
        (("color", "IN", []), "operator 'IN' needs a value"),
        (("color", "EMPTY", ["blue"]), "operator 'EMPTY' takes no value"),
        (("weight", "<", {"amount": 1, "unit": "POUND"}), "unknown unit 'POUND'"),
        (("weight", "<", 1), '{"amount": <number>, "unit": "<unit code>"}'),
        (("power", ">", "ten"), "the value must be a number"),
        (("eco", "=", "yes"), "the value must be true or false"),
        (("release", "<", "01/02/2024", {"scope": "mobile"}), '"YYYY-MM-DD"'),
        (("release", "BETWEEN", ["2024-01-01"], {"scope": "mobile"}), "two dates"),
        (("identifier", "IN", ["A-100", ""]), "list of non-empty strings"),
    ],
    ids=lambda item: str(item[0]) if isinstance(item, tuple) else None,
)
def test_problems_name_the_criterion_and_what_to_fix(
    criterion: tuple[Any, ...], message: str
) -> None:
    field, operator, value, *context = criterion
    found = problems(field, operator, value, **(context[0] if context else {}))
    assert any(message in problem for problem in found), found


def test_unknown_value_filter_codes() -> None:
    filters = ValueFilters(channels=("print",), locales=("de_DE",), currencies=("JPY",))
    assert validate(CatalogSpec(value_filters=filters), METADATA) == [
        "value filters: unknown channel 'print'",
        "value filters: unknown locale 'de_DE'",
        "value filters: unknown currency 'JPY'",
    ]


def test_check_raises_a_config_error_listing_every_problem() -> None:
    spec = CatalogSpec(
        criteria=(
            Criterion(field="colour", operator="IN", value=["blue"]),
            Criterion(field="color", operator="IN", value=["purple"]),
        )
    )
    with pytest.raises(ConfigError) as error:
        check(spec, METADATA)
    assert "unknown attribute 'colour'" in str(error.value)
    assert "criterion 2 (color IN): unknown option of 'color' 'purple'" in str(error.value)


def test_the_model_rejects_unknown_operators_keys_and_too_many_criteria() -> None:
    with pytest.raises(pydantic.ValidationError):
        Criterion.model_validate({"field": "sku", "operator": "LIKE", "value": "x"})
    with pytest.raises(pydantic.ValidationError):
        Criterion.model_validate({"field": "sku", "operator": "=", "value": "x", "channel": "e"})
    many = [{"field": "enabled", "operator": "=", "value": True}] * 26
    with pytest.raises(pydantic.ValidationError):
        CatalogSpec.model_validate({"criteria": many})
