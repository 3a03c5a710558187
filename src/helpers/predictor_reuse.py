"""Notebook 03's purchase predictor, reused when it was trained on this run's data, else trained again.

:func:`reuse_or_train_predictor` reads the predictor saved at a folder when its training record matches
this run (the simulator's shoppers, seed, text length, encoder and training size), and otherwise trains
one with notebook 03's recipe (LP-FT) on the training sessions given, so a later notebook never scores
sessions with a model that saw them, nor fails because notebook 03 has not run.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from torch import nn

from helpers.lpft import fit_lpft
from helpers.predictor import matching_predictor, saved_training
from helpers.profiles import Profile
from helpers.training import TrainConfig


def profile_train_config(
    profile: Profile, seed: int, epochs: int | None = None, progress: bool = True
) -> TrainConfig:
    """The :class:`~helpers.training.TrainConfig` of notebook 03's recipe at the ``profile``'s sizes: its
    epochs (or ``epochs``), batch sizes, learning rate and dropout, with ``seed`` and ``progress`` bars."""
    return TrainConfig(
        epochs=profile.epochs if epochs is None else epochs,
        batch_size=profile.batch_size,
        learning_rate=profile.learning_rate,
        eval_batch_size=profile.eval_batch_size,
        dropout=profile.dropout,
        seed=seed,
        progress=progress,
    )


def reuse_or_train_predictor(
    path: str | Path, profile: Profile, tokenizer, train: pd.DataFrame, seed: int, device
) -> tuple[nn.Module, str, bool]:
    """``(predictor, variant, reused)``, and a line saying which happened.

    Reused: the predictor at ``path`` and the variant notebook 03 chose on validation (its record's
    ``variant``, "LP-FT" when it names none). Otherwise: LP-FT on ``train``'s ``text`` and ``purchased``
    with the ``profile``'s sizes and ``seed``, on ``device``, not saved.
    """
    predictor, reason = matching_predictor(
        path,
        data="simulator",
        n_users=profile.n_users,
        seed=seed,
        max_length=profile.max_length,
        encoder_name=profile.encoder_name,
        train_examples=profile.train_examples,
    )
    if predictor is not None:
        variant = saved_training(path).get("variant", "LP-FT")  # the variant notebook 03 chose on validation
        print(f"reused notebook 03's predictor ({variant}) from {path}")
        return predictor, variant, True
    print(f"no usable predictor at {path} ({reason}); training one with notebook 03's recipe (LP-FT)")
    config = profile_train_config(profile, seed)
    labels = train["purchased"].to_numpy(dtype=float)
    fitted = fit_lpft(
        profile.encoder_name, tokenizer, train["text"], labels, {}, config, profile.max_length, 2, device
    )
    return fitted.predictor, "LP-FT", False
