"""Notebook 03's predictor is reused when its training record matches this run, else trained again."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pandas as pd
import torch

from helpers import predictor_reuse
from helpers.predictor import save_predictor
from helpers.predictor_reuse import reuse_or_train_predictor
from helpers.profiles import resolve_profile
from tiny_models import tiny_predictor, tiny_tokenizer

TRAIN = pd.DataFrame(
    {"text": ["viewed phone", "buy phone", "read reviews"], "purchased": [False, True, False]}
)


def record(profile, **changes) -> dict:
    """The training record notebook 03 saves, for this profile and seed 0."""
    return {
        "data": "simulator",
        "n_users": profile.n_users,
        "seed": 0,
        "max_length": profile.max_length,
        "encoder_name": profile.encoder_name,
        "train_examples": profile.train_examples,
        "pos_weight": 5.5,
        **changes,
    }


def test_a_matching_predictor_is_reused_with_its_variant(tmp_path, capsys, monkeypatch) -> None:
    monkeypatch.setattr(predictor_reuse, "fit_lpft", None)  # reusing must not train
    profile = resolve_profile("cpu")
    model = tiny_predictor(pooling="mean")
    save_predictor(
        model, tiny_tokenizer(), tmp_path / "p", training=record(profile, variant="full fine-tune")
    )
    predictor, variant, reused, pos_weight = reuse_or_train_predictor(
        tmp_path / "p", profile, tiny_tokenizer(), 0, "cpu", TRAIN
    )
    assert reused and variant == "full fine-tune" and pos_weight == 5.5
    assert "reused notebook 03's predictor (full fine-tune)" in capsys.readouterr().out
    ids = torch.tensor([[2, 5, 3]])
    with torch.no_grad():
        torch.testing.assert_close(
            predictor(ids, torch.ones_like(ids)), model.eval()(ids, torch.ones_like(ids))
        )
    save_predictor(model, None, tmp_path / "q", training=record(profile))
    assert (
        reuse_or_train_predictor(tmp_path / "q", profile, tiny_tokenizer(), 0, "cpu", TRAIN).variant
        == "LP-FT"
    )


def test_another_run_s_predictor_is_not_reused_but_trained_with_the_profile(
    tmp_path, capsys, monkeypatch
) -> None:
    profile = resolve_profile("cpu")
    save_predictor(tiny_predictor(), None, tmp_path / "p", training=record(profile, seed=1))
    calls = []

    def fake_fit_lpft(
        encoder_name, tokenizer, texts, labels, score_texts, config, max_length, n_frozen, device
    ):
        calls.append((encoder_name, list(texts), labels, score_texts, config, max_length, n_frozen, device))
        return SimpleNamespace(predictor="trained here", pos_weight=3.0)

    monkeypatch.setattr(predictor_reuse, "fit_lpft", fake_fit_lpft)
    found = reuse_or_train_predictor(tmp_path / "p", profile, "tok", 0, "cpu", TRAIN, progress=False)
    assert tuple(found) == ("trained here", "LP-FT", False, 3.0)
    assert "trained on other data: {'seed': 1}" in capsys.readouterr().out
    [(encoder_name, texts, labels, score_texts, config, max_length, n_frozen, device)] = calls
    assert encoder_name == profile.encoder_name and texts == list(TRAIN["text"]) and score_texts == {}
    np.testing.assert_array_equal(labels, [0.0, 1.0, 0.0])
    assert labels.dtype == float
    assert (config.epochs, config.batch_size, config.seed, config.progress) == (
        profile.epochs,
        profile.batch_size,
        0,
        False,
    )
    assert (max_length, n_frozen, device) == (profile.max_length, 2, "cpu")
    assert reuse_or_train_predictor(tmp_path / "absent", profile, "tok", 0, "cpu", TRAIN).reused is False


def test_without_sessions_given_it_trains_on_notebook_03_s_training_split(tmp_path, monkeypatch) -> None:
    profile = resolve_profile("cpu")
    asked, trained_on = [], []

    def fake_splits(*args):
        asked.append(args)
        return SimpleNamespace(train=TRAIN)

    def fake_fit_lpft(encoder_name, tokenizer, texts, *rest):
        trained_on.append(list(texts))
        return SimpleNamespace(predictor="trained here", pos_weight=2.0)

    monkeypatch.setattr(predictor_reuse, "purchase_splits", fake_splits)
    monkeypatch.setattr(predictor_reuse, "fit_lpft", fake_fit_lpft)
    assert reuse_or_train_predictor(tmp_path / "absent", profile, "tok", 3, "cpu").pos_weight == 2.0
    sizes = (profile.n_users, profile.max_length, profile.train_examples, profile.test_examples, 3)
    assert asked == [("tok", *sizes)] and trained_on == [list(TRAIN["text"])]
