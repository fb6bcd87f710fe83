"""Configuration shared by every training job, as a plain dataclass."""

import dataclasses

import keras

from kerasseq.layers import recurrent_layer_names
from kerasseq.layers import validation
from kerasseq.models.self_attention_stack import SELF_ATTENTION
from kerasseq.optimizers import PAPERS_MANIFOLD_MULTIPLIER
from kerasseq.training.distribution import STRATEGIES

#: What `ModelConfig.architecture` may be.
RECURRENT = "recurrent"
ARCHITECTURES = (RECURRENT, SELF_ATTENTION)

_OPTIMIZERS = ("adam", "adamw", "rmsprop", "sgd")
JIT_COMPILE_CHOICES = ("auto", "on", "off")


#: `TrainConfig.learning_rate_decay` choices.
LEARNING_RATE_DECAYS = ("none", "cosine")


@dataclasses.dataclass
class TrainConfig:
    """Optimizer and loop settings of a training job.

    Attributes:
        optimizer: One of `"adam"`, `"adamw"`, `"rmsprop"`, `"sgd"`.
        learning_rate: Positive float.
        manifold_learning_rate: Learning rate of the manifold parameters of
            orthogonal and unitary cells (`kerasseq.optimizers`), or `None`
            for `learning_rate / 10`, the ratio of the expRNN and scoRNN
            papers. Other variables are not affected.
        optimizer_options: Further arguments of the Keras optimizer, e.g.
            `{"rho": 0.99}` for RMSprop or `{"beta_2": 0.98}` for Adam.
        learning_rate_decay: `"none"` (default: constant) or `"cosine"`: the
            learning rate (and the manifold rate with it) falls from its
            value to 0 along a half cosine over the whole run, `epochs *`
            the steps of an epoch (`keras.optimizers.schedules.CosineDecay`).
        clipnorm: If set, each gradient tensor `g` with `||g|| > clipnorm` is
            rescaled to `clipnorm * g / ||g||` (Pascanu et al. 2013).
        global_clipnorm: If set, the same rescaling with the norm of all
            gradients together; exclusive with `clipnorm`.
        epochs: Positive integer.
        batch_size: Positive integer.
        steps_per_epoch: Batches per epoch, or `None` for the whole data
            (generated tasks, whose streams are endless, need it).
        validation_steps: Batches per validation pass, or `None`.
        seed: Integer seed of weights, data order and dropout.
        jit_compile: `"auto"` (XLA on GPUs and on JAX, and on CPUs for
            self-attention models with batches of one shape, where it is
            faster: `resolve_jit_compile`), `"on"` or `"off"` (on JAX:
            eager, for debugging).
        strategy: `"default"`, `"mirrored"` or `"multi-worker"`
            (`kerasseq.training.distribution`); `batch_size` is global.
    """

    optimizer: str = "adam"
    learning_rate: float = 1e-3
    manifold_learning_rate: float | None = None
    optimizer_options: dict = dataclasses.field(default_factory=dict)
    learning_rate_decay: str = "none"
    clipnorm: float | None = None
    global_clipnorm: float | None = None
    epochs: int = 10
    batch_size: int = 64
    steps_per_epoch: int | None = None
    validation_steps: int | None = None
    seed: int = 0
    jit_compile: str = "auto"
    strategy: str = "default"

    def __post_init__(self):
        validation.check_choice("optimizer", self.optimizer, _OPTIMIZERS)
        validation.check_positive_float("learning_rate", self.learning_rate)
        validation.check_choice(
            "learning_rate_decay", self.learning_rate_decay, LEARNING_RATE_DECAYS
        )
        if not isinstance(self.optimizer_options, dict):
            raise ValueError(
                "Argument `optimizer_options` must be a dict of optimizer "
                f"arguments. Received: optimizer_options={self.optimizer_options!r}"
            )
        reserved = {"learning_rate", "clipnorm", "global_clipnorm",
                    "manifold_multiplier"}
        if set(self.optimizer_options) & reserved:
            raise ValueError(
                f"Argument `optimizer_options` may not set {sorted(reserved)}; "
                "they have their own settings. Received: "
                f"{self.optimizer_options}"
            )
        if self.optimizer_options:
            from kerasseq.training.optimizers import make_optimizer

            try:
                make_optimizer(self, total_steps=1)
            except (TypeError, ValueError) as error:
                raise ValueError(
                    f"Argument `optimizer_options` has an argument the "
                    f"{self.optimizer} optimizer does not take ({error}). "
                    f"Received: optimizer_options={self.optimizer_options}"
                ) from None
        if self.manifold_learning_rate is not None:
            validation.check_positive_float(
                "manifold_learning_rate", self.manifold_learning_rate
            )
        for name in ("clipnorm", "global_clipnorm"):
            if getattr(self, name) is not None:
                validation.check_positive_float(name, getattr(self, name))
        if self.clipnorm is not None and self.global_clipnorm is not None:
            raise ValueError(
                "Set at most one of `clipnorm` and `global_clipnorm`. "
                f"Received: clipnorm={self.clipnorm}, "
                f"global_clipnorm={self.global_clipnorm}"
            )
        validation.check_positive_int("epochs", self.epochs)
        validation.check_positive_int("batch_size", self.batch_size)
        for name in ("steps_per_epoch", "validation_steps"):
            if getattr(self, name) is not None:
                validation.check_positive_int(name, getattr(self, name))
        validation.check_seed("seed", self.seed)
        validation.check_choice("jit_compile", self.jit_compile, JIT_COMPILE_CHOICES)
        validation.check_choice("strategy", self.strategy, STRATEGIES)

    @property
    def manifold_multiplier(self):
        """`manifold_learning_rate / learning_rate` (0.1 when unset)."""
        if self.manifold_learning_rate is None:
            return PAPERS_MANIFOLD_MULTIPLIER
        return self.manifold_learning_rate / self.learning_rate


