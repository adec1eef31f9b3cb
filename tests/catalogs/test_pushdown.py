"""Push-down: what Akeneo's search runs, intersected with the residual criteria evaluated
locally, must select exactly what the full local evaluation selects.

The search side is the Akeneo sandbox's own implementation of ``search`` (in process for
the property test, over HTTP for a few fixed catalogs), not pimsync's evaluator.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import httpx
import orjson
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pimsync.catalogs import CatalogSpec, Criterion, matches, push_down, validate
from pimsync.connectors.akeneo import Completeness, ProductSearch
from pimsync.mapping import AkeneoMetadata
from pimsync.model import (
    Attribute,
    AttributeOption,
    Category,
    Channel,
    Currency,
    Family,
    Locale,
    MeasurementFamily,
    Product,
)
from pimsync.sandbox.akeneo import AkeneoSandbox, serve
from pimsync.sandbox.akeneo._search import compile_search
from tests.sandbox.conftest import login
from tests.sandbox.test_pagination import walk


def c(field: str, operator: Any, value: Any = None, **context: Any) -> Criterion:
    return Criterion(field=field, operator=operator, value=value, **context)


# --- the split itself -------------------------------------------------------------------


def test_exact_system_criteria_go_to_akeneo_and_attributes_stay_local() -> None:
    criteria = (
        c("enabled", "!=", False),
        c("family", "IN", ["shoes"]),
        c("family", "IN", ["shoes", "chairs"]),
        c("categories", "IN CHILDREN", ["master"]),
        c("categories", "UNCLASSIFIED", []),
        c("completeness", ">", 80, scope="ecommerce", locale="en_US"),
        c("identifier", "IN", ["A", "B"]),
        c("identifier", "CONTAINS", "A"),
        c("color", "IN", ["blue"]),
    )
    search, residual = push_down(CatalogSpec(criteria=criteria), AkeneoMetadata(attributes={}))
    assert search == ProductSearch(
        enabled=True,
        families=("shoes",),
        categories=(),
        completeness=Completeness(">", 80, "ecommerce", ("en_US",)),
        identifiers=("A", "B"),
        extra={
            "family": [{"operator": "IN", "value": ["shoes", "chairs"]}],
            "categories": [
                {"operator": "IN CHILDREN", "value": ["master"]},
                {"operator": "UNCLASSIFIED"},
            ],
        },
    )
    assert residual == (criteria[6], criteria[7], criteria[8])


def test_exact_select_and_boolean_criteria_go_to_akeneo_with_their_context() -> None:
    criteria = (
        c("color", "NOT IN", ["black"]),
        c("badge", "IN", ["new"], scope="mobile", locale="en_US"),
        c("tags", "NOT EMPTY", []),
        c("gift", "!=", True, scope="ecommerce"),
        c("color", "EMPTY", []),
        c("weight", "<", {"amount": 2, "unit": "KILOGRAM"}),
        c("name", "CONTAINS", "shirt", locale="en_US"),
    )
    search, residual = push_down(CatalogSpec(criteria=criteria), METADATA)
    assert search.extra == {
        "color": [{"operator": "NOT IN", "value": ["black"]}],
        "badge": [{"operator": "IN", "value": ["new"], "locale": "en_US", "scope": "mobile"}],
        "tags": [{"operator": "NOT EMPTY"}],
        "gift": [{"operator": "!=", "value": True, "scope": "ecommerce"}],
    }
    assert residual == criteria[4:]


def test_no_criteria_push_down_nothing() -> None:
    search, residual = push_down(CatalogSpec(), AkeneoMetadata(attributes={}))
    assert search.filters() == {}
    assert residual == ()


# --- a generated catalog: the sandbox's demo, made more varied ----------------------------


TAGS = ["summer", "winter", "sale"]
BADGES = ["new", "hot"]


def _add_attribute(sandbox: AkeneoSandbox, code: str, kind: str, **flags: bool) -> None:
    store = sandbox.store
    store.attributes[code] = {
        **store.attributes["color"],
        "code": code,
        "type": f"pim_catalog_{kind}",
        "localizable": flags.get("localizable", False),
        "scopable": flags.get("scopable", False),
    }
    for family in store.families.values():
        family["attributes"] = [*family["attributes"], code]


def _sandbox() -> AkeneoSandbox:
    """The demo, more varied: missing families, categories, values; and a multi select
    (``tags``), a localizable and scopable select (``badge``), a scopable boolean
    (``gift``), with values missing, empty or set on some locales and channels only."""
    sandbox = AkeneoSandbox.demo(products=60, seed=11)
    _add_attribute(sandbox, "tags", "multiselect")
    _add_attribute(sandbox, "badge", "simpleselect", localizable=True, scopable=True)
    _add_attribute(sandbox, "gift", "boolean", scopable=True)
    for code, options in (("tags", TAGS), ("badge", BADGES)):
        sandbox.store.attribute_options[code] = {
            o: {"code": o, "attribute": code, "sort_order": i, "labels": {}}
            for i, o in enumerate(options)
        }
    for index, raw in enumerate(sandbox.store.products.values()):
        values = raw["values"]
        tags = [t for n, t in enumerate(TAGS) if (index >> n) & 1]
        if index % 9:
            values["tags"] = [{"locale": None, "scope": None, "data": tags}]
        values["badge"] = [
            {
                "locale": loc,
                "scope": ch,
                "data": BADGES[(index + n) % 3 - 1] if (index + n) % 3 else None,
            }
            for n, (ch, loc) in enumerate(
                [("ecommerce", "en_US"), ("ecommerce", "fr_FR"), ("mobile", "en_US")]
            )
            if (index + n) % 5
        ]
        values["gift"] = [
            {"locale": None, "scope": ch, "data": (index + n) % 3 == 0}
            for n, ch in enumerate(["ecommerce", "mobile"])
            if (index + n) % 4
        ]
        if index % 7 == 0:
            raw["family"] = None
        if index % 5 == 0:
            raw["categories"] = []
        if index % 4 == 0:
            raw["enabled"] = False
        if index % 6 == 0:
            raw["values"].pop("color", None)
        if index % 3 == 0:  # completeness then differs between locales
            raw["values"]["name"] = [v for v in raw["values"]["name"] if v["locale"] != "fr_FR"]
    sandbox.store.reindex()
    return sandbox


SANDBOX = _sandbox()
STORE = SANDBOX.store
NOW = datetime(2026, 6, 1, tzinfo=UTC)
FAMILIES = [Family.from_akeneo(family) for family in STORE.families.values()]
METADATA = AkeneoMetadata.from_model(
    attributes=[Attribute.from_akeneo(a) for a in STORE.attributes.values()],
    options=[
        AttributeOption.from_akeneo(o)
        for options in STORE.attribute_options.values()
        for o in options.values()
    ],
    measurement_families=[
        MeasurementFamily.from_akeneo(m) for m in STORE.measurement_families.values()
    ],
    categories=[Category.from_akeneo(c) for c in STORE.categories.values()],
    channels=[Channel.from_akeneo(c) for c in STORE.channels.values()],
    locales=[Locale.from_akeneo(loc) for loc in STORE.locales.values()],
    currencies=[Currency.from_akeneo(cur) for cur in STORE.currencies.values()],
    families=FAMILIES,
)
REQUIREMENTS = {family.code: family.requirements for family in FAMILIES}
PRODUCTS = {uuid: Product.from_akeneo(raw) for uuid, raw in STORE.products.items()}
IDENTIFIERS = sorted(p["identifier"] for p in STORE.products.values())


def akeneo_selects(search: ProductSearch) -> set[str]:
    """The uuids the sandbox's ``search`` implementation returns for ``search``."""
    filters = search.filters()
    predicate = compile_search(
        orjson.dumps(filters).decode() if filters else None, store=STORE, now=NOW
    )
    return {uuid for uuid, raw in STORE.products.items() if predicate is None or predicate(raw)}


