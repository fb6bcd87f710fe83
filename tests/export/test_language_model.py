"""The language model's exports: ids it never emits, the prompt cap."""

import json

import numpy as np
import pytest
import tensorflow as tf

from kerasseq.export import ExportOptions
from kerasseq.export import export_trained
from tests.export import builders


def export(source, out, formats=("saved_model",), **options):
    options = ExportOptions(samples=8, **options)
    return export_trained(source, str(out), list(formats), options=options,
                          print_fn=lambda line: None)


def favour_padding_and_unknown(model):
    """Ids 0 (padding) and 1 ([UNK]) become by far the most likely next
    tokens, through the bias of the logits layer."""
    layer = model.get_layer("logits")
    kernel, bias = layer.get_weights()
    bias[0], bias[1] = 40.0, 30.0
    layer.set_weights([kernel, bias])


@pytest.mark.parametrize("cell, sampler", [("gru", "greedy"), ("gru", "random"),
                                           ("self_attention", "top_p")])
def test_saved_model_never_emits_padding_or_unknown(cell, sampler, tmp_path):
    source = builders.language_model(cell, units=6, layers=1, seq_len=8)
    favour_padding_and_unknown(source.model)
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
