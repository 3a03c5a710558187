"""The one data path of purchase prediction: simulated world → sessions as text → split by user → datasets.

Notebooks 03 and 04, the training CLI and the throughput benchmark call :func:`purchase_splits` (and the
notebooks still to come will), so they train and test on the same sessions for the same sizes and seed.

>>> splits = purchase_splits(load_tokenizer("minilm"), n_users=3_000, max_length=256)  # doctest: +SKIP
>>> splits.train_data, splits.test_data, splits.pos_weight                              # doctest: +SKIP
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from helpers.batching import TextDataset
from helpers.behaviour_text import sessions_to_text
from helpers.objectives import pos_weight_for
from helpers.params import check_int
from helpers.sim.world import load_world, split_by_user


@dataclass
class PurchaseSplits:
    """Train, validation and test sessions (``text``, ``purchased``, ``oracle_p`` ...), also as datasets.

    The three sides have no user in common. Validation is for choices (stopping, calibration,
    thresholds); the test split is scored once, at the end.
    """

    sessions: pd.DataFrame  # every simulated session, with its text
    train: pd.DataFrame
    validation: pd.DataFrame
    test: pd.DataFrame
    train_data: TextDataset
    validation_data: TextDataset
    test_data: TextDataset
    pos_weight: float  # negatives / positives of the training split


def purchase_splits(
    tokenizer,
    n_users: int,
    max_length: int,
    train_examples: int | None = None,
    test_examples: int | None = None,
    seed: int = 0,
    test_fraction: float = 0.3,
    validation_examples: int | None = None,
) -> PurchaseSplits:
    """Simulate ``n_users`` shoppers, write each session as text and split by user.

    ``test_fraction`` of the users are held out, and they are split in two halves, again by user:
    validation and test. Texts are cut to ``max_length`` tokens by dropping their oldest events
    (:func:`helpers.behaviour_text.join_recent`). ``train_examples`` / ``validation_examples`` /
    ``test_examples`` draw random samples of that size from each side (None: all of it;
    ``validation_examples`` defaults to ``test_examples``); the same ``seed`` gives the same sessions.
    """
    check_int("max_length", max_length, minimum=8)
    world = load_world(n_users=n_users, seed=seed)
    texts = sessions_to_text(world.events, world.catalog, tokenizer=tokenizer, max_length=max_length)
    sessions = world.sessions.assign(text=texts.reindex(world.sessions["session_id"]).to_numpy())
    train_pool, held_out = split_by_user(sessions, test_fraction=test_fraction, seed=seed)
    validation_pool, test_pool = split_by_user(held_out, test_fraction=0.5, seed=seed)
    frames = {
        "train": _sample(train_pool, train_examples, seed),
        "validation": _sample(validation_pool, validation_examples or test_examples, seed),
        "test": _sample(test_pool, test_examples, seed),
    }
    data = {
        f"{name}_data": TextDataset(
            frame["text"], frame["purchased"].to_numpy(dtype=float), tokenizer, max_length
        )
        for name, frame in frames.items()
    }
    return PurchaseSplits(
        sessions=sessions,
        **frames,
        **data,
        pos_weight=pos_weight_for(frames["train"]["purchased"].to_numpy(dtype=float)),
    )


def _sample(frame: pd.DataFrame, size: int | None, seed: int) -> pd.DataFrame:
    return frame if size is None else frame.sample(min(size, len(frame)), random_state=seed)
