"""Domain-adaptive masked-language-model (MLM) pre-training: the seed's step 2, "train on lots of text".

Before fine-tuning on labelled sessions, the encoder keeps doing what it was pre-trained on — guessing
masked tokens — but on *our* texts (session logs, product titles). 15% of the tokens are chosen; of
those 80% become ``[MASK]``, 10% a random token and 10% stay, as in BERT. The loss is the cross-entropy
of the original token at the chosen positions only
(:class:`transformers.DataCollatorForLanguageModeling` does the masking).

It runs through the same loop as fine-tuning (:func:`helpers.training.train`): :class:`MaskedLM` is the
model the loop sees, :meth:`MaskedLM.loss` its ``loss_fn`` and :class:`MaskingCollate` its collate, so
length buckets, mixed precision, accumulation and checkpoints come for free. One thing is particular to
MLM: the vocabulary head runs on the chosen positions only. With a 30,522-word vocabulary the head costs
about as much per token as the whole MiniLM encoder, and 85% of its outputs would be thrown away.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import torch
from torch import nn

from helpers.batching import TextDataset, collate_dynamic, model_inputs
from helpers.devices import autocast, resolve_precision
from helpers.training import TrainConfig, TrainResult, train


class MaskedLM(nn.Module):
    """A BERT-family masked LM (``BertForMaskedLM``) as the training loop sees it.

    ``forward`` returns the encoder's last hidden states; :meth:`loss` runs the vocabulary head on the
    masked positions only. Together they equal ``mlm_model(**batch).loss``.
    """

    def __init__(self, mlm_model: nn.Module) -> None:
        super().__init__()
        self.mlm_model = mlm_model

    @property
    def encoder(self) -> nn.Module:
        return getattr(self.mlm_model, self.mlm_model.base_model_prefix)

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.encoder(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state

    def loss(self, hidden: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
        """Cross-entropy of the original tokens where ``labels`` is not -100 (the chosen positions)."""
        chosen = labels != -100
        logits = self.mlm_model.cls(hidden[chosen])
        return nn.functional.cross_entropy(logits.float(), labels[chosen])


@dataclass
class MaskingCollate:
    """Pad a batch of :class:`~helpers.batching.TextDataset` items, then mask it for MLM.

    The masks are drawn from torch's global random generator, which :func:`helpers.training.train`
    seeds and checkpoints, so a resumed run masks as an uninterrupted one.
    """

    collator: object  # transformers.DataCollatorForLanguageModeling
    pad_token_id: int

    def __call__(self, batch: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        padded = collate_dynamic(batch, self.pad_token_id)
        # Special tokens, padding included, are never chosen (their labels are -100).
        input_ids, labels = self.collator.torch_mask_tokens(padded["input_ids"].clone())
        return {"input_ids": input_ids, "attention_mask": padded["attention_mask"], "labels": labels}


@dataclass
class MLMResult:
    """The adapted encoder's training run and held-out masked-token loss before and after."""

    run: TrainResult
    eval_loss_before: float
    eval_loss_after: float

    @property
    def losses(self) -> list[float]:
        """Training loss of every logged step."""
        return [row["loss"] for row in self.run.history if row["kind"] == "train"]


def masked_lm_loss(
    model: MaskedLM,
    data: TextDataset,
    collate: MaskingCollate,
    batch_size: int,
    seed: int,
    dtype: torch.dtype | None = None,
) -> float:
    """Mean masked-token loss over ``data`` with a fixed masking (same ``seed`` → same masks)."""
    was_training = model.training
    model.eval()
    device = next(model.parameters()).device
    total, count = 0.0, 0
    # The caller's random streams (CPU and this GPU) are left as they were.
    with torch.random.fork_rng(devices=[device] if device.type == "cuda" else []):
        torch.manual_seed(seed)
        with torch.inference_mode(), autocast(device, dtype):
            for start in range(0, len(data), batch_size):
                batch = collate([data[i] for i in range(start, min(start + batch_size, len(data)))])
                batch = {key: value.to(device) for key, value in batch.items()}
                masked = int((batch["labels"] != -100).sum())
                total += model.loss(model(**model_inputs(batch)), batch["labels"]).item() * masked
                count += masked
    model.train(was_training)
    return total / max(count, 1)


def adapt_encoder(
    encoder: nn.Module | None,
    mlm_model: nn.Module,
    tokenizer,
    texts: Sequence[str],
    eval_texts: Sequence[str],
    steps: int,
    config: TrainConfig | None = None,
    max_length: int = 128,
    mlm_probability: float = 0.15,
    train_encoder: bool = True,
) -> MLMResult:
    """Train ``mlm_model`` (a BERT-family masked LM such as ``BertForMaskedLM`` of the same checkpoint)
    for ``steps`` optimizer steps on ``texts``, then copy its encoder weights into ``encoder`` (a
    ``BertModel``; its pooler is kept; ``None``: copy nothing). ``train_encoder=False`` is the control
    experiment: the encoder, and with it the decoder tied to its embeddings, stays frozen and only the
    head's new parts learn (its transform layer and biases), which separates fitting the head from
    adapting the encoder. ``config`` sets batch size, learning rate, precision,
    accumulation and checkpoints (its ``epochs`` and ``max_steps`` are set from ``steps``). Training runs
    on ``mlm_model``'s device: move it to the GPU first.
    """
    from transformers import DataCollatorForLanguageModeling

    config = config or TrainConfig()
    if not train_encoder:
        mlm_model.base_model.requires_grad_(False)
    model = MaskedLM(mlm_model)
    device = next(mlm_model.parameters()).device
    collate = MaskingCollate(
        DataCollatorForLanguageModeling(tokenizer, mlm_probability=mlm_probability),
        int(tokenizer.pad_token_id),
    )
    train_data = TextDataset(texts, None, tokenizer, max_length)
    eval_data = TextDataset(eval_texts, None, tokenizer, max_length)
    # Enough epochs for any number of processes; max_steps ends the run (and the schedule) at ``steps``.
    # Masking runs in this process (num_workers=0), from the random state that checkpoints save, so a
    # resumed run masks as an uninterrupted one and every process draws its own masks.
    config = replace(config, epochs=steps, max_steps=steps, eval_every_epoch=False, num_workers=0)
    dtype = resolve_precision(config.mixed_precision, device)
    before = masked_lm_loss(model, eval_data, collate, config.eval_batch_size, config.seed, dtype)
    run = train(model, train_data, None, config, loss_fn=model.loss, collate=collate, device=device)
    after = masked_lm_loss(model, eval_data, collate, config.eval_batch_size, config.seed, dtype)
    if encoder is None:
        return MLMResult(run, before, after)
    missing, unexpected = encoder.load_state_dict(model.encoder.state_dict(), strict=False)
    if unexpected or any(not key.startswith("pooler.") for key in missing):
        raise ValueError(f"encoder and MLM model differ: missing {missing}, unexpected {unexpected}")
    return MLMResult(run, before, after)
