"""Subword tokenization with SentencePiece (Kudo and Richardson, EMNLP 2018).

A `SubwordTokenizer` is trained on the training texts only (the unigram
language model of Kudo, ACL 2018, or BPE) and keeps case, punctuation and
spacing: `decode(encode(text))` gives the text back (after SentencePiece's
NFKC normalization). Characters of the training texts are all pieces
(`character_coverage=1.0`) and any other character is spelled with UTF-8
byte pieces (`byte_fallback`), so no text ever maps to `[UNK]`.

Ids follow the conventions of `kerasseq.text.Tokenizer`: 0 is padding, 1 is
`[UNK]`; 2 and 3 are `[START]` and `[END]` (the target side of a Seq2Seq
model uses them; a source ignores them). The trained model is a standard
SentencePiece `.model` file, saved beside the JSON vocabulary, that any
SentencePiece runtime (C++, Python, Java, TF Text) reads.

Inside TensorFlow graphs (`encode`, `decode_tensor` traced by
`tf.function`) the TF Text op `SentencepieceOp` runs the same model, so an
exported SavedModel tokenizes as training did; a serving process must
`import tensorflow_text` to load it. Called eagerly, the same methods run
the `sentencepiece` library itself: TF Text's SentencePiece resource is
owned by its kernel, and `keras.backend.clear_session()` (which clears
TensorFlow's kernel cache) would leave a long-lived eager one dangling.
"""

import hashlib
import io
import json
import os

import tensorflow as tf

from kerasseq.errors import UserError
from kerasseq.layers import validation
from kerasseq.text.tokenizer import END_TOKEN
from kerasseq.text.tokenizer import OOV_ID
from kerasseq.text.tokenizer import OOV_TOKEN
from kerasseq.text.tokenizer import PAD_ID
from kerasseq.text.tokenizer import START_TOKEN

START_ID = 2
END_ID = 3
#: SentencePiece needs a non-empty piece for padding; `vocabulary` shows ''.
PAD_PIECE = "[PAD]"
MODEL_TYPES = ("unigram", "bpe")
#: SentencePiece trainer threads: fixed, so that every machine trains the
#: same pieces from the same texts.
TRAINER_THREADS = 2
#: Suffix of the SentencePiece model file beside a `*.json` vocabulary.
MODEL_SUFFIX = ".model"


