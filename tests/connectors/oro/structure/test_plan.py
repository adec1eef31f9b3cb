"""The structure plan: what Oro lacks for a job, computed from both sides' metadata."""

from __future__ import annotations

from pimsync.connectors.oro.structure import (
    EnumOption,
    OroFieldType,
    OroLocalization,
    OroPriceList,
    StructureSettings,
    match_localizations,
    plan_structure,
)

from ._structure import SYSTEM, akeneo, field, oro


def test_localizations_match_by_code_and_overrides_win() -> None:
    meta = oro()
    ids, missing = match_localizations(["en_US", "fr_FR", "de_DE"], meta, {})
    assert ids == {"en_US": "1", "fr_FR": "2"}
    assert missing == ["de_DE"]
    ids, missing = match_localizations(
        ["fr_FR", "de_DE"], meta, {"de_DE": "1", "fr_FR": "Français"}
    )
    assert ids == {"fr_FR": "2", "de_DE": "1"}
    assert missing == []


def test_a_locale_without_localization_is_reported() -> None:
    meta = oro(localizations=(OroLocalization("1", "en_US", "en_US", "en_US"),))
    plan = plan_structure(akeneo(), meta, StructureSettings())
    assert plan.missing_localizations == ["fr_FR"]
    assert any("fr_FR" in w for w in plan.warnings)
    assert not plan.blockers  # names in fr_FR are dropped, products still load


def test_price_lists_per_currency_are_found_or_planned() -> None:
    meta = oro(
        price_lists=(
            OroPriceList("1", "Default Price List", ("USD",)),
            OroPriceList("7", "Akeneo USD", ("USD",)),
            OroPriceList("8", "akeneo eur", ("USD",)),
        )
    )
    plan = plan_structure(akeneo(currencies=("EUR", "USD", "GBP")), meta, StructureSettings())
    assert plan.price_lists == {"EUR": "8", "USD": "7"}
    assert plan.price_list_currencies_to_add == {"EUR": "8"}
    assert plan.price_lists_to_create == {"GBP": "Akeneo GBP"}
    explicit = StructureSettings(price_lists={"GBP": "1"}, currencies=["GBP"])
    plan = plan_structure(akeneo(), meta, explicit)
    assert plan.price_lists == {"GBP": "1"}
    assert plan.price_list_currencies_to_add == {"GBP": "1"}


def test_missing_attributes_are_planned_with_their_oro_types() -> None:
    settings = StructureSettings(
        attributes={
            "sku": "sku",
            "name": "names",
            "ean": "ean",
            "weight": "weight",
            "color": "color",
            "price": "prices",
            "picture": "images",
        }
    )
    plan = plan_structure(akeneo(), oro(), settings)
    created = {a.field: a for a in plan.attributes_to_create}
    assert set(created) == {"ean", "weight", "color"}
    assert created["ean"].type is OroFieldType.STRING
    assert created["ean"].length == 13
    assert created["weight"].type is OroFieldType.FLOAT
    assert [o.label for o in created["color"].options] == ["Red", "Dark Blue"]
    assert [o.id for o in created["color"].options] == ["red", "dark_blue"]
    assert plan.not_attributes == {"sku": "sku", "price": "prices", "picture": "images"}
    assert plan.fields["name"] is SYSTEM["names"]
    assert len(plan.blockers) == 3


def test_an_existing_field_of_another_type_is_an_error() -> None:
    meta = oro(product_fields={**SYSTEM, "stock": field("stock", "boolean")})
    plan = plan_structure(akeneo(), meta, StructureSettings(attributes={"stock": "stock"}))
    assert plan.attributes_to_create == []
    assert len(plan.errors) == 1
    assert "stock is boolean" in plan.errors[0]
    assert plan.blockers == plan.errors


def test_bad_field_names_and_unknown_attributes_are_errors() -> None:
    settings = StructureSettings(attributes={"ean": "european_article_number_code", "nope": "nope"})
    plan = plan_structure(akeneo(), oro(), settings)
    assert len(plan.errors) == 2
    assert any("22" in e for e in plan.errors)
    assert any("no attribute nope" in e for e in plan.errors)


def test_missing_enum_options_are_planned_and_known_ones_matched() -> None:
    meta = oro(
        product_fields={**SYSTEM, "color": field("color", "enum", enum_type="productcolors")}
    )
    have = {
        "color": [EnumOption("red", "Red"), EnumOption("navy", "dark blue")],
    }
    plan = plan_structure(akeneo(), meta, StructureSettings(attributes={"color": "color"}), have)
    assert plan.enum_options == {"color": {"red": "red", "dark_blue": "navy"}}
    assert plan.options_to_create == {}
    plan = plan_structure(
        akeneo(), meta, StructureSettings(attributes={"color": "color"}), {"color": []}
    )
    assert [o.id for o in plan.options_to_create["color"]] == ["red", "dark_blue"]
    assert not plan.blockers
    assert "2 option(s) of color: red, dark_blue" in plan.pimsync_will_create


def test_families_map_by_code_else_to_the_configured_family() -> None:
    meta = oro(families={"default_family": "1", "SHOES": "4"})
    plan = plan_structure(akeneo(), meta, StructureSettings())
    assert plan.families == {"shoes": "4"}
    assert plan.family_id == "1"
    plan = plan_structure(akeneo(), meta, StructureSettings(attribute_family="nope"))
    assert "no attribute family 'nope'" in plan.errors[0]
