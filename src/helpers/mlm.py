"""Domain-adaptive masked-language-model (MLM) pre-training: the seed's step 2, "train on lots of text".

Before fine-tuning on labelled sessions, the encoder keeps doing what it was pre-trained on — guessing
masked tokens — but on *our* texts (session logs, product titles). 15% of the tokens are chosen; of
those 80% become ``[MASK]``, 10% a random token and 10% stay, as in BERT. The loss is the cross-entropy
of the original token at the chosen positions only
(:class:`transformers.DataCollatorForLanguageModeling` does the masking).

Three things keep this cheap, as in the fine-tuning loop: batches of similar length (little padding),
bf16/fp16 autocast where the hardware has it, and the vocabulary head applied to the chosen positions
only. With a 30,522-word vocabulary the head costs about as much per token as the whole MiniLM encoder,
and 85% of its outputs would be thrown away by the loss.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import nn

from helpers.predictor import LengthBucketSampler
from helpers.training import autocast, make_optimizer, resolve_precision


@dataclass
class MLMResult:
    """The adapted encoder's training curve and held-out masked-token loss before and after."""

    losses: list[float]
    eval_loss_before: float
    eval_loss_after: float


def masked_positions_loss(mlm_model: nn.Module, batch: dict[str, torch.Tensor]) -> torch.Tensor:
    """Cross-entropy of the original tokens at the masked positions, the vocabulary head run on those only.

    Equal to ``mlm_model(**batch).loss`` for a BERT-family masked-LM (its head is ``mlm_model.cls``).
    """
    encoder = getattr(mlm_model, mlm_model.base_model_prefix)
    hidden = encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).last_hidden_state
    chosen = batch["labels"] != -100
    logits = mlm_model.cls(hidden[chosen])
    return nn.functional.cross_entropy(logits.float(), batch["labels"][chosen])


def _masked_batch(collator, encoded: list[list[int]], device: torch.device) -> dict[str, torch.Tensor]:
    return {key: value.to(device) for key, value in collator([{"input_ids": ids} for ids in encoded]).items()}


def masked_lm_loss(
    model: nn.Module,
    encoded: list[list[int]],
    collator,
    batch_size: int,
    seed: int,
    dtype: torch.dtype | None = None,
) -> float:
    """Mean masked-token loss over ``encoded`` with a fixed masking (same ``seed`` → same masks)."""
    model.eval()
    device = next(model.parameters()).device
    total, count = 0.0, 0
    # The caller's random streams (CPU and this GPU) are left as they were.
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        with torch.inference_mode(), autocast(device, dtype):
            for start in range(0, len(encoded), batch_size):
                batch = _masked_batch(collator, encoded[start : start + batch_size], device)
                masked = int((batch["labels"] != -100).sum())
                total += masked_positions_loss(model, batch).item() * masked
                count += masked
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
    mixed_precision: str = "auto",
) -> MLMResult:
    """Train ``mlm_model`` (a BERT-family masked LM such as ``BertForMaskedLM`` of the same checkpoint)
    for ``steps`` steps on ``texts``, then copy its encoder weights into ``encoder`` (a ``BertModel``;
    its pooler is kept). Training runs on ``mlm_model``'s device: move it to the GPU first.
    ``mixed_precision`` is ``"auto"``, ``"bf16"`` or ``"no"``."""
    from transformers import DataCollatorForLanguageModeling

    if mixed_precision not in ("auto", "bf16", "no"):
        raise ValueError(f"mixed_precision must be 'auto', 'bf16' or 'no', got {mixed_precision!r}")
    device = next(mlm_model.parameters()).device
    # fp16 would need a gradient scaler; where bf16 is missing, MLM runs in float32.
    dtype = resolve_precision(mixed_precision, device)
    dtype = dtype if dtype == torch.bfloat16 else None
    collator = DataCollatorForLanguageModeling(tokenizer, mlm_probability=mlm_probability)
    encode = lambda batch: tokenizer(list(batch), truncation=True, max_length=max_length)["input_ids"]  # noqa: E731
    train_ids, eval_ids = encode(texts), encode(eval_texts)
    eval_before = masked_lm_loss(mlm_model, eval_ids, collator, batch_size, seed, dtype)
    optimizer = make_optimizer(mlm_model, learning_rate, weight_decay=0.01)
    sampler = LengthBucketSampler([len(ids) for ids in train_ids], batch_size, seed=seed)
    torch.manual_seed(seed)
    losses: list[float] = []
    mlm_model.train()
    while len(losses) < steps:
        for indices in sampler.batches():
            batch = _masked_batch(collator, [train_ids[i] for i in indices], device)
            with autocast(device, dtype):
                loss = masked_positions_loss(mlm_model, batch)
            loss.backward()
            nn.utils.clip_grad_norm_(mlm_model.parameters(), 1.0)
            optimizer.step()
            optimizer.zero_grad(set_to_none=True)
            losses.append(loss.item())
            if len(losses) == steps:
                break
        sampler.set_epoch(sampler.epoch + 1)
    eval_after = masked_lm_loss(mlm_model, eval_ids, collator, batch_size, seed, dtype)
    base = getattr(mlm_model, mlm_model.base_model_prefix)
    missing, unexpected = encoder.load_state_dict(base.state_dict(), strict=False)
    if unexpected or any(not key.startswith("pooler.") for key in missing):
        raise ValueError(f"encoder and MLM model differ: missing {missing}, unexpected {unexpected}")
    return MLMResult(losses, eval_before, eval_after)