@dataclasses.dataclass
class ModelConfig:
    """Architecture settings shared by the model-building jobs.

    Attributes:
        cell: Registered recurrent layer name (`kerasseq.layers.
            recurrent_layer_names()`) or a recurrent layer class, for
            `architecture="recurrent"`; `None` with `"self_attention"`.
            `cell="self_attention"`, the spelling of configs written before
            `architecture` existed (and of `--cell self_attention`), reads
            as `architecture="self_attention"`.
        units: Units of each recurrent layer; with `"self_attention"`, the
            width of each block's feed-forward layer (the blocks keep the
            width `embedding_dim`).
        layers: Number of stacked recurrent layers (or blocks).
        bidirectional: Whether each recurrent layer reads both directions.
        embedding_dim: Width of token embeddings, for token inputs.
        dropout: Dropout between stacked layers (self-attention: on each
            block's sublayer outputs).
        cell_options: Further arguments of the recurrent layers, e.g.
            `{"activation": "modrelu", "parametrization": "cayley"}`, or of
            the `SelfAttentionBlock`s, e.g.
            `{"norm_first": True, "num_heads": 4}`.
        architecture: `"recurrent"` (stacked recurrent layers of `cell`) or
            `"self_attention"` (a stack of self-attention blocks,
            `kerasseq.models.self_attention_stack`; language model and
            classifier only).
    """

    cell: str = "lstm"
    units: int = 128
    layers: int = 1
    bidirectional: bool = False
    embedding_dim: int = 32
    dropout: float = 0.0
    cell_options: dict = dataclasses.field(default_factory=dict)
    architecture: str = RECURRENT

    def __post_init__(self):
        if self.cell == SELF_ATTENTION:  # the spelling before `architecture`
            self.architecture = SELF_ATTENTION
        validation.check_choice("architecture", self.architecture, ARCHITECTURES)
        if self.architecture == SELF_ATTENTION:
            self.cell = None  # the blocks have no recurrent cell
        elif not isinstance(self.cell, type):  # a layer class is taken as is
            validation.check_choice("cell", self.cell, cell_names())
        reserved = {"units", "return_sequences", "return_state", "name"}
        if set(self.cell_options) & reserved:
            raise ValueError(
                f"Argument `cell_options` may not set {sorted(reserved)}; they "
                f"come from the model config. Received: {self.cell_options}"
            )
        validation.check_positive_int("units", self.units)
        validation.check_positive_int("layers", self.layers)
        validation.check_positive_int("embedding_dim", self.embedding_dim)
        validation.check_rate("dropout", self.dropout)


    @property
    def label(self):
        """The cell's name, or `"self_attention"`: what model names, plot
        titles and messages call the architecture."""
        if self.architecture == SELF_ATTENTION:
            return SELF_ATTENTION
        return self.cell if isinstance(self.cell, str) else self.cell.__name__


def cell_names():
    """What `ModelConfig.cell` may be: the recurrent layers, then
    `"self_attention"`."""
    return (*recurrent_layer_names(), SELF_ATTENTION)


def resolve_jit_compile(setting, element_spec=None, distributed=False, recurrent=False):
    """`True`/`False` for `model.compile(jit_compile=...)` from a setting.

    `"auto"` turns XLA on with a GPU, and always on the JAX backend. With
    TensorFlow on CPUs it turns XLA on for models
    without kerasseq recurrent layers (self-attention) when every training
    batch has one shape apart from its size (`element_spec`: the training
    dataset's), so XLA compiles once (and once more for a last, smaller
    batch). Measured on 2 CPU cores (BENCHMARKS.md, `tools/bench.py
    --sections auto`, the default language model of each `--cell`): XLA
    trains the self-attention LM about 1.3x faster than graph mode, but
    kerasseq's recurrent layers already compile their training loops with
    XLA inside the graph and run two chains side by side there
    (`jit_compile_loops`, `parallel_chains`), which whole-model XLA would
    run in sequence: graph mode trains the LSTM, GRU and unitary LMs
    1.2-1.3x faster than XLA (the 128-unit SimpleRNN and orthogonal LMs, whose
    recurrent products are small, train 1.25-1.35x faster under XLA: the
    rule does not capture that yet; `"on"` does). Batches padded to their longest sequence (bucketed classifier
    and translation batches) would recompile for every new length, so they
    stay in graph mode, as do distributed runs (XLA cannot compile
    collectives on CPUs; Keras's own `"auto"` turns XLA off under
    `tf.distribute` too). `"on"` always compiles: the trainer raises if
    Keras declines (`compile_model`); `"off"` never does.

    Args:
        setting: `"auto"`, `"on"` or `"off"`.
        element_spec: The training dataset's `element_spec`, or `None`
            (unknown: `"auto"` then uses XLA only on GPUs).
        distributed: Whether training runs under a multi-replica strategy.
        recurrent: Whether the model has kerasseq recurrent layers.
    """
    validation.check_choice("jit_compile", setting, JIT_COMPILE_CHOICES)
    if setting != "auto":
        return setting == "on"
    if keras.backend.backend() == "jax":
        # JAX has no graph mode: Keras's JAX trainer without `jit_compile`
        # runs every operation of every step eagerly, compiling each one
        # (the test suite's 6-epoch GRU language model: 214 s against 13 s
        # under `jax.jit`, the same losses). A new batch shape recompiles
        # the step, which still costs far less than running it eagerly.
        return True
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return True
    return (
        not distributed
        and not recurrent
        and element_spec is not None
        and all(
            spec.shape.rank is not None and spec.shape[1:].is_fully_defined()
            for spec in tf.nest.flatten(element_spec)
        )
    )

