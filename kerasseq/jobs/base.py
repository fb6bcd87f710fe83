"""What `kerasseq train NAME` trains: data, model, loss and held-out metrics.

A `Job` turns a `JobConfig` into datasets and an uncompiled functional model,
says how to compile it, and evaluates a trained model on held-out data. The
trainer (`kerasseq.training.trainer`) owns everything else: the optimizer,
`model.fit`, checkpoints, the model directory. Jobs are looked up by name.
"""

import dataclasses

from kerasseq.models.self_attention_stack import SELF_ATTENTION
from kerasseq.models.self_attention_stack import check_self_attention_config
from kerasseq.models.self_attention_stack import is_self_attention
from kerasseq.training.config import ModelConfig
from kerasseq.training.config import TrainConfig


@dataclasses.dataclass
class PreparedData:
    """A job's data, ready for `model.fit`.

    Attributes:
        train, validation: `tf.data.Dataset`s of `(inputs, targets)` batches.
        test: The held-out split, or `None` if the job makes it on demand.
        tokenizer: The `kerasseq.text.Tokenizer`, for text jobs.
        info: Job-specific facts (sizes, class names, baselines).
    """

    train: object
    validation: object
    test: object = None
    tokenizer: object = None
    info: dict = dataclasses.field(default_factory=dict)


@dataclasses.dataclass
class JobConfig:
    """Everything a training run needs, saved as `config.json`.

    Attributes:
        job: Registered job name (`"copy"`, `"adding"`, ...).
        out: Output directory.
        model: Architecture settings.
        train: Optimizer and loop settings.
        options: The job's own options dataclass (e.g. the copying delay).
    """

    job: str
    out: str
    model: ModelConfig = dataclasses.field(default_factory=ModelConfig)
    train: TrainConfig = dataclasses.field(default_factory=TrainConfig)
    options: object = None

    def to_dict(self):
        return {
            "job": self.job,
            "out": self.out,
            "model": dataclasses.asdict(self.model),
            "train": dataclasses.asdict(self.train),
            "options": dataclasses.asdict(self.options) if self.options else {},
        }

    @classmethod
    def from_dict(cls, data):
        job = get_job(data["job"])
        return cls(
            job=data["job"],
            out=data["out"],
            model=ModelConfig(**data["model"]),
            train=TrainConfig(**data["train"]),
            options=job.options_class(**data.get("options", {})),
        )


