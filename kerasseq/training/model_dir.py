"""A trained model's directory: atomic writes, and loading with clear errors.

Layout written by `kerasseq train` (see `saved_models/README.md`):

    config.json    the job name and its configs (what `evaluate` rebuilds)
    model.keras    the trained Keras model
    history.json   per-epoch training and validation metrics
    metrics.json   held-out metrics at the end of training
    training.png   the loss curves
    logs/          TensorBoard logs
    backup/        Keras BackupAndRestore state, while a run is unfinished

Every file is written under a temporary name in the same directory and renamed
into place, so a crash never leaves a file that loads wrongly.
"""

import contextlib
import json
import os
import re
import shutil
import tempfile

from kerasseq.atomic import atomic_path  # noqa: F401  (re-exported)
from kerasseq.errors import UserError

CONFIG_FILE = "config.json"
MODEL_FILE = "model.keras"
HISTORY_FILE = "history.json"
METRICS_FILE = "metrics.json"
PLOT_FILE = "training.png"
LOGS_DIR = "logs"
BACKUP_DIR = "backup"


class ModelDirError(UserError):
    """A model directory is missing, incomplete or corrupt."""


@contextlib.contextmanager
def atomic_directory(path):
    """Yields an empty temporary directory beside `path`; on success it
    replaces `path` (a directory or nothing).

    On an exception the temporary directory is removed and an existing
    `path` is untouched. The replacement is two renames (old `path` aside,
    new one in) followed by deleting the old one, so between them, for an
    instant, `path` is absent but never half written.
    """
    path = os.path.abspath(os.fspath(path))
    parent, name = os.path.split(path)
    os.makedirs(parent, exist_ok=True)
    temporary = tempfile.mkdtemp(dir=parent, prefix=f".{name}.", suffix=".tmp")
    try:
        yield temporary
        old = None
        if os.path.lexists(path):
            old = tempfile.mkdtemp(dir=parent, prefix=f".{name}.", suffix=".old")
            os.replace(path, os.path.join(old, name))
        os.replace(temporary, path)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    finally:
        if os.path.exists(temporary):
            shutil.rmtree(temporary, ignore_errors=True)


def write_json(path, data):
    with atomic_path(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            json.dump(data, handle, indent=2, sort_keys=True)
            handle.write("\n")


def save_model(model, path):
    with atomic_path(path) as temporary:
        model.save(str(temporary))


def read_json(model_dir, name):
    path = os.path.join(model_dir, name)
    if not os.path.isfile(path):
        raise ModelDirError(f"{model_dir} has no {name}: {_not_a_model(model_dir)}")
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ModelDirError(f"{path} is corrupt ({error}).") from None


def load_model(model_dir):
    """Loads `model_dir/model.keras`, or raises `ModelDirError` naming the file."""
    import keras

    path = os.path.join(model_dir, MODEL_FILE)
    if not os.path.isfile(path):
        raise ModelDirError(
            f"{model_dir} has no {MODEL_FILE}: {_not_a_model(model_dir)}"
        )
    try:
        return keras.saving.load_model(path)
    except Exception as error:  # zip, h5 and Keras errors alike
        name = unregistered_kerasseq_object(error)
        if name is not None:
            from kerasseq.version import __version__

            raise ModelDirError(
                f"{path} uses the kerasseq object {name!r}, which is not "
                "registered with Keras. Keras finds kerasseq's classes only "
                "after `import kerasseq`, and this kerasseq "
                f"({__version__}) registers no object of that name: the file "
                "may come from another kerasseq version."
            ) from None
        raise ModelDirError(
            f"{path} is corrupt or truncated and cannot be loaded "
            f"({type(error).__name__}: {str(error).splitlines()[0][:200]})."
        ) from None


#: Keras's error for an object it cannot find, and its name.
_NOT_LOCATED = re.compile(r"Could not locate (?:class|function) '([^']+)'")


def unregistered_kerasseq_object(error):
    """The name of the kerasseq object a failed `keras.saving.load_model`
    could not find (`'kerasseq>LSTM'`, `'kerasseq>copied_symbol_accuracy'`),
    or None when `error` is about something else."""
    message = str(error)
    match = _NOT_LOCATED.search(message)
    if match is None:
        return None
    name = match.group(1)
    if name.startswith("kerasseq>"):  # a function: its registered name
        return name
    # A class: Keras names it by class name; its config, in the message,
    # has the registered name.
    if f"'registered_name': 'kerasseq>{name}'" in message:
        return f"kerasseq>{name}"
    return None


def _not_a_model(model_dir):
    if not os.path.isdir(model_dir):
        return "the directory does not exist."
    if os.path.isdir(os.path.join(model_dir, BACKUP_DIR)):
        return (
            "training did not finish; continue it with the same `kerasseq "
            "train` command plus --resume."
        )
    return "it is not a directory written by `kerasseq train`."
