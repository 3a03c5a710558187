"""fit_lpft, the LP-FT recipe in one call, with two classes and with three, on a tiny saved BERT."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from helpers.batching import TextDataset
from helpers.inference import predict_logits
from helpers.lpft import cross_fitted_probabilities, fit_lpft
from helpers.training import TrainConfig
from tiny_models import tiny_config, tiny_tokenizer, toy_task


@pytest.fixture(scope="module")
def tiny_encoder(tmp_path_factory: pytest.TempPathFactory) -> str:
    from transformers import BertModel

    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp("tiny-bert")
    BertModel(tiny_config()).save_pretrained(folder)
    return str(folder)


CONFIG = TrainConfig(epochs=1, batch_size=8, eval_batch_size=16, progress=False, log_every_steps=5)


def test_two_classes_give_probabilities_of_the_positive_class(tiny_encoder: str) -> None:
    texts, labels = toy_task(48)
    result = fit_lpft(
        tiny_encoder, tiny_tokenizer(), texts, labels, {"test": texts[:10]}, CONFIG, 24, n_frozen=1
    )
    assert result.predictor.head.out_features == 1
    assert result.probe_probabilities["test"].shape == (10,) and result.logits["test"].shape == (10,)
    assert result.pos_weight == pytest.approx((labels == 0).sum() / (labels == 1).sum())
    assert result.train_probe_out_of_fold.shape == (48,)
    # The logits from the cached upper layers are the whole trained predictor's on the raw texts.
    whole = predict_logits(
        result.predictor, TextDataset(texts[:10], None, tiny_tokenizer(), 24), mixed_precision="no"
    )
    np.testing.assert_allclose(result.logits["test"], whole, atol=1e-4)
    assert (
        np.ptp(result.logits["test"]) > 0
        and ((result.probe_probabilities["test"] > 0) & (result.probe_probabilities["test"] < 1)).all()
    )


def test_three_classes_give_one_column_per_class(tiny_encoder: str) -> None:
    texts, binary = toy_task(60)
    labels = np.where(binary == 1, 2, np.arange(60) % 2)  # classes 0, 1 and 2
    result = fit_lpft(
        tiny_encoder,
        tiny_tokenizer(),
        texts,
        labels,
        {"test": texts[:10]},
        CONFIG,
        24,
        n_frozen=1,
        n_classes=3,
    )
    assert result.predictor.head.out_features == 3
    assert result.probe_probabilities["test"].shape == (10, 3) and result.logits["test"].shape == (10, 3)
    assert np.allclose(result.probe_probabilities["test"].sum(axis=1), 1)
    assert math.isnan(result.pos_weight) and result.train_probe_out_of_fold.shape == (60, 3)


def test_cross_fitting_scores_every_text_with_a_model_that_never_saw_its_customer(tiny_encoder: str) -> None:
    texts, labels = toy_task(64)
    customers = np.arange(64) // 2  # two texts per customer: they must land in one fold
    scored = cross_fitted_probabilities(
        texts, labels, customers, tiny_encoder, tiny_tokenizer(), CONFIG, 24, n_frozen=1
    )
    assert scored.shape == (64,) and np.isfinite(scored).all() and ((scored > 0) & (scored < 1)).all()
    # The same seed gives the same folds and models; a fold model refits nothing it scored.
    again = cross_fitted_probabilities(
        texts, labels, customers, tiny_encoder, tiny_tokenizer(), CONFIG, 24, n_frozen=1
    )
    assert np.array_equal(scored, again)
    with pytest.raises(ValueError, match="only 0 examples of one class"):
        cross_fitted_probabilities(
            texts[:8],
            np.r_[np.ones(1), np.zeros(7)],
            np.arange(8),
            tiny_encoder,
            tiny_tokenizer(),
            CONFIG,
            24,
            n_frozen=1,
        )


def test_cross_fitting_never_scores_a_customer_with_a_model_that_saw_them(
    tiny_encoder: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    import helpers.lpft as lpft

    texts, labels = toy_task(60)
    texts = [f"{i} {text}" for i, text in enumerate(texts)]  # each text names its row
    customers = np.arange(60) // 3
    seen: list[tuple[set, set]] = []

    def recording_fit(encoder, tokenizer, fit_texts, fit_labels, score_texts, *args, **kwargs):
        rows = lambda batch: {int(text.split()[0]) for text in batch}  # noqa: E731
        seen.append((rows(fit_texts), rows(score_texts["fold"])))
        logits = np.zeros(len(score_texts["fold"]))
        return lpft.LpftResult(None, {}, {"fold": logits}, 1.0, np.zeros(len(fit_texts)))

    monkeypatch.setattr(lpft, "fit_lpft", recording_fit)
    scored = lpft.cross_fitted_probabilities(
        texts, labels, customers, tiny_encoder, None, CONFIG, 24, folds=3
    )
    assert len(seen) == 3 and np.allclose(scored, 0.5)
    scored_rows = [rows for _, rows in seen]
    assert sorted(row for rows in scored_rows for row in rows) == list(range(60))  # each row scored once
    for fit_rows, score_rows in seen:
        assert not {customers[i] for i in fit_rows} & {customers[i] for i in score_rows}
