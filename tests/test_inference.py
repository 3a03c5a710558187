"""Inference helpers: the vector cache that notebooks 05, 08 and 09 share, and the head on vectors."""

from __future__ import annotations

import numpy as np
import pytest

from helpers import inference
from helpers.batching import TextDataset
from helpers.inference import POOLED_CACHE_FILE, embed, embed_cached, head_logits, predict_logits
from tiny_models import tiny_predictor, tiny_tokenizer, toy_task


@pytest.fixture
def model_and_data():
    model = tiny_predictor(pooling="mean", dropout=0.0)
    texts, labels = toy_task(24, seed=3)
    return model, texts, labels, tiny_tokenizer()


def test_cached_vectors_equal_fresh_ones_and_are_computed_once(model_and_data, tmp_path, monkeypatch) -> None:
    model, texts, labels, tokenizer = model_and_data
    first = TextDataset(texts[:16], labels[:16], tokenizer, 32)
    fresh = embed(model, first, batch_size=5)
    cached = embed_cached(model, first, tmp_path, batch_size=5)
    np.testing.assert_allclose(cached, fresh, atol=1e-6)
    assert (tmp_path / POOLED_CACHE_FILE).exists()

    scored = []
    original = inference.embed
    monkeypatch.setattr(inference, "embed", lambda m, d, **o: scored.append(len(d)) or original(m, d, **o))
    overlapping = TextDataset(texts[8:], labels[8:], tokenizer, 32)  # 8 known examples, 8 new ones
    again = embed_cached(model, overlapping, tmp_path, batch_size=5)
    assert scored == [8], "only the examples the cache lacks are scored"
    np.testing.assert_allclose(again, embed(model, overlapping, batch_size=5), atol=1e-6)
    np.testing.assert_array_equal(again[:8], cached[8:])  # read back bit for bit, in the new dataset's order
    embed_cached(model, TextDataset(texts, labels, tokenizer, 32), tmp_path)
    assert scored == [8], "a dataset the cache covers runs no model"


def test_another_truncation_is_another_key(model_and_data, tmp_path) -> None:
    model, texts, labels, tokenizer = model_and_data
    long_texts = [t for t in texts if len(t.split()) > 8][:4]
    embed_cached(model, TextDataset(long_texts, None, tokenizer, 32), tmp_path)
    short = TextDataset(long_texts, None, tokenizer, 6)
    np.testing.assert_allclose(embed_cached(model, short, tmp_path), embed(model, short), atol=1e-6)


def test_head_on_vectors_equals_the_model(model_and_data) -> None:
    model, texts, labels, tokenizer = model_and_data
    data = TextDataset(texts, labels, tokenizer, 32)
    logits = head_logits(model, embed(model, data, mixed_precision="no"))
    np.testing.assert_allclose(logits, predict_logits(model, data, mixed_precision="no"), atol=1e-5)
