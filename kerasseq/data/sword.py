"""A reader for SWORD zText Bible modules (CrossWire's compressed text format).

A zText module keeps each testament in three files:

- `ot.bzz` / `nt.bzz`: text blocks, each compressed with zlib
  (`CompressType=ZIP` in the module's .conf);
- `ot.bzs` / `nt.bzs`: the block index, one little-endian `<III>` entry per
  block: offset in `.bzz`, compressed size, uncompressed size;
- `ot.bzv` / `nt.bzv`: the verse index, one little-endian `<IIH>` entry per
  verse slot: block number, offset inside the uncompressed block, size.

Verse slots follow the module's versification: slot 0 is unused, slot 1
holds the testament heading; then each book has a heading slot and each of
its chapters a heading slot followed by one slot per verse. So the reader
needs the versification (`kerasseq.data.versification.KJV`) to tell verses
from headings. Verse text is OSIS XML; `osis_to_text` reduces it to plain text.

Reference: https://wiki.crosswire.org/DevTools:Modules and SWORD's
`src/modules/common/zverse.cpp`.
"""

import html
import re
import struct
import zlib

from kerasseq.data.errors import CorpusError

BLOCK_ENTRY = struct.Struct("<III")  # offset, compressed size, size
VERSE_ENTRY = struct.Struct("<IIH")  # block, offset in block, size
TESTAMENTS = ("ot", "nt")


class ZTextTestament:
    """One testament of a zText module: its slots, read on demand.

    Args:
        bzs: Bytes of the block index (`ot.bzs` or `nt.bzs`).
        bzv: Bytes of the verse index (`.bzv`).
        bzz: Bytes of the compressed text (`.bzz`).
        encoding: Text encoding named by the module's .conf.

    Example:

    >>> testament = ZTextTestament(bzs, bzv, bzz)  # doctest: +SKIP
    >>> len(testament), testament.entry(4)[:14]  # doctest: +SKIP
    (24115, 'In the <w lemm')
    """

    def __init__(self, bzs, bzv, bzz, encoding="utf-8"):
        for name, data, entry in (("bzs", bzs, BLOCK_ENTRY), ("bzv", bzv, VERSE_ENTRY)):
            if len(data) % entry.size:
                raise CorpusError(
                    f"zText {name} index has {len(data)} bytes, not a multiple "
                    f"of its {entry.size}-byte entries."
                )
        self._blocks = list(BLOCK_ENTRY.iter_unpack(bzs))
        self._slots = list(VERSE_ENTRY.iter_unpack(bzv))
        self._bzz = bzz
        self._encoding = encoding
        self._cached = (None, b"")  # the last block read, as (number, data)

    def __len__(self):
        return len(self._slots)

    def entry(self, slot):
        """The raw (markup) text of verse slot `slot`; '' for an empty slot."""
        block, start, size = self._slots[slot]
        if size == 0:
            return ""
        data = self._block(block)
        if start + size > len(data):
            raise CorpusError(
                f"zText slot {slot} points past the end of block {block}."
            )
        return data[start:start + size].decode(self._encoding)

    def _block(self, number):
        if self._cached[0] != number:
            if number >= len(self._blocks):
                raise CorpusError(
                    f"zText verse index names block {number}, the block "
                    f"index has {len(self._blocks)}."
                )
            offset, compressed, size = self._blocks[number]
            try:
                data = zlib.decompress(self._bzz[offset:offset + compressed])
            except zlib.error as error:
                raise CorpusError(
                    f"zText block {number} is not zlib data ({error}); only "
                    "CompressType=ZIP modules are supported."
                ) from None
            if len(data) != size:
                raise CorpusError(
                    f"zText block {number} holds {len(data)} bytes, its index "
                    f"entry says {size}."
                )
            self._cached = (number, data)
        return self._cached[1]


def verse_slots(books):
    """Yields `(book, chapter, verse, slot)` for one testament's `books`.

    Args:
        books: Tuple of `(book_name, verses_per_chapter)`, as in
            `versification.KJV["ot"]`.
    """
    slot = 2  # slot 0 is unused, slot 1 is the testament heading
    for book, chapters in books:
        slot += 1  # book heading
        for chapter, verses in enumerate(chapters, start=1):
            slot += 1  # chapter heading
            for verse in range(1, verses + 1):
                yield book, chapter, verse, slot
                slot += 1


def slot_count(books):
    """Number of verse slots a testament with `books` has."""
    return 2 + sum(1 + len(chapters) + sum(chapters) for _, chapters in books)


