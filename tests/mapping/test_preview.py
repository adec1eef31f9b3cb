"""The field-by-field rendering of ``pimsync mapping preview``."""

from __future__ import annotations

from pimsync.mapping import AkeneoMetadata, Mapper, MappingConfig, OroMetadata, preview

from .conftest import make_product


def test_preview_shows_each_field_value_and_source(
    config: MappingConfig, akeneo: AkeneoMetadata, oro: OroMetadata
) -> None:
    text = preview(Mapper(config, akeneo, oro), make_product())
    lines = text.splitlines()
    assert lines[0] == "Oro product TEE-1"
    by_field = {line.split()[0]: line for line in lines[1:]}
    assert '"default":"Red tee"' in by_field["names"]
    assert "← name (en_US → default, fr_FR → 2, de_DE → 3)" in by_field["names"]
    assert "1250" in by_field["weight_g"]
    assert "← weight (pim_catalog_metric → decimal)" in by_field["weight_g"]
    assert "19.99 EUR (price list 11, qty 1)" in by_field["prices"]
    assert "tee.jpg [main/listing] image/jpeg" in by_field["images"]
    assert "(empty: cleared)" in by_field["variant"]  # not a variant: any link is removed
    assert "navy_blue" in by_field["color"]
