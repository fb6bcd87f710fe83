"""`TranslationPairs`: sentence pairs, and what a corpus says about them.

`load_pairs` returns one for every source. It is a list of
`(source, target)` pairs, so code that wants only the pairs treats it as a
list; a corpus with a fixed held-out split (`bible_es_en`, split by chapter)
also says which part each pair belongs to.
"""

SPLITS = ("train", "validation", "test")


class TranslationPairs(list):
    """A list of `(source, target)` string pairs, with optional metadata.

    Args:
        pairs: The `(source, target)` pairs.
        split: None, or one of `"train"`, `"validation"`, `"test"` per pair:
            a held-out split that the corpus fixes (None: the corpus has none,
            the caller splits as it likes).
        references: None, or where each pair comes from, e.g. `"Gen.2.12"`.
        skipped: None, or a dict counting entries the reader left out, e.g.
            `{"empty in Spanish": 6, "empty in English": 0}`; the counts
            sum to the number of entries left out.

    Attributes:
        split: Tuple of split names, one per pair, or None.
        references: Tuple of references, one per pair, or None.
        skipped: Dict of counts, or None.

    Slices and other list operations return plain lists, without the
    metadata.

    Example:

    >>> pairs = TranslationPairs([("Hola.", "Hello.")], split=["test"], references=["x.1"])
    >>> pairs[0], pairs.split
    (('Hola.', 'Hello.'), ('test',))
    >>> pairs.swapped()[0], pairs.swapped().references
    (('Hello.', 'Hola.'), ('x.1',))
    """

    def __init__(self, pairs=(), split=None, references=None, skipped=None):
        super().__init__(pairs)
        self.split = _per_pair(split, "split", len(self))
        self.references = _per_pair(references, "references", len(self))
        self.skipped = None if skipped is None else dict(skipped)
        if self.split is not None:
            unknown = sorted(set(self.split) - set(SPLITS))
            if unknown:
                raise ValueError(
                    f"Argument `split` must hold only {SPLITS}. "
                    f"Received: {unknown}"
                )

    def swapped(self):
        """The pairs as `(target, source)`, with the same split and references."""
        return TranslationPairs(
            ((target, source) for source, target in self),
            split=self.split,
            references=self.references,
            skipped=self.skipped,
        )

    def indices(self, name):
        """Positions of the pairs in split `name` (`"train"`, `"validation"`, `"test"`).

        Raises:
            ValueError: the pairs carry no split, or `name` is not a split.
        """
        if self.split is None:
            raise ValueError("These pairs carry no fixed split (`split` is None).")
        if name not in SPLITS:
            raise ValueError(
                f"Argument `name` must be one of {SPLITS}. Received: name={name!r}"
            )
        return [index for index, part in enumerate(self.split) if part == name]


def _per_pair(values, name, count):
    if values is None:
        return None
    values = tuple(values)
    if len(values) != count:
        raise ValueError(
            f"Argument `{name}` must hold one entry per pair ({count}). "
            f"Received: {len(values)} entries."
        )
    return values
