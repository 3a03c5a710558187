"""What a model is trained for: a loss on logits and a metric to select and stop on.

:func:`helpers.training.train` runs one loop for every task; only these two pieces change:

=================  =====================================  ============================
task               loss (``loss_fn(logits, labels)``)     metric (``Metric``)
=================  =====================================  ============================
purchase (binary)  :func:`binary_loss` (``pos_weight``)   :data:`ROC_AUC`
sentiment (K)      :func:`multiclass_loss` (weights)      :data:`MACRO_F1`
masked LM          :meth:`helpers.mlm.MaskedLM.loss`      held-out loss (see :mod:`helpers.mlm`)
=================  =====================================  ============================

Losses are computed in float32 whatever precision the forward pass ran in.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn

LossFn = Callable[[torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass(frozen=True)
class Metric:
    """``fn(labels, logits) -> float``, named in the history, and which direction is better."""

    name: str
    fn: Callable[[np.ndarray, np.ndarray], float]
    higher_is_better: bool = True

    def __call__(self, labels: np.ndarray, logits: np.ndarray) -> float:
        return float(self.fn(labels, logits))

    def improved(self, value: float, best: float | None) -> bool:
        """True when ``value`` beats ``best`` (None: nothing yet); NaN never improves."""
        if np.isnan(value):
            return False
        return best is None or (value > best if self.higher_is_better else value < best)


def _roc_auc(labels: np.ndarray, logits: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    labels = np.asarray(labels).astype(int)
    both_classes = 0 < labels.sum() < len(labels)
    return float(roc_auc_score(labels, logits)) if both_classes else float("nan")


def _macro_f1(labels: np.ndarray, logits: np.ndarray) -> float:
    from sklearn.metrics import f1_score

    return float(f1_score(np.asarray(labels).astype(int), logits.argmax(axis=-1), average="macro"))


ROC_AUC = Metric("auc", _roc_auc)  # NaN when the labels hold one class only
MACRO_F1 = Metric("macro_f1", _macro_f1)


def pos_weight_for(labels: Sequence[float] | np.ndarray | torch.Tensor) -> float:
    """``n_negative / n_positive``: the ``pos_weight`` of ``BCEWithLogitsLoss`` that balances the classes."""
    labels = np.asarray(labels, dtype=float)
    n_positive = float((labels > 0.5).sum())
    if n_positive == 0:
        raise ValueError("pos_weight_for needs at least one positive label")
    return float(len(labels) - n_positive) / n_positive


def binary_loss(pos_weight: float | None = None) -> LossFn:
    """Binary cross-entropy on one logit per example; ``pos_weight`` multiplies the positives' terms."""

    def loss_fn(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        weight = None if pos_weight is None else torch.tensor(pos_weight, device=logits.device)
        return nn.functional.binary_cross_entropy_with_logits(
            logits.float(), labels.float(), pos_weight=weight
        )

    return loss_fn


def multiclass_loss(class_weights: Sequence[float] | None = None) -> LossFn:
    """Cross-entropy on one logit per class; ``class_weights[k]`` multiplies the terms of class ``k``."""

    def loss_fn(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        if class_weights is None:
            weight = None
        else:
            weight = torch.tensor(class_weights, dtype=torch.float32, device=logits.device)
        return nn.functional.cross_entropy(logits.float(), labels.long(), weight=weight)

    return loss_fn


def score_logits(
    logits: np.ndarray, labels: np.ndarray | torch.Tensor, loss_fn: LossFn, metric: Metric
) -> dict:
    """``{"loss": ..., metric.name: ...}`` of logits against labels, the loss being the training loss."""
    labels = torch.as_tensor(np.asarray(labels))
    loss = loss_fn(torch.from_numpy(np.asarray(logits)), labels).item()
    return {"loss": loss, metric.name: metric(labels.numpy(), np.asarray(logits))}