def locally_selects(criteria: tuple[Criterion, ...]) -> set[str]:
    spec = CatalogSpec(criteria=criteria)
    return {
        uuid
        for uuid, product in PRODUCTS.items()
        if matches(spec, product, METADATA, requirements=REQUIREMENTS)
    }


def codes(values: list[str]) -> st.SearchStrategy[list[str]]:
    return st.lists(st.sampled_from(values), min_size=1, max_size=3, unique=True)


CHANNELS = sorted(STORE.channels)
CATALOG_LOCALES = sorted(STORE.channels[CHANNELS[0]]["locales"])

CRITERIA = st.one_of(
    st.builds(c, st.just("enabled"), st.sampled_from(["=", "!="]), st.booleans()),
    st.builds(
        c, st.just("family"), st.sampled_from(["IN", "NOT IN"]), codes(sorted(STORE.families))
    ),
    st.builds(c, st.just("family"), st.sampled_from(["EMPTY", "NOT EMPTY"]), st.just([])),
    st.builds(
        c,
        st.just("categories"),
        st.sampled_from(["IN", "NOT IN", "IN CHILDREN", "NOT IN CHILDREN", "IN OR UNCLASSIFIED"]),
        codes(sorted(STORE.categories)),
    ),
    st.builds(c, st.just("categories"), st.just("UNCLASSIFIED"), st.just([])),
    st.builds(
        c,
        st.just("completeness"),
        st.sampled_from(["=", "!=", "<", ">"]),
        st.sampled_from([0, 40, 60, 66, 75, 80, 100]),
        scope=st.sampled_from(CHANNELS),
        locale=st.sampled_from(CATALOG_LOCALES),
    ),
    st.builds(c, st.just("identifier"), st.sampled_from(["IN", "NOT IN"]), codes(IDENTIFIERS)),
    st.builds(
        c,
        st.just("identifier"),
        st.sampled_from(["=", "!=", "STARTS WITH", "CONTAINS"]),
        st.sampled_from([*IDENTIFIERS[:5], "CHA", "-0000"]),
    ),
    st.builds(
        c,
        st.just("color"),
        st.sampled_from(["IN", "NOT IN"]),
        codes(sorted(STORE.attribute_options["color"])),
    ),
    st.builds(c, st.just("color"), st.sampled_from(["EMPTY", "NOT EMPTY"]), st.just([])),
    st.builds(c, st.just("eco_label"), st.sampled_from(["=", "!="]), st.booleans()),
    st.builds(
        c,
        st.just("eco_label"),
        st.sampled_from(["EMPTY", "NOT EMPTY"]),
        st.just([]),
    ),
    st.builds(c, st.just("tags"), st.sampled_from(["IN", "NOT IN"]), codes(TAGS)),
    st.builds(c, st.just("tags"), st.sampled_from(["EMPTY", "NOT EMPTY"]), st.just([])),
    st.builds(
        c,
        st.just("badge"),
        st.sampled_from(["IN", "NOT IN"]),
        codes(BADGES),
        scope=st.sampled_from(CHANNELS),
        locale=st.sampled_from(CATALOG_LOCALES),
    ),
    st.builds(
        c,
        st.just("badge"),
        st.sampled_from(["EMPTY", "NOT EMPTY"]),
        st.just([]),
        scope=st.sampled_from(CHANNELS),
        locale=st.sampled_from(CATALOG_LOCALES),
    ),
    st.builds(
        c,
        st.just("gift"),
        st.sampled_from(["=", "!="]),
        st.booleans(),
        scope=st.sampled_from(CHANNELS),
    ),
    st.builds(
        c,
        st.just("weight"),
        st.sampled_from(["<", ">=", "!="]),
        st.builds(
            lambda amount, unit: {"amount": amount, "unit": unit},
            st.integers(0, 3000),
            st.sampled_from(["GRAM", "KILOGRAM"]),
        ),
    ),
    st.builds(
        c,
        st.just("name"),
        st.sampled_from(["CONTAINS", "DOES NOT CONTAIN", "STARTS WITH"]),
        st.sampled_from(["shirt", "Ergonomic", "black"]),
        locale=st.sampled_from(CATALOG_LOCALES),
    ),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(CRITERIA, max_size=4).map(tuple))
