"""Walking paginated APIs: resolve ``next`` links and yield every page, or raise.

An error on any page propagates: a failed page must never look like the end of the
catalog (a sharp edge of several Akeneo clients).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any
from urllib.parse import urljoin

import httpx

from pimsync.errors import PimsyncError, RemoteError

from ._client import HttpClient

NextLink = Callable[[Any], str | None]
"""Extracts the next page's link (absolute or relative) from a parsed page, or None."""


def resolve_next_link(current_url: str | httpx.URL, link: str) -> str:
    """The absolute URL of ``link`` (absolute, host-relative or path-relative).

    Akeneo and SFCC return absolute links, Salesforce host-relative ones
    (``/services/data/…``); both resolve against the page they came from.
    """
    return urljoin(str(current_url), link)


def iter_pages(
    client: HttpClient,
    first_url: str,
    *,
    next_link: NextLink,
    params: Mapping[str, str | int] | None = None,
) -> Iterator[Any]:
    """Yield each page of a paginated resource as parsed JSON, following ``next_link``.

    ``params`` apply to the first request only (next links carry their own query).
    Stops when ``next_link`` returns ``None`` or ``""``.

    Raises what :meth:`HttpClient.request` raises (``TransientError`` once retries are
    exhausted, ``RemoteError``…) with the page URL in the message and the page number in
    a note; :class:`RemoteError` if a page is not JSON or a next link repeats a page
    already read (the walk would never end).
    """
    url = first_url
    query = params
    seen: set[str] = set()
    page_number = 0
    while True:
        page_number += 1
        try:
            response = client.request("GET", url, params=query)
            page = client.decode_json(response)
        except PimsyncError as exc:
            exc.add_note(f"while reading page {page_number} of {client.redactor.redact(first_url)}")
            raise
        # The URL actually requested (base URL and params applied) anchors relative links.
        current = str(response.request.url)
        seen.add(current)
        yield page
        link = next_link(page)
        if not link:
            return
        url, query = resolve_next_link(current, link), None
        if url in seen:
            shown = client.redactor.redact(url)
            raise RemoteError(
                f"pagination loop: page {page_number} links back to {shown}, already read",
                url=shown,
            )
