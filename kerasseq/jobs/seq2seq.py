"""`kerasseq train seq2seq`: sentence translation with an attentional
encoder-decoder (`kerasseq.models.seq2seq`).

Data: the `bible_es_en` verse pairs (Spanish -> English, `--reverse` for
English -> Spanish) by default, `ding_de_en` (German -> English), a file in
the TensorFlow NMT tutorial format (`source<TAB>target`) or a tfds
translation dataset. A corpus with a fixed held-out split (`bible_es_en`:
by chapter) keeps it; other pairs are split into train, validation and test
by the seed. Then pairs with a side longer than `--max-length` tokens are
dropped. Source and target get their own vocabularies (SentencePiece
subwords by default, trained on the training split only), saved beside the
model; the target one starts with `[START]` and `[END]` (the job's
`PreparedData.tokenizer` is a `Vocabularies(source, target)` pair).
"""

import collections
import dataclasses
import os

import keras
import numpy as np

from kerasseq import data as corpora
from kerasseq.data.pipelines import split_indices
from kerasseq.data.pipelines import translation_datasets
from kerasseq.jobs.base import Job
from kerasseq.jobs.base import PreparedData
from kerasseq.jobs.base import register_job
from kerasseq.jobs.text_data import add_data_arguments
from kerasseq.jobs.text_data import text_options
from kerasseq.jobs.text_data import tokenizer_for
from kerasseq.layers import validation
from kerasseq.models.seq2seq import ATTENTIONS
from kerasseq.models.seq2seq import Seq2SeqModel
from kerasseq.models.seq2seq import build_seq2seq
from kerasseq.models.seq2seq import masked_loss
from kerasseq.text.tokenizer import ALL_LEVELS
from kerasseq.text.tokenizer import END_TOKEN
from kerasseq.text.tokenizer import START_TOKEN
from kerasseq.text.tokenizer import Tokenizer
from kerasseq.text.tokenizer import load_tokenizer

SOURCE_VOCABULARY_FILE = "source_vocabulary.json"
TARGET_VOCABULARY_FILE = "target_vocabulary.json"
VALIDATION_FRACTION = 0.05
TEST_FRACTION = 0.05
DECODE_BATCH_SIZE = 64
#: Upper bounds (source words) of the buckets of `bleu_by_source_length`.
LENGTH_BUCKETS = (10, 20, 30, 40)


@dataclasses.dataclass
class Seq2SeqOptions:
    """Options of `kerasseq train seq2seq`.

    Attributes:
        data: Translation corpus name (`bible_es_en`, `ding_de_en`), tfds
            name or a `source<TAB>target` file.
        reverse: Swap each pair (translate the other way).
        attention: One of `kerasseq.models.seq2seq.ATTENTIONS`.
        max_length: Pairs with a side longer than this many tokens are left
            out; translations stop after `max_length + 1` tokens.
        beam: Beam width of the evaluation's beam search (1: greedy).
        length_penalty: GNMT length penalty `alpha` of the beam search.
        level: `"subword"` (SentencePiece, trained on the training split
            of each side), `"word"` or `"char"`.
        max_tokens: Size of each side's subword vocabulary; largest
            vocabulary of each side at word level.
        embeddings, freeze_embeddings: Not supported (two languages, two
            vocabularies); `embeddings` must stay `None`.
        cache_dir, data_dir: Corpus cache and tfds directories.
    """

    data: str = "bible_es_en"
    reverse: bool = False
    attention: str = "additive"
    max_length: int = 80
    beam: int = 4
    length_penalty: float = 0.6
    level: str = "subword"
    max_tokens: int = 4000
    embeddings: str | None = None
    freeze_embeddings: bool = False
    cache_dir: str | None = None
    data_dir: str | None = None

    def __post_init__(self):
        validation.check_choice("attention", self.attention, ATTENTIONS)
        validation.check_positive_int("max_length", self.max_length)
        validation.check_positive_int("beam", self.beam)
        if (isinstance(self.length_penalty, bool)
                or not isinstance(self.length_penalty, (int, float))
                or self.length_penalty < 0):
            raise ValueError(
                "Argument `length_penalty` must be a number >= 0. "
                f"Received: length_penalty={self.length_penalty!r}"
            )
        validation.check_choice("level", self.level, ALL_LEVELS)
        validation.check_positive_int("max_tokens", self.max_tokens)
        if self.embeddings is not None:
            raise ValueError(
                "seq2seq has a source and a target vocabulary in two "
                "languages; pretrained vectors (--embeddings) are not "
                f"supported. Received: embeddings={self.embeddings!r}"
            )


