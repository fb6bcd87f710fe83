"""Builders for the archives the data tests read: ar, .deb, wheel, zText."""

import io
import struct
import tarfile
import zipfile
import zlib


def ar_bytes(members):
    """An `ar` archive (System V / GNU) of `{name: bytes}`, built by hand."""
    out = [b"!<arch>\n"]
    for name, data in members.items():
        header = (
            f"{name + '/':<16}{0:<12}{0:<6}{0:<6}{100644:<8}{len(data):<10}".encode()
            + b"`\n"
        )
        assert len(header) == 60
        out.append(header + data + (b"\n" if len(data) % 2 else b""))
    return b"".join(out)


def tar_bytes(files, compression="xz", symlinks=None):
    """A tar archive of `{name: bytes}` with `./` names, like dpkg-deb makes."""
    buffer = io.BytesIO()
    mode = "w:" if compression in ("", "zst") else f"w:{compression}"
    with tarfile.open(fileobj=buffer, mode=mode) as archive:
        directory = tarfile.TarInfo("./usr/")
        directory.type = tarfile.DIRTYPE
        archive.addfile(directory)
        for name, data in files.items():
            info = tarfile.TarInfo("./" + name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
        for name, target in (symlinks or {}).items():
            info = tarfile.TarInfo("./" + name)
            info.type = tarfile.SYMTYPE
            info.linkname = target
            archive.addfile(info)
    return buffer.getvalue()


def write_deb(path, files, compression="xz", symlinks=None, data_tar=None):
    """Writes a minimal .deb: debian-binary, control.tar.xz, data.tar.*."""
    suffix = f".{compression}" if compression else ""
    if data_tar is None:
        data_tar = tar_bytes(files, compression, symlinks)
    path.write_bytes(ar_bytes({
        "debian-binary": b"2.0\n",
        "control.tar.xz": tar_bytes({"control": b"Package: test\n"}),
        f"data.tar{suffix}": data_tar,
    }))
    return path


def write_wheel(path, files):
    """Writes a zip file (a wheel, as far as the readers care) of `{name: bytes}`."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            archive.writestr(name, data)
    return path


def ztext_testament(entries, block_size=3):
    """`(bzs, bzv, bzz)` of a zText testament whose slots hold `entries`.

    Entries are UTF-8 encoded and packed `block_size` to a zlib block;
    an empty entry gets size 0, as SWORD writes it.
    """
    bzs, bzv, bzz = [], [], b""
    for first in range(0, len(entries), block_size):
        block_number = first // block_size
        block = b""
        for entry in entries[first:first + block_size]:
            data = entry.encode("utf-8")
            bzv.append(struct.pack("<IIH", block_number, len(block), len(data)))
            block += data
        compressed = zlib.compress(block)
        bzs.append(struct.pack("<III", len(bzz), len(compressed), len(block)))
        bzz += compressed
    return b"".join(bzs), b"".join(bzv), bzz
