"""The purchase predictor of notebook 03: a pretrained encoder with one linear layer on top.

.. math:: \\hat p = \\sigma\\left(w^\\top \\mathrm{pool}(\\mathrm{BERT}(x)) + b\\right)

* :class:`Predictor` keeps the seed example's structure (``pooler_output`` -> ``nn.Linear(hidden, 1)``)
  and adds mean pooling over the real (non-padding) tokens as a variant.
* :func:`save_predictor` / :func:`load_predictor` write and read a folder of safetensors files and a small
  JSON file, so a trained model loads without the original encoder name and without pickle.
* :class:`TextDataset`, :func:`collate_dynamic` and :class:`LengthBucketSampler` feed it efficiently:
  texts are tokenised once, each batch is padded only to its longest text, and batches group texts of
  similar length so that little compute is spent on padding.

>>> model = Predictor.from_pretrained("minilm")                      # doctest: +SKIP
>>> data = TextDataset(texts, labels, load_tokenizer("minilm"), 128)  # doctest: +SKIP
"""

from __future__ import annotations

import json
import math
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

POOLINGS = ("pooler", "mean")
CONFIG_FILE = "predictor.json"
HEAD_FILE = "head.safetensors"
ENCODER_FOLDER = "encoder"
TOKENIZER_FOLDER = "tokenizer"
FORMAT_VERSION = 1


class Predictor(nn.Module):
    """Encoder + linear head that returns one purchase logit per text.

    ``pooling="pooler"`` uses the encoder's ``pooler_output`` (the ``[CLS]`` vector through a dense
    layer and tanh, as in the seed example); ``pooling="mean"`` averages the last hidden states over the
    tokens where ``attention_mask`` is 1, so padding never changes the result.
    """

    def __init__(self, encoder: nn.Module, pooling: str = "pooler") -> None:
        super().__init__()
        if pooling not in POOLINGS:
            raise ValueError(f"pooling must be one of {POOLINGS}, got {pooling!r}")
        if pooling == "pooler" and getattr(encoder, "pooler", "missing") is None:
            raise ValueError("this encoder has no pooling layer; use pooling='mean'")
        self.encoder = encoder
        self.pooling = pooling
        self.head = nn.Linear(encoder.config.hidden_size, 1)
        if pooling == "mean" and getattr(encoder, "pooler", None) is not None:
            # Mean pooling never uses the pooler: without this its weights would get no gradient,
            # which DistributedDataParallel refuses ("Expected to have finished reduction ...").
            encoder.pooler.requires_grad_(False)

    @classmethod
    def from_pretrained(cls, encoder_name: str = "minilm", pooling: str = "pooler") -> Predictor:
        """A predictor on a pretrained encoder (registry name, local folder or hub name); the head is new."""
        from helpers.model_registry import load_encoder

        return cls(load_encoder(encoder_name), pooling=pooling)

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
        from helpers.model_registry import count_parameters

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
        """Logits of shape (batch,); ``torch.sigmoid(logits)`` are purchase probabilities."""
        outputs = self.encoder(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        )
        return self.head(self.pool(outputs, attention_mask)).squeeze(-1)


