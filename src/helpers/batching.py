"""Batching: texts tokenised once, padded per batch, and grouped by length.

* :class:`TextDataset` tokenises every text once (no padding) and keeps its length and label.
* :func:`collate_dynamic` pads a batch only to its longest text (``pad_to`` pads to a fixed length).
* :class:`RandomBatchSampler` and :class:`LengthBucketSampler` fix the order of all batches of an epoch
  from ``(seed, epoch)`` alone, so a resumed or multi-process run sees the same batches.
* :func:`epoch_batches` gives each process its share of an epoch, whole optimizer steps only.
* :func:`padding_waste` measures the share of a batch tensor that is padding, for the samplers above:
  the number notebook 02 shows is the one the training loop of notebooks 03 and 04 pays.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Sequence
from functools import partial
from typing import Protocol

import numpy as np
import torch

from helpers.params import check_choice, check_int

PADDING_STRATEGIES = ("max_length", "dynamic", "bucketed")


class BatchDataset(Protocol):
    """What the training loop and inference need of a dataset: :class:`TextDataset` is one."""

    lengths: np.ndarray  # tokens per example, to batch examples of similar length
    labels: torch.Tensor | None

    def __len__(self) -> int: ...

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]: ...

    def collate_fn(self, dynamic_padding: bool = True) -> Callable: ...


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

    def collate_fn(self, dynamic_padding: bool = True) -> Callable:
        """:func:`collate_dynamic` for this dataset: pad to the batch's longest text, or to ``max_length``.

        A ``partial`` rather than a nested function, so that DataLoader worker processes can pickle it.
        """
        pad_to = None if dynamic_padding else self.max_length
        return partial(collate_dynamic, pad_token_id=self.pad_token_id, pad_to=pad_to)


def pad_examples(
    batch: list[dict[str, torch.Tensor]], key: str, pad_value: float, pad_to: int | None = None
) -> dict[str, torch.Tensor]:
    """Stack ``item[key]`` (shape (length, ...)) of every example, right-padded with ``pad_value`` to the
    longest in the batch (or to ``pad_to``), with the ``attention_mask`` that marks the real positions,
    and ``labels`` when the examples have them."""
    longest = max(len(item[key]) for item in batch)
    length = longest if pad_to is None else max(pad_to, longest)
    first = batch[0][key]
    values = first.new_full((len(batch), length, *first.shape[1:]), pad_value)
    attention_mask = torch.zeros((len(batch), length), dtype=torch.long)
    for row, item in enumerate(batch):
        n = len(item[key])
        values[row, :n] = item[key]
        attention_mask[row, :n] = 1
    collated = {key: values, "attention_mask": attention_mask}
    if "labels" in batch[0]:
        collated["labels"] = torch.stack([item["labels"] for item in batch])
    return collated


def collate_dynamic(
    batch: list[dict[str, torch.Tensor]], pad_token_id: int, pad_to: int | None = None
) -> dict[str, torch.Tensor]:
    """Token ids padded to the longest text of the batch (or to ``pad_to`` tokens): ``input_ids`` and
    ``attention_mask`` of shape (batch, length), and ``labels`` when the examples have them."""
    return pad_examples(batch, "input_ids", pad_token_id, pad_to)


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


def make_collate(dataset: BatchDataset, dynamic_padding: bool = True) -> Callable:
    """The dataset's collate: pad to the batch's longest example, or to the dataset's ``max_length``.

    Every dataset of the workbook (:class:`TextDataset`, :class:`helpers.layer_cache.HiddenStateDataset`)
    has a ``collate_fn(dynamic_padding)``, so the loop and inference batch them the same way.
    """
    return dataset.collate_fn(dynamic_padding)


def model_inputs(
    batch: dict[str, torch.Tensor], device: torch.device | None = None
) -> dict[str, torch.Tensor]:
    """A batch without its labels (on ``device``): the keyword arguments of the model's ``forward``."""
    inputs = {key: value for key, value in batch.items() if key != "labels"}
    return inputs if device is None else {key: value.to(device) for key, value in inputs.items()}


def steps_per_epoch(n_batches: int, world_size: int, grad_accumulation: int) -> int:
    """Optimizer steps per epoch: only whole steps of ``world_size * grad_accumulation`` batches."""
    return n_batches // (world_size * grad_accumulation)


def epoch_batches(
    sampler: RandomBatchSampler, epoch: int, grad_accumulation: int, rank: int = 0, world_size: int = 1
) -> list[list[int]]:
    """Process ``rank``'s micro-batches for ``epoch``: every ``world_size``-th batch, whole steps only."""
    sampler.set_epoch(epoch)
    batches = sampler.batches()
    used = steps_per_epoch(len(batches), world_size, grad_accumulation) * world_size * grad_accumulation
    return batches[:used][rank::world_size]


def make_loader(
    dataset: TextDataset, batches: list[list[int]], collate: Callable, num_workers: int, seed: int
):
    """A DataLoader over a fixed list of batches.

    It gets its own random generator: without one, DataLoader draws a seed from torch's global RNG
    every time an iteration starts, which would change the dropout masks after a resume.
    """
    return torch.utils.data.DataLoader(
        dataset,
        batch_sampler=batches,
        collate_fn=collate,
        num_workers=num_workers,
        generator=torch.Generator().manual_seed(seed),
    )


def padding_waste(
    lengths: Sequence[int] | np.ndarray,
    batch_size: int,
    strategy: str = "bucketed",
    max_length: int | None = None,
    seed: int = 0,
) -> float:
    """Fraction of the padded batch tensors that is padding, batching ``lengths`` as training does.

    * ``"max_length"``: random batches (:class:`RandomBatchSampler`), every text padded to ``max_length``
      (default: the longest text), as a tokenizer called with ``padding="max_length"`` does;
    * ``"dynamic"``: random batches, each padded to its own longest text (:func:`collate_dynamic`);
    * ``"bucketed"``: :class:`LengthBucketSampler` batches, each padded to its own longest text: what
      :func:`helpers.training.train` runs by default.

    Texts longer than ``max_length`` are cut to it first. waste = (padded - real tokens) / padded tokens,
    the ``padding_fraction`` that the training history logs.
    """
    check_choice("strategy", strategy, PADDING_STRATEGIES)
    check_int("batch_size", batch_size, minimum=1)
    lengths = np.asarray(lengths, dtype=np.int64)
    if lengths.size == 0:
        raise ValueError("padding_waste needs at least one length")
    max_length = int(lengths.max()) if max_length is None else max_length
    lengths = np.minimum(lengths, max_length)
    if strategy == "bucketed":
        batches = LengthBucketSampler(lengths, batch_size, seed).batches()
    else:
        batches = RandomBatchSampler(len(lengths), batch_size, seed).batches()
    padded = sum(
        len(batch) * (max_length if strategy == "max_length" else lengths[batch].max()) for batch in batches
    )
    return float(1.0 - lengths.sum() / padded)
