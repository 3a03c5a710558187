"""Teach the copywriter a house style with LoRA: product facts -> copy pairs, trained by the one loop.

LoRA (low-rank adaptation, Hu et al. 2021) freezes the model and learns, for chosen weight matrices
``W``, a low-rank update ``W + (alpha / r) · B A`` with ``A`` of shape (r, d_in) and ``B`` (d_out, r),
``B`` starting at zero so that training starts from the unchanged model. ``peft`` adds the adapters;
:func:`helpers.training.train` trains them like any other model: :class:`CausalLM` is the model the
loop sees, :func:`next_token_loss` its loss, :class:`CopyPairs` its data (the prompt's tokens carry the
label -100, so only the copy's tokens are learnt).
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace

import numpy as np
import torch
from torch import nn

from helpers.batching import pad_examples
from helpers.copy_validation import ProductFacts
from helpers.copywriting import fact_lines, headline_attribute, prompt_token_ids
from helpers.training import TrainConfig, TrainResult, train

IGNORE = -100  # cross_entropy's ignore_index: positions that are not learnt


def house_style_copy(facts: ProductFacts) -> str:
    """The shop's house style: name, the headline fact, the rating and the price, in one fixed pattern."""
    headline = fact_lines(facts)[headline_attribute(facts)]
    return (
        f"Meet the {facts.title}: {headline}. "
        f"Rated {facts.rating:.1f} out of 5 stars, yours for ${facts.price:,.2f}."
    )


def product_counts(shares: Mapping[str, float], names: Sequence[str], products: int) -> dict[str, int]:
    """Each of ``names``, a share of ``products`` copies, as the whole number of products behind it.

    Compare before and after as counts, not as shares: a coverage of 1 - 7/10 is 0.30000000000000004,
    so 0.6 - 0.30000000000000004 falls short of 0.3 although three more products state the attribute.
    Raises ``ValueError`` for a share that is no whole number of ``products`` (wrong ``products``).
    """
    counts = {}
    for name in names:
        count = shares[name] * products
        if not (math.isfinite(count) and math.isclose(count, round(count), abs_tol=1e-6)):
            raise ValueError(f"{name} = {shares[name]!r} is no whole number of {products} products")
        counts[name] = round(count)
    return counts


class CopyPairs(torch.utils.data.Dataset):
    """Chat prompts and the copies that answer them, tokenised once; labels mask the prompt."""

    def __init__(
        self, conversations: Sequence[list[dict[str, str]]], copies: Sequence[str], tokenizer
    ) -> None:
        if len(conversations) != len(copies):
            raise ValueError(f"{len(conversations)} conversations but {len(copies)} copies")
        self.examples = []
        for messages, copy in zip(conversations, copies, strict=True):
            prompt_ids = prompt_token_ids(tokenizer, [messages])[0]
            copy_ids = tokenizer(copy, add_special_tokens=False)["input_ids"] + [tokenizer.eos_token_id]
            ids = torch.tensor(prompt_ids + copy_ids)
            labels = torch.tensor([IGNORE] * len(prompt_ids) + copy_ids)
            self.examples.append({"input_ids": ids, "labels": labels})
        self.lengths = np.array([len(example["input_ids"]) for example in self.examples], dtype=np.int64)
        self.labels = None  # per-token labels live in the examples; there is no per-example label
        self.pad_token_id = int(tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0)

    def __len__(self) -> int:
        return len(self.examples)

    def __getitem__(self, index: int) -> dict[str, torch.Tensor]:
        return self.examples[index]

    def collate_fn(self, dynamic_padding: bool = True):
        return self.collate

    def collate(self, batch: list[dict[str, torch.Tensor]]) -> dict[str, torch.Tensor]:
        """Right-padded ``input_ids`` and ``attention_mask``; ``labels`` padded with -100."""
        padded = pad_examples([{"ids": example["input_ids"]} for example in batch], "ids", self.pad_token_id)
        labels = pad_examples([{"ids": example["labels"]} for example in batch], "ids", IGNORE)["ids"]
        return {"input_ids": padded["ids"], "attention_mask": padded["attention_mask"], "labels": labels}


class CausalLM(nn.Module):
    """A causal LM as the training loop sees it: ``forward`` returns the logits of every position."""

    def __init__(self, model: nn.Module) -> None:
        super().__init__()
        self.model = model

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.model(input_ids=input_ids, attention_mask=attention_mask).logits


def next_token_loss(logits: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Cross-entropy of each position's prediction of the *next* token, where that token is learnt."""
    return nn.functional.cross_entropy(
        logits[:, :-1].flatten(0, 1).float(), labels[:, 1:].flatten(), ignore_index=IGNORE
    )


@contextmanager
def _quiet_peft() -> Iterator[None]:
    """peft calls a transformers method that transformers 5 deprecates; the warning is not ours to fix."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*", category=FutureWarning)
        yield


def add_lora(
    model: nn.Module,
    rank: int = 8,
    alpha: int = 16,
    targets: Sequence[str] = ("q_proj", "v_proj"),
    top_layers: int | None = None,
):
    """Wrap ``model`` with LoRA adapters on the ``targets`` projections; only the adapters train.

    ``top_layers=k`` adapts only the last k decoder layers (None: all of them). The backward pass stops at
    the lowest layer with an adapter, so adapting the upper half of the layers saves about a quarter of
    a training step (SmolLM2-135M on a CPU), and a reply's format and wording are within their reach.
    """
    from peft import LoraConfig, get_peft_model

    layers = model.config.num_hidden_layers
    if top_layers is not None and not 1 <= top_layers <= layers:
        raise ValueError(f"top_layers must be between 1 and the model's {layers} layers, got {top_layers}")
    config = LoraConfig(
        r=rank,
        lora_alpha=alpha,
        target_modules=list(targets),
        lora_dropout=0.0,
        task_type="CAUSAL_LM",
        layers_to_transform=None if top_layers is None else list(range(layers - top_layers, layers)),
    )
    with _quiet_peft():
        return get_peft_model(model, config)


def lora_finetune(
    peft_model: nn.Module,
    tokenizer,
    conversations: Sequence[list[dict[str, str]]],
    copies: Sequence[str],
    steps: int,
    config: TrainConfig | None = None,
) -> TrainResult:
    """Train the adapters of ``peft_model`` (see :func:`add_lora`) for ``steps`` optimizer steps."""
    data = CopyPairs(conversations, copies, tokenizer)
    config = replace(
        config or TrainConfig(), epochs=steps, max_steps=steps, eval_every_epoch=False, num_workers=0
    )
    model = CausalLM(peft_model)
    with _quiet_peft():
        result = train(
            model,
            data,
            None,
            config,
            loss_fn=next_token_loss,
            collate=data.collate,
            device=next(peft_model.parameters()).device,
        )
    peft_model.eval()
    return result
