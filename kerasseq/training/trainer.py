"""Trains a job with `model.fit` and writes its model directory.

`train(job, config)` builds the job's `tf.data` streams and functional model,
compiles it with the configured optimizer (gradient clipping included),
fits it with progress, TensorBoard logs, a per-epoch CSV history and
`keras.callbacks.BackupAndRestore` (so `resume=True` continues an interrupted
run), then saves the model, its held-out metrics and its loss curves. The
layout is described in `kerasseq.training.model_dir`. Under
`MultiWorkerMirroredStrategy` every worker runs `train` with the same config;
only the chief writes `config.out`.
"""

import csv
import dataclasses
import json
import math
import os
import shutil
import sys
import tempfile
import warnings

import keras

from kerasseq.training.distribution import adapt_to_strategy
from kerasseq.training.distribution import check_supported
from kerasseq.training.distribution import is_chief
from kerasseq.training.distribution import is_multi_worker
from kerasseq.training.distribution import make_strategy
from kerasseq.training.distribution import shard_by_example

from kerasseq.callbacks import DynamicTrivialization
from kerasseq.layers.rnn import RNN
from kerasseq.errors import UserError
from kerasseq.errors import checking_user_input
from kerasseq.optimizers import manifold_variables
from kerasseq.training import model_dir
from kerasseq.training.config import ModelConfig
from kerasseq.training.config import resolve_jit_compile
from kerasseq.training.optimizers import make_optimizer
from kerasseq.training.plots import plot_curves

HISTORY_CSV = "history.csv"


def _check_resumable(config):
    backup = os.path.join(config.out, model_dir.BACKUP_DIR)
    if not os.path.isdir(backup):
        raise UserError(
            f"--resume: {config.out} holds no unfinished run (no "
            f"{model_dir.BACKUP_DIR}/ directory); run without --resume to "
            "start one."
        )
    saved = model_dir.read_json(config.out, model_dir.CONFIG_FILE)
    try:  # the current spelling of an older file (`cell="self_attention"`)
        saved["model"] = dataclasses.asdict(ModelConfig(**saved["model"]))
    except (KeyError, TypeError, ValueError):
        pass  # compared as written: the differences name what is wrong
    wanted = config.to_dict()
    # A setting added after the run was started is absent from its file:
    # the run had that setting's default.
    defaults = {
        "model": _field_defaults(config.model),
        "train": _field_defaults(config.train),
        "options": _field_defaults(config.options),
    }

    def saved_value(section, key):
        values = saved.get(section, {})
        return values[key] if key in values else defaults[section].get(key)

    differences = [
        f"{section}.{key} (saved {saved_value(section, key)!r}, "
        f"given {wanted[section][key]!r})"
        for section in ("model", "train", "options")
        for key in wanted[section]
        if saved_value(section, key) != wanted[section][key]
    ]
    if saved.get("job") != wanted["job"]:
        differences.insert(0, f"job (saved {saved.get('job')!r})")
    if differences:
        raise UserError(
            "--resume needs the settings of the interrupted run; these "
            "differ: " + ", ".join(differences)
        )


def _field_defaults(settings):
    """`{field: default}` of a settings dataclass (nothing for others)."""
    if not dataclasses.is_dataclass(settings):
        return {}
    defaults = {}
    for field in dataclasses.fields(settings):
        if field.default is not dataclasses.MISSING:
            defaults[field.name] = field.default
        elif field.default_factory is not dataclasses.MISSING:
            defaults[field.name] = field.default_factory()
    return defaults


def has_recurrent_layers(model):
    """Whether `model` holds kerasseq recurrent layers, at any depth (inside
    `Bidirectional`, `DeepRNN`, ...)."""
    return any(
        isinstance(layer, RNN) for layer in model._flatten_layers(include_self=False)
    )


def total_steps(config, data=None):
    """Optimizer steps of the whole run, `epochs * steps per epoch`
    (`steps_per_epoch`, else the size of `data.train`), or `None` where
    unknown."""
    per_epoch = config.train.steps_per_epoch
    if per_epoch is None and data is not None:
        size = int(data.train.cardinality())
        per_epoch = size if size > 0 else None
    return None if per_epoch is None else config.train.epochs * per_epoch