def test_akeneo_search_and_residual_give_the_local_selection(
    criteria: tuple[Criterion, ...],
) -> None:
    spec = CatalogSpec(criteria=criteria)
    assert validate(spec, METADATA) == []
    search, residual = push_down(spec, METADATA)
    combined = akeneo_selects(search) & locally_selects(residual)
    assert combined == locally_selects(criteria)


def test_the_generated_catalog_is_varied() -> None:
    # Guards the property test: every pushed-down field must split the products.
    for criterion in (
        c("enabled", "=", True),
        c("family", "EMPTY", []),
        c("categories", "UNCLASSIFIED", []),
        c("completeness", "=", 100, scope="ecommerce", locale="en_US"),
        c("completeness", "=", 100, scope="ecommerce", locale="fr_FR"),
        c("color", "EMPTY", []),
        c("tags", "IN", ["summer"]),
        c("tags", "NOT IN", ["summer"]),
        c("badge", "IN", ["new"], scope="ecommerce", locale="fr_FR"),
        c("badge", "NOT IN", ["new"], scope="mobile", locale="en_US"),
        c("gift", "=", False, scope="mobile"),
        c("gift", "!=", False, scope="ecommerce"),
    ):
        chosen = locally_selects((criterion,))
        assert chosen, criterion
        assert chosen != set(PRODUCTS), criterion
    # Values missing for some products: a negation does not select them.
    assert locally_selects((c("tags", "NOT IN", ["summer"]),)) | locally_selects(
        (c("tags", "IN", ["summer"]),)
    ) != set(PRODUCTS)
    english = c("completeness", "=", 100, scope="mobile", locale="en_US")
    french = c("completeness", "=", 100, scope="mobile", locale="fr_FR")
    assert locally_selects((english,)) != locally_selects((french,))


