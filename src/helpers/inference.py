"""Inference: logits, probabilities and pooled vectors for a whole dataset, in dataset order.

Examples are batched shortest-first (little padding), run without gradients under the same autocast
precision as training, and put back in dataset order. :func:`evaluate` scores a labelled dataset with
the training loss and a :class:`~helpers.objectives.Metric`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import torch
from torch import nn

from helpers.batching import BatchDataset, LengthBucketSampler, make_collate, model_inputs
from helpers.devices import autocast, resolve_precision
from helpers.objectives import ROC_AUC, LossFn, Metric, binary_loss, score_logits


def forward_in_length_order(
    model: nn.Module,
    dataset: BatchDataset,
    forward: Callable[[nn.Module, dict[str, torch.Tensor]], torch.Tensor],
    batch_size: int = 64,
    device: str | torch.device | None = None,
    mixed_precision: str = "auto",
    progress: bool = False,
) -> np.ndarray:
    """``forward(model, inputs)`` for every example, stacked in dataset order (``inputs``: a batch
    without labels, e.g. ``input_ids`` and ``attention_mask``).

    Examples are batched shortest-first (less padding), then put back in order. The model is used on
    its own device unless ``device`` is given; its train/eval mode is restored afterwards. These keyword
    arguments are the ``options`` of :func:`predict_logits`, :func:`embed` and :func:`predict`.
    """
    from tqdm import tqdm  # text bars: tqdm.auto would want ipywidgets in a notebook

    model = getattr(model, "module", model)
    device = next(model.parameters()).device if device is None else torch.device(device)
    model.to(device)
    dtype = resolve_precision(mixed_precision, device)
    was_training = model.training
    model.eval()
    order = LengthBucketSampler(dataset.lengths, batch_size, shuffle=False)
    collate = make_collate(dataset)
    results = None
    for indices in tqdm(order.batches(), desc="predict", disable=not progress, leave=False):
        batch = collate([dataset[i] for i in indices])
        with torch.inference_mode(), autocast(device, dtype):
            out = forward(model, model_inputs(batch, device))
        out = out.float().cpu().numpy()
        if results is None:
            results = np.empty((len(dataset), *out.shape[1:]), dtype=np.float32)
        results[indices] = out
    model.train(was_training)
    return results


def _logits(model: nn.Module, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    return model(**inputs)


def _pooled(model: nn.Module, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
    return model.pool(model.encoder(**inputs), inputs["attention_mask"])


def predict_logits(model: nn.Module, dataset: BatchDataset, **options: Any) -> np.ndarray:
    """Logits for every example of ``dataset``, in dataset order.

    ``options``: ``batch_size`` (64), ``device`` (the model's), ``mixed_precision`` ("auto"),
    ``progress`` (False), as in :func:`forward_in_length_order`.
    """
    return forward_in_length_order(model, dataset, _logits, **options)


def embed(model: nn.Module, dataset: BatchDataset, **options: Any) -> np.ndarray:
    """The pooled vector a :class:`~helpers.predictor.Predictor` feeds its head, shape (examples, hidden).

    With a frozen pretrained encoder these are the features of a linear probe. ``options`` as in
    :func:`predict_logits`.
    """
    return forward_in_length_order(model, dataset, _pooled, **options)


def predict(model: nn.Module, dataset: BatchDataset, **options: Any) -> np.ndarray:
    """Probabilities for every example, in dataset order: the sigmoid of one logit (purchase), or the
    softmax over several (one column per class). ``options`` as in :func:`predict_logits`."""
    return probabilities_from_logits(predict_logits(model, dataset, **options))


def probabilities_from_logits(logits: np.ndarray) -> np.ndarray:
    """The sigmoid of one logit per example, or the softmax over one logit per class (float64)."""
    logits = np.asarray(logits, dtype=np.float64)
    if logits.ndim == 1:
        return 1.0 / (1.0 + np.exp(-logits))
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def evaluate(
    model: nn.Module,
    dataset: BatchDataset,
    loss_fn: LossFn | None = None,
    metric: Metric = ROC_AUC,
    batch_size: int = 64,
    mixed_precision: str = "auto",
) -> tuple[dict[str, float], np.ndarray]:
    """``({"loss": ..., metric.name: ...}, logits)`` on a labelled dataset.

    ``loss_fn`` defaults to the unweighted binary loss; pass the training loss so that training and
    evaluation losses compare.
    """
    if dataset.labels is None:
        raise ValueError("evaluation needs a dataset with labels")
    logits = predict_logits(model, dataset, batch_size=batch_size, mixed_precision=mixed_precision)
    return score_logits(logits, dataset.labels, loss_fn or binary_loss(), metric), logits
