"""Domain-adaptive masked-language-model (MLM) pre-training: the seed's step 2, "train on lots of text".

Before fine-tuning on labelled sessions, the encoder keeps doing what it was pre-trained on — guessing
masked tokens — but on *our* texts (session logs, product titles). 15% of the tokens are chosen; of
those 80% become ``[MASK]``, 10% a random token and 10% stay, as in BERT. The loss is the cross-entropy
of the original token at the chosen positions only
(:class:`transformers.DataCollatorForLanguageModeling` does the masking).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import nn


@dataclass
class MLMResult:
    """The adapted encoder's training curve and held-out masked-token loss before and after."""

    losses: list[float]
    eval_loss_before: float
    eval_loss_after: float


def _batches(encoded: list[list[int]], batch_size: int, rng: np.random.Generator) -> list[list[int]]:
    order = rng.permutation(len(encoded))
    return [order[i : i + batch_size].tolist() for i in range(0, len(order), batch_size)]


def masked_lm_loss(model: nn.Module, encoded: list[list[int]], collator, batch_size: int, seed: int) -> float:
    """Mean masked-token loss over ``encoded`` with a fixed masking (same ``seed`` → same masks)."""
    generator_state = torch.random.get_rng_state()
    torch.manual_seed(seed)
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for start in range(0, len(encoded), batch_size):
            batch = collator([{"input_ids": ids} for ids in encoded[start : start + batch_size]])
            masked = int((batch["labels"] != -100).sum())
            total += model(**batch).loss.item() * masked
            count += masked
    torch.random.set_rng_state(generator_state)
    return total / max(count, 1)


def adapt_encoder(
    encoder: nn.Module,
    mlm_model: nn.Module,
    tokenizer,
    texts: Sequence[str],
    eval_texts: Sequence[str],
    steps: int,
    batch_size: int = 16,
    learning_rate: float = 5e-5,
    max_length: int = 128,
    mlm_probability: float = 0.15,
    seed: int = 0,
) -> MLMResult:
    """Train ``mlm_model`` (e.g. ``BertForMaskedLM`` of the same checkpoint) for ``steps`` steps on
    ``texts``, then copy its encoder weights into ``encoder`` (a ``BertModel``; its pooler is kept)."""
    from transformers import DataCollatorForLanguageModeling

    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=mlm_probability)
    encode = lambda batch: tokenizer(list(batch), truncation=True, max_length=max_length)["input_ids"]  # noqa: E731
    train_ids, eval_ids = encode(texts), encode(eval_texts)
    eval_before = masked_lm_loss(mlm_model, eval_ids, collator, batch_size, seed)
    optimizer = torch.optim.AdamW(mlm_model.parameters(), lr=learning_rate, weight_decay=0.01)
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    losses: list[float] = []
    mlm_model.train()
    while len(losses) < steps:
        for indices in _batches(train_ids, batch_size, rng):
            batch = collator([{"input_ids": train_ids[i]} for i in indices])
            loss = mlm_model(**batch).loss
            loss.backward()
            nn.utils.clip_grad_norm_(mlm_model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
            if len(losses) == steps:
                break
    eval_after = masked_lm_loss(mlm_model, eval_ids, collator, batch_size, seed)
    base = getattr(mlm_model, mlm_model.base_model_prefix)
    missing, unexpected = encoder.load_state_dict(base.state_dict(), strict=False)
    if unexpected or any(not key.startswith("pooler.") for key in missing):
        raise ValueError(f"encoder and MLM model differ: missing {missing}, unexpected {unexpected}")
    return MLMResult(losses, eval_before, eval_after)