def read_verses(testaments, versification):
    """Yields `(reference, markup)` for every verse, in canonical order.

    Args:
        testaments: `{"ot": ZTextTestament, "nt": ZTextTestament}`; a module
            may hold only one of the two.
        versification: `{"ot": books, "nt": books}`, e.g.
            `versification.KJV`.

    Yields:
        `("Gen.1.1", "In the <w ...>beginning</w> ...")`.

    Raises:
        CorpusError: a testament's slot count does not match the
            versification.
    """
    for name in TESTAMENTS:
        if name not in testaments:
            continue
        testament, books = testaments[name], versification[name]
        expected = slot_count(books)
        if len(testament) != expected:
            raise CorpusError(
                f"zText {name} index has {len(testament)} verse slots, the "
                f"versification expects {expected}: the module uses another "
                "versification."
            )
        for book, chapter, verse, slot in verse_slots(books):
            yield f"{book}.{chapter}.{verse}", testament.entry(slot)


def read_module(files, versification, encoding="utf-8", to_text=None):
    """Reads a zText module from its files.

    Args:
        files: `{file_name: bytes}` holding `ot.bzs`, `ot.bzv`, `ot.bzz`
            and/or the `nt.*` three (any directory prefix is ignored).
        versification: `{"ot": books, "nt": books}`.
        encoding: The module's text encoding.
        to_text: `to_text(markup)` giving a verse's plain text; None means
            `osis_to_text`.

    Returns:
        List of `(reference, plain_text)`, in canonical order.
    """
    by_name = {name.rsplit("/", 1)[-1]: data for name, data in files.items()}
    testaments = {}
    for name in TESTAMENTS:
        parts = [by_name.get(f"{name}.{suffix}") for suffix in ("bzs", "bzv", "bzz")]
        if all(part is not None for part in parts):
            testaments[name] = ZTextTestament(*parts, encoding=encoding)
    if not testaments:
        raise CorpusError(
            "No zText testament found: expected ot.bzs/bzv/bzz or "
            f"nt.bzs/bzv/bzz, got {sorted(by_name)}."
        )
    to_text = osis_to_text if to_text is None else to_text
    return [
        (reference, to_text(markup))
        for reference, markup in read_verses(testaments, versification)
    ]


# Elements whose content is not verse text: notes (footnotes, cross
# references) and titles (book, section and psalm headings).
_DROPPED = re.compile(r"<(note|title)\b[^>]*(?<!/)>.*?</\1>", re.DOTALL)
# A run of adjacent tags with no text between them.
_TAGS = re.compile(r"(?:<[^>]*>)+")
# An element boundary: a closing tag, then (through any other tags) an
# opening one, as in `allí</w><transChange>también</transChange><w>bdelio`.
_BOUNDARY = re.compile(r"</[^>]*>(?:<[^>]*>)*<[^/!?][^>]*(?<!/)>")
# USFM character markers left over from conversion (`\nd LORD\nd*`), and the
# pilcrow paragraph marks of the 1769 printing.
_LEFTOVERS = re.compile(r"\\\+?nd\*?|¶")
_SPACE = re.compile(r"\s+")


def osis_to_text(markup):
    """The plain text of an OSIS fragment.

    Drops `<note>` and `<title>` elements with their content, drops every
    other tag but keeps its text (`<w>`, `<transChange>`, `<divineName>`,
    `<q>`, ...), unescapes entities, drops pilcrows and stray USFM `\\nd`
    markers, and collapses white space.

    Where one element ends and the next begins with no text between
    (`allí</w><transChange>también</transChange><w>bdelio`, as the
    Reina-Valera module writes), the tags become one space, so the words do
    not run together. Other tags go without a trace: text that abuts a tag
    (`<w>word</w>.`, `<w>in</w>asmuch`) stays joined to it.

    Example:

    >>> osis_to_text('¶ In the <w lemma="strong:H7225">beginning</w>.<note>Heb.</note> ')
    'In the beginning.'
    >>> osis_to_text('<w>allí</w><transChange type="added">también</transChange><w>bdelio</w>.')
    'allí también bdelio.'
    """
    text = _TAGS.sub(_tags_to_text, _DROPPED.sub("", markup))
    text = _LEFTOVERS.sub("", html.unescape(text))
    return _SPACE.sub(" ", text).strip()


def _tags_to_text(match):
    """A space for a run of tags holding an element boundary, else ''."""
    return " " if _BOUNDARY.search(match.group()) else ""