# --- over HTTP, with the parameters the connector sends ---------------------------------


@pytest.fixture(scope="module")
def pim() -> Iterator[httpx.Client]:
    with serve(SANDBOX) as url, httpx.Client(base_url=url) as client:
        client.headers["Authorization"] = f"Bearer {login(client, SANDBOX).json()['access_token']}"
        yield client


FIXED = [
    (c("enabled", "=", True), c("family", "IN", ["tshirts", "shoes"])),
    (c("categories", "IN CHILDREN", ["clothing"]), c("color", "NOT IN", ["black"])),
    (
        c("completeness", "<", 100, scope="ecommerce", locale="fr_FR"),
        c("family", "NOT EMPTY", []),
        c("identifier", "IN", IDENTIFIERS[:20]),
    ),
    (c("categories", "IN OR UNCLASSIFIED", ["sales_clearance"]), c("enabled", "!=", True)),
    (
        c("badge", "NOT IN", ["hot"], scope="ecommerce", locale="en_US"),
        c("tags", "IN", ["winter", "sale"]),
        c("gift", "=", False, scope="mobile"),
    ),
]


def test_akeneo_empty_needs_the_attribute_in_the_family_so_it_stays_local() -> None:
    empty = c("color", "EMPTY", [])
    search = ProductSearch(extra={"color": [{"operator": "EMPTY"}]})
    without_family = {uuid for uuid, raw in STORE.products.items() if raw["family"] is None}
    assert without_family & locally_selects((empty,))
    assert not without_family & akeneo_selects(search)
    assert push_down(CatalogSpec(criteria=(empty,)), METADATA)[1] == (empty,)


@pytest.mark.parametrize("criteria", FIXED)
def test_over_http(pim: httpx.Client, criteria: tuple[Criterion, ...]) -> None:
    search, residual = push_down(CatalogSpec(criteria=criteria), METADATA)
    query = httpx.QueryParams({**search.params(), "limit": 100})
    found = {str(item["uuid"]) for item in walk(pim, f"/api/rest/v1/products-uuid?{query}")}
    expected = locally_selects(criteria)
    assert expected
    assert found & locally_selects(residual) == expected
