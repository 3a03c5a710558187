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
    """Train and test sessions (``text``, ``purchased``, ``oracle_p``, ``segment`` ...) and their datasets."""

    sessions: pd.DataFrame  # every simulated session, with its text
    train: pd.DataFrame
    test: pd.DataFrame
    train_data: TextDataset
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
) -> PurchaseSplits:
    """Simulate ``n_users`` shoppers, write each session as text and split by user.

    Texts are cut to ``max_length`` tokens by dropping their oldest events
    (:func:`helpers.behaviour_text.join_recent`). ``train_examples`` / ``test_examples`` draw random
    samples of that size from each side (None: all of it); the same ``seed`` gives the same sessions.
    """
    check_int("max_length", max_length, minimum=8)
    world = load_world(n_users=n_users, seed=seed)
    texts = sessions_to_text(world.events, world.catalog, tokenizer=tokenizer, max_length=max_length)
    sessions = world.sessions.assign(text=texts.reindex(world.sessions["session_id"]).to_numpy())
    train_pool, test_pool = split_by_user(sessions, test_fraction=test_fraction, seed=seed)
    train = _sample(train_pool, train_examples, seed)
    test = _sample(test_pool, test_examples, seed)
    labels = {
        name: frame["purchased"].to_numpy(dtype=float) for name, frame in (("train", train), ("test", test))
    }
    return PurchaseSplits(
        sessions=sessions,
        train=train,
        test=test,
        train_data=TextDataset(train["text"], labels["train"], tokenizer, max_length),
        test_data=TextDataset(test["text"], labels["test"], tokenizer, max_length),
        pos_weight=pos_weight_for(labels["train"]),
    )


def _sample(frame: pd.DataFrame, size: int | None, seed: int) -> pd.DataFrame:
    return frame if size is None else frame.sample(min(size, len(frame)), random_state=seed)
