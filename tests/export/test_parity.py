"""The SavedModel and TFLite exports compute what the Keras model does."""

import json

import numpy as np
import pytest
import tensorflow as tf

from kerasseq.export import ExportOptions
from kerasseq.export import TFLiteModel
from kerasseq.export import export_trained
from kerasseq.models.language_model import generate_ids
from kerasseq.samplers import get_sampler
from tests.helpers import export_builders as builders
from tests.helpers.export_checks import assert_builtin_only
from tests.helpers.export_checks import assert_builtin_only_no_loop
from tests.helpers.export_checks import graph_op_types

CELLS = ("simple_rnn", "lstm", "gru", "orthogonal", "unitary")
TOLERANCE = 1e-4
NEW_TOKENS = 12


def export(source, out, formats=None, **options):
    options = ExportOptions(max_new_tokens=NEW_TOKENS, samples=8, **options)
    return export_trained(source, str(out), formats, options=options,
                          print_fn=lambda line: None)


def never_emit_ids(export_dir):
    info = json.loads((export_dir / "tflite" / "model_info.json").read_text())
    return info["never_emit_ids"]


def tflite_greedy(model, prompt_ids, count, never_emit):
    """Streaming greedy decoding with the single-step TFLite model, as an
    app does it (model_info.json's usage): the states go back in at every
    call, and the ids of `never_emit` are never picked."""
    states = model.zero_inputs(exclude=("token",))  # float states, or a token window
    logits, token, new = [], None, []
    for token in list(prompt_ids) + [None] * count:
        if token is None:
            allowed = logits[-1].copy()
            allowed[never_emit] = -np.inf
            token = int(np.argmax(allowed))
            new.append(token)
            if len(new) == count:
                break
        outputs = model.run(token=np.array([token], np.int32), **states)
        states = {name: outputs[name] for name in states}
        logits.append(outputs["logits"][0])
    return new, np.array(logits)


@pytest.mark.parametrize(
    "cell, level", zip(CELLS, ("char", "char", "word", "char", "char"))
)
def test_language_model_exports_agree_with_keras(cell, level, tmp_path):
    source = builders.language_model(cell, level=level)
    report = export(source, tmp_path)
    prompt = "To be, or"
    prompt_ids = source.tokenizer.encode_one(prompt)
    expected = np.asarray(
        generate_ids(source.model, [prompt_ids], NEW_TOKENS, get_sampler("greedy"))
    )[0].tolist()

    serving = tf.saved_model.load(str(tmp_path / "saved_model"))
    outputs = serving.signatures["serving_default"](text=tf.constant([prompt]))
    assert outputs["token_ids"].numpy()[0].tolist() == expected
    # Prompts of different lengths in one batch: the padding is masked.
    longer = "Whether 'tis nobler in the mind"
    batch = serving.signatures["serving_default"](text=tf.constant([prompt, longer]))
    longer_expected = np.asarray(generate_ids(
        source.model, [source.tokenizer.encode_one(longer)], NEW_TOKENS,
        get_sampler("greedy")))[0].tolist()
    assert batch["token_ids"].numpy().tolist() == [expected, longer_expected]
    prefix = "" if level == "char" else " "  # as `kerasseq generate` prints it
    assert outputs["text"].numpy()[0].decode() == prefix + source.tokenizer.decode(expected)

    path = tmp_path / "tflite" / "model.tflite"
    assert_builtin_only_no_loop(path)
    tokens, step_logits = tflite_greedy(TFLiteModel(str(path)), prompt_ids, NEW_TOKENS,
                                        never_emit_ids(tmp_path))
    assert tokens == expected
    # Every step's logits against the Keras model over the whole sequence.
    sequence = np.array([prompt_ids + expected[:-1]], np.int32)
    keras_logits = np.asarray(source.model(sequence))[0]
    # Relative as well: the unitary cell's modReLU leaves logits in the
    # hundreds with these spread-out test weights (float32 spacing ~3e-5).
    np.testing.assert_allclose(step_logits, keras_logits, atol=TOLERANCE, rtol=TOLERANCE)
    assert report["tflite"]["float32"]["max_abs_difference_vs_keras"] < TOLERANCE


