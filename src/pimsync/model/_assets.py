"""Media and enriched references: media files, assets (Enterprise) and reference entities.

Product values point at these by code: an image value holds a media file code, an asset
collection value asset codes, a reference entity link record codes. Asset and record
values use Akeneo's value semantics with ``channel`` in place of ``scope``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pimsync.model._raw import (
    MissingField,
    labels,
    mapping,
    optional_datetime,
    optional_int,
    optional_str,
    required_str,
)
from pimsync.model._values import Values

__all__ = ["Asset", "AssetFamily", "MediaFile", "ReferenceEntity", "ReferenceEntityRecord"]


@dataclass(frozen=True, slots=True, kw_only=True)
class MediaFile:
    """A file stored in the PIM; ``code`` is its storage path, as found in image/file values."""

    code: str
    original_filename: str | None = None
    mime_type: str | None = None
    size: int | None = None
    extension: str | None = None
    download_url: str | None = None

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> MediaFile:
        """Read media file metadata; the download link comes from ``_links.download.href``.

        Raises :class:`MissingField` without ``code``.
        """
        code = required_str(raw, "code", "MediaFile")
        record = f"MediaFile {code!r}"
        download = mapping(mapping(raw, "_links", record), "download", record)
        return cls(
            code=code,
            original_filename=optional_str(raw, "original_filename", record),
            mime_type=optional_str(raw, "mime_type", record),
            size=optional_int(raw, "size", record),
            extension=optional_str(raw, "extension", record),
            download_url=optional_str(download, "href", record),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class AssetFamily:
    """A family of assets (packshots, user guides…) and the attribute holding the main media."""

    code: str
    labels: Mapping[str, str] = field(default_factory=dict)
    attribute_as_main_media: str | None = None

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> AssetFamily:
        """Read an asset family; naming conventions, link rules and transformations are PIM
        automation and are not kept. Raises :class:`MissingField` without ``code``."""
        code = required_str(raw, "code", "AssetFamily")
        record = f"AssetFamily {code!r}"
        return cls(
            code=code,
            labels=labels(raw, record),
            attribute_as_main_media=optional_str(raw, "attribute_as_main_media", record),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Asset:
    """An asset of an asset family, described by its values."""

    code: str
    family: str
    values: Values = field(default_factory=Values)
    created: datetime | None = None
    updated: datetime | None = None

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any], *, family: str | None = None) -> Asset:
        """Read an asset; ``family`` fills in the family when ``asset_family_code`` is absent,
        as it is from the per-family endpoint.

        Raises :class:`MissingField` without ``code`` or without any family code.
        """
        code = required_str(raw, "code", "Asset")
        record = f"Asset {code!r}"
        family = optional_str(raw, "asset_family_code", record) or family
        if family is None:
            raise MissingField(record, "asset_family_code", hint="or pass family=")
        return cls(
            code=code,
            family=family,
            values=Values.from_akeneo(mapping(raw, "values", record), record=record),
            created=optional_datetime(raw, "created", record),
            updated=optional_datetime(raw, "updated", record),
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceEntity:
    """A reference entity (brands, designers…): a type of record products can link to."""

    code: str
    labels: Mapping[str, str] = field(default_factory=dict)
    image: str | None = None

    @classmethod
    def from_akeneo(cls, raw: Mapping[str, Any]) -> ReferenceEntity:
        """Read a reference entity; raises :class:`MissingField` without ``code``."""
        code = required_str(raw, "code", "ReferenceEntity")
        record = f"ReferenceEntity {code!r}"
        return cls(code=code, labels=labels(raw, record), image=optional_str(raw, "image", record))


@dataclass(frozen=True, slots=True, kw_only=True)
class ReferenceEntityRecord:
    """A record of a reference entity (the brand "kartell"), described by its values."""

    code: str
    reference_entity: str
    values: Values = field(default_factory=Values)
    created: datetime | None = None
    updated: datetime | None = None

    @classmethod
    def from_akeneo(
        cls, raw: Mapping[str, Any], *, reference_entity: str | None = None
    ) -> ReferenceEntityRecord:
        """Read a record; the API serves records under their entity's URL and leaves the
        entity out of the body, so pass it as ``reference_entity``.

        Raises :class:`MissingField` without ``code`` or without any reference entity code.
        """
        code = required_str(raw, "code", "ReferenceEntityRecord")
        record = f"ReferenceEntityRecord {code!r}"
        entity = optional_str(raw, "reference_entity_code", record) or reference_entity
        if entity is None:
            raise MissingField(record, "reference_entity_code", hint="or pass reference_entity=")
        return cls(
            code=code,
            reference_entity=entity,
            values=Values.from_akeneo(mapping(raw, "values", record), record=record),
            created=optional_datetime(raw, "created", record),
            updated=optional_datetime(raw, "updated", record),
        )
