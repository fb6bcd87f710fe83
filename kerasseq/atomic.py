"""Atomic file writes: a crash never leaves a file that reads wrongly.

Every file kerasseq writes (models, vocabularies, configs, plots, cached
archives) goes through `atomic_path`: it is written under a temporary name
in the same directory and renamed into place with `os.replace`.
"""

import contextlib
import os
import pathlib
import tempfile


@contextlib.contextmanager
def atomic_path(path):
    """Yields a temporary path beside `path`; moves it onto `path` on success.

    The temporary file lives in the same directory and keeps `path`'s
    extension (Keras and matplotlib choose formats by it), so the final
    `os.replace` is atomic: readers see the old file or the complete new one,
    never a partial one. If the body raises, the temporary file is removed
    and `path` is untouched.

    Example:

    >>> with atomic_path(tmp / "out.txt") as partial:  # doctest: +SKIP
    ...     partial.write_text("hello")
    """
    path = pathlib.Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(
        dir=path.parent, prefix=f".{path.stem}.", suffix=f".partial{path.suffix}"
    )
    os.close(handle)
    partial = pathlib.Path(name)
    try:
        yield partial
        os.replace(partial, path)
    finally:
        partial.unlink(missing_ok=True)


def atomic_write(path, data):
    """Writes `data` (str as UTF-8, or bytes) to `path` atomically."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    with atomic_path(path) as partial:
        partial.write_bytes(data)