@pytest.mark.parametrize(
    "cell, class_names, pooling",
    [
        ("simple_rnn", ("neg", "pos"), "last"),
        ("lstm", ("negative", "neutral", "positive"), "mean"),
        ("gru", ("neg", "pos"), "attention"),
    ],
)
def test_stacked_bidirectional_classifier_exports_agree_with_keras(
        cell, class_names, pooling, tmp_path):
    source = builders.classifier(cell, class_names, pooling, max_length=10)
    export(source, tmp_path)
    texts = ["to be or not", "The slings and arrows of outrageous fortune",
             "sleep", "a sea of troubles unknownword"]
    ragged = source.tokenizer.encode(texts)
    keras_probabilities = np.asarray(source.model(ragged.to_tensor()))
    if len(class_names) == 2:
        keras_probabilities = np.concatenate(
            [1 - keras_probabilities, keras_probabilities], axis=-1)
    assert np.ptp(keras_probabilities[:, 0]) > 10 * TOLERANCE  # texts differ

    serving = tf.saved_model.load(str(tmp_path / "saved_model"))
    outputs = serving.signatures["serving_default"](text=tf.constant(texts))
    np.testing.assert_allclose(outputs["probabilities"].numpy(),
                               keras_probabilities, atol=TOLERANCE, rtol=0)
    labels = [name.decode() for name in outputs["labels"].numpy()]
    assert labels == [class_names[i] for i in keras_probabilities.argmax(-1)]
    assert not outputs["truncated"].numpy().any()

    path = tmp_path / "tflite" / "model.tflite"
    # Two stacked layers: one WHILE loop each, both directions in one.
    assert_builtin_only(path, while_loops=2)
    model = TFLiteModel(str(path))
    # As a padded batch (to its longest text, or further) ...
    for width in (ragged.bounding_shape()[1], 10):
        padded = ragged.to_tensor(shape=(len(texts), width)).numpy()
        np.testing.assert_allclose(model.run(tokens=padded)["probabilities"],
                                   keras_probabilities, atol=TOLERANCE, rtol=0)
    # ... and one text at a time at its own length, as an app runs it.
    for row, expected in zip(ragged.to_list(), keras_probabilities):
        alone = model.run(tokens=np.array([row], np.int32))["probabilities"]
        np.testing.assert_allclose(alone[0], expected, atol=TOLERANCE, rtol=0)
    # No rows in, no rows out (LiteRT's REVERSE_V2 crashed on this).
    assert model.run(tokens=np.zeros((0, 3), np.int32))["probabilities"].shape == (
        0, len(class_names))


def test_multi_head_self_attention_classifier_exports_agree(tmp_path):
    # Width 5 in 2 heads of key_dim (and value_dim) 3, projected back to 5.
    source = builders.classifier(
        "self_attention", ("neg", "neutral", "pos"), "mean",
        bidirectional=False, max_length=10,
        cell_options={"num_heads": 2, "key_dim": 3},
    )
    attention = source.model.get_layer("self_attention_0").attention
    assert tuple(attention.output_kernel.shape) == (6, 5)
    export(source, tmp_path)
    texts = ["to be or not", "The slings and arrows of outrageous fortune",
             "sleep", "a sea of troubles unknownword"]
    ragged = source.tokenizer.encode(texts)
    keras_probabilities = np.asarray(source.model(ragged.to_tensor()))
    assert np.ptp(keras_probabilities[:, 0]) > 10 * TOLERANCE  # texts differ
    serving = tf.saved_model.load(str(tmp_path / "saved_model"))
    outputs = serving.signatures["serving_default"](text=tf.constant(texts))
    np.testing.assert_allclose(outputs["probabilities"].numpy(),
                               keras_probabilities, atol=TOLERANCE, rtol=0)
    path = tmp_path / "tflite" / "model.tflite"
    assert_builtin_only_no_loop(path)
    model = TFLiteModel(str(path))
    padded = ragged.to_tensor(shape=(len(texts), 10)).numpy()
    np.testing.assert_allclose(model.run(tokens=padded)["probabilities"],
                               keras_probabilities, atol=TOLERANCE, rtol=0)
    for row, expected in zip(ragged.to_list(), keras_probabilities):
        alone = model.run(tokens=np.array([row], np.int32))["probabilities"]
        np.testing.assert_allclose(alone[0], expected, atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("num_heads", [1, 2])
def test_self_attention_language_model_exports_agree(num_heads, tmp_path):
    # A window of 6 tokens: the prompts and continuations run past it.
    source = builders.language_model("self_attention", seq_len=6,
                                     cell_options={"num_heads": num_heads})
    report = export(source, tmp_path)
    serving = tf.saved_model.load(str(tmp_path / "saved_model"))
    prompts = ["To", "To be, or not", "Whether 'tis nobler"]  # padded batch
    expected = [
        np.asarray(generate_ids(
            source.model, [source.tokenizer.encode_one(prompt)], NEW_TOKENS,
            get_sampler("greedy"),
        ))[0].tolist()
        for prompt in prompts
    ]
    outputs = serving.signatures["serving_default"](text=tf.constant(prompts))
    assert outputs["token_ids"].numpy().tolist() == expected
    # TensorFlow Serving runs it without XLA.
    types = graph_op_types(tmp_path / "saved_model")
    assert "Einsum" in types or "BatchMatMulV3" in types or "MatMul" in types
    assert not [t for t in types if t.startswith("Xla")]

    # TFLite: the state is the token window and each block's key/value
    # cache; the app's streaming loop gives the tokens of generate_ids, past
    # the window too (one IF: the window slides when full).
    path = tmp_path / "tflite" / "model.tflite"
    assert_builtin_only(path, conditionals=1)
    model = TFLiteModel(str(path))
    assert set(model.input_shapes()) == {
        "token", "window", "count", "key_cache_0", "value_cache_0",
        "key_cache_1", "value_cache_1"}
    for prompt, want in zip(prompts, expected):
        tokens, _ = tflite_greedy(model, source.tokenizer.encode_one(prompt), NEW_TOKENS,
                                  never_emit_ids(tmp_path))
        assert tokens == want
    assert report["tflite"]["float32"]["max_abs_difference_vs_keras"] < TOLERANCE
    info = json.loads((tmp_path / "tflite" / "model_info.json").read_text())
    assert info["model"] == "cached_language_model_step"
