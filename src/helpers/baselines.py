"""Honest baselines that every transformer result is compared against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.pipeline import Pipeline, make_pipeline


def tfidf_logistic_regression(texts: Sequence[str], labels: Sequence[int], seed: int = 0) -> Pipeline:
    """Word uni+bigram TF-IDF (sublinear tf) + L2 logistic regression, fitted on ``texts``."""
    model = make_pipeline(
        TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True),
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
