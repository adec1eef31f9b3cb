"""Media file downloads into a content-addressed cache.

Files are stored once per content (``blobs/<sha256><ext>``), however many media codes
point at the same bytes; ``codes/<code>`` remembers which blob a code resolved to, so a
file already downloaded is never requested again.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote

from pimsync.errors import AuthenticationError, FatalSourceError, RemoteError, TransientError
from pimsync.model import MediaFile

from ._client import API, AkeneoClient

__all__ = ["CachedMedia", "download_media_file"]

_CHUNK = 1 << 16


@dataclass(frozen=True, slots=True)
class CachedMedia:
    """A media file in the cache: where it is, its digest, whether this call fetched it."""

    code: str
    path: Path
    sha256: str
    size: int
    downloaded: bool


def download_media_file(
    client: AkeneoClient, media: MediaFile | str, cache_dir: Path
) -> CachedMedia:
    """The media file ``media`` (a :class:`MediaFile` or its code) in ``cache_dir``.

    A code seen before is served from the cache without a request. Raises
    :class:`FatalSourceError` when the download fails after retries,
    :class:`AuthenticationError` when the credentials are refused, ``OSError`` when the
    cache cannot be written.
    """
    code = media.code if isinstance(media, MediaFile) else media
    index = cache_dir / "codes" / quote(code, safe="")
    blobs = cache_dir / "blobs"
    cached = _from_index(code, index, blobs)
    if cached is not None:
        return cached
    url = (
        media.download_url
        if isinstance(media, MediaFile) and media.download_url
        else f"{API}/media-files/{quote(code, safe='/')}/download"
    )
    try:
        response = client.http.request("GET", url, stream=True)
    except AuthenticationError:
        raise
    except (RemoteError, TransientError) as exc:
        raise FatalSourceError(f"cannot download media file {code}: {exc}") from exc
    blobs.mkdir(parents=True, exist_ok=True)
    index.parent.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=blobs, prefix=".download-")
    tmp = Path(tmp_name)
    try:
        with closing(response), os.fdopen(fd, "wb") as fh:  # streamed, never held whole
            for chunk in response.iter_bytes(_CHUNK):
                digest.update(chunk)
                size += len(chunk)
                fh.write(chunk)
        target = blobs / (digest.hexdigest() + PurePosixPath(code).suffix.lower())
        if target.exists():  # same content under another code: keep one copy
            tmp.unlink()
        else:
            tmp.replace(target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    index.write_text(target.name, encoding="utf-8")
    return CachedMedia(code, target, digest.hexdigest(), size, downloaded=True)


def _from_index(code: str, index: Path, blobs: Path) -> CachedMedia | None:
    try:
        name = index.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    blob = blobs / name
    if not name or not blob.is_file():
        return None
    digest = PurePosixPath(name).stem
    return CachedMedia(code, blob, digest, blob.stat().st_size, downloaded=False)
