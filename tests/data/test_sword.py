import struct

import pytest

from kerasseq.data import sword
from kerasseq.data import versification
from kerasseq.data.errors import CorpusError
from tests.helpers.data_builders import ztext_testament

# Two books in the "ot", one in the "nt".
TINY = {
    "ot": (("Gen", (2, 1)), ("Exod", (1,))),
    "nt": (("Matt", (2,)),),
}
# Slot layout: unused, testament heading, then per book a heading and per
# chapter a heading followed by its verses.
OT_ENTRIES = [
    "",
    '<milestone type="x-importer"/>',
    '<div osisID="Gen" sID="b1" type="book"/><title type="main">Genesis</title>',
    '<chapter n="1" osisID="Gen.1" sID="Gen.1"/>',
    'In the <w lemma="strong:H7225">beginning</w>.<note placement="foot">Heb. x</note> ',
    "\u00b6 And <divineName>G<w>od</w></divineName> &amp; the \\nd LORD\\nd* said.",
    '<chapter n="2" osisID="Gen.2" sID="Gen.2"/>',
    "<title canonical=\"true\" type=\"psalm\">A Psalm.</title>Thus  the\nheavens.",
    '<div osisID="Exod" sID="b2" type="book"/>',
    "<chapter n=\"1\"/>",
    "",  # an empty verse slot
]
NT_ENTRIES = [
    "", "", "<div type=\"book\"/>", "<chapter/>", "The book.", "<q who=\"Jesus\">Follow me</q>.",
]


def module_files(ot=OT_ENTRIES, nt=NT_ENTRIES, prefix="modules/texts/ztext/tiny/"):
    files = {}
    for name, entries in (("ot", ot), ("nt", nt)):
        for suffix, data in zip(("bzs", "bzv", "bzz"), ztext_testament(entries)):
            files[f"{prefix}{name}.{suffix}"] = data
    return files


def test_read_module_returns_verses_in_canonical_order():
    assert sword.read_module(module_files(), TINY) == [
        ("Gen.1.1", "In the beginning."),
        ("Gen.1.2", "And God & the LORD said."),
        ("Gen.2.1", "Thus the heavens."),
        ("Exod.1.1", ""),
        ("Matt.1.1", "The book."),
        ("Matt.1.2", "Follow me."),
    ]


def test_entries_cross_block_boundaries():
    bzs, bzv, bzz = ztext_testament(OT_ENTRIES, block_size=2)
    testament = sword.ZTextTestament(bzs, bzv, bzz)
    assert len(testament) == len(OT_ENTRIES)
    assert [testament.entry(i) for i in range(len(testament))] == OT_ENTRIES
    # The index really is little-endian <IIH>: slot 5 is block 2, right after slot 4.
    block, offset, size = struct.unpack_from("<IIH", bzv, 5 * 10)
    assert (block, size) == (2, len(OT_ENTRIES[5].encode()))
    assert offset == len(OT_ENTRIES[4].encode())


def test_one_testament_is_enough():
    files = {k: v for k, v in module_files().items() if "/nt." in k}
    assert [ref for ref, _ in sword.read_module(files, TINY)] == ["Matt.1.1", "Matt.1.2"]


def test_wrong_versification_is_reported():
    wrong = {"ot": (("Gen", (3, 1)), ("Exod", (1,))), "nt": TINY["nt"]}
    with pytest.raises(CorpusError, match="ot index has 11 verse slots, the versification expects 12"):
        sword.read_module(module_files(), wrong)


def test_corrupt_block_is_reported():
    bzs, bzv, bzz = ztext_testament(OT_ENTRIES)
    testament = sword.ZTextTestament(bzs, bzv, b"\xff" * len(bzz))
    with pytest.raises(CorpusError, match="not zlib data"):
        testament.entry(4)


