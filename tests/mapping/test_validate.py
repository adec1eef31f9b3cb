"""Checking a mapping against both systems before a run."""

from __future__ import annotations

import tomllib
from typing import Any

import pytest
from pydantic import ValidationError

from pimsync.errors import ConfigError
from pimsync.mapping import AkeneoMetadata, Mapper, MappingConfig, OroMetadata, validate


def _config(**options: Any) -> MappingConfig:
    return MappingConfig.model_validate(options)


def _errors(config: MappingConfig, akeneo: AkeneoMetadata, oro: OroMetadata) -> list[str]:
    return [str(p) for p in validate(config, akeneo, oro).errors]


def test_fixture_mapping_is_valid(
    config: MappingConfig, akeneo: AkeneoMetadata, oro: OroMetadata
) -> None:
    report = validate(config, akeneo, oro)
    assert report.ok, str(report)


def test_unknown_oro_field_is_refused_before_any_write(
    akeneo: AkeneoMetadata, oro: OroMetadata
) -> None:
    config = _config(attributes=[{"akeneo": "ean", "oro": "gtin"}])
    assert _errors(config, akeneo, oro) == ["attributes.gtin: Oro product has no field 'gtin'"]
    with pytest.raises(ConfigError, match="gtin"):
        Mapper(config, akeneo, oro)


def test_unknown_akeneo_attribute_and_managed_field(
    akeneo: AkeneoMetadata, oro: OroMetadata
) -> None:
    config = _config(attributes=[{"akeneo": "gtin", "oro": "ean"}, {"akeneo": "ean", "oro": "sku"}])
    assert _errors(config, akeneo, oro) == [
        "attributes.ean: Akeneo has no attribute 'gtin'",
        "attributes.sku: Oro field 'sku' is filled by the mapping itself",
    ]


def test_locale_without_localization_is_a_warning(akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
    report = validate(_config(localizations={"fr_FR": "fr_FR"}), akeneo, oro)
    assert report.ok
    assert [str(p) for p in report.warnings if p.subject.startswith("localizations")] == [
        "localizations.de_DE: Akeneo locale 'de_DE' has no Oro localization; its values are skipped"
    ]


def test_unknown_localization_name(akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
    config = _config(localizations={"fr_FR": "French"})
    assert "localizations.fr_FR: Oro has no localization named 'French'" in _errors(
        config, akeneo, oro
    )


def test_incompatible_types_are_named(akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
    config = _config(
        attributes=[
            {"akeneo": "eco_label", "oro": "released"},
            {"akeneo": "price", "oro": "price_eur"},
            {"akeneo": "weight", "oro": "weight_g", "unit": "LIGHTYEAR"},
        ]
    )
    assert _errors(config, akeneo, oro) == [
        "attributes.released: cannot write Akeneo boolean 'eco_label' to Oro field "
        "'released' of type 'date'",
        "attributes.price_eur: price attribute 'price' needs a currency",
        "attributes.weight_g: unit 'LIGHTYEAR' is not in measurement family 'Weight'",
    ]


def test_missing_price_list_and_family(akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
    config = _config(
        prices=[{"attribute": "price", "price_lists": {"EUR": "Retail", "GBP": "Wholesale"}}],
        attribute_family="clothing",
    )
    assert _errors(config, akeneo, oro) == [
        "prices[0]: Oro has no price list named 'Wholesale' (GBP)",
        "attribute_family: Oro has no attribute family 'clothing'",
    ]
    assert any("'GBP' is not enabled" in str(p) for p in validate(config, akeneo, oro).warnings)


def test_options_without_enum_option_warn(akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
    oro_fewer = OroMetadata(**{**_fields(oro), "enum_options": {"color": frozenset({"red"})}})
    report = validate(_config(attributes=[{"akeneo": "color", "oro": "color"}]), akeneo, oro_fewer)
    assert report.ok
    assert any("NavyBlue" in str(p) for p in report.warnings)


def _fields(oro: OroMetadata) -> dict[str, Any]:
    return {name: getattr(oro, name) for name in oro.__dataclass_fields__}


def test_default_description_dropped_when_akeneo_lacks_it(oro: OroMetadata) -> None:
    from pimsync.mapping import AkeneoAttribute

    akeneo = AkeneoMetadata(attributes={"name": AkeneoAttribute("name", "pim_catalog_text")})
    assert validate(MappingConfig(), akeneo, oro).ok
    assert not validate(MappingConfig(descriptions="description"), akeneo, oro).ok


def test_config_refuses_unknown_keys_and_incomplete_categories() -> None:
    with pytest.raises(ValidationError, match="nmaes"):
        MappingConfig.model_validate({"nmaes": "title"})
    with pytest.raises(ValidationError, match="needs root"):
        MappingConfig.model_validate({"categories": {"mode": "tree"}})
    with pytest.raises(ValidationError, match="mapped twice"):
        MappingConfig.model_validate(
            {"attributes": [{"akeneo": "a", "oro": "x"}, {"akeneo": "b", "oro": "x"}]}
        )


def test_config_reads_from_toml(akeneo: AkeneoMetadata, oro: OroMetadata) -> None:
    options = tomllib.loads(
        """
        scope = "ecommerce"
        default_locale = "en_US"
        localizations = { fr_FR = "fr_FR", de_DE = "de_DE" }
        descriptions = ""
        brand = "brand"
        [[prices]]
        attribute = "price"
        currencies = ["EUR"]
        [[attributes]]
        akeneo = "weight"
        oro = "weight_g"
        unit = "GRAM"
        [categories]
        mode = "explicit"
        map = { shirts = "9" }
        """
    )
    config = MappingConfig.model_validate(options)
    assert config.descriptions == ""
    report = validate(config, akeneo, oro)
    assert report.ok, str(report)
    assert str(report).startswith("warning:")
