"""Notebook 03's recommended recipe in one call: linear probe, then fine-tune (LP-FT) from a cached pass.

Notebook 03 builds it step by step; later notebooks fine-tune BERT on other texts (CDNOW customer
histories, UCI sessions written as sentences) with :func:`fit_lpft`, and the report scores an analyst's
own labelled sessions out of fold with :func:`cross_fitted_probabilities`:

1. one frozen pass of the pretrained encoder (mean pooling) over every text, keeping the hidden
   states after layer ``n_frozen`` (:func:`helpers.layer_cache.frozen_pass`);
2. a logistic-regression probe on the pooled training vectors;
3. the head starts from the probe and the upper layers are fine-tuned on the cached states with
   the class-weighted loss (:class:`helpers.layer_cache.UpperLayers` and :func:`helpers.training.train`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from sklearn.model_selection import StratifiedGroupKFold, cross_val_predict

from helpers.batching import TextDataset
from helpers.inference import predict_logits, probabilities_from_logits
from helpers.layer_cache import UpperLayers, frozen_pass
from helpers.objectives import binary_loss, multiclass_loss, pos_weight_for
from helpers.predictor import Predictor, fit_linear_probe, linear_probe, warm_start_head
from helpers.runtime import seed_everything
from helpers.training import TrainConfig, train


@dataclass
class LpftResult:
    """The fine-tuned predictor, and for every scored split its probe and fine-tuned scores."""

    predictor: Predictor
    probe_probabilities: dict[str, np.ndarray]
    logits: dict[str, np.ndarray]  # fine-tuned, with the class weight's shift (see notebook 03)
    pos_weight: float  # two classes: the positives' weight in the loss; more classes: nan (balanced weights)
    train_probe_out_of_fold: np.ndarray  # the probe's 5-fold out-of-fold probabilities, for stacking


def fit_lpft(
    encoder_name: str,
    tokenizer,
    train_texts: Sequence[str],
    train_labels,
    score_texts: Mapping[str, Sequence[str]],
    config: TrainConfig,
    max_length: int,
    n_frozen: int = 2,
    device: torch.device | str = "cpu",
    n_classes: int = 2,
) -> LpftResult:
    """Fit the LP-FT predictor on ``train_texts`` and score each split of ``score_texts`` (name → texts).

    Two classes (labels 0/1): one logit, binary cross-entropy with ``pos_weight``, probabilities of class 1.
    ``n_classes`` > 2 (labels 0 … K−1): K logits, cross-entropy with balanced class weights, and every
    probability matrix has one column per class.
    """
    labels = np.asarray(train_labels, dtype=np.float32)
    seed_everything(config.seed)
    binary = n_classes == 2
    model = Predictor.from_pretrained(encoder_name, pooling="mean", n_outputs=1 if binary else n_classes)
    model = model.to(device)
    train_cache, train_vectors = frozen_pass(
        model,
        TextDataset(train_texts, labels, tokenizer, max_length),
        n_frozen,
        config.eval_batch_size,
        progress=config.progress,
    )
    caches = {
        name: frozen_pass(
            model,
            TextDataset(texts, None, tokenizer, max_length),
            n_frozen,
            config.eval_batch_size,
            progress=config.progress,
        )
        for name, texts in score_texts.items()
    }
    probe = fit_linear_probe(train_vectors, labels)
    out_of_fold = cross_val_predict(
        linear_probe(), train_vectors, labels.astype(int), cv=5, method="predict_proba"
    )
    warm_start_head(model, probe)
    upper = UpperLayers(model, n_frozen)
    if binary:
        pos_weight = pos_weight_for(labels)
        loss_fn = binary_loss(pos_weight)
    else:
        counts = np.bincount(labels.astype(int), minlength=n_classes)
        pos_weight, loss_fn = float("nan"), multiclass_loss(len(labels) / (n_classes * np.maximum(counts, 1)))
    train(upper, train_cache, None, config, loss_fn=loss_fn, device=device)
    column = 1 if binary else slice(None)
    return LpftResult(
        predictor=model,
        probe_probabilities={
            name: probe.predict_proba(vectors)[:, column] for name, (_, vectors) in caches.items()
        },
        logits={
            name: predict_logits(upper, cache, batch_size=config.eval_batch_size)
            for name, (cache, _) in caches.items()
        },
        pos_weight=pos_weight,
        train_probe_out_of_fold=out_of_fold[:, column],
    )


MIN_CLASS_EXAMPLES = 5


def cross_fitted_probabilities(
    texts: Sequence[str],
    labels,
    groups,
    encoder_name: str,
    tokenizer,
    config: TrainConfig,
    max_length: int,
    n_frozen: int = 2,
    device: torch.device | str = "cpu",
    folds: int = 2,
) -> np.ndarray:
    """Out-of-fold purchase probabilities: each text scored by an LP-FT model that never saw its group.

    The groups (customers) are split into ``folds`` with about the same share of positives in each
    (:class:`~sklearn.model_selection.StratifiedGroupKFold`, shuffled with ``config.seed``); a model is
    fitted on all other folds and scores this one. Every model's class-weight shift (log ``pos_weight``,
    notebook 05) is taken out, so the result reads as probabilities. Every training part needs
    :data:`MIN_CLASS_EXAMPLES` of each class.
    """
    texts, labels = list(texts), np.asarray(labels, dtype=np.float32)
    splitter = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=config.seed)
    parts = list(splitter.split(texts, labels.astype(int), np.asarray(groups)))
    fewest = min(min(np.bincount(labels[fit_rows].astype(int), minlength=2)) for fit_rows, _ in parts)
    if fewest < MIN_CLASS_EXAMPLES:  # the probe's 5-fold out-of-fold predictions need 5 of each class
        raise ValueError(
            f"a training part has only {fewest} examples of one class; cross-fitting needs at least "
            f"{MIN_CLASS_EXAMPLES} purchases and {MIN_CLASS_EXAMPLES} non-purchases in each"
        )
    probabilities = np.full(len(texts), np.nan)
    for fit_rows, score_rows in parts:
        fitted = fit_lpft(
            encoder_name,
            tokenizer,
            [texts[i] for i in fit_rows],
            labels[fit_rows],
            {"fold": [texts[i] for i in score_rows]},
            config,
            max_length,
            n_frozen,
            device,
        )
        probabilities[score_rows] = probabilities_from_logits(
            fitted.logits["fold"] - np.log(fitted.pos_weight)
        )
    return probabilities
