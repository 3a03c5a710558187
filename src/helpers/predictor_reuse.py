"""Notebook 03's purchase predictor, reused when it was trained on this run's data, else trained again.

:func:`reuse_or_train_predictor` reads the predictor saved at a folder when its training record matches
this run (the simulator's shoppers, seed, text length, encoder and training size), and otherwise
trains one with notebook 03's recipe (LP-FT) on its training sessions (or those given), so a later
notebook never scores sessions with a model that saw them, nor fails because notebook 03 has not run.
"""

from __future__ import annotations

from pathlib import Path
from typing import NamedTuple

import pandas as pd
from torch import nn

from helpers.lpft import fit_lpft
from helpers.predictor import matching_predictor, saved_training
from helpers.profiles import Profile
from helpers.purchase_data import purchase_splits
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


class FoundPredictor(NamedTuple):
    """A purchase predictor, and whether it is notebook 03's (reused) or trained here."""

    predictor: nn.Module
    variant: str  # the variant notebook 03 chose on validation, or "LP-FT" when trained here
    reused: bool
    pos_weight: float  # the positives' weight in its training loss: it shifts every logit by log(pos_weight)


def reuse_or_train_predictor(
    path: str | Path,
    profile: Profile,
    tokenizer,
    seed: int,
    device,
    train: pd.DataFrame | None = None,
    progress: bool = True,
) -> FoundPredictor:
    """The predictor saved at ``path`` when it was trained on this run's data, else one trained here;
    prints a line saying which.

    Reused: its record's ``variant`` ("LP-FT" when it names none) and ``pos_weight``. Otherwise: LP-FT on
    ``train``'s ``text`` and ``purchased`` (default: notebook 03's training sessions at the ``profile``'s
    sizes) with the ``profile``'s recipe and ``seed``, on ``device``, with ``progress`` bars; not saved.
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
        record = saved_training(path)
        variant = record.get("variant", "LP-FT")  # the variant notebook 03 chose on validation
        print(f"reused notebook 03's predictor ({variant}) from {path}")
        return FoundPredictor(predictor, variant, True, record["pos_weight"])
    print(f"no usable predictor at {path} ({reason}); training one with notebook 03's recipe (LP-FT)")
    if train is None:
        train = purchase_splits(
            tokenizer,
            profile.n_users,
            profile.max_length,
            profile.train_examples,
            profile.test_examples,
            seed,
        ).train
    config = profile_train_config(profile, seed, progress=progress)
    labels = train["purchased"].to_numpy(dtype=float)
    fitted = fit_lpft(
        profile.encoder_name, tokenizer, train["text"], labels, {}, config, profile.max_length, 2, device
    )
    return FoundPredictor(fitted.predictor, "LP-FT", False, fitted.pos_weight)