def compile_model(model, job, config, data=None, distributed=False):
    """Compiles `model` for `config`; XLA, when asked for, must really be on.

    `data` (a `PreparedData`) lets `--jit-compile auto` see the shape of the
    training batches; `distributed`: whether several replicas train."""
    jit_compile = resolve_jit_compile(
        config.train.jit_compile,
        None if data is None else data.train.element_spec,
        distributed,
        recurrent=has_recurrent_layers(model),
    )
    with checking_user_input():  # e.g. a cosine decay over an unknown length
        optimizer = make_optimizer(config.train, total_steps=total_steps(config, data))
    model.compile(
        optimizer=optimizer,
        jit_compile=jit_compile,
        **job.compile_arguments(config, data),
    )
    if jit_compile and not model.jit_compile:
        raise UserError(
            "jit_compile='on' was requested but Keras cannot compile this "
            "model with XLA; use --jit-compile off."
        )
    return model


def read_history(out):
    """The per-epoch history CSV of a run as `{metric: [values]}`."""
    path = os.path.join(out, HISTORY_CSV)
    if not os.path.isfile(path):
        return {}
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    keys = [key for key in (rows[0] if rows else {}) if key != "epoch"]
    return {key: [float(row[key]) for row in rows] for key in keys}


def completed_epochs(backup):
    """Epochs an interrupted run finished, from its BackupAndRestore state."""
    for name in ("training_metadata.json", "training_metadata.json.bkp"):
        path = os.path.join(backup, name)
        try:
            with open(path, encoding="utf-8") as handle:
                return int(json.load(handle).get("epoch", 0))
        except (OSError, ValueError):
            continue  # missing, or cut short by a crash: try the older copy
    return 0


class NonFiniteLoss(ValueError):
    """Training produced a NaN or infinite loss."""


class StopOnNonFiniteLoss(keras.callbacks.Callback):
    """Raises `NonFiniteLoss` naming the epoch and step of a NaN/inf loss.

    Raising (rather than stopping) keeps the BackupAndRestore checkpoint of
    the last completed epoch, so the run can be resumed with a remedy
    (`resumable=False`: a run that cannot resume is rerun instead).
    """

    def __init__(self, backup_dir, resumable=True):
        super().__init__()
        self.backup_dir = backup_dir
        self.resumable = resumable
        self.epoch = 0

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not math.isfinite(float(loss)):
            kept = completed_epochs(self.backup_dir)
            rerun = "with --resume" if self.resumable else "from the start"
            raise NonFiniteLoss(
                f"the loss became {float(loss)} at epoch {self.epoch + 1}, step "
                f"{batch + 1}. The checkpoint after epoch {kept} is kept in "
                f"{self.backup_dir}; first remedy: clip the gradient norm "
                "(--clipnorm 1.0) or lower --learning-rate, then rerun the "
                f"same command {rerun}."
            )


def train(job, config, resume=False, print_fn=print, verbose="auto",
          callbacks=(), strategy=None):
    """Trains `job` as `config` says and writes `config.out`; returns
    (model, metrics).

    Args:
        job: The `kerasseq.jobs.Job` to train (`kerasseq.jobs.get_job(name)`).
        config: Its `JobConfig`.
        resume: Continue the interrupted run in `config.out` (same config).
        print_fn: Where progress lines go.
        verbose: Passed to `model.fit` (`"auto"`: a progress bar on a
            terminal, one line per epoch otherwise).
        callbacks: Extra Keras callbacks for `model.fit`.
        strategy: A `tf.distribute.Strategy` to use instead of
            `config.train.strategy` (e.g. a `TPUStrategy`).
    """
    if config.job != job.name:
        raise ValueError(
            f"`config.job` is {config.job!r} but `job` is {job.name!r}; pass "
            f"`kerasseq.jobs.get_job(config.job)`."
        )
    with checking_user_input():
        job.check_config(config)
        strategy = strategy or make_strategy(config.train.strategy)
        check_supported(
            strategy, resume, resolve_jit_compile(config.train.jit_compile)
        )
    fit = (job, strategy, resume, print_fn, verbose, callbacks)
    if not is_chief():
        # The other workers of a multi-worker run train in step with the
        # chief but write a scratch copy, so only the chief writes `out`.
        with tempfile.TemporaryDirectory(prefix="kerasseq-worker-") as scratch:
            model, metrics, _ = _fit_and_save(
                dataclasses.replace(config, out=scratch), *fit
            )
        return model, metrics
    model, metrics, data = _fit_and_save(config, *fit)
    print_fn("Held-out: " + format_metrics(metrics))
    job.report(model, config, data, print_fn)
    return model, metrics


