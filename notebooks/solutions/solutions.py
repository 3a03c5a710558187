"""Worked answers to every exercise with a checker, one function per exercise, named after its notebook.

Each function takes the notebook's variables that the exercise names and returns what the exercise
cell expects as ``answer``; ``tests/test_solutions.py`` runs every one through its checker, so no
exercise is unsolvable. Try the exercise first: the point is the attempt, not the answer.
"""

from __future__ import annotations

import math
import re

import numpy as np
import torch


# 00 · setup
def s00_tokens_that_differ(text_a: str, text_b: str, tokenizer) -> list[str]:
    seen = set(tokenizer.tokenize(text_a))
    return [token for token in tokenizer.tokenize(text_b) if token not in seen]


def s00_token_count(text: str, tokenizer) -> int:
    return len(tokenizer.tokenize(text))  # the tokenizer adds no [CLS] or [SEP] here


def s00_special_tokens(tokenizer) -> dict[str, int]:
    return {
        token: tokenizer.convert_tokens_to_ids(token)
        for token in ("[CLS]", "[SEP]", "[PAD]", "[MASK]", "[UNK]")
    }


# 00b · the data
def s00b_conversion_by_group(sessions, column: str):
    return sessions.groupby(column)["purchased"].mean()


def s00b_signal_probability(intercept: float, weight: float) -> float:
    odds = math.exp(intercept) * math.exp(weight)  # the weights add in the logit, so they multiply the odds
    return odds / (1 + odds)


# 01 · attention
def s01_causal_mask(n: int) -> torch.Tensor:
    return torch.ones(n, n, dtype=torch.bool).tril()