def save_predictor(model: Predictor, tokenizer, path: str | Path) -> Path:
    """Write ``model`` (and ``tokenizer`` unless None) to the folder ``path``, safetensors only.

    Layout: ``encoder/`` (``save_pretrained``: config.json + model.safetensors; transformers 5 always
    writes safetensors), ``head.safetensors``, ``tokenizer/`` and ``predictor.json`` (pooling, encoder
    class and size). The folder is written beside the target and renamed into place, so a crash never
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
            "encoder_class": type(model.encoder).__name__,
            "model_type": model.encoder.config.model_type,
            "hidden_size": model.encoder.config.hidden_size,
            "source": str(getattr(model.encoder.config, "_name_or_path", "")),
            "has_tokenizer": tokenizer is not None,
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
    model = Predictor(encoder, pooling=config["pooling"])
    model.head.load_state_dict(load_file(folder / HEAD_FILE))
    tokenizer = AutoTokenizer.from_pretrained(folder / TOKENIZER_FOLDER) if config["has_tokenizer"] else None
    return model.eval(), tokenizer


def pos_weight_for(labels: Sequence[float] | np.ndarray | torch.Tensor) -> float:
    """``n_negative / n_positive``: the ``pos_weight`` of ``BCEWithLogitsLoss`` that balances the classes."""
    labels = np.asarray(labels, dtype=float)
    n_positive = float((labels > 0.5).sum())
    if n_positive == 0:
        raise ValueError("pos_weight_for needs at least one positive label")
    return float(len(labels) - n_positive) / n_positive


class TextDataset(torch.utils.data.Dataset):
    """Texts tokenised once (no padding), with their labels and token lengths.

    ``lengths[i]`` counts the special tokens, so it is the number of real tokens of example ``i``.
    Labels are optional (None for data to score).
    """

    def __init__(
        self,
        texts: Sequence[str],
        labels: Sequence[float] | np.ndarray | None,
        tokenizer,
        max_length: int,
    ) -> None:
        texts = [str(text) for text in texts]
        if labels is not None and len(labels) != len(texts):
            raise ValueError(f"{len(texts)} texts but {len(labels)} labels")
        encoded = tokenizer(texts, truncation=True, max_length=max_length)["input_ids"]
        self.input_ids = [torch.tensor(ids, dtype=torch.long) for ids in encoded]
        self.lengths = np.array([len(ids) for ids in encoded], dtype=np.int64)
        self.labels = None if labels is None else torch.as_tensor(np.asarray(labels, dtype=np.float32))
        self.max_length = max_length
        self.pad_token_id = int(tokenizer.pad_token_id)

    def __len__(self) -> int:
        return len(self.input_ids)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        item = {"input_ids": self.input_ids[index]}
        if self.labels is not None:
            item["labels"] = self.labels[index]
        return item


def collate_dynamic(
    batch: list[dict[str, torch.Tensor]], pad_token_id: int, pad_to: int | None = None
) -> dict[str, torch.Tensor]:
    """Stack examples, padding on the right to the longest in the batch (or to ``pad_to`` tokens).

    Returns ``input_ids`` and ``attention_mask`` of shape (batch, length), and ``labels`` when the
    examples have them.
    """
    longest = max(len(item["input_ids"]) for item in batch)
    length = longest if pad_to is None else max(pad_to, longest)
    input_ids = torch.full((len(batch), length), pad_token_id, dtype=torch.long)
    attention_mask = torch.zeros((len(batch), length), dtype=torch.long)
    for row, item in enumerate(batch):
        n = len(item["input_ids"])
        input_ids[row, :n] = item["input_ids"]
        attention_mask[row, :n] = 1
    collated = {"input_ids": input_ids, "attention_mask": attention_mask}
    if "labels" in batch[0]:
        collated["labels"] = torch.stack([item["labels"] for item in batch])
    return collated


class RandomBatchSampler:
    """Batches of random examples, a new order each epoch (``set_epoch``), the same for the same seed."""

    def __init__(
        self, n: int, batch_size: int, seed: int = 0, shuffle: bool = True, drop_last: bool = False
    ) -> None:
        if batch_size < 1:
            raise ValueError(f"batch_size must be >= 1, got {batch_size}")
        self.n, self.batch_size, self.seed = n, batch_size, seed
        self.shuffle, self.drop_last = shuffle, drop_last
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _rng(self) -> np.random.Generator:
        return np.random.default_rng([self.seed, self.epoch])

    def _split(self, order: np.ndarray) -> list[list[int]]:
        batches = [order[i : i + self.batch_size].tolist() for i in range(0, len(order), self.batch_size)]
        if self.drop_last and batches and len(batches[-1]) < self.batch_size:
            batches.pop()
        return batches

    def batches(self) -> list[list[int]]:
        """All batches of the current epoch, as lists of dataset indices."""
        order = self._rng().permutation(self.n) if self.shuffle else np.arange(self.n)
        return self._split(order)

    def __iter__(self) -> Iterator[list[int]]:
        return iter(self.batches())

    def __len__(self) -> int:
        return self.n // self.batch_size if self.drop_last else math.ceil(self.n / self.batch_size)


class LengthBucketSampler(RandomBatchSampler):
    """Batches of texts of similar length, so dynamic padding adds few pad tokens.

    Each epoch: shuffle all indices, cut them into chunks of ``batch_size * chunk_batches`` examples,
    sort each chunk by length, cut it into batches, then shuffle the order of the batches. The chunks
    keep randomness in which texts meet in a batch; the final shuffle keeps long and short batches
    mixed through the epoch. The order depends only on ``(seed, epoch)``.
    """

    def __init__(
        self,
        lengths: Sequence[int] | np.ndarray,
        batch_size: int,
        seed: int = 0,
        shuffle: bool = True,
        drop_last: bool = False,
        chunk_batches: int = 50,
    ) -> None:
        super().__init__(len(lengths), batch_size, seed, shuffle, drop_last)
        self.lengths = np.asarray(lengths)
        self.chunk_batches = chunk_batches

    def batches(self) -> list[list[int]]:
        if not self.shuffle:  # evaluation: one sorted pass
            return self._split(np.argsort(self.lengths, kind="stable"))
        rng = self._rng()
        order = rng.permutation(self.n)
        chunk = self.batch_size * self.chunk_batches
        sorted_chunks = [
            part[np.argsort(self.lengths[part], kind="stable")]
            for part in (order[i : i + chunk] for i in range(0, self.n, chunk))
        ]
        batches = self._split(np.concatenate(sorted_chunks))
        return [batches[i] for i in rng.permutation(len(batches))]
