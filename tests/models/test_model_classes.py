"""`LanguageModel` and `Classifier`: models that own their parts, save and
load as themselves, and adopt the plain functional models older kerasseq
versions saved."""

import numpy as np
import pytest

import keras
from kerasseq.models import Classifier
from kerasseq.models import LanguageModel
from kerasseq.models import build_classifier
from kerasseq.models import build_language_model
from kerasseq.models.parts import copy_weights
from kerasseq.training.config import ModelConfig

CONFIGS = {
    "gru-2-dropout": ModelConfig(cell="gru", units=6, layers=2, dropout=0.1,
                                 embedding_dim=4),
    "orthogonal": ModelConfig(cell="orthogonal", units=6, embedding_dim=4),
    "self-attention": ModelConfig(architecture="self_attention", units=8,
                                  layers=2, embedding_dim=4,
                                  cell_options={"norm_first": True,
                                                "num_heads": 2}),
}


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.standard_normal(w.shape) * 0.5 for w in model.get_weights()])


def _as_old_file(model, path):
    """What an older kerasseq wrote: the same graph as a plain functional
    model (`keras.Model(inputs, outputs)`), saved."""
    plain = keras.Model(model.inputs, model.outputs, name=model.name)
    plain.save(path)
    return keras.saving.load_model(path)


@pytest.mark.parametrize("name", list(CONFIGS))
def test_language_model_owns_its_parts_and_round_trips(name, tmp_path):
    config = CONFIGS[name]
    model = build_language_model(13, config, max_length=7, name="lm")
    assert isinstance(model, LanguageModel) and model.head.units == 13
    assert model.embedding.output_dim == 4
    if config.architecture == "self_attention":
        assert not model.is_recurrent and model.max_length == 7
        assert len(model.blocks) == 2 and model.final_norm is not None
        assert model.recurrent_layers == []
    else:
        assert model.is_recurrent and model.max_length is None
        assert [layer.name for layer in model.recurrent_layers] == [
            f"recurrent_{i}" for i in range(config.layers)]
    _randomize(model)
    ids = np.random.default_rng(1).integers(0, 13, (3, 7))
    want = np.asarray(model(ids))
    # Its own parts, called by hand, are the model.
    x = model.embedding(ids)
    if model.is_recurrent:
        for layer in model.recurrent_layers:
            x = layer(x)
    else:
        x = model.position_embedding(x)
        for block in model.blocks:
            x = block(x)
        x = model.final_norm(x)
    np.testing.assert_allclose(np.asarray(model.head(x)), want, atol=1e-6)

    model.save(tmp_path / "lm.keras")
    loaded = keras.saving.load_model(tmp_path / "lm.keras")
    assert type(loaded) is LanguageModel and loaded.get_config() == model.get_config()
    np.testing.assert_allclose(np.asarray(loaded(ids)), want, atol=1e-6)

    old = _as_old_file(model, tmp_path / "old.keras")
    assert type(old) is not LanguageModel
    adopted = LanguageModel.from_functional(old, config, max_length=7)
    assert type(adopted) is LanguageModel and adopted.name == "lm"
    np.testing.assert_allclose(np.asarray(adopted(ids)), np.asarray(old(ids)), atol=1e-6)


