"""Frozen lower layers computed once: the cached pass reproduces the predictor,; training on it trains it."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from helpers.batching import TextDataset
from helpers.inference import embed, predict_logits
from helpers.layer_cache import HiddenStateDataset, UpperLayers, collate_hidden_states, frozen_pass
from helpers.training import TrainConfig, train
from tiny_models import tiny_predictor, tiny_tokenizer, toy_task


@pytest.fixture(scope="module")
def data() -> TextDataset:
    texts, labels = toy_task(48, seed=3)
    return TextDataset(texts, labels, tiny_tokenizer(), max_length=32)


@pytest.mark.parametrize("pooling", ["pooler", "mean"])
@pytest.mark.parametrize("n_frozen", [0, 1, 2])
def test_upper_layers_on_the_cache_equal_the_whole_predictor(pooling, n_frozen, data) -> None:
    model = tiny_predictor(pooling, dropout=0.0, seed=n_frozen).eval()
    expected_logits = predict_logits(model, data, mixed_precision="no")
    expected_pooled = embed(model, data, mixed_precision="no")
    cache, pooled = frozen_pass(model, data, n_frozen, batch_size=7)
    assert len(cache) == len(data) and (cache.lengths == data.lengths).all()
    assert torch.equal(cache.labels, data.labels)
    np.testing.assert_allclose(pooled, expected_pooled, atol=1e-6)
    logits = predict_logits(UpperLayers(model, n_frozen), cache, batch_size=5, mixed_precision="no")
    np.testing.assert_allclose(logits, expected_logits, atol=1e-5)


def test_collate_pads_hidden_states_and_masks_the_padding() -> None:
    items = [{"hidden_states": torch.ones(n, 4), "labels": torch.tensor(float(n))} for n in (2, 5, 3)]
    batch = collate_hidden_states(items)
    assert batch["hidden_states"].shape == (3, 5, 4) and batch["attention_mask"].sum().item() == 10
    assert batch["hidden_states"][0, 2:].abs().sum() == 0 and batch["labels"].tolist() == [2.0, 5.0, 3.0]
    assert collate_hidden_states(items, pad_to=8)["hidden_states"].shape == (3, 8, 4)
    dataset = HiddenStateDataset([item["hidden_states"] for item in items], None)
    assert dataset.max_length == 5 and "labels" not in dataset[0]


def test_training_the_upper_layers_trains_the_predictor_like_freezing_does(data) -> None:
    """Without dropout, training from the cache gives the weights of training the frozen predictor."""
    config = TrainConfig(epochs=2, batch_size=8, learning_rate=1e-3, mixed_precision="no", progress=False)
    frozen = tiny_predictor("mean", dropout=0.0, seed=4)
    frozen.freeze_lower_layers(1)
    train(frozen, data, None, config)
    cached = tiny_predictor("mean", dropout=0.0, seed=4)
    before = {name: p.detach().clone() for name, p in cached.named_parameters()}
    cache, _ = frozen_pass(cached, data, 1)
    train(UpperLayers(cached, 1), cache, None, replace(config))
    after = dict(cached.named_parameters())
    assert torch.equal(
        after["encoder.encoder.layer.0.output.dense.weight"],
        before["encoder.encoder.layer.0.output.dense.weight"],
    )
    assert not torch.equal(
        after["encoder.encoder.layer.1.output.dense.weight"],
        before["encoder.encoder.layer.1.output.dense.weight"],
    )
    for name, expected in frozen.state_dict().items():
        torch.testing.assert_close(cached.state_dict()[name], expected, rtol=1e-4, atol=1e-5, msg=name)
