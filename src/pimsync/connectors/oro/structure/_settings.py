"""How a job wants Akeneo's structure laid out in Oro (read from the job's options)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from pimsync.errors import ConfigError

__all__ = ["StructureSettings"]


class StructureSettings(BaseModel):
    """The structure side of an Akeneo → Oro job.

    Unknown keys are ignored: these settings share the job's ``options`` table with the
    product mapping.
    """

    model_config = ConfigDict(extra="ignore", frozen=True)

    attributes: dict[str, str] = Field(default_factory=dict)
    """Akeneo attribute code → Oro product field name."""
    scope: str | None = "ecommerce"
    """The Akeneo channel: its locales, currencies and category tree (None: everything
    enabled, every tree)."""
    default_locale: str = "en_US"
    """The Akeneo locale of Oro's default (non-localized) labels and titles."""
    localizations: dict[str, str] = Field(default_factory=dict)
    """Akeneo locale → Oro localization id or name, where the default match (the
    localization whose formatting code, language code or name is the locale) is wrong."""
    currencies: list[str] = Field(default_factory=list)
    """Currencies to price in (empty: those of the channel)."""
    price_list_name: str = "Akeneo {currency}"
    """Name of the price list pimsync looks for, or creates, per currency."""
    price_lists: dict[str, str] = Field(default_factory=dict)
    """Currency → Oro price list id, to use an existing list instead."""
    category_root: str | None = None
    """Oro category id the Akeneo tree goes under (companion mode; None: Oro's root)."""
    categories: dict[str, str] = Field(default_factory=dict)
    """Akeneo category code → Oro category id: explicit matches (stock Oro), or the ids
    a previous companion-mode run returned (so moves and renames keep the category)."""
    delete_removed_categories: bool = True
    """Companion mode: delete the Oro categories of ``categories`` (placed by pimsync
    before) whose Akeneo category is gone."""
    attribute_family: str = "default_family"
    """Code of the Oro attribute family new attributes are added to."""
    attribute_group: str = "pimsync"
    """The attribute group (in that family) they go into."""
    textarea: Literal["text", "wysiwyg"] = "text"
    """Oro type of Akeneo text areas."""

    @field_validator("price_list_name")
    @classmethod
    def _has_currency(cls, value: str) -> str:
        if "{currency}" not in value:
            raise ValueError("must contain {currency}, e.g. 'Akeneo {currency}'")
        return value

    @classmethod
    def from_options(cls, job: str, options: Mapping[str, Any]) -> StructureSettings:
        """The settings in a job's options; :class:`ConfigError` names each bad one."""
        try:
            return cls.model_validate(dict(options))
        except ValidationError as exc:
            raise ConfigError.from_validation(exc, f"job {job!r}", prefix="options.") from None

    def price_list_for(self, currency: str) -> str:
        return self.price_list_name.format(currency=currency)