#: The two vocabularies of a translation model.
Vocabularies = collections.namedtuple("Vocabularies", ["source", "target"])


def with_special_tokens(tokenizer):
    """`tokenizer` with `[START]` and `[END]` as ids 2 and 3 (if not yet)."""
    if tokenizer.tokens[:2] == [START_TOKEN, END_TOKEN]:
        return tokenizer
    tokens = [START_TOKEN, END_TOKEN] + [
        t for t in tokenizer.tokens if t not in (START_TOKEN, END_TOKEN)
    ]
    return Tokenizer(tokens, level=tokenizer.level)


def special_ids(target_tokenizer):
    """`(start_id, end_id)` of a target vocabulary."""
    index = target_tokenizer.index()
    return index[START_TOKEN], index[END_TOKEN]


def load_vocabularies(path):
    """The `Vocabularies` saved in model directory `path`."""
    from kerasseq.training.model_dir import ModelDirError

    loaded = []
    for name in (SOURCE_VOCABULARY_FILE, TARGET_VOCABULARY_FILE):
        file = os.path.join(path, name)
        if not os.path.isfile(file):
            raise ModelDirError(f"{path} has no {name}.")
        loaded.append(load_tokenizer(file))
    return Vocabularies(loaded[0], with_special_tokens(loaded[1]))


def reference_texts(tokenizer, texts):
    """`texts` as BLEU references: normalized the way the tokenizer reads
    them at word level (lower-cased words without punctuation,
    space-joined); the texts themselves at subword and char level, whose
    translations are normal text."""
    if tokenizer.level != "word":
        return list(texts)
    words = tokenizer.split(list(texts)).to_list()
    return [" ".join(w.decode("utf-8", "replace") for w in row) for row in words]


def corpus_bleu(hypotheses, references, level="word"):
    """sacrebleu corpus BLEU (0-100) of hypothesis against reference strings.

    Word level: both sides are already tokenized (`reference_texts`), so
    sacrebleu splits on spaces only (`tokenize="none"`) and an `[UNK]` in a
    hypothesis is one wrong token. Subword and character level: sacrebleu's
    standard `13a` tokenization of the raw (cased) text.
    """
    import sacrebleu

    if not hypotheses:
        return 0.0
    tokenize = "none" if level == "word" else "13a"
    return float(
        sacrebleu.corpus_bleu(hypotheses, [references], tokenize=tokenize).score
    )


def beam_sampler(width, length_penalty):
    """Greedy for width 1, else a `BeamSampler`."""
    from kerasseq.samplers import get_sampler

    if width == 1:
        return get_sampler("greedy")
    return get_sampler("beam", num_beams=width, length_penalty=length_penalty)


