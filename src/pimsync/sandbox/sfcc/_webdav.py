"""The instance's WebDAV file tree under ``Sites/`` (TRIGGER.md A3): files and folders in
memory, path names case-insensitive in their first segment (``Impex`` = ``impex``)."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from urllib.parse import quote
from xml.sax.saxutils import escape

WEBDAV = "/on/demandware.servlet/webdav/Sites"
# folders every instance has; the import reads Impex/src/instance, logs go to Impex/log
_SEEDED = ("impex", "impex/src", "impex/src/instance", "impex/log")


@dataclass
class Entry:
    content: bytes | None  # None: a folder
    modified: datetime


def normalize(path: str) -> str:
    """``Impex/src/x.zip`` → ``impex/src/x.zip`` (the root folder's case does not matter)."""
    parts = [p for p in path.strip("/").split("/") if p]
    if parts:
        parts[0] = parts[0].lower()
    return "/".join(parts)


class FileTree:
    """Thread-safe file storage; paths are relative to ``Sites/`` and normalized."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        now = datetime.now(UTC)
        self._entries: dict[str, Entry] = {p: Entry(None, now) for p in _SEEDED}

    def get(self, path: str) -> Entry | None:
        with self._lock:
            return self._entries.get(normalize(path))

    def put(self, path: str, content: bytes) -> bool | None:
        """Store a file; True if created, False if replaced, None if the parent is missing."""
        key = normalize(path)
        parent = key.rpartition("/")[0]
        with self._lock:
            folder = self._entries.get(parent)
            if folder is None or folder.content is not None:
                return None
            created = key not in self._entries
            self._entries[key] = Entry(content, datetime.now(UTC))
            return created

    def mkcol(self, path: str) -> int:
        """Create a folder: 201, 405 when it exists, 409 when its parent is missing."""
        key = normalize(path)
        with self._lock:
            if key in self._entries:
                return 405
            parent = self._entries.get(key.rpartition("/")[0])
            if parent is None or parent.content is not None:
                return 409
            self._entries[key] = Entry(None, datetime.now(UTC))
            return 201

    def delete(self, path: str) -> bool:
        """Remove a file or a folder with its content; False when missing."""
        key = normalize(path)
        with self._lock:
            if key not in self._entries:
                return False
            for name in [n for n in self._entries if n == key or n.startswith(key + "/")]:
                del self._entries[name]
            return True

    def children(self, path: str) -> list[tuple[str, Entry]]:
        key = normalize(path)
        with self._lock:
            return sorted(
                (n, e) for n, e in self._entries.items() if n.rpartition("/")[0] == key and n != key
            )

    def multistatus(self, path: str, depth: str, display_root: str) -> str | None:
        """The PROPFIND answer (207 body) for ``path``, or None when it does not exist."""
        key = normalize(path)
        entry = self.get(key)
        if entry is None:
            return None
        rows = [(key, entry)]
        if entry.content is None and depth != "0":
            rows += self.children(key)
        body = "".join(_response(f"{display_root}/{quote(n)}", e) for n, e in rows)
        head = '<?xml version="1.0" encoding="UTF-8"?><D:multistatus xmlns:D="DAV:">'
        return f"{head}{body}</D:multistatus>"


def _response(href: str, entry: Entry) -> str:
    name = href.rstrip("/").rpartition("/")[2]
    if entry.content is None:
        kind = "<D:resourcetype><D:collection/></D:resourcetype>"
        size = ""
        href += "/"
    else:
        kind = "<D:resourcetype/>"
        size = f"<D:getcontentlength>{len(entry.content)}</D:getcontentlength>"
    stamp = format_datetime(entry.modified, usegmt=True)
    created = entry.modified.strftime("%Y-%m-%dT%H:%M:%SZ")
    return (
        f"<D:response><D:href>{escape(href)}</D:href><D:propstat><D:prop>"
        f"<D:displayname>{escape(name)}</D:displayname>{kind}{size}"
        f"<D:creationdate>{created}</D:creationdate>"
        f"<D:getlastmodified>{stamp}</D:getlastmodified>"
        "</D:prop><D:status>HTTP/1.1 200 OK</D:status></D:propstat></D:response>"
    )