def test_index_of_wrong_length_is_reported():
    bzs, bzv, bzz = ztext_testament(OT_ENTRIES)
    with pytest.raises(CorpusError, match="bzv index has 111 bytes"):
        sword.ZTextTestament(bzs, bzv + b"x", bzz)


def test_missing_testament_files():
    with pytest.raises(CorpusError, match="No zText testament found"):
        sword.read_module({"ot.bzs": b""}, TINY)


@pytest.mark.parametrize("markup, text", [
    ('<w lemma="strong:G1">Jesus</w> <w>wept</w>.', "Jesus wept."),
    ("a<note>one <reference>1.1</reference> two</note>b", "ab"),
    ('<title type="main">Heading</title>Text', "Text"),
    ('<title type="x"/>Kept', "Kept"),
    ('<div eID="x"/>  spaced \n out  ', "spaced out"),
    ("&lt;tag&gt; &amp; \u00b6 more", "<tag> & more"),
    # Punctuation and word pieces that abut a tag stay joined to it.
    ('<w>word</w>. <w>word</w>, <w>x</w>; <w>y</w>?', "word. word, x; y?"),
    ('<divineName><w>LORD</w></divineName>, <w>in</w>asmuch', "LORD, inasmuch"),
    ('¿<w>Conque</w> <transChange type="added">dijo</transChange>?', "¿Conque dijo?"),
    ('<w>x</w>, preguntándo<transChange type="added">le</transChange>,', "x, preguntándole,"),
    # Where one element ends and the next begins, the words are apart.
    ('<w>a</w><transChange>b</transChange><w>c</w>', "a b c"),
    ('<w>a</w></transChange><w>b</w>', "a b"),
    ('<w>a</w><note>n</note><w>b</w>', "a b"),
    ('<w>a</w><milestone type="x"/>b', "ab"),
])
def test_osis_to_text(markup, text):
    assert sword.osis_to_text(markup) == text


def test_osis_to_text_parts_abutting_elements():
    # Reina-Valera 1909 (sword-text-sparv 2.60-1), Genesis 2:12, verbatim.
    markup = (
        '<w lemma="strong:H2091">Y el oro</w> <w lemma="strong:H1931">de aquella</w> '
        '<w lemma="strong:H0776">tierra</w> <w lemma="strong:H2896">es bueno</w>: '
        '<w lemma="strong:H8033">hay allí</w><transChange type="added">también</transChange>'
        '<w lemma="strong:H0916">bdelio</w> <w lemma="strong:H0068">y piedra</w> '
        '<w lemma="strong:H7718">cornerina</w>. '
    )
    assert sword.osis_to_text(markup) == (
        "Y el oro de aquella tierra es bueno: hay allí también bdelio y piedra cornerina."
    )


def test_read_module_takes_a_text_function():
    verses = sword.read_module(module_files(), TINY, to_text=len)
    assert verses[0] == ("Gen.1.1", len(OT_ENTRIES[4]))


def test_verse_slots_layout():
    slots = list(sword.verse_slots(TINY["ot"]))
    assert slots == [("Gen", 1, 1, 4), ("Gen", 1, 2, 5), ("Gen", 2, 1, 7), ("Exod", 1, 1, 10)]
    assert sword.slot_count(TINY["ot"]) == len(OT_ENTRIES)


def test_kjv_versification_totals():
    books = versification.KJV["ot"] + versification.KJV["nt"]
    assert len(versification.KJV["ot"]) == 39 and len(versification.KJV["nt"]) == 27
    assert sum(len(chapters) for _, chapters in books) == 1189
    assert sum(sum(chapters) for _, chapters in books) == 31102
    table = dict(books)
    assert len(table["Ps"]) == 150 and table["Ps"][118] == 176 and table["Ps"][116] == 2
    assert table["Gen"][0] == 31 and table["John"][10] == 57
    # The slot counts of the real engKJV2006eb index files.
    assert sword.slot_count(versification.KJV["ot"]) == 24115
    assert sword.slot_count(versification.KJV["nt"]) == 8246
