"""Inference: logits, probabilities and pooled vectors for a whole dataset, in dataset order.

Examples are batched shortest-first (little padding), run without gradients under the same autocast
precision as training, and put back in dataset order. :func:`evaluate` scores a labelled dataset with
the training loss and a :class:`~helpers.objectives.Metric`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import nn

from helpers.batching import BatchDataset, LengthBucketSampler, TextDataset, make_collate, model_inputs
from helpers.devices import autocast, resolve_precision
from helpers.objectives import ROC_AUC, LossFn, Metric, binary_loss, score_logits
from helpers.paths import atomic_write


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
    for indices in tqdm(order.batches(), desc="predict", disable=not progress):
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


POOLED_CACHE_FILE = "pooled_cache.npz"


class _Rows:
    """Some examples of a dataset, as a dataset: what a cache of vectors still lacks."""

    def __init__(self, dataset: BatchDataset, indices: Sequence[int]) -> None:
        self.dataset, self.indices = dataset, np.asarray(indices, dtype=np.int64)
        self.lengths, self.labels = dataset.lengths[self.indices], None

    def __len__(self) -> int:
        return len(self.indices)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return self.dataset[int(self.indices[index])]

    def collate_fn(self, dynamic_padding: bool = True) -> Callable:
        return self.dataset.collate_fn(dynamic_padding)


def embed_cached(
    model: nn.Module, dataset: TextDataset, model_dir: str | Path | None, **options: Any
) -> np.ndarray:
    """:func:`embed`, remembering every example's vector in ``model_dir/pooled_cache.npz``.

    Notebooks 05, 08 and 09 score the same simulated sessions with notebook 03's saved predictor:
    each vector is computed once, by the first of them. Examples are keyed on their token ids, so
    another text, tokenizer or truncation is another key. ``model_dir`` must be the folder the model
    was loaded from: ``save_predictor`` replaces that folder as a whole, so a retrained model never
    meets the old model's vectors; None (a model trained in this run, never saved) caches nothing.
    ``options`` as in :func:`predict_logits`.
    """
    if model_dir is None:
        return embed(model, dataset, **options)
    cache_file = Path(model_dir) / POOLED_CACHE_FILE
    keys = np.array([hashlib.sha1(ids.numpy().tobytes()).hexdigest() for ids in dataset.input_ids])
    known: dict[str, np.ndarray] = {}
    if cache_file.exists():
        with np.load(cache_file) as stored:
            known = dict(zip(stored["keys"], stored["vectors"], strict=True))
    missing = [i for i, key in enumerate(keys) if key not in known]
    if missing:
        known.update(zip(keys[missing], embed(model, _Rows(dataset, missing), **options), strict=True))
        with atomic_write(cache_file, "wb") as file:  # never half a cache
            np.savez(file, keys=np.array(list(known)), vectors=np.stack(list(known.values())))
    return np.stack([known[key] for key in keys])


def head_logits(model: nn.Module, pooled: np.ndarray) -> np.ndarray:
    """A :class:`~helpers.predictor.Predictor`'s head on pooled vectors (from :func:`embed`), as numpy."""
    model = getattr(model, "module", model)
    device = next(model.parameters()).device
    with torch.inference_mode():
        return model.head_logits(torch.as_tensor(pooled, device=device)).float().cpu().numpy()


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