def s01_scaled_scores(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    return q @ k.transpose(-2, -1) / math.sqrt(q.shape[-1])


def s01_attention_weights(q: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    return s01_scaled_scores(q, k).softmax(dim=-1)


def s01_attention_memory_mb(batch: int, heads: int, length: int) -> float:
    return batch * heads * length**2 * 4 / 1e6  # float32: 4 bytes


# 02 · tokenization
def s02_wordpiece(word: str, vocab) -> list[str]:
    pieces, start = [], 0
    while start < len(word):
        end = len(word)
        while end > start:
            piece = word[start:end] if start == 0 else "##" + word[start:end]
            if piece in vocab:
                break
            end -= 1
        if end == start:
            return ["[UNK]"]
        pieces.append(piece)
        start = end
    return pieces


def s02_padding_waste(lengths, batch_size: int, multiple: int = 8) -> float:
    ordered = sorted(lengths)  # bucketed: one chunk holds every length, sorted, then cut into batches
    batches = [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]
    padded = sum(math.ceil(max(batch) / multiple) * multiple * len(batch) for batch in batches)
    return 1 - sum(lengths) / padded


def s02_token_count(text: str, tokenizer) -> int:
    return len(tokenizer.tokenize(text))


# 03 · the predictor
def s03_pos_weight(labels) -> float:
    labels = np.asarray(labels)
    return float((labels == 0).sum() / (labels == 1).sum())


def s03_bce_loss(logits, labels, pos_weight: float) -> float:
    z, y = torch.as_tensor(logits, dtype=torch.float64), torch.as_tensor(labels, dtype=torch.float64)
    log_p, log_not_p = torch.nn.functional.logsigmoid(z), torch.nn.functional.logsigmoid(-z)
    return float(-(pos_weight * y * log_p + (1 - y) * log_not_p).mean())


def s03_unshifted_probability(probability: float, pos_weight: float) -> float:
    logit = math.log(probability / (1 - probability)) - math.log(pos_weight)
    return 1 / (1 + math.exp(-logit))


# 04 · training
def s04_grad_accumulation(micro_batch: int, processes: int, effective_batch: int) -> int:
    return effective_batch // (micro_batch * processes)


def s04_learning_rate(step: int, total_steps: int, warmup_ratio: float, peak: float) -> float:
    warmup = int(math.ceil(warmup_ratio * total_steps))
    if step < warmup:
        return peak * step / warmup
    return peak * max(0.0, (total_steps - step) / (total_steps - warmup))


def s04_padding_speedup(lengths, batch_size: int, max_length: int) -> float:
    ordered = sorted(lengths)
    batches = [ordered[i : i + batch_size] for i in range(0, len(ordered), batch_size)]
    return len(lengths) * max_length / sum(len(batch) * max(batch) for batch in batches)


# 05 · evaluation
def s05_lift_above_threshold(labels, probabilities, threshold: float) -> float:
    y, p = np.asarray(labels, dtype=float), np.asarray(probabilities, dtype=float)
    chosen = p >= threshold
    if not chosen.any() or y.sum() == 0:
        return math.nan  # a rate over an empty group (or an overall rate of 0): undefined
    return float(y[chosen].mean() / y.mean())


def s05_expected_profit(probabilities, contact_cost: float, margin: float) -> float:
    # A contacted session earns margin with probability p and costs contact_cost for sure; contact it
    # only when that pays on average (margin × p >= contact_cost).
    expected = margin * np.asarray(probabilities, dtype=float) - contact_cost
    return float(expected[expected >= 0].sum())


# 06 · copy generation
def s06_faithful_copy(facts) -> str:
    from helpers.copywriting import fact_lines, headline_attribute

    headline = fact_lines(facts)[headline_attribute(facts)]
    return f"Meet the {facts.title} from {facts.brand}. It has {headline}, for ${facts.price:.2f}."


def s06_unsupported_kinds(copy: str, facts) -> set[str]:
    # Reasoned from the facts block, before running the validator: "free shipping" is an offer, and the
    # facts make none; a price or a rating other than the facts' is wrong (the tricky copy's $10 less is,
    # its 4.9 stars are unless the product is rated 4.9); the product type is the title's own.
    kinds = {"offer"}
    if f"${facts.price:.2f}" not in copy:
        kinds.add("price")
    if f"rated {facts.rating:.1f} stars" not in copy:
        kinds.add("rating")
    return kinds


def s06_fixed_copy(facts) -> str:
    # The wrong price and rating become the facts' values; no fact backs an offer, so "free shipping" goes.
    return f"Only ${facts.price:.2f} today! The {facts.title} is rated {facts.rating:.1f} stars."


# 07 · sentiment
def s07_confusion(labels, predictions, n_classes: int) -> np.ndarray:
    confusion = np.zeros((n_classes, n_classes), dtype=int)
    np.add.at(confusion, (np.asarray(labels), np.asarray(predictions)), 1)
    return confusion


def s07_class_recalls(labels, predictions, n_classes: int) -> np.ndarray:
    confusion = s07_confusion(labels, predictions, n_classes)
    return np.diag(confusion) / confusion.sum(axis=1)


def s07_class_precisions(labels, predictions, n_classes: int) -> np.ndarray:
    confusion = s07_confusion(labels, predictions, n_classes)
    with np.errstate(invalid="ignore"):  # a class never predicted: 0 / 0, no precision (NaN)
        return np.diag(confusion) / confusion.sum(axis=0)


def s07_label_prior(prior) -> float:
    return float(prior[0] - prior[-1])


# 08 · privacy and explanations
def s08_attack_epsilon(true_positive_rate: float, false_positive_rate: float, delta: float) -> float:
    # TPR <= e^eps FPR + delta and 1 - FPR <= e^eps (1 - TPR) + delta, each solved for e^eps; eps >= 0
    member_side = (true_positive_rate - delta) / false_positive_rate
    non_member_side = (1 - false_positive_rate - delta) / (1 - true_positive_rate)
    return math.log(max(1.0, member_side, non_member_side))


POSTCODE = re.compile(r"(?<![\w-])[A-Z]{1,2}\d[A-Z\d]?\s?\d[A-Z]{2}(?![\w-])")


def s08_mask_postcodes(text: str) -> str:
    return POSTCODE.sub("[POSTCODE]", text)


# 09 · the report
def s09_budget_margin(probabilities, contact_cost: float, budget: float) -> float:
    ranked = np.sort(np.asarray(probabilities, dtype=float))[::-1]
    last = ranked[min(len(ranked), int(budget // contact_cost)) - 1]
    return contact_cost / last  # margin * last = contact_cost
