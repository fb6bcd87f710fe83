import json
import math
import subprocess
import sys

import keras
import numpy as np
import pytest

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


def test_train_copy_then_evaluate_json(capsys, tmp_path):
    out = tmp_path / "copy"
    code = cli.main([
        "train", "copy", "--T", "5", "--cell", "gru", "--units", "8",
        "--embedding-dim", "4", "--epochs", "2", "--steps-per-epoch", "3",
        "--validation-steps", "1", "--batch-size", "8", "--out", str(out),
    ])
    assert code == 0
    assert "baseline loss" in capsys.readouterr().out
    assert cli.main(["evaluate", str(out), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert set(metrics) == {"loss", "accuracy", "baseline_loss"}
    assert metrics["baseline_loss"] == pytest.approx(10 * math.log(8) / 25)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["evaluate", "no/such/dir"], "does not exist"),
        (["train", "copy", "--cell", "lstn", "--epochs", "1"], "'lstn'"),
        (["train", "adding", "--units", "0"], "`units`"),
        (["train", "copy", "--T", "1"], "`T`"),
        (["train", "lm", "--data", "no_such_corpus"], "no_such_corpus"),
        (["train", "sentiment", "--data", "{csv}", "--text-column", "body"], "body"),
        (["data", "fetch", "no_such_corpus"], "no_such_corpus"),
    ],
)
def test_user_errors_are_one_line_with_exit_2(capsys, tmp_path, argv, expected):
    csv_path = tmp_path / "reviews.csv"
    csv_path.write_text("text,label\ngood,1\n")
    argv = [a.format(csv=csv_path) for a in argv]
    out = tmp_path / "out"
    if argv[0] == "train":
        argv += ["--out", str(out)]
    assert cli.main(argv) == 2
    assert not out.exists()  # nothing half-written
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and expected in err and "Traceback" not in err


@pytest.fixture(scope="module")
def sentiment_dir(tmp_path_factory):
    from tests.jobs.test_sentiment import write_reviews

    root = tmp_path_factory.mktemp("cli_sentiment")
    write_reviews(root / "reviews.csv")
    out = root / "model"
    code = cli.main([
        "train", "sentiment", "--data", str(root / "reviews.csv"),
        "--text-column", "review", "--label-column", "verdict",
        "--cell", "gru", "--units", "4", "--embedding-dim", "4",
        "--epochs", "1", "--out", str(out),
    ])
    assert code == 0
    return out


def _run_cli(args, stdin=b""):
    return subprocess.run(
        [sys.executable, "-m", "kerasseq", *args], input=stdin,
        capture_output=True, timeout=300,
    )


def test_classify_reads_arguments_and_stdin(sentiment_dir):
    by_args = _run_cli(["classify", str(sentiment_dir), "superb film", "dull plot"])
    assert by_args.returncode == 0, by_args.stderr
    lines = by_args.stdout.decode().splitlines()
    assert [line.split("\t")[2] for line in lines] == ["superb film", "dull plot"]
    assert all(line.split("\t")[0] in ("neg", "pos") for line in lines)
    by_stdin = _run_cli(["classify", str(sentiment_dir)], stdin="superb film\n\nx\n".encode())
    assert by_stdin.returncode == 0 and len(by_stdin.stdout.decode().splitlines()) == 2