@register_job
class Seq2SeqJob(Job):
    name = "seq2seq"
    description = "sequence-to-sequence translation with attention"
    options_class = Seq2SeqOptions
    # Chosen by held-out BLEU on bible_es_en within 30 minutes of a 2-core
    # CPU (tools/sweep.py; the runs are in the README).
    model_defaults = {"cell": "lstm", "units": 256, "layers": 1,
                      "bidirectional": False, "embedding_dim": 256,
                      "dropout": 0.2}
    train_defaults = {"epochs": 12, "batch_size": 64, "learning_rate": 2e-3,
                      "global_clipnorm": 1.0}

    def add_arguments(self, parser):
        defaults = Seq2SeqOptions()
        add_data_arguments(parser, defaults.data, defaults.level, ALL_LEVELS)
        parser.set_defaults(max_tokens=defaults.max_tokens)
        group = parser.add_argument_group("seq2seq")
        group.add_argument(
            "--attention", choices=ATTENTIONS, default=defaults.attention,
            help="attention over the encoder outputs; mean = their plain "
            "average, none = the bottleneck model (default: %(default)s)",
        )
        group.add_argument(
            "--reverse", action="store_true",
            help="swap each pair: translate the other way",
        )
        group.add_argument(
            "--max-length", type=int, default=defaults.max_length,
            help="leave out pairs with a side longer than this many tokens "
            "(default: %(default)s)",
        )
        group.add_argument(
            "--beam", type=int, default=defaults.beam,
            help="beam width of the evaluation, 1 = greedy (default: %(default)s)",
        )
        group.add_argument(
            "--length-penalty", type=float, default=defaults.length_penalty,
            help="GNMT length penalty alpha of the beam search "
            "(default: %(default)s)",
        )

    def options_from_args(self, args):
        return Seq2SeqOptions(
            reverse=args.reverse,
            attention=args.attention,
            max_length=args.max_length,
            beam=args.beam,
            length_penalty=args.length_penalty,
            **text_options(args),
        )

    # ------------------------------------------------------------------ data
    def prepare(self, config, start_batch=0):
        options = config.options
        pairs = corpora.load_pairs(
            options.data, reverse=options.reverse,
            cache_dir=options.cache_dir, data_dir=options.data_dir,
        )
        if len(pairs) < 20:
            raise ValueError(
                f"{options.data} holds {len(pairs)} sentence pairs; need 20 or more."
            )
        sources = [source for source, _ in pairs]
        targets = [target for _, target in pairs]
        parts = fixed_split(pairs) or split_indices(
            len(pairs), config.train.seed, VALIDATION_FRACTION, TEST_FRACTION
        )
        vocabularies = self._vocabularies(config, sources, targets, parts["train"])
        source_ids = _encode(vocabularies.source, sources)
        target_ids = _encode(vocabularies.target, targets)
        limit = options.max_length
        kept = {
            name: np.array([
                i for i in index
                if 0 < len(source_ids[i]) <= limit and 0 < len(target_ids[i]) <= limit
            ], dtype=np.int64)
            for name, index in parts.items()
        }
        for name, index in kept.items():
            if len(index) == 0:
                raise ValueError(
                    f"No {name} pair of {options.data} has both sides within "
                    f"--max-length {limit} tokens ({len(parts[name])} pairs "
                    f"before the cut); raise --max-length."
                )
        start_id, end_id = special_ids(vocabularies.target)
        splits = translation_datasets(
            source_ids, target_ids, kept, config.train.batch_size,
            config.train.seed, start_id, end_id,
        )
        test = kept["test"]
        info = {
            "pairs": len(pairs),
            "fixed_split": pairs.split is not None,
            "skipped": pairs.skipped,
            "kept": int(sum(len(index) for index in kept.values())),
            "split_sizes": {name: len(index) for name, index in kept.items()},
            "source_vocabulary_size": vocabularies.source.vocabulary_size,
            "target_vocabulary_size": vocabularies.target.vocabulary_size,
            "test_sources": [sources[i] for i in test],
            "test_targets": [targets[i] for i in test],
            "test_source_ids": [source_ids[i] for i in test],
        }
        return PreparedData(
            splits["train"], splits["validation"], splits["test"], vocabularies, info
        )

    def _vocabularies(self, config, sources, targets, train):
        # Subword (and word) vocabularies are learned from the training
        # split only: held-out text must not shape the vocabulary.
        source = tokenizer_for(
            config, lambda: [sources[i] for i in train],
            filename=SOURCE_VOCABULARY_FILE,
        )
        target = tokenizer_for(
            config, lambda: [targets[i] for i in train],
            filename=TARGET_VOCABULARY_FILE,
        )
        return Vocabularies(source, with_special_tokens(target))

    def save_artifacts(self, config, data):
        data.tokenizer.source.save(os.path.join(config.out, SOURCE_VOCABULARY_FILE))
        data.tokenizer.target.save(os.path.join(config.out, TARGET_VOCABULARY_FILE))

    # ----------------------------------------------------------------- model
    def build_model(self, config, data):
        return build_seq2seq(
            data.tokenizer.source.vocabulary_size,
            data.tokenizer.target.vocabulary_size,
            config.model,
            attention=config.options.attention,
            name=f"seq2seq_{config.model.label}_{config.options.attention}",
        )

    def adopt(self, model, config):
        """A directory written before `Seq2SeqModel` existed holds a plain
        functional model: adopted, weights and all."""
        if isinstance(model, Seq2SeqModel):
            return model
        vocabularies = load_vocabularies(config.out)
        return Seq2SeqModel.from_functional(
            model, vocabularies.source.vocabulary_size, config.model,
            attention=config.options.attention,
        )

    def compile_arguments(self, config, data=None):
        return {
            "loss": masked_loss(),
            "metrics": [
                keras.metrics.SparseCategoricalAccuracy(name="token_accuracy")
            ],
        }

    def describe(self, config, data):
        info = data.info
        sizes = info["split_sizes"]
        direction = " (reversed)" if config.options.reverse else ""
        skipped = ""
        if info.get("skipped"):
            skipped = " ({} skipped: {})".format(
                sum(info["skipped"].values()),
                ", ".join(f"{count:,} {why}" for why, count in info["skipped"].items()),
            )
        split = "fixed split" if info.get("fixed_split") else "seeded split"
        return (
            f"{config.options.data}{direction}: {info['pairs']:,} sentence pairs"
            f"{skipped}, {info['kept']:,} with both sides of 1 to "
            f"{config.options.max_length} tokens ({split}: train {sizes['train']:,}, "
            f"validation {sizes['validation']:,}, test {sizes['test']:,}); "
            f"{config.options.level} vocabularies "
            f"{info['source_vocabulary_size']:,} (source) and "
            f"{info['target_vocabulary_size']:,} (target); attention "
            f"{config.options.attention}."
        )

    # ------------------------------------------------------------ evaluation
    def translations(self, model, config, data, sampler):
        """Test-split translations (strings) and their attention weights."""
        from kerasseq.models.seq2seq import Seq2SeqDecoder

        target = data.tokenizer.target
        decoder = Seq2SeqDecoder(model, *special_ids(target))
        outputs, attention = decoder.decode_all(
            data.info["test_source_ids"], sampler,
            max_length=config.options.max_length + 1,
            batch_size=DECODE_BATCH_SIZE,
        )
        return [target.decode(ids) for ids in outputs], attention

    def evaluate(self, model, config, data=None):
        """Test BLEU with beam search (`bleu`) and greedy (`bleu_greedy`),
        the same on the sources longer than the median (`bleu_long`,
        `bleu_long_greedy`), beam chrF (`chrf`), beam BLEU on the third of
        the test sources with the most words (`bleu_longest_third`), beam
        BLEU and chrF by source
        length in words (`bleu_by_source_length`: `{"1-10": {"pairs",
        "bleu", "chrf"}, ...}`), and teacher-forced `token_accuracy` and
        `loss`.
        """
        data = data or self.prepare(config)
        options = config.options
        target = data.tokenizer.target
        references = reference_texts(target, data.info["test_targets"])
        lengths = np.array([len(ids) for ids in data.info["test_source_ids"]])
        median = float(np.median(lengths)) if len(lengths) else 0.0
        long = np.flatnonzero(lengths > median)
        # By source words, so that tokenizers compare; ties broken by order.
        words = np.array([len(text.split()) for text in data.info["test_sources"]])
        longest_third = np.argsort(-words, kind="stable")[: (len(words) + 2) // 3]
        metrics = {}
        for key, sampler in (
            ("bleu", beam_sampler(options.beam, options.length_penalty)),
            ("bleu_greedy", beam_sampler(1, 0.0)),
        ):
            hypotheses, _ = self.translations(model, config, data, sampler)
            metrics[key] = corpus_bleu(hypotheses, references, target.level)
            metrics[key.replace("bleu", "bleu_long")] = corpus_bleu(
                [hypotheses[i] for i in long], [references[i] for i in long],
                target.level,
            )
            if key == "bleu":
                metrics["chrf"] = corpus_chrf(hypotheses, references)
                metrics["bleu_longest_third"] = corpus_bleu(
                    [hypotheses[i] for i in longest_third],
                    [references[i] for i in longest_third], target.level,
                )
                metrics["bleu_by_source_length"] = bucket_scores(
                    data.info["test_sources"], hypotheses, references,
                    target.level,
                )
        metrics.update(teacher_forced_metrics(model, data.test))
        metrics.update({
            "beam": options.beam,
            "length_penalty": float(options.length_penalty),
            "median_source_length": median,
            "test_pairs": int(len(lengths)),
            "long_test_pairs": int(len(long)),
        })
        return metrics

    def report(self, model, config, data, print_fn):
        sampler = beam_sampler(config.options.beam, config.options.length_penalty)
        total = len(data.info["test_sources"])
        # Five test pairs spread over the split (not five neighbours).
        chosen = sorted(set(np.linspace(0, total - 1, min(5, total)).astype(int)))
        subset = dataclasses.replace(data, info={
            **data.info,
            "test_source_ids": [data.info["test_source_ids"][i] for i in chosen],
        })
        hypotheses, _ = self.translations(model, config, subset, sampler)
        lines = [
            f"  {data.info['test_sources'][i]}\n  -> {hypothesis}\n"
            f"     (reference: {data.info['test_targets'][i]})"
            for i, hypothesis in zip(chosen, hypotheses)
        ]
        print_fn("Test translations (beam {}):\n{}".format(
            config.options.beam, "\n".join(lines)))


def bucket_scores(sources, hypotheses, references, level):
    """`{bucket: {"pairs", "bleu", "chrf"}}` by source length in words, in
    bucket order."""
    buckets = source_length_buckets(sources)
    scores = {}
    for name in dict.fromkeys(sorted(set(buckets), key=_bucket_start)):
        chosen = [i for i, bucket in enumerate(buckets) if bucket == name]
        hyps = [hypotheses[i] for i in chosen]
        refs = [references[i] for i in chosen]
        scores[name] = {"pairs": len(chosen),
                        "bleu": corpus_bleu(hyps, refs, level),
                        "chrf": corpus_chrf(hyps, refs)}
    return scores


def _bucket_start(name):
    return int(name.rstrip("+").split("-")[0])


def fixed_split(pairs):
    """The corpus's own train/validation/test indices, or `None` when it
    has no fixed split (`TranslationPairs.split`)."""
    if pairs.split is None:
        return None
    return {
        name: np.asarray(pairs.indices(name), np.int64)
        for name in ("train", "validation", "test")
    }


def source_length_buckets(texts, bounds=LENGTH_BUCKETS):
    """The bucket name of each text by its whitespace-separated words:
    `"1-10"`, `"11-20"`, ..., `"41+"` for `bounds=(10, 20, 30, 40)`
    (empty texts go to the first)."""
    names = []
    for text in texts:
        words = len(text.split())
        low = 1
        for bound in bounds:
            if words <= bound:
                names.append(f"{low}-{bound}")
                break
            low = bound + 1
        else:
            names.append(f"{low}+")
    return names


def corpus_chrf(hypotheses, references):
    """sacrebleu corpus chrF (0-100): character n-gram F-score, kinder than
    BLEU to morphology and to small models' near misses."""
    import sacrebleu

    if not hypotheses:
        return 0.0
    return float(sacrebleu.corpus_chrf(hypotheses, [references]).score)


def teacher_forced_metrics(model, dataset):
    """`token_accuracy` (argmax = next target token) and the masked `loss`
    over the real (non-padding) target tokens of `dataset`."""
    correct = total = 0
    loss_sum = 0.0
    for (source, target_in), target_out in dataset:
        logits = np.asarray(model((source, target_in), training=False), np.float64)
        target_out = np.asarray(target_out)
        real = target_out != 0
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_probs = shifted - np.log(np.exp(shifted).sum(axis=-1, keepdims=True))
        chosen = np.take_along_axis(log_probs, target_out[..., None], -1)[..., 0]
        loss_sum -= float(chosen[real].sum())
        correct += int((logits.argmax(axis=-1) == target_out)[real].sum())
        total += int(real.sum())
    return {
        "token_accuracy": correct / max(total, 1),
        "loss": loss_sum / max(total, 1),
        "test_tokens": total,
    }


def _encode(tokenizer, texts):
    return [row.tolist() for row in tokenizer.encode(list(texts)).numpy()]
