import shutil
import subprocess
import sys

import pytest

from kerasseq.data import archives
from kerasseq.data.errors import CorpusError
from tests.helpers.data_builders import ar_bytes
from tests.helpers.data_builders import tar_bytes
from tests.helpers.data_builders import write_deb
from tests.helpers.data_builders import write_wheel

FILES = {
    "usr/share/doc/a.txt": b"first\n",
    "usr/share/games/b": "zwei \u00fcber\n".encode("utf-8"),
    "usr/share/games/c.dat": b"\x00\x01odd",  # odd length: ar pads it
}


def test_read_ar_round_trip_with_odd_sizes(tmp_path):
    members = {"debian-binary": b"2.0\n", "odd": b"abc", "empty": b""}
    path = tmp_path / "x.ar"
    path.write_bytes(ar_bytes(members))
    assert archives.read_ar(path) == members


@pytest.mark.skipif(shutil.which("ar") is None, reason="binutils ar not installed")
def test_read_ar_agrees_with_binutils(tmp_path):
    path = tmp_path / "x.deb"
    write_deb(path, FILES)
    listed = subprocess.run(["ar", "t", str(path)], capture_output=True, text=True, check=True)
    members = archives.read_ar(path)
    assert list(members) == listed.stdout.split()
    for name, data in members.items():
        extracted = subprocess.run(["ar", "p", str(path), name], capture_output=True, check=True)
        assert extracted.stdout == data


def test_read_ar_rejects_other_files(tmp_path):
    path = tmp_path / "x.deb"
    path.write_bytes(b"PK\x03\x04 not an ar archive")
    with pytest.raises(CorpusError, match="not an ar archive"):
        archives.read_ar(path)


def test_read_ar_reports_truncation(tmp_path):
    path = tmp_path / "x.deb"
    path.write_bytes(ar_bytes({"data.tar.xz": b"x" * 100})[:-10])
    with pytest.raises(CorpusError, match="truncated"):
        archives.read_ar(path)


@pytest.mark.parametrize("compression", ["xz", "gz", "bz2", ""])
def test_deb_files_without_leading_dot(tmp_path, compression):
    path = write_deb(tmp_path / "p.deb", FILES, compression=compression)
    assert archives.list_files(path) == sorted(FILES)
    assert archives.read_files(path, "usr/share/games/*") == {
        "usr/share/games/b": FILES["usr/share/games/b"],
        "usr/share/games/c.dat": FILES["usr/share/games/c.dat"],
    }
    assert archives.read_file(path, "usr/share/doc/a.txt") == b"first\n"


def test_deb_skips_symlinks(tmp_path):
    path = write_deb(tmp_path / "p.deb", FILES, symlinks={"usr/share/games/b.u8": "b"})
    assert "usr/share/games/b.u8" not in archives.read_files(path, "usr/share/games/*")
    assert "usr/share/games/b.u8" not in archives.list_files(path)


def test_deb_zstd_without_a_zstd_module_says_so(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "compression", None)
    monkeypatch.setitem(sys.modules, "compression.zstd", None)
    monkeypatch.setitem(sys.modules, "zstandard", None)
    path = write_deb(tmp_path / "p.deb", FILES, compression="zst", data_tar=b"not really zstd")
    with pytest.raises(CorpusError, match="zstd-compressed.*zstandard.*ar x"):
        archives.read_files(path, "*")


@pytest.mark.skipif(shutil.which("zstd") is None, reason="zstd tool not installed")
def test_deb_zstd_with_a_zstd_module(tmp_path):
    try:
        from compression import zstd  # noqa: F401
    except ImportError:
        pytest.importorskip("zstandard")
    compressed = subprocess.run(
        ["zstd", "-q", "-c"], input=tar_bytes(FILES, ""), capture_output=True, check=True
    ).stdout
    path = write_deb(tmp_path / "p.deb", FILES, compression="zst", data_tar=compressed)
    assert archives.read_file(path, "usr/share/games/b") == FILES["usr/share/games/b"]


def test_deb_without_data_member(tmp_path):
    path = tmp_path / "p.deb"
    path.write_bytes(ar_bytes({"debian-binary": b"2.0\n"}))
    with pytest.raises(CorpusError, match="no data.tar member"):
        archives.read_files(path, "*")


def test_wheel_patterns_and_missing_files(tmp_path):
    path = write_wheel(tmp_path / "pkg-1.0-py3-none-any.whl", {
        "pkg/__init__.py": b"",
        "pkg/data/x.md": b"# x",
        "pkg/data/sub/y.md": b"# y",
    })
    assert list(archives.read_files(path, "pkg/data/*.md")) == [
        "pkg/data/sub/y.md", "pkg/data/x.md",
    ]
    assert list(archives.read_files(path, ["pkg/data/x.md", "pkg/*.py"])) == [
        "pkg/__init__.py", "pkg/data/x.md",
    ]
    with pytest.raises(CorpusError, match=r"No file .* matches \['\*\.csv'\]"):
        archives.read_files(path, "*.csv")
    with pytest.raises(CorpusError, match="holds no file 'pkg/missing'"):
        archives.read_file(path, "pkg/missing")


def test_unknown_archive_type(tmp_path):
    path = tmp_path / "notes.txt"
    path.write_text("plain")
    with pytest.raises(CorpusError, match="neither a wheel/zip nor a .deb"):
        archives.list_files(path)