class Job:
    """Base class of the trainable jobs; subclasses fill in the hooks."""

    name = None
    description = ""
    options_class = None
    #: Options of `ModelConfig`/`TrainConfig` whose defaults differ here.
    model_defaults = {}
    train_defaults = {}
    #: Defaults of one architecture that differ from those above, by
    #: architecture name: `{"model": {...}, "train": {...}, "cell_options":
    #: {...}}` (e.g. the self-attention language model's width and depth).
    architecture_defaults = {}
    #: Stop when the validation loss has not improved for this many epochs,
    #: keeping the best weights; `None` trains every epoch.
    early_stopping_patience = None
    #: Whether the model may be a self-attention stack (`--architecture
    #: self_attention`) instead of recurrent layers.
    self_attention = False

    def check_config(self, config):
        """Raises `ValueError`, before any work, for a `JobConfig` this job
        cannot train."""
        if not is_self_attention(config.model):
            return
        if not self.self_attention:
            allowed = ", ".join(
                name for name, job in _JOBS.items() if job.self_attention
            )
            raise ValueError(
                f"architecture={SELF_ATTENTION!r} builds the models of jobs {allowed}; "
                f"job {self.name!r} needs a recurrent cell."
            )
        check_self_attention_config(config.model)

    def add_arguments(self, parser):
        """Adds the job's own command-line options to `parser`."""

    def model_defaults_for(self, architecture):
        """`model_defaults` with `architecture`'s own on top."""
        own = self.architecture_defaults.get(architecture, {})
        return {**self.model_defaults, **own.get("model", {})}

    def train_defaults_for(self, architecture):
        """`train_defaults` with `architecture`'s own on top."""
        own = self.architecture_defaults.get(architecture, {})
        return {**self.train_defaults, **own.get("train", {})}

    def cell_option_defaults(self, model_config):
        """Cell options this job sets by default for `model_config`'s cell
        (given `--cell-option`s override them): its architecture's
        `cell_options` in `architecture_defaults`, none otherwise."""
        own = self.architecture_defaults.get(model_config.architecture, {})
        return dict(own.get("cell_options", {}))

    def with_cell_defaults(self, model_config):
        """`model_config` with `cell_option_defaults` under its own
        `cell_options`."""
        defaults = self.cell_option_defaults(model_config)
        if not defaults:
            return model_config
        return dataclasses.replace(
            model_config,
            cell_options={**defaults, **model_config.cell_options},
        )

    def make_config(self, out, model=None, train=None, **options):
        """A `JobConfig` with this job's defaults, those of `kerasseq train
        NAME` without flags.

        Args:
            out: The model directory to write.
            model: `ModelConfig` fields to set, e.g. `{"cell": "gru"}`.
            train: `TrainConfig` fields to set, e.g. `{"epochs": 2}`.
            **options: The job's own options (`options_class`), e.g. `T=200`.
        """
        model = dict(model or {})
        architecture = ModelConfig(
            architecture=model.get("architecture", ModelConfig.architecture),
            cell=model.get("cell", self.model_defaults.get("cell", ModelConfig.cell)),
        ).architecture
        return JobConfig(
            job=self.name,
            out=out,
            model=self.with_cell_defaults(dataclasses.replace(
                ModelConfig(),
                **{**self.model_defaults_for(architecture), **model},
            )),
            train=dataclasses.replace(
                TrainConfig(),
                **{**self.train_defaults_for(architecture), **(train or {})},
            ),
            options=self.options_class(**options),
        )

    def options_from_args(self, args):
        return self.options_class()

    def prepare(self, config, start_batch=0):
        """Loads and tokenizes the data; returns a `PreparedData`.

        `start_batch` is how many training batches an interrupted run had
        consumed in its completed epochs; a resumed run continues there.
        """
        raise NotImplementedError

    def adopt(self, model, config):
        """The model a job's methods take, from one loaded from a model
        directory (`kerasseq.jobs.load_trained`): `model` itself, unless a
        job converts a file written by an older kerasseq."""
        return model

    def save_artifacts(self, config, data):
        """Writes what the model needs beside it (e.g. its vocabulary)."""

    def build_model(self, config, data):
        """Returns the uncompiled functional `keras.Model`."""
        raise NotImplementedError

    def compile_arguments(self, config, data=None):
        """Keyword arguments of `model.compile` besides the optimizer."""
        raise NotImplementedError

    def report(self, model, config, data, print_fn):
        """Prints what a user wants to see after training (e.g. a sample)."""

    def evaluate(self, model, config, data=None):
        """Held-out (test split) metrics as a JSON-ready dict.

        `data` is the `PreparedData` of the run when called right after
        training; otherwise the job prepares it again from `config`.
        """
        raise NotImplementedError

    def describe(self, config, data):
        """One line printed before training (data size, baseline, ...)."""
        return ""

    def baseline(self, config):
        """The loss of the trivial solution, drawn on the plot, or `None`."""
        return None


_JOBS = {}


def register_job(job_class):
    """Class decorator: registers an instance under `job_class.name`."""
    _JOBS[job_class.name] = job_class()
    return job_class


def get_job(name):
    try:
        return _JOBS[name]
    except KeyError:
        allowed = ", ".join(repr(n) for n in _JOBS)
        raise ValueError(
            f"Unknown job {name!r}: choose one of {allowed}."
        ) from None


def job_names():
    return tuple(_JOBS)
