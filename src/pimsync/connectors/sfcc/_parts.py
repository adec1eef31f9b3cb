"""Streams serialized items into XML files that are split at a size limit, each valid alone.

The envelope (declaration, root element, wrappers such as ``<pricebook>`` and
``<price-tables>``) is written with :func:`lxml.etree.xmlfile`; items arrive already
serialized, one line each, so their size is known before they are written and no file
grows past ``max_bytes`` (unless one item alone is larger). When an item would not fit,
the current file is closed (wrappers, root) and ``<name>-2.xml`` is opened with the
same root and lead (e.g. the catalog header), and the wrappers are re-opened as needed.

The schemas fix the order of a root's children (e.g. categories, then products, then
category assignments), but callers stream items in the order they meet them.
:class:`SectionedParts` writes the sections up to the main one directly and spools the
later ones to temporary files, appended in order at :meth:`SectionedParts.close`.
"""

from __future__ import annotations

import struct
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from lxml import etree

DEFAULT_MAX_BYTES = 90 * 1024 * 1024
_LENGTH = struct.Struct("<I")


@dataclass(frozen=True)
class Wrapper:
    """An element enclosing items, opened in every file that holds some of them.

    ``lead`` is serialized content written right after its start tag (a pricebook's header).
    """

    tag: str
    attrib: tuple[tuple[str, str], ...] = ()
    lead: bytes = b""

    def cost(self) -> int:
        """Bytes of its start tag, line break and lead."""
        start = etree.tostring(etree.Element(self.tag, dict(self.attrib)))  # "<tag .../>"
        return len(start) + len(self.lead)


class _Part:
    """One open file: root and wrappers entered through ``xmlfile``."""

    def __init__(
        self, path: Path, root: str, attrib: Mapping[str, str], namespace: str, lead: bytes
    ) -> None:
        self.path = path
        self.items = 0
        self._stack = ExitStack()
        self._file: IO[bytes] = self._stack.enter_context(path.open("wb"))
        self._xf: Any = self._stack.enter_context(etree.xmlfile(self._file, encoding="UTF-8"))
        self._xf.write_declaration()
        self._stack.enter_context(self._xf.element(root, dict(attrib), nsmap={None: namespace}))
        self._xf.write("\n")
        self._raw(lead)
        self._open: list[tuple[Wrapper, AbstractContextManager[Any]]] = []

    def _raw(self, data: bytes) -> None:
        if data:
            self._xf.flush()  # keep the order of xmlfile's buffer and our own writes
            self._file.write(data)

    def size(self) -> int:
        self._xf.flush()
        return self._file.tell()

    def closing_cost(self) -> int:
        return sum(len(w.tag) + 4 for w, _ in self._open)

    def opening_cost(self, wrappers: Sequence[Wrapper]) -> int:
        """Bytes written and to be closed if ``wrappers`` are entered (beyond what is open)."""
        kept = self._common(wrappers)
        return sum(w.cost() for w in wrappers[kept:])

    def _common(self, wrappers: Sequence[Wrapper]) -> int:
        kept = 0
        for (open_wrapper, _), wanted in zip(self._open, wrappers, strict=False):
            if open_wrapper != wanted:
                break
            kept += 1
        return kept

    def enter(self, wrappers: Sequence[Wrapper]) -> None:
        kept = self._common(wrappers)
        while len(self._open) > kept:
            _, context = self._open.pop()
            context.__exit__(None, None, None)
            self._xf.write("\n")
        for wrapper in wrappers[kept:]:
            context = self._xf.element(wrapper.tag, dict(wrapper.attrib))
            context.__enter__()
            self._xf.write("\n")
            self._raw(wrapper.lead)
            self._open.append((wrapper, context))

    def write(self, item: bytes) -> None:
        self._raw(item)
        self.items += 1

    def close(self) -> None:
        self.enter(())
        self._stack.close()


