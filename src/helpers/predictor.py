"""The purchase predictor of notebook 03: a pretrained encoder with one linear layer on top.

.. math:: \\hat p = \\sigma\\left(w^\\top \\mathrm{pool}(\\mathrm{BERT}(x)) + b\\right)

* :class:`Predictor` keeps the seed example's structure (``pooler_output`` -> ``nn.Linear(hidden, 1)``)
  and adds mean pooling over the real (non-padding) tokens as a variant.
* :func:`save_predictor` / :func:`load_predictor` write and read a folder of safetensors files and a small
  JSON file, so a trained model loads without the original encoder name and without pickle.
* ``n_outputs=K`` gives one logit per class (notebook 07's sentiment classes) instead of one.
* :func:`fit_linear_probe` and :func:`warm_start_head`: a logistic regression on the frozen pooled
  vectors, copied into the head so that fine-tuning starts from it (LP-FT).

Batches come from :mod:`helpers.batching`, training from :mod:`helpers.training`.

>>> model = Predictor.from_pretrained("minilm")                      # doctest: +SKIP
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import torch
from torch import nn

from helpers.model_registry import count_parameters, load_encoder

POOLINGS = ("pooler", "mean")
CONFIG_FILE = "predictor.json"
CALIBRATION_FILE = "calibration.json"
HEAD_FILE = "head.safetensors"
ENCODER_FOLDER = "encoder"
TOKENIZER_FOLDER = "tokenizer"
FORMAT_VERSION = 1


class Predictor(nn.Module):
    """Encoder + linear head that returns one purchase logit per text (or one logit per class).

    ``pooling="pooler"`` uses the encoder's ``pooler_output`` (the ``[CLS]`` vector through a dense
    layer and tanh, as in the seed example); ``pooling="mean"`` averages the last hidden states over the
    tokens where ``attention_mask`` is 1, so padding never changes the result.
    """

    def __init__(self, encoder: nn.Module, pooling: str = "pooler", n_outputs: int = 1) -> None:
        super().__init__()
        if n_outputs < 1:
            raise ValueError(f"n_outputs must be >= 1, got {n_outputs}")
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if pooling == "pooler" and getattr(encoder, "pooler", "missing") is None:
            raise ValueError("this encoder has no pooling layer; use pooling='mean'")
        self.encoder = encoder
        self.pooling = pooling
        self.head = nn.Linear(encoder.config.hidden_size, n_outputs)
        if pooling == "mean" and getattr(encoder, "pooler", None) is not None:
            # Mean pooling never uses the pooler: without this its weights would get no gradient,
            # which DistributedDataParallel refuses ("Expected to have finished reduction ...").
            encoder.pooler.requires_grad_(False)

    @classmethod
    def from_pretrained(
        cls, encoder_name: str = "minilm", pooling: str = "pooler", n_outputs: int = 1
    ) -> Predictor:
        """A predictor on a pretrained encoder (registry name, local folder or hub name); the head is new."""
        return cls(load_encoder(encoder_name), pooling=pooling, n_outputs=n_outputs)

    def freeze_lower_layers(self, n_layers: int) -> int:
        """Freeze the embeddings and the first ``n_layers`` transformer layers; return the trainable count.

        The lower layers hold general features (word pieces, local syntax) that a few thousand labelled
        sessions improve little. Frozen, they need no backward pass: for MiniLM, two of six layers make
        a training step about a fifth cheaper. Works for BERT-family encoders (``encoder.embeddings``
        and ``encoder.encoder.layer``).
        """
        layers = getattr(getattr(self.encoder, "encoder", None), "layer", None)
        if layers is None or not hasattr(self.encoder, "embeddings"):
            raise ValueError(f"{type(self.encoder).__name__} is not a BERT-family encoder")
        if not 0 <= n_layers <= len(layers):
            raise ValueError(f"n_layers must be between 0 and {len(layers)}, got {n_layers}")
        self.encoder.embeddings.requires_grad_(False)
        for layer in layers[:n_layers]:
            layer.requires_grad_(False)
        return count_parameters(self, trainable_only=True)

    def pool(self, outputs, attention_mask: torch.Tensor) -> torch.Tensor:
        """One vector per text, shape (batch, hidden)."""
        if self.pooling == "pooler":
            return outputs.pooler_output
        mask = attention_mask.unsqueeze(-1).to(outputs.last_hidden_state.dtype)
        summed = (outputs.last_hidden_state * mask).sum(dim=1)
        return summed / mask.sum(dim=1).clamp(min=1.0)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor | None = None,
    ) -> torch.Tensor:
        """Logits of shape (batch,) for one output (``torch.sigmoid`` gives purchase probabilities), else
        (batch, n_outputs) (``softmax`` over the last axis gives class probabilities)."""
        outputs = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return self.head_logits(self.pool(outputs, attention_mask))

    def head_logits(self, pooled: torch.Tensor) -> torch.Tensor:
        """The head on pooled vectors: shape (batch,) for one output, else (batch, n_outputs)."""
        logits = self.head(pooled)
        return logits.squeeze(-1) if self.head.out_features == 1 else logits


def save_predictor(model: Predictor, tokenizer, path: str | Path, training: dict | None = None) -> Path:
    """Write ``model`` (and ``tokenizer`` unless None) to the folder ``path``, safetensors only.

    Layout: ``encoder/`` (``save_pretrained``: config.json + model.safetensors; transformers 5 always
    writes safetensors), ``head.safetensors``, ``tokenizer/`` and ``predictor.json`` (pooling, encoder
    class and size, and ``training``: what it was trained on, JSON-serialisable, so that a later
    notebook can tell whether its test data was part of it; see :func:`saved_training`). The folder
    is written beside the target and renamed into place, so a crash never
    leaves a half-written model.
    """
    from safetensors.torch import save_file

    model = getattr(model, "module", model)  # unwrap DistributedDataParallel
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        model.encoder.save_pretrained(staging / ENCODER_FOLDER)
        head = {name: tensor.detach().cpu().contiguous() for name, tensor in model.head.state_dict().items()}
        save_file(head, staging / HEAD_FILE)
        if tokenizer is not None:
            tokenizer.save_pretrained(staging / TOKENIZER_FOLDER)
        config = {
            "format_version": FORMAT_VERSION,
            "pooling": model.pooling,
            "n_outputs": model.head.out_features,
            "encoder_class": type(model.encoder).__name__,
            "model_type": model.encoder.config.model_type,
            "hidden_size": model.encoder.config.hidden_size,
            "source": str(getattr(model.encoder.config, "_name_or_path", "")),
            "has_tokenizer": tokenizer is not None,
            "training": training or {},
        }
        (staging / CONFIG_FILE).write_text(json.dumps(config, indent=2))
        for written in (staging, staging / HEAD_FILE):  # mkdtemp makes a private folder
            written.chmod(0o755 if written.is_dir() else 0o644)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def load_predictor(path: str | Path) -> tuple[Predictor, object | None]:
    """Read a folder written by :func:`save_predictor`; returns ``(model, tokenizer or None)``.

    The model is returned in eval mode on the CPU.
    """
    from safetensors.torch import load_file
    from transformers import AutoModel, AutoTokenizer

    folder = Path(path)
    if not (folder / CONFIG_FILE).exists():
        raise FileNotFoundError(f"{folder} is not a saved predictor (no {CONFIG_FILE})")
    config = json.loads((folder / CONFIG_FILE).read_text())
    encoder = AutoModel.from_pretrained(
        folder / ENCODER_FOLDER, use_safetensors=True, trust_remote_code=False
    )
    model = Predictor(encoder, pooling=config["pooling"], n_outputs=config.get("n_outputs", 1))
    model.head.load_state_dict(load_file(folder / HEAD_FILE))
    tokenizer = AutoTokenizer.from_pretrained(folder / TOKENIZER_FOLDER) if config["has_tokenizer"] else None
    return model.eval(), tokenizer


def saved_training(path: str | Path) -> dict:
    """The ``training`` record a predictor was saved with (empty when there is none or no predictor)."""
    config = Path(path) / CONFIG_FILE
    return json.loads(config.read_text()).get("training", {}) if config.exists() else {}


def save_calibration(path: str | Path, temperature: float, shift: float, fitted_on: str) -> Path:
    """Keep a calibration ``sigmoid((logit - shift) / temperature)`` beside the predictor saved at ``path``.

    Notebook 05 fits it on validation sessions; the report (notebook 09) applies it. Saving the predictor
    again replaces its folder and this file with it, so a calibration never outlives its model.
    """
    folder = Path(path)
    if not (folder / CONFIG_FILE).exists():
        raise FileNotFoundError(f"{folder} is not a saved predictor (no {CONFIG_FILE})")
    record = {"temperature": float(temperature), "shift": float(shift), "fitted_on": fitted_on}
    staging = folder / f"{CALIBRATION_FILE}.tmp"
    staging.write_text(json.dumps(record, indent=2))
    staging.replace(folder / CALIBRATION_FILE)  # readers see the old file or the new, never half of one
    return folder / CALIBRATION_FILE


def saved_calibration(path: str | Path) -> dict:
    """The calibration saved beside a predictor (``temperature``, ``shift``, ``fitted_on``); {} when none."""
    file = Path(path) / CALIBRATION_FILE
    return json.loads(file.read_text()) if file.exists() else {}


def matching_predictor(path: str | Path, **wanted) -> tuple[Predictor | None, str]:
    """The predictor saved at ``path`` if its training record matches every ``wanted`` value.

    Returns ``(predictor, "")``, or ``(None, reason)`` when there is none or it was trained on other
    data (``reason`` names the fields that differ), so a notebook can train one instead.
    """
    saved = saved_training(path)
    if not saved:
        return None, "absent, or saved without a record of its data"
    mismatch = {key: saved.get(key) for key, value in wanted.items() if saved.get(key) != value}
    if mismatch:
        return None, f"trained on other data: {mismatch}"
    return load_predictor(path)[0], ""


def fit_linear_probe(vectors: np.ndarray, labels, C: float = 1.0):
    """Logistic regression on frozen pooled vectors (from :func:`helpers.inference.embed` or
    :func:`helpers.layer_cache.frozen_pass`), classes weighted to balance.

    Balanced class weights are the logistic-regression twin of ``pos_weight`` in the fine-tuning loss.
    """
    return linear_probe(C).fit(vectors, np.asarray(labels).astype(int))


def linear_probe(C: float = 1.0):
    """The unfitted estimator of :func:`fit_linear_probe` (for cross-validation)."""
    from sklearn.linear_model import LogisticRegression

    return LogisticRegression(C=C, max_iter=3000, class_weight="balanced")


def warm_start_head(model: Predictor, probe) -> None:
    """Copy a fitted probe into the predictor's linear head, so fine-tuning starts from a useful head.

    Fine-tuning with a random head sends large, random gradients into the pretrained encoder in the
    first steps; starting from the probe's head avoids that (Kumar et al., 2022, "Fine-tuning can
    distort pretrained features").
    """
    head = getattr(model, "module", model).head
    weight, bias = np.asarray(probe.coef_), np.asarray(probe.intercept_)
    if head.out_features == 2 and weight.shape[0] == 1:  # a binary probe for a two-logit head
        weight, bias = np.concatenate([-weight / 2, weight / 2]), np.concatenate([-bias / 2, bias / 2])
    if weight.shape != tuple(head.weight.shape):
        raise ValueError(f"the probe has {weight.shape[0]} output(s), the head {head.out_features}")
    with torch.no_grad():
        head.weight.copy_(torch.as_tensor(weight, dtype=head.weight.dtype))
        head.bias.copy_(torch.as_tensor(bias, dtype=head.bias.dtype))
