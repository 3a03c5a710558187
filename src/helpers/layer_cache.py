"""Frozen lower layers computed once: the cheap way to fine-tune the upper layers of an encoder many times.

When the embeddings and the lower ``k`` transformer layers are frozen, their output for a text never
changes. :func:`frozen_pass` runs the pretrained encoder over a dataset once, and keeps

* the hidden states after layer ``k`` of every text (a :class:`HiddenStateDataset`), and
* the pooled output of the last layer: the features of a linear probe.

:class:`UpperLayers` is the predictor above layer ``k``: it reads those hidden states instead of tokens
and shares its weights with the predictor, so training it with :func:`helpers.training.train` fine-tunes
the predictor itself (LP-FT with ``k`` frozen layers), without running the frozen layers again in any
epoch, evaluation or variant. Frozen layers run in evaluation mode here (no dropout), which is what
frozen features mean.

Memory: ``tokens x hidden`` floats per text, about 150 KB for a 100-token session with MiniLM.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from functools import partial
from types import SimpleNamespace

import numpy as np
import torch
from torch import nn

from helpers.batching import BatchDataset, LengthBucketSampler, make_collate, model_inputs, pad_examples
from helpers.predictor import Predictor


class HiddenStateDataset(torch.utils.data.Dataset):
    """Per-text hidden states, shape (tokens, hidden), with their labels; batches like a TextDataset."""

    def __init__(self, hidden_states: Sequence[torch.Tensor], labels: torch.Tensor | None) -> None:
        self.hidden_states = list(hidden_states)
        self.lengths = np.array([len(states) for states in self.hidden_states], dtype=np.int64)
        self.labels = labels
        self.max_length = int(self.lengths.max()) if len(self.lengths) else 0

    def __len__(self) -> int:
        return len(self.hidden_states)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        item = {"hidden_states": self.hidden_states[index]}
        if self.labels is not None:
            item["labels"] = self.labels[index]
        return item

    def collate_fn(self, dynamic_padding: bool = True) -> Callable:
        return partial(collate_hidden_states, pad_to=None if dynamic_padding else self.max_length)


def collate_hidden_states(
    batch: list[dict[str, torch.Tensor]], pad_to: int | None = None
) -> dict[str, torch.Tensor]:
    """Hidden states zero-padded to the longest example (or ``pad_to``), with their attention mask."""
    return pad_examples(batch, "hidden_states", 0.0, pad_to)


@torch.no_grad()  # not inference_mode: the cached states are inputs of later training steps
def frozen_pass(
    model: Predictor, dataset: BatchDataset, n_frozen: int, batch_size: int = 64, progress: bool = False
) -> tuple[HiddenStateDataset, np.ndarray]:
    """One pass of ``model`` over ``dataset``: (hidden states after layer ``n_frozen``, pooled vectors).

    The pooled vectors, shape (examples, hidden), are what :func:`helpers.inference.embed` returns in
    float32. Runs in float32 on the model's device; the hidden states are kept on the CPU.
    """
    from tqdm import tqdm  # text bars: tqdm.auto would want ipywidgets in a notebook

    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    states: list[torch.Tensor | None] = [None] * len(dataset)
    pooled = np.empty((len(dataset), model.head.in_features), dtype=np.float32)
    collate = make_collate(dataset)
    order = LengthBucketSampler(dataset.lengths, batch_size, shuffle=False)
    for indices in tqdm(order.batches(), desc="frozen pass", disable=not progress):
        inputs = model_inputs(collate([dataset[i] for i in indices]), device)
        outputs = model.encoder(**inputs, output_hidden_states=True)
        lower = outputs.hidden_states[n_frozen].float().cpu()
        for row, index in enumerate(indices):
            states[index] = lower[row, : int(inputs["attention_mask"][row].sum())].clone()
        pooled[indices] = model.pool(outputs, inputs["attention_mask"]).float().cpu().numpy()
    model.train(was_training)
    return HiddenStateDataset(states, dataset.labels), pooled


class UpperLayers(nn.Module):
    """The layers of ``predictor`` above ``n_frozen``, its pooling and its head, fed cached hidden states.

    Construction freezes the predictor's embeddings and lower ``n_frozen`` layers; the upper layers,
    pooler and head are the predictor's own modules, so training this trains the predictor.
    ``forward(hidden_states, attention_mask)`` equals ``predictor(input_ids, attention_mask)`` when the
    hidden states come from :func:`frozen_pass` (up to float rounding).
    """

    def __init__(self, predictor: Predictor, n_frozen: int) -> None:
        super().__init__()
        predictor.freeze_lower_layers(n_frozen)
        self.predictor = predictor
        self.n_frozen = n_frozen

    def forward(self, hidden_states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        from transformers.masking_utils import create_bidirectional_mask

        encoder = self.predictor.encoder
        mask = create_bidirectional_mask(
            config=encoder.config, inputs_embeds=hidden_states, attention_mask=attention_mask
        )
        for layer in encoder.encoder.layer[self.n_frozen :]:
            hidden_states = layer(hidden_states, mask)
        pooler = getattr(encoder, "pooler", None)
        outputs = SimpleNamespace(
            last_hidden_state=hidden_states,
            pooler_output=None if pooler is None else pooler(hidden_states),
        )
        return self.predictor.head_logits(self.predictor.pool(outputs, attention_mask))
