import subprocess
import sys

import kerasseq
from kerasseq import cli


def test_version_and_help_from_the_console_script():
    version = subprocess.run(
        [sys.executable, "-m", "kerasseq", "--version"],
        capture_output=True, text=True, check=True,
    )
    assert version.stdout.strip() == f"kerasseq {kerasseq.__version__}"
    usage = subprocess.run(
        [sys.executable, "-m", "kerasseq", "--help"],
        capture_output=True, text=True, check=True,
    )
    assert "demo" in usage.stdout


def test_demo_loss_falls_and_is_plotted(capsys, tmp_path):
    plot = tmp_path / "curves" / "loss.png"
    code = cli.main(["demo", "--cells", "gru", "--length", "20",
                     "--train-samples", "4000", "--epochs", "4",
                     "--plot", str(plot)])
    assert code == 0
    out = capsys.readouterr().out
    assert "baseline MSE 0.1667" in out
    losses = [float(line.split("val_loss")[1].split()[0])
              for line in out.splitlines() if "val_loss" in line]
    assert len(losses) == 4
    assert losses[-1] < 0.5 * min(losses[0], 0.1667)
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert list(plot.parent.iterdir()) == [plot]  # no temporary file left


def test_demo_unknown_cell_is_one_line_and_exit_2(capsys):
    assert cli.main(["demo", "--cells", "lstn"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "'lstn'" in err and "'lstm'" in err
