"""The language model's exports: ids it never emits, the prompt cap."""

import json

import numpy as np
import pytest
import tensorflow as tf

from kerasseq.export import ExportOptions
from kerasseq.export import export_trained
from kerasseq.models.language_model import generate_ids
from kerasseq.samplers import get_sampler
from tests.helpers import export_builders as builders


def export(source, out, formats=("saved_model",), **options):
    options = ExportOptions(samples=8, **options)
    return export_trained(source, str(out), list(formats), options=options,
                          print_fn=lambda line: None)


@pytest.mark.parametrize("cell, sampler", [("gru", "greedy"), ("gru", "random"),
                                           ("self_attention", "top_p")])
def test_saved_model_never_emits_padding_or_unknown(cell, sampler, tmp_path):
    source = builders.language_model(cell, units=6, layers=1, seq_len=8)
    builders.favour_padding_and_unknown(source.model)
    prompt_ids = source.tokenizer.encode_one("To be")
    logits = np.asarray(source.model(np.array([prompt_ids])))[0, -1]
    assert logits.argmax() <= 1  # the model does favour them
    formats = ("saved_model", "tflite") if sampler == "greedy" else ("saved_model",)
    export(source, tmp_path, formats, sampler=sampler, top_p=1.0, seed=0,
           max_new_tokens=16)
    serving = tf.saved_model.load(str(tmp_path / "saved_model"))
    prompts = tf.constant(["To be", "", "qqq", "Whether 'tis nobler"])
    for temperature in (0.5, 1.0, 4.0):
        outputs = serving.signatures["generate"](
            text=prompts, max_new_tokens=tf.constant(16),
            temperature=tf.constant(temperature))
        ids = outputs["token_ids"].numpy()
        assert ids.shape == (4, 16) and ids.min() >= 2
        for text in outputs["text"].numpy():
            assert b"[UNK]" not in text and len(text.decode()) == 16  # chars
    if sampler == "greedy":
        info = json.loads((tmp_path / "tflite" / "model_info.json").read_text())
        assert info["never_emit_ids"] == [0, 1]
        assert "never an id of never_emit_ids" in info["usage"]


def test_a_long_prompt_is_read_from_its_last_tokens(tmp_path):
    # An orthogonal cell keeps a long memory (char level).
    source = builders.language_model("orthogonal", units=8, layers=1)
    export(source, tmp_path, max_prompt_tokens=4, max_new_tokens=10)
    long, tail = "Whether 'tis nobler in the mind", "mind"
    # The cap matters: the whole prompt and its tail continue differently.
    whole, cut = (
        np.asarray(generate_ids(source.model, [source.tokenizer.encode_one(p)], 10,
                                get_sampler("greedy")))[0].tolist()
        for p in (long, tail)
    )
    assert whole != cut
    serving = tf.saved_model.load(str(tmp_path / "saved_model"))
    prompts = tf.constant([long, tail, "To b", "To", ""])
    for outputs in (
        serving.signatures["serving_default"](text=prompts),
        serving.signatures["generate"](text=prompts, max_new_tokens=tf.constant(10),
                                       temperature=tf.constant(1.0)),
    ):
        ids = outputs["token_ids"].numpy().tolist()
        assert ids[0] == ids[1] == cut
        assert outputs["truncated"].numpy().tolist() == [True, False, False, False,
                                                         False]


def test_the_default_cap_is_five_training_windows(tmp_path):
    source = builders.language_model("gru", units=4, layers=1, seq_len=7)
    export(source, tmp_path, ("saved_model", "tflite"), max_new_tokens=2)
    info = json.loads((tmp_path / "tflite" / "model_info.json").read_text())
    assert info["max_prompt_tokens"] == 35
    serving = tf.saved_model.load(str(tmp_path / "saved_model"))
    outputs = serving.signatures["serving_default"](text=tf.constant(["a" * 35, "a" * 36]))
    assert outputs["truncated"].numpy().tolist() == [False, True]


def test_a_self_attention_model_caps_at_most_at_its_window(tmp_path):
    source = builders.language_model("self_attention", seq_len=6)
    export(source, tmp_path / "default", ("saved_model", "tflite"), max_new_tokens=8)
    info = json.loads((tmp_path / "default" / "tflite" / "model_info.json").read_text())
    assert info["max_prompt_tokens"] == 6  # all the model reads
    serving = tf.saved_model.load(str(tmp_path / "default" / "saved_model"))
    outputs = serving.signatures["serving_default"](
        text=tf.constant(["To be, or", "be, or", "To be"]))
    assert outputs["truncated"].numpy().tolist() == [True, False, False]
    ids = outputs["token_ids"].numpy().tolist()
    assert ids[0] == ids[1]

    export(source, tmp_path / "three", max_new_tokens=8, max_prompt_tokens=3)
    serving = tf.saved_model.load(str(tmp_path / "three" / "saved_model"))
    ids = serving.signatures["serving_default"](
        text=tf.constant(["To be, or", " or"]))["token_ids"].numpy().tolist()
    expected = np.asarray(generate_ids(
        source.model, [source.tokenizer.encode_one(" or")], 8, get_sampler("greedy")
    ))[0].tolist()
    assert ids == [expected, expected]
    with pytest.raises(ValueError, match=r"at most the window .* 6 tokens"):
        export(source, tmp_path / "seven", max_prompt_tokens=7)
    assert not (tmp_path / "seven" / "saved_model").exists()


def test_the_prompt_cap_must_be_positive():
    with pytest.raises(ValueError, match="`max_prompt_tokens`"):
        ExportOptions(max_prompt_tokens=0)


def test_the_request_temperature_samples_as_a_sampler_of_that_temperature(tmp_path):
    # The SavedModel decodes with the sampler's own loop: a fresh export with
    # seed 0 draws what a fresh RandomSampler(temperature, seed=0) draws.
    source = builders.language_model("gru", units=6, layers=1)
    export(source, tmp_path, ("saved_model",), sampler="random", seed=0,
           max_new_tokens=20)
    prompt = source.tokenizer.encode_one("To be")
    got = {}
    for temperature in (0.3, 3.0):
        serving = tf.saved_model.load(str(tmp_path / "saved_model"))
        got[temperature] = serving.signatures["generate"](
            text=tf.constant(["To be"]), max_new_tokens=tf.constant(12),
            temperature=tf.constant(temperature),
        )["token_ids"].numpy()[0]
        expected = np.asarray(generate_ids(
            source.model, [prompt], 12,
            get_sampler("random", temperature=temperature, seed=0),
        ))[0]
        np.testing.assert_array_equal(got[temperature], expected)
    assert got[0.3].tolist() != got[3.0].tolist()