@pytest.mark.parametrize("pooling, num_classes", [("last", 2), ("attention", 3)])
def test_classifier_owns_its_parts_and_adopts_an_old_file(pooling, num_classes, tmp_path):
    config = ModelConfig(cell="lstm", units=5, layers=2, bidirectional=True,
                         embedding_dim=4, dropout=0.2)
    model = build_classifier(11, num_classes, config, pooling=pooling, name="clf")
    assert isinstance(model, Classifier)
    assert model.head.units == (1 if num_classes == 2 else num_classes)
    assert model.embedding.mask_zero and len(model.encoder.recurrent_layers) == 2
    assert (model.pooling_layer is None) == (pooling == "last")
    _randomize(model)
    ids = np.array([[3, 4, 5, 0, 0], [6, 7, 8, 9, 10]])
    want = np.asarray(model(ids))
    model.save(tmp_path / "clf.keras")
    loaded = keras.saving.load_model(tmp_path / "clf.keras")
    assert type(loaded) is Classifier
    np.testing.assert_allclose(np.asarray(loaded(ids)), want, atol=1e-6)
    old = _as_old_file(model, tmp_path / "old.keras")
    adopted = Classifier.from_functional(old, num_classes, config, pooling)
    np.testing.assert_allclose(np.asarray(adopted(ids)), np.asarray(old(ids)), atol=1e-6)


def test_a_model_that_does_not_fit_its_config_is_refused():
    small = build_language_model(13, ModelConfig(cell="gru", units=6, embedding_dim=4))
    big = build_language_model(13, ModelConfig(cell="gru", units=7, embedding_dim=4))
    with pytest.raises(ValueError, match=r"\(4, 18\).*against.*\(4, 21\)"):
        copy_weights(small, big)
    lstm = build_language_model(13, ModelConfig(cell="lstm", units=6, embedding_dim=4))
    with pytest.raises(ValueError, match="not the model its config describes"):
        copy_weights(small, lstm)


def test_generation_takes_language_models_only():
    from kerasseq.models import StatefulGenerator

    plain = keras.Sequential([keras.Input((None,), dtype="int32"),
                              keras.layers.Embedding(5, 2)])
    with pytest.raises(ValueError, match="Expected a kerasseq `LanguageModel`"):
        StatefulGenerator(plain)
    attention = build_language_model(
        9, ModelConfig(architecture="self_attention", units=4, embedding_dim=4),
        max_length=4)
    with pytest.raises(ValueError, match="no recurrent state"):
        StatefulGenerator(attention)


@pytest.mark.parametrize("attention, bidirectional", [("additive", True), ("none", False)])
def test_seq2seq_model_owns_its_parts_and_adopts_an_old_file(attention, bidirectional, tmp_path):
    from kerasseq.models import Seq2SeqModel
    from kerasseq.models import build_seq2seq
    from kerasseq.samplers import get_sampler

    config = ModelConfig(cell="gru", units=6, layers=2, bidirectional=bidirectional,
                         embedding_dim=4, dropout=0.1)
    model = build_seq2seq(11, 9, config, attention=attention, name="s2s")
    assert isinstance(model, Seq2SeqModel)
    assert (model.parts.attention is None) == (attention == "none")
    assert len(model.parts.encoder) == len(model.parts.decoder) == 2
    _randomize(model)
    source = np.array([[3, 4, 5, 0], [6, 7, 8, 9]])
    target_in = np.array([[2, 5, 6], [2, 7, 0]])
    want = np.asarray(model([source, target_in]))
    model.save(tmp_path / "s2s.keras")
    loaded = keras.saving.load_model(tmp_path / "s2s.keras")
    assert type(loaded) is Seq2SeqModel and loaded.get_config() == model.get_config()
    np.testing.assert_allclose(np.asarray(loaded([source, target_in])), want, atol=1e-6)
    tokens = model.decoder(2, 3).decode(source, get_sampler("greedy"), 5)["tokens"]
    again = loaded.decoder(2, 3).decode(source, get_sampler("greedy"), 5)["tokens"]
    np.testing.assert_array_equal(np.asarray(tokens), np.asarray(again))
    plain = keras.Model(model.inputs, model.outputs, name="s2s")
    plain.save(tmp_path / "old.keras")
    old = keras.saving.load_model(tmp_path / "old.keras")
    adopted = Seq2SeqModel.from_functional(old, 11, config, attention)
    np.testing.assert_allclose(
        np.asarray(adopted([source, target_in])), np.asarray(old([source, target_in])),
        atol=1e-6)
