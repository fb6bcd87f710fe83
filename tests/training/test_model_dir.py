import os

import pytest

from kerasseq.training.model_dir import atomic_directory


def test_atomic_directory_appears_only_when_complete(tmp_path):
    target = tmp_path / "export"
    with atomic_directory(target) as temporary:
        assert not target.exists()
        (open(os.path.join(temporary, "model.bin"), "w")).write("new")
    assert (target / "model.bin").read_text() == "new"
    assert os.listdir(tmp_path) == ["export"]


def test_atomic_directory_keeps_the_old_one_on_failure_and_replaces_on_success(tmp_path):
    target = tmp_path / "export"
    target.mkdir()
    (target / "old.bin").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_directory(target) as temporary:
            (open(os.path.join(temporary, "half.bin"), "w")).write("half")
            raise RuntimeError("interrupted")
    assert os.listdir(target) == ["old.bin"] and os.listdir(tmp_path) == ["export"]
    with atomic_directory(target) as temporary:
        (open(os.path.join(temporary, "new.bin"), "w")).write("new")
    assert os.listdir(target) == ["new.bin"] and os.listdir(tmp_path) == ["export"]