class SplitXmlFile:
    """Items in ``path``, ``path-2``, … each under ``root``; see the module docstring."""

    def __init__(
        self,
        path: Path,
        *,
        root: str,
        namespace: str,
        attrib: Mapping[str, str] | None = None,
        lead: bytes = b"",
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        self._path = Path(path)
        self._root = root
        self._namespace = namespace
        self._attrib = dict(attrib or {})
        self._lead = lead
        self._max_bytes = max_bytes
        self._paths: list[Path] = []
        self._part: _Part | None = self._open()
        self._end = len(root) + 4  # "</root>\n"

    def _open(self) -> _Part:
        n = len(self._paths) + 1
        path = self._path if n == 1 else self._path.with_name(f"{self._path.stem}-{n}.xml")
        self._paths.append(path)
        return _Part(path, self._root, self._attrib, self._namespace, self._lead)

    def write(self, item: bytes, wrappers: Sequence[Wrapper] = ()) -> None:
        """Write one serialized item inside ``wrappers``; a new file first if it would not fit.

        An empty ``item`` only opens the wrappers (e.g. a pricebook without prices).
        """
        part = self._part
        if part is None:
            raise ValueError(f"{self._path.name} is closed")
        needed = (
            part.size()
            + part.opening_cost(wrappers)
            + len(item)
            + part.closing_cost()
            + sum(len(w.tag) + 4 for w in wrappers)
            + self._end
        )
        if part.items and needed > self._max_bytes:
            part.close()
            part = self._part = self._open()
        part.enter(wrappers)
        part.write(item)

    def close(self) -> list[Path]:
        """Finish the open file; the paths of every file written, in order."""
        if self._part is not None:
            self._part.close()
            self._part = None
        return list(self._paths)


class _Spool:
    """Serialized items kept in a temporary file until their section's turn."""

    def __init__(self) -> None:
        self._file: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - closed in replay()
        self.count = 0

    def add(self, item: bytes, wrappers_index: int) -> None:
        self._file.write(_LENGTH.pack(wrappers_index) + _LENGTH.pack(len(item)) + item)
        self.count += 1

    def replay(self) -> Iterator[tuple[int, bytes]]:
        self._file.seek(0)
        try:
            for _ in range(self.count):
                (index,) = _LENGTH.unpack(self._file.read(_LENGTH.size))
                (length,) = _LENGTH.unpack(self._file.read(_LENGTH.size))
                yield index, self._file.read(length)
        finally:
            self._file.close()


class SectionedParts:
    """A :class:`SplitXmlFile` whose root holds sections in a fixed order.

    Sections ``0..main`` are written directly and must arrive in order (an item of an
    earlier section after a later one raises ``ValueError``); sections after ``main``
    are spooled and appended at :meth:`close`. Each section names the wrappers its
    items go in; several wrapper chains per section are allowed (``wrappers`` index).
    """

    def __init__(self, out: SplitXmlFile, sections: Sequence[str], main: str) -> None:
        self._out = out
        self._sections = list(sections)
        self._main = self._sections.index(main)
        self._current = 0
        self._spools: dict[int, _Spool] = {}
        self._chains: list[tuple[Wrapper, ...]] = []
        self._chain_ids: dict[tuple[Wrapper, ...], int] = {}

    def write(self, section: str, item: bytes, wrappers: tuple[Wrapper, ...] = ()) -> None:
        index = self._sections.index(section)
        if index > self._main:
            chain = self._chain_ids.get(wrappers)
            if chain is None:
                chain = self._chain_ids[wrappers] = len(self._chains)
                self._chains.append(wrappers)
            spool = self._spools.get(index)
            if spool is None:  # not setdefault: each _Spool opens a temporary file
                spool = self._spools[index] = _Spool()
            spool.add(item, chain)
            return
        if index < self._current:
            raise ValueError(
                f"write every {section} before the first {self._sections[self._current]}"
            )
        self._current = index
        self._out.write(item, wrappers)

    def close(self) -> list[Path]:
        for index in sorted(self._spools):
            for chain, item in self._spools[index].replay():
                self._out.write(item, self._chains[chain])
        self._spools.clear()
        return self._out.close()