def _fit_and_save(config, job, strategy, resume, print_fn, verbose, callbacks):
    """`train` in `config.out`; returns (model, metrics, data)."""
    out = config.out
    backup = os.path.join(out, model_dir.BACKUP_DIR)
    if resume:
        _check_resumable(config)
    keras.utils.set_random_seed(config.train.seed)
    start_batch = 0
    if resume and config.train.steps_per_epoch:
        start_batch = completed_epochs(backup) * config.train.steps_per_epoch
    # Bad data (an unknown corpus, a missing column) fails here, before
    # anything in `out` is written or an unfinished run's backup removed.
    data = job.prepare(config, start_batch)
    if is_multi_worker(strategy):
        data = shard_by_example(data)
    if not resume and os.path.isdir(backup):
        shutil.rmtree(backup)  # a new run replaces an unfinished one
    os.makedirs(out, exist_ok=True)
    model_dir.write_json(os.path.join(out, model_dir.CONFIG_FILE), config.to_dict())
    job.save_artifacts(config, data)
    with strategy.scope():
        distributed = strategy.num_replicas_in_sync > 1 or is_multi_worker(strategy)
        model = compile_model(
            job.build_model(config, data), job, config, data, distributed
        )
    model = adapt_to_strategy(model, strategy, data.train.element_spec)
    description = job.describe(config, data)
    if description:
        print_fn(description)
    print_fn(
        f"Training {model.name}: {model.count_params():,} parameters, "
        f"{config.train.epochs} epochs, jit_compile={model.jit_compile}, "
        f"{strategy.num_replicas_in_sync} replica(s); "
        f"writing {out}"
    )
    manifold = manifold_variables(model)
    if manifold:
        print_fn(
            f"{len(manifold)} manifold parameter tensor(s) of orthogonal or "
            "unitary cells train at learning rate "
            f"{config.train.learning_rate * config.train.manifold_multiplier:g} "
            "(--manifold-learning-rate)."
        )
    if config.train.learning_rate_decay == "cosine":
        print_fn(
            f"The learning rate decays from {config.train.learning_rate:g} to 0 "
            f"along a cosine over {total_steps(config, data):,} steps "
            "(--learning-rate-decay cosine)."
        )
    callbacks = [
        *callbacks,
        # Two checkpoints: a run killed while writing one resumes from the
        # other (a SIGKILL mid-write leaves a truncated HDF5 file).
        keras.callbacks.BackupAndRestore(backup, double_checkpoint=True),
        # After BackupAndRestore, so a resumed run counts from its steps.
        DynamicTrivialization(),
        keras.callbacks.CSVLogger(os.path.join(out, HISTORY_CSV), append=resume),
        keras.callbacks.TensorBoard(os.path.join(out, model_dir.LOGS_DIR)),
        StopOnNonFiniteLoss(backup, resumable=not is_multi_worker(strategy)),
    ]
    if job.early_stopping_patience is not None:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=job.early_stopping_patience,
            restore_best_weights=True, verbose=1,
        ))
    if verbose == "auto":  # a progress bar on a terminal, else a line per epoch
        verbose = 1 if sys.stdout.isatty() else 2
    with warnings.catch_warnings():
        # Bucketed text batches have no known count: Keras learns it from
        # the first epoch and warns that the data "ran out"; that is expected.
        warnings.filterwarnings("ignore", message="Your input ran out of data")
        model.fit(
            data.train,
            validation_data=data.validation,
            epochs=config.train.epochs,
            steps_per_epoch=config.train.steps_per_epoch,
            validation_steps=config.train.validation_steps,
            callbacks=callbacks,
            shuffle=False,  # the streams are generated or shuffled already
            verbose=verbose,
        )
    model_dir.save_model(model, os.path.join(out, model_dir.MODEL_FILE))
    metrics = job.evaluate(model, config, data)
    model_dir.write_json(os.path.join(out, model_dir.METRICS_FILE), metrics)
    history = read_history(out)
    curves = {k: history[k] for k in ("loss", "val_loss") if k in history}
    if curves:
        plot_curves(
            curves,
            os.path.join(out, model_dir.PLOT_FILE),
            title=f"{job.description} ({config.model.label})",
            ylabel="loss",
            baseline=job.baseline(config),
        )
    return model, metrics, data


def format_metric(value):
    """A float to 4 places, or to 4 significant digits below 0.001 (a
    loss of 7.1e-06 is not `0.0000`)."""
    if value != 0 and abs(value) < 1e-3:
        return f"{value:.3e}"
    return f"{value:.4f}"


def format_metrics(metrics):
    """`"key value, ..."`; floats by `format_metric`, nested dicts in
    parentheses."""
    return ", ".join(
        f"{key} ({format_metrics(value)})" if isinstance(value, dict)
        else f"{key} {format_metric(value)}" if isinstance(value, float)
        else f"{key} {value}"
        for key, value in metrics.items()
    )