class SubwordTokenizer:
    """Maps text to SentencePiece subword ids and back.

    Args:
        model_proto: Bytes of a SentencePiece model (a `.model` file) whose
            ids 0-3 are padding, `[UNK]`, `[START]` and `[END]`, as
            `SubwordTokenizer.fit` trains them.

    Example:

    >>> tokenizer = SubwordTokenizer.fit(texts, vocabulary_size=500)  # doctest: +SKIP
    >>> tokenizer.decode(tokenizer.encode_one("En el principio."))  # doctest: +SKIP
    'En el principio.'
    """

    level = "subword"

    def __init__(self, model_proto):
        import sentencepiece

        self.model_proto = bytes(model_proto)
        processor = sentencepiece.SentencePieceProcessor()
        try:
            processor.LoadFromSerializedProto(self.model_proto)
        except (RuntimeError, OSError) as error:
            raise UserError(
                f"Not a SentencePiece model ({str(error).strip()})."
            ) from None
        expected = (PAD_PIECE, OOV_TOKEN, START_TOKEN, END_TOKEN)
        found = tuple(processor.IdToPiece(i) for i in range(min(4, processor.GetPieceSize())))
        if found != expected:
            raise UserError(
                "The SentencePiece model must have ids 0-3 = "
                f"{list(expected)} (as SubwordTokenizer.fit trains it); it "
                f"has {list(found)}."
            )
        self._processor = processor
        self.tokens = [processor.IdToPiece(i) for i in range(2, processor.GetPieceSize())]
        self._graph_tokenizer = None
        self._index = None

    @classmethod
    def fit(cls, texts, vocabulary_size=8000, model_type="unigram"):
        """Trains a SentencePiece model on `texts`.

        Training is deterministic: SentencePiece's trainer has no random
        state, and it runs on a fixed number of threads (`TRAINER_THREADS`)
        whatever the machine, so the same texts give the same pieces.

        Args:
            texts: Iterable of strings (the training split only).
            vocabulary_size: Pieces in the model, the 4 special ids included
                (at most; a corpus too small for it gets fewer).
            model_type: `"unigram"` or `"bpe"`.
        """
        import sentencepiece

        validation.check_positive_int("vocabulary_size", vocabulary_size)
        validation.check_choice("model_type", model_type, MODEL_TYPES)
        texts = [text for text in texts if text.strip()]
        if not texts:
            raise ValueError("SubwordTokenizer.fit needs at least one non-empty text.")
        # NFKC-normalized characters may differ a little; this is the bound
        # SentencePiece checks, up to that.
        characters = len(set("".join(texts)) - {" "})
        required = 4 + 256 + characters
        if vocabulary_size < required:
            raise ValueError(
                f"Argument `vocabulary_size` must be at least {required} for "
                f"these texts (4 special ids, 256 UTF-8 byte pieces and "
                f"{characters} distinct characters). Received: "
                f"vocabulary_size={vocabulary_size}"
            )
        model = io.BytesIO()
        _train(sentencepiece, texts, model, vocabulary_size, model_type)
        return cls(model.getvalue())

    @property
    def vocabulary(self):
        """All pieces by id: `['', '[UNK]', '[START]', '[END]', ...]`."""
        return ["", OOV_TOKEN] + self.tokens

    @property
    def vocabulary_size(self):
        return len(self.tokens) + 2

    def index(self):
        """`{piece: id}`."""
        if self._index is None:
            self._index = {token: i for i, token in enumerate(self.vocabulary)}
        return self._index

    # --------------------------------------------------------------- graph
    def lookup_layer(self):
        """The TF Text `SentencepieceTokenizer` that graphs use (a trackable
        resource that an exported SavedModel keeps)."""
        if self._graph_tokenizer is None:
            import tensorflow_text

            # TF Text's resource is owned by its kernel and named after its
            # node: two tokenizers in one SavedModel (source and target)
            # must have nodes of their own names, or the restored graph
            # gives both the model of the first.
            digest = hashlib.sha1(self.model_proto).hexdigest()[:16]
            self._graph_tokenizer = tensorflow_text.SentencepieceTokenizer(
                model=self.model_proto, out_type=tf.int32,
                name=f"sentencepiece_{digest}",
            )
        return self._graph_tokenizer

    def split(self, texts):
        """`tf.string` `(batch,)` -> ragged `(batch, None)` string pieces."""
        ids = self.encode(texts)
        return tf.ragged.map_flat_values(
            tf.gather, tf.constant(self.vocabulary), ids
        )

    def encode(self, texts):
        """Ids of `texts` as a `tf.RaggedTensor` `(batch, None)` of int32;
        invalid UTF-8 becomes U+FFFD, which SentencePiece's normalization
        drops."""
        texts = tf.convert_to_tensor(texts, dtype=tf.string)
        if tf.executing_eagerly():
            rows = [
                self._processor.EncodeAsIds(text.decode("utf-8", "replace"))
                for text in texts.numpy().tolist()
            ]
            return tf.ragged.constant(rows, dtype=tf.int32, ragged_rank=1)
        texts = tf.strings.unicode_transcode(
            texts, "UTF-8", "UTF-8", errors="replace"
        )
        return self.lookup_layer().tokenize(texts)

    def encode_one(self, text):
        """Ids of one string, as a Python list."""
        return list(self._processor.EncodeAsIds(text))

    def decode(self, ids):
        """The text of a sequence of ids; padding, `[UNK]`, `[START]`,
        `[END]` and ids outside the vocabulary are skipped."""
        return self._processor.DecodeIds(
            [int(i) for i in ids if END_ID < int(i) < self.vocabulary_size]
        )

    def decode_tensor(self, ids):
        """`decode` inside a graph: int `(batch, time)` -> `tf.string`
        `(batch,)`, padding, special and out-of-range ids skipped."""
        ids = tf.cast(ids, tf.int32)
        if tf.executing_eagerly():
            return tf.constant(
                [self.decode(row) for row in ids.numpy().tolist()], tf.string
            )
        keep = tf.logical_and(ids > END_ID, ids < self.vocabulary_size)
        return self.lookup_layer().detokenize(tf.ragged.boolean_mask(ids, keep))

    # ---------------------------------------------------------------- files
    def get_config(self):
        return {"level": self.level, "tokens": self.tokens,
                "pad_id": PAD_ID, "oov_id": OOV_ID, "oov_token": OOV_TOKEN,
                "start_id": START_ID, "end_id": END_ID}

    def save(self, path):
        """Writes the JSON vocabulary to `path` and the SentencePiece model
        beside it (`path` with `.model` for `.json`), both atomically."""
        from kerasseq.training.model_dir import atomic_path

        model_path = model_file_for(path)
        with atomic_path(model_path) as temporary:
            with open(temporary, "wb") as handle:
                handle.write(self.model_proto)
        config = {**self.get_config(), "model_file": os.path.basename(model_path)}
        with atomic_path(path) as temporary:
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(config, handle, ensure_ascii=False, indent=0)

    @classmethod
    def load(cls, path):
        """The tokenizer saved at `path` (its JSON vocabulary)."""
        with open(path, encoding="utf-8") as handle:
            config = json.load(handle)
        model_path = os.path.join(
            os.path.dirname(path), config.get("model_file") or ""
        )
        if not config.get("model_file") or not os.path.isfile(model_path):
            raise UserError(
                f"{path} names the SentencePiece model "
                f"{config.get('model_file')!r}, which is missing beside it."
            )
        with open(model_path, "rb") as handle:
            proto = handle.read()
        try:
            return cls(proto)
        except ValueError as error:
            raise UserError(f"{model_path}: {error}") from None


def _train(sentencepiece, texts, writer, vocabulary_size, model_type):
    sentencepiece.SentencePieceTrainer.Train(
        sentence_iterator=iter(texts),
        model_writer=writer,
        vocab_size=vocabulary_size,
        hard_vocab_limit=False,
        model_type=model_type,
        character_coverage=1.0,
        byte_fallback=True,
        pad_id=PAD_ID, unk_id=OOV_ID, bos_id=START_ID, eos_id=END_ID,
        pad_piece=PAD_PIECE, unk_piece=OOV_TOKEN,
        bos_piece=START_TOKEN, eos_piece=END_TOKEN,
        max_sentence_length=1 << 16,
        num_threads=TRAINER_THREADS,
        minloglevel=2,
    )


def model_file_for(json_path):
    """The SentencePiece model file that goes with a JSON vocabulary."""
    stem, _ = os.path.splitext(json_path)
    return stem + MODEL_SUFFIX
