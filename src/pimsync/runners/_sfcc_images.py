"""The images of the SFCC jobs: Akeneo binaries for the master catalog's static folder.

:func:`image_loader` is the :data:`~pimsync.connectors.sfcc.ImageLoader` the jobs give the
destination: an image path of the catalog (an Akeneo media file code, or
``assets/<code>`` for an asset's main media) → the file in the hub's media download cache
(``<home>/media``, shared with the Oro jobs; a code's content never changes in Akeneo, so
a file downloaded once is never requested again). Files stream to disk.

:func:`asset_media` reads the assets of the families ``asset_images`` lists, and keeps
for each the code of its main media file (the family's ``attribute_as_main_media``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import quote

from pimsync.connectors.akeneo import API, AkeneoCatalog, AkeneoClient, download_media_file
from pimsync.connectors.sfcc import ImageLoader
from pimsync.errors import AuthenticationError, FatalSourceError, RejectedRecord, RemoteError
from pimsync.mapping import AkeneoMetadata
from pimsync.mapping.sfcc import ASSET_PREFIX, AssetMedia, SfccMapping
from pimsync.model import MediaFile

__all__ = ["asset_media", "image_loader", "is_image"]

log = logging.getLogger("pimsync.sfcc")

# The formats a storefront shows, by their first bytes.
_SIGNATURES = (
    b"\x89PNG\r\n\x1a\n",
    b"\xff\xd8\xff",  # JPEG
    b"GIF87a",
    b"GIF89a",
    b"II*\x00",  # TIFF
    b"MM\x00*",
    b"BM",
)


def is_image(path: Path) -> bool:
    """Whether ``path`` starts like an image file (PNG, JPEG, GIF, WebP, AVIF, TIFF, BMP,
    SVG)."""
    with path.open("rb") as fh:
        head = fh.read(1024)
    if head.startswith(_SIGNATURES):
        return True
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return True
    if head[4:12] in (b"ftypavif", b"ftypavis"):
        return True
    return b"<svg" in head.lower()


def image_loader(client: AkeneoClient, cache: Path) -> ImageLoader:
    """Load an image path of the catalog from Akeneo into ``cache``.

    The loader raises :class:`RejectedRecord` when Akeneo does not serve the file (404,
    or any other refusal) or the file is not an image; :class:`FatalSourceError` when
    Akeneo cannot be reached, :class:`AuthenticationError` when it refuses the
    credentials (both stop the run).
    """

    def load(path: str) -> Path:
        if path.startswith(ASSET_PREFIX):
            code = path.removeprefix(ASSET_PREFIX)
            url = f"{API}/asset-media-files/{quote(code, safe='/')}"
            media: MediaFile | str = MediaFile(code=path, download_url=url)
            what = f"asset media file {code!r}"
        else:
            media, what = path, f"media file {path!r}"
        try:
            found = download_media_file(client, media, cache)
        except FatalSourceError as exc:
            cause = exc.__cause__
            if isinstance(cause, RemoteError) and not isinstance(cause, AuthenticationError):
                raise RejectedRecord(path, f"Akeneo does not serve {what}: {cause}") from exc
            raise
        if not is_image(found.path):
            raise RejectedRecord(path, f"Akeneo's {what} is not an image")
        return found.path

    return load


def asset_media(
    reader: AkeneoCatalog, metadata: AkeneoMetadata, mapping: SfccMapping
) -> AssetMedia:
    """(asset family, asset code) → main media file code, for the asset families of
    ``mapping.asset_images`` (``mapping`` checked). An asset without a main media value
    in the mapping's channel and default locale is left out."""
    families = {
        attribute.reference_data_name
        for view in mapping.asset_images
        if (attribute := metadata.attributes.get(view.attribute)) is not None
        and attribute.reference_data_name
    }
    if not families:
        return {}
    main = {
        r.data.code: r.data.attribute_as_main_media
        for page in reader.asset_families()
        for r in page
        if r.data is not None and r.data.code in families
    }
    found: dict[tuple[str, str], str] = {}
    for family in sorted(families):
        media = main.get(family)
        if media is None:
            log.warning("asset family %r is unknown or has no main media: no image", family)
            continue
        found.update(_main_media(reader, family, media, mapping))
    return found


def _main_media(
    reader: AkeneoCatalog, family: str, attribute: str, mapping: SfccMapping
) -> Iterable[tuple[tuple[str, str], str]]:
    for page in reader.assets(family):
        for r in page:
            if r.data is None:
                continue
            # A localizable or scopable main media: the mapping's locale and channel.
            data = r.data.values.get(attribute, mapping.default, mapping.channel)
            if isinstance(data, str) and data:
                yield (family, r.data.code), data