@pytest.mark.parametrize(
    "args, stdin, expected",
    [
        (["classify", "{dir}"], b"", "no text to classify"),
        (["classify", "{dir}"], b"ok \xff\xfe bytes", "not valid UTF-8"),
        (["generate", "{dir}"], b"", "needs one made by `kerasseq train lm`"),
        (["neighbors", "{dir}", "zzzz"], b"", "not in the model's vocabulary"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(sentiment_dir, args, stdin, expected):
    result = _run_cli([a.format(dir=sentiment_dir) for a in args], stdin=stdin)
    assert result.returncode == 2
    err = [line for line in result.stderr.decode().splitlines()
           if line.startswith("kerasseq ")]
    assert len(err) == 1 and expected in err[0]
    assert "Traceback" not in result.stderr.decode()


def test_generate_continues_the_prompt(capsys, tmp_path):
    (tmp_path / "corpus.txt").write_text("the cat sat on the mat. " * 400)
    out = tmp_path / "lm"
    assert cli.main([
        "train", "lm", "--data", str(tmp_path / "corpus.txt"), "--seq-len", "24",
        "--cell", "gru", "--units", "32", "--embedding-dim", "8", "--epochs", "6",
        "--batch-size", "16", "--learning-rate", "0.01", "--out", str(out),
    ]) == 0
    capsys.readouterr()
    assert cli.main(["generate", str(out), "--prompt", "the cat ",
                     "--max-tokens", "12", "--sampler", "greedy"]) == 0
    assert capsys.readouterr().out.strip() == "the cat sat on the m"
    assert cli.main(["generate", str(out), "--prompt", "the ", "--top-k", "3",
                     "--seed", "1", "--max-tokens", "30"]) == 0
    assert capsys.readouterr().out.startswith("the ")


@pytest.mark.parametrize("cell", ["orthogonal", "unitary"])
def test_train_copy_with_parametrized_cells(capsys, tmp_path, cell):
    out = tmp_path / cell
    assert cli.main([
        "train", "copy", "--T", "4", "--cell", cell, "--units", "6",
        "--embedding-dim", "4", "--epochs", "1", "--steps-per-epoch", "3",
        "--validation-steps", "1", "--batch-size", "8", "--out", str(out),
    ]) == 0
    capsys.readouterr()
    assert cli.main(["evaluate", str(out), "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["baseline_loss"] == pytest.approx(10 * math.log(8) / 24)


def test_diagnose_gradients_writes_a_plot(capsys, tmp_path):
    plot = tmp_path / "flow.png"
    assert cli.main(["diagnose", "gradients", "--cells", "simple_rnn,orthogonal",
                     "--T", "20", "--units", "4", "--plot", str(plot)]) == 0
    out = capsys.readouterr().out
    assert "simple_rnn" in out and "orthogonal" in out
    assert plot.read_bytes()[:4] == b"\x89PNG"


def test_cell_options_reach_the_layer(capsys, tmp_path):
    out = tmp_path / "copy"
    assert cli.main([
        "train", "copy", "--T", "4", "--cell", "orthogonal", "--units", "6",
        "--cell-option", "activation=modrelu", "--cell-option", "parametrization=cayley",
        "--embedding-dim", "4", "--epochs", "1", "--steps-per-epoch", "2",
        "--validation-steps", "1", "--batch-size", "8", "--out", str(out),
    ]) == 0
    config = json.loads((out / "config.json").read_text())
    # The given options over the job's own default (He-normal inputs).
    assert config["model"]["cell_options"] == {"activation": "modrelu",
                                               "parametrization": "cayley",
                                               "kernel_initializer": "he_normal"}
    model = keras.saving.load_model(out / "model.keras")
    layer_config = model.get_layer("recurrent").recurrent_layers[0].get_config()
    assert layer_config["activation"] == "modrelu"
    assert layer_config["parametrization"] == "cayley"


def test_bad_cell_option_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as info:
        cli.main(["train", "copy", "--cell-option", "nonsense"])
    assert info.value.code == 2
    assert "KEY=VALUE" in capsys.readouterr().err


def test_bidirectional_flag_follows_the_job_default():
    from kerasseq import jobs

    parser = cli.build_parser()
    sentiment = parser.parse_args(["train", "sentiment"])
    assert cli.job_config_from_args(jobs.get_job("sentiment"), sentiment).model.bidirectional
    off = parser.parse_args(["train", "sentiment", "--no-bidirectional"])
    assert not cli.job_config_from_args(jobs.get_job("sentiment"), off).model.bidirectional
    copy = parser.parse_args(["train", "copy", "--bidirectional"])
    assert cli.job_config_from_args(jobs.get_job("copy"), copy).model.bidirectional


def test_architecture_flag_and_the_older_cell_spelling_give_one_config():
    from kerasseq import jobs

    parser = cli.build_parser()
    lm = jobs.get_job("lm")
    new = cli.job_config_from_args(lm, parser.parse_args(
        ["train", "lm", "--architecture", "self_attention"])).model
    old = cli.job_config_from_args(lm, parser.parse_args(
        ["train", "lm", "--cell", "self_attention"])).model
    assert new == old
    assert (new.architecture, new.cell, new.bidirectional) == ("self_attention", None, False)
    recurrent = cli.job_config_from_args(lm, parser.parse_args(["train", "lm"])).model
    assert (recurrent.architecture, recurrent.cell) == ("recurrent", "lstm")
    # The job's own default cell where --cell is not given.
    copy = cli.job_config_from_args(jobs.get_job("copy"), parser.parse_args(
        ["train", "copy", "--architecture", "recurrent"])).model
    assert copy.cell == "orthogonal"


def test_self_attention_lm_has_its_own_measured_defaults_and_flags_override_them():
    from kerasseq import jobs

    parser = cli.build_parser()
    lm = jobs.get_job("lm")

    def config(*flags):
        return cli.job_config_from_args(
            lm, parser.parse_args(["train", "lm", *flags]))

    # The README's sweep: 2 pre-norm layers of 4 heads, width 128, a
    # 512-wide feed-forward block, a cosine learning-rate schedule.
    attention = config("--architecture", "self_attention")
    assert (attention.model.units, attention.model.layers,
            attention.model.embedding_dim) == (512, 2, 128)
    assert attention.model.cell_options == {"num_heads": 4, "norm_first": True}
    assert (attention.train.learning_rate_decay,
            attention.train.learning_rate, attention.train.epochs) == (
        "cosine", 3e-3, 4)
    # The older --cell spelling resolves to the same defaults.
    assert config("--cell", "self_attention") == attention
    # The recurrent model keeps its own.
    recurrent = config()
    assert (recurrent.model.units, recurrent.model.layers,
            recurrent.model.embedding_dim, recurrent.model.cell_options,
            recurrent.train.learning_rate_decay) == (256, 1, 64, {}, "none")
    # Every flag overrides the default; a cell option replaces only its key.
    given = config("--architecture", "self_attention", "--units", "64",
                   "--layers", "1", "--embedding-dim", "32",
                   "--cell-option", "num_heads=1",
                   "--learning-rate-decay", "none")
    assert (given.model.units, given.model.layers, given.model.embedding_dim,
            given.train.learning_rate_decay) == (64, 1, 32, "none")
    assert given.model.cell_options == {"num_heads": 1, "norm_first": True}
    off = config("--architecture", "self_attention",
                 "--cell-option", "norm_first=false")
    assert off.model.cell_options == {"num_heads": 4, "norm_first": False}
    # The Python API agrees with the command.
    api = lm.make_config("x", model={"architecture": "self_attention"})
    assert (api.model, api.train) == (attention.model, attention.train)
    # Other jobs have no architecture-specific defaults.
    sentiment = cli.job_config_from_args(jobs.get_job("sentiment"), parser.parse_args(
        ["train", "sentiment", "--architecture", "self_attention"]))
    assert (sentiment.model.units, sentiment.model.cell_options) == (
        cli.job_config_from_args(jobs.get_job("sentiment"), parser.parse_args(
            ["train", "sentiment"])).model.units, {})


def test_train_help_names_both_defaults_of_an_architecture_specific_flag(capsys):
    with pytest.raises(SystemExit):
        cli.main(["train", "lm", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "default: 256; 512 with --architecture self_attention" in text
    assert "default: 1; 2 with --architecture self_attention" in text
    assert "default: none; cosine with --architecture self_attention" in text
    assert ("default with --architecture self_attention: num_heads=4 "
            "norm_first=True") in text


def test_long_memory_jobs_default_to_the_papers_setting_and_take_a_manifold_rate(
        capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # nothing may be written, even by mistake
    from kerasseq import jobs

    parser = cli.build_parser()
    # copy: expRNN's setting; adding: scoRNN's (Adam, batch 50, 20,000 steps).
    for name, optimizer, batch, steps in (("copy", "rmsprop", 128, 4000),
                                          ("adding", "adam", 50, 20000)):
        config = cli.job_config_from_args(
            jobs.get_job(name), parser.parse_args(["train", name]))
        assert (config.model.cell, config.model.units) == ("orthogonal", 190)
        assert (config.train.optimizer, config.train.batch_size) == (optimizer, batch)
        assert config.train.epochs * config.train.steps_per_epoch == steps
        assert config.train.manifold_multiplier == pytest.approx(0.1)
    copy = cli.job_config_from_args(jobs.get_job("copy"), parser.parse_args(["train", "copy"]))
    assert (copy.train.learning_rate, copy.train.learning_rate_decay) == (2e-3, "cosine")
    # expRNN's inputs: one-hot symbols, a He-normal input kernel.
    assert copy.options.inputs == "one_hot"
    assert copy.model.cell_options == {"kernel_initializer": "he_normal"}
    embedded = cli.job_config_from_args(jobs.get_job("copy"), parser.parse_args(
        ["train", "copy", "--inputs", "embedding", "--T", "30"]))
    assert (embedded.options.inputs, embedded.options.T) == ("embedding", 30)
    adding = cli.job_config_from_args(
        jobs.get_job("adding"), parser.parse_args(["train", "adding"]))
    assert (adding.train.learning_rate, adding.train.learning_rate_decay) == (1e-3, "none")
    off = parser.parse_args(["train", "copy", "--learning-rate-decay", "none"])
    assert cli.job_config_from_args(jobs.get_job("copy"), off).train.learning_rate_decay == "none"
    given = parser.parse_args(["train", "copy", "--learning-rate", "2e-4",
                               "--manifold-learning-rate", "5e-5"])
    train = cli.job_config_from_args(jobs.get_job("copy"), given).train
    assert train.manifold_learning_rate == 5e-5
    assert train.manifold_multiplier == pytest.approx(0.25)
    given = parser.parse_args(["train", "copy", "--optimizer-option", "rho=0.95",
                               "--optimizer-option", "centered=True"])
    train = cli.job_config_from_args(jobs.get_job("copy"), given).train
    assert train.optimizer_options == {"rho": 0.95, "centered": True}
    given = parser.parse_args(["train", "adding", "--optimizer-option", "amsgrad=True"])
    train = cli.job_config_from_args(jobs.get_job("adding"), given).train
    assert train.optimizer_options == {"amsgrad": True}
    assert cli.main(["train", "copy", "--manifold-learning-rate", "-1"]) == 2
    assert "manifold_learning_rate" in capsys.readouterr().err


def test_self_attention_lm_trains_generates_past_its_window_and_exports(
        capsys, tmp_path):
    # seq-len 23 and a 24-character period: training windows start at every
    # phase of the text, as the sliding window of generation reads it.
    (tmp_path / "corpus.txt").write_text("the cat sat on the mat. " * 200)
    out = tmp_path / "lm"
    assert cli.main([
        "train", "lm", "--data", str(tmp_path / "corpus.txt"), "--seq-len", "23",
        "--cell", "self_attention", "--layers", "2", "--units", "32",
        "--embedding-dim", "16", "--epochs", "10", "--batch-size", "16",
        "--learning-rate", "0.01", "--out", str(out),
    ]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["model"]["architecture"] == "self_attention"
    assert config["model"]["cell"] is None
    # Fixed-shape windows, no recurrent layer: `--jit-compile auto` uses XLA
    # (on CPUs too, where it trains this model faster).
    assert "jit_compile=True" in capsys.readouterr().out
    assert cli.main(["generate", str(out), "--prompt", "the cat ",
                     "--max-tokens", "64", "--sampler", "greedy"]) == 0
    text = capsys.readouterr().out.rstrip("\n")
    assert text == ("the cat sat on the mat. " * 4)[:8 + 64]
    # Decoded with XLA, past the window (24) and its slides: the same text.
    assert cli.main(["generate", str(out), "--prompt", "the cat ",
                     "--max-tokens", "64", "--sampler", "greedy",
                     "--jit-compile"]) == 0
    assert capsys.readouterr().out.rstrip("\n") == text
    assert cli.main(["export", str(out), "--sampler", "greedy",
                     "--max-tokens", "30"]) == 0
    info = json.loads((out / "tflite" / "model_info.json").read_text())
    # The token window and each of the two blocks' key/value cache.
    assert [state["name"] for state in info["states"]] == [
        "window", "count", "key_cache_0", "value_cache_0", "key_cache_1",
        "value_cache_1"]
    import tensorflow as tf

    serving = tf.saved_model.load(str(out / "saved_model"))
    outputs = serving.signatures["serving_default"](text=tf.constant(["the cat "]))
    assert outputs["text"].numpy()[0].decode() == ("the cat sat on the mat. " * 2)[8:38]


def test_self_attention_classifier_trains_classifies_and_exports(capsys, tmp_path):
    from tests.jobs.test_sentiment import write_reviews

    write_reviews(tmp_path / "reviews.csv")
    out = tmp_path / "model"
    assert cli.main([
        "train", "sentiment", "--data", str(tmp_path / "reviews.csv"),
        "--text-column", "review", "--label-column", "verdict",
        "--cell", "self_attention", "--units", "8", "--embedding-dim", "8",
        "--max-length", "12", "--epochs", "2", "--out", str(out),
    ]) == 0
    config = json.loads((out / "config.json").read_text())
    assert config["model"]["bidirectional"] is False  # not the job's default
    assert config["options"]["pooling"] == "mean"
    capsys.readouterr()
    assert cli.main(["classify", str(out), "superb film", "dull plot"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] in ("neg", "pos") for line in lines] == [True, True]
    assert cli.main(["export", str(out), "--out", str(tmp_path / "export")]) == 0
    report = capsys.readouterr().out
    assert "built-in ops only" in report and "same argmax 100%" in report


@pytest.mark.parametrize("job", ["lm", "sentiment"])
def test_self_attention_heads_from_a_cell_option_train_and_reload(job, tmp_path):
    if job == "lm":
        (tmp_path / "corpus.txt").write_text("the cat sat on the mat. " * 50)
        data = ["--data", str(tmp_path / "corpus.txt"), "--seq-len", "8"]
    else:
        from tests.jobs.test_sentiment import write_reviews

        write_reviews(tmp_path / "reviews.csv", count=60)
        data = ["--data", str(tmp_path / "reviews.csv"), "--text-column",
                "review", "--label-column", "verdict", "--max-length", "8"]
    out = tmp_path / "model"
    assert cli.main([
        "train", job, *data, "--cell", "self_attention", "--cell-option",
        "num_heads=4", "--units", "8", "--embedding-dim", "8", "--epochs", "1",
        "--steps-per-epoch", "2", "--batch-size", "8", "--out", str(out),
    ]) == 0
    config = json.loads((out / "config.json").read_text())
    # The language model's self-attention defaults to pre-norm blocks.
    assert config["model"]["cell_options"] == (
        {"num_heads": 4, "norm_first": True} if job == "lm" else {"num_heads": 4})
    model = keras.saving.load_model(out / "model.keras")
    attention = model.get_layer("self_attention_0").attention
    assert (attention.num_heads, attention.key_dim) == (4, 2)


@pytest.mark.parametrize(
    "argv, expected",
    [
        (["train", "lm", "--cell", "self_attention", "--bidirectional"],
         "bidirectional"),
        (["train", "sentiment", "--cell", "self_attention", "--bidirectional"],
         "bidirectional"),
        (["train", "sentiment", "--cell", "self_attention", "--pooling", "last"],
         "--pooling mean"),
        (["train", "copy", "--cell", "self_attention"], "job 'copy'"),
        (["train", "seq2seq", "--cell", "self_attention"], "job 'seq2seq'"),
        (["train", "lm", "--cell", "self_attention", "--cell-option",
          "stateful=true"], "'stateful'"),
        (["train", "lm", "--cell", "self_attn"], "'self_attention'"),
        (["train", "lm", "--cell", "self_attention", "--embedding-dim", "16",
          "--cell-option", "num_heads=3"], "embedding_dim=16, num_heads=3"),
        (["train", "lm", "--architecture", "self_attention", "--cell", "gru"],
         "--cell gru names a recurrent layer"),
        (["train", "lm", "--architecture", "recurrent", "--cell", "self_attention"],
         "contradicts --architecture recurrent"),
        (["train", "copy", "--architecture", "self_attention"], "job 'copy'"),
    ],
)
def test_self_attention_misuse_is_one_line_before_any_work(
        capsys, tmp_path, argv, expected):
    assert cli.main([*argv, "--out", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and expected in err and "Traceback" not in err
    assert not (tmp_path / "out").exists()  # failed before writing anything


def test_only_user_errors_become_one_line_and_exit_2(monkeypatch, capsys):
    from kerasseq.errors import UserError
    from kerasseq.training.trainer import NonFiniteLoss

    from kerasseq.cli import evaluate

    monkeypatch.setattr(evaluate, "run", lambda args: (_ for _ in ()).throw(
        UserError("bad\n  input")))
    assert cli.main(["evaluate", "somewhere"]) == 2
    assert capsys.readouterr().err == "kerasseq evaluate: error: bad input\n"
    # A bug, or a diverging loss, keeps its traceback.
    for error in (ValueError("a bug"), NonFiniteLoss("loss is nan"), KeyError("k")):
        monkeypatch.setattr(
            evaluate, "run", lambda args, e=error: (_ for _ in ()).throw(e))
        with pytest.raises(type(error)):
            cli.main(["evaluate", "somewhere"])


@pytest.mark.parametrize("name", ["lm", "sentiment", "seq2seq", "copy", "adding"])
def test_make_config_gives_the_command_defaults(name):
    from kerasseq import jobs

    job = jobs.get_job(name)
    args = cli.build_parser().parse_args(["train", name, "--out", "somewhere"])
    assert job.make_config("somewhere") == cli.job_config_from_args(job, args)
    given = job.make_config("x", model={"units": 7}, train={"epochs": 2})
    assert (given.model.units, given.train.epochs) == (7, 2)
    assert given.model.cell == job.make_config("x").model.cell


def test_an_option_value_in_braces_is_a_json_object():
    initializer = '{"class_name": "RandomUniform", "config": {"minval": -0.1}}'
    assert cli.key_value(f"kernel_initializer={initializer}") == (
        "kernel_initializer",
        {"class_name": "RandomUniform", "config": {"minval": -0.1}},
    )
    assert cli.key_value("rho=0.99") == ("rho", 0.99)
    with pytest.raises(Exception, match="not a JSON object.*kernel_initializer|"
                       "kernel_initializer.*not a JSON object"):
        cli.key_value("kernel_initializer={class_name: RandomUniform}")


def test_the_adding_job_sets_scornn_options_for_the_orthogonal_cell_only():
    from kerasseq import jobs

    job = jobs.get_job("adding")
    parse = cli.build_parser().parse_args
    options = cli.job_config_from_args(
        job, parse(["train", "adding", "--units", "64"])
    ).model.cell_options
    assert options["negative_ones"] == 32 and options["use_bias"] is False
    assert options["kernel_initializer"]["config"] == {"minval": -0.01, "maxval": 0.01}
    # A given option wins; another cell gets none of them.
    given = cli.job_config_from_args(job, parse([
        "train", "adding", "--cell-option", "use_bias=true",
        "--cell-option", "negative_ones=0",
    ])).model.cell_options
    assert (given["use_bias"], given["negative_ones"]) == (True, 0)
    lstm = cli.job_config_from_args(job, parse(["train", "adding", "--cell", "lstm"]))
    assert lstm.model.cell_options == {}
    assert jobs.get_job("copy").make_config("x").model.cell_options == {
        "kernel_initializer": "he_normal"}  # copy's own, expRNN's
    # The options build the layer they describe.
    model = job.build_model(job.make_config("x", model={"units": 8}, T=20))
    layer = model.get_layer("recurrent").recurrent_layers[0]
    kernel = np.asarray(layer.cell.kernel)
    assert np.abs(kernel).max() <= 0.01 and layer.cell.bias is None
