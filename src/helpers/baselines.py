"""Honest baselines that every transformer result is compared against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from lightgbm import LGBMClassifier, early_stopping
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline

from helpers.evaluation import bootstrap_units


def tfidf_logistic_regression(texts: Sequence[str], labels: Sequence[int], seed: int = 0) -> Pipeline:
    """Word uni+bigram TF-IDF (sublinear tf) + L2 logistic regression, fitted on ``texts``.

    Every word counts, one character long or more: scikit-learn's default pattern drops those, and with
    them the digits of "4.6 stars" and the "s" of "for 45 s", which the transformer does read.
    """
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, token_pattern=r"(?u)\b\w+\b"),
        LogisticRegression(C=4.0, max_iter=2000, random_state=seed),
    )
    return model.fit(list(texts), np.asarray(labels, dtype=int))


def tfidf_auc(
    train_texts: Sequence[str],
    train_labels: Sequence[int],
    test_texts: Sequence[str],
    test_labels: Sequence[int],
) -> float:
    """Test ROC-AUC of :func:`tfidf_logistic_regression` trained on the training split."""
    model = tfidf_logistic_regression(train_texts, train_labels)
    return float(
        roc_auc_score(np.asarray(test_labels, dtype=int), model.predict_proba(list(test_texts))[:, 1])
    )


def gradient_boosting(
    features: pd.DataFrame,
    labels,
    seed: int = 0,
    validation_share: float = 0.2,
    groups: Sequence | None = None,
) -> LGBMClassifier:
    """A LightGBM classifier: the number of trees found by early stopping, then refitted on every row.

    Early stopping holds out a random ``validation_share`` of the rows, or of the ``groups`` (e.g. customer
    ids: a customer's rows then sit on one side, so the held-out loss is not flattered by a customer the
    trees have seen). It stops on the log loss: on a few hundred held-out rows the AUC is too noisy to stop
    on (it can peak at the first tree). The final model is fitted on all rows with that many trees, so the
    baseline learns from as much data as the models it is compared with.

    Small trees, shrinkage and row/column subsampling: settings that transfer across data sets
    rather than ones tuned to a single file. Returns the fitted ``LGBMClassifier``.
    """
    y = np.asarray(labels).astype(int)
    units = bootstrap_units(groups, len(y))  # a row's group, or the row itself (also where an id is missing)
    held = (np.random.default_rng(seed).random(units.max() + 1) < validation_share)[units]
    model = LGBMClassifier(
        n_estimators=1000,
        learning_rate=0.03,
        num_leaves=15,
        min_child_samples=20,
        subsample=0.8,
        subsample_freq=1,
        colsample_bytree=0.8,
        reg_lambda=1.0,
        random_state=seed,
        n_jobs=2,
        verbose=-1,
    )
    model.fit(
        features[~held],
        y[~held],
        eval_X=features[held],
        eval_y=y[held],
        callbacks=[early_stopping(50, verbose=False)],
    )
    trees = max(int(model.best_iteration_ or model.n_estimators), 1)
    return model.set_params(n_estimators=trees).fit(features, y)
