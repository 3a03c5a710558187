"""Review sentiment: label schemes, an honest split, VADER with fitted thresholds, an LLM as a zero-shot
classifier, and the scores of a classifier with bootstrap intervals.

* :func:`sentiment_labels`: ``"binary"`` keeps negative (1-2 stars) and positive (4-5) reviews and drops
  the neutral ones; ``"3class"`` keeps all three.
* :func:`split_reviews`: by product when the reviews name products (a product's reviews share words, so a
  random split would let its test reviews be recognised), else at random; no text is on both sides. A
  product's side depends only on its id and the seed, so dropping rows never moves a product.
* :class:`VaderClassifier`: VADER's compound score with thresholds chosen on the *training* split.
* :func:`label_log_probs`: the log-probability an instruct LLM gives each label word ("negative",
  "positive") as its answer; the shared part of the prompt (instruction and few-shot examples) is run
  once and its KV cache reused for every review; :func:`content_free_prior` is the model's preference
  among the label words on inputs with no content, to divide out ("calibrate before use").
* :func:`classification_scores`: bootstrap intervals that resample whole products when given their ids.
"""

from __future__ import annotations

import copy
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.metrics import f1_score

from helpers.errors import DataError
from helpers.evaluation import bootstrap_units
from helpers.params import check_choice

LABEL_SCHEMES = ("binary", "3class")
CLASSES = {"binary": ("neg", "pos"), "3class": ("neg", "neu", "pos")}
LABEL_WORDS = {"neg": "negative", "neu": "neutral", "pos": "positive"}


def load_sentiment_reviews(
    path: str, preset: str, simulated: pd.DataFrame, **columns: str
) -> tuple[pd.DataFrame, str]:
    """Reviews with a ``sentiment`` column, and a name for them: ``simulated`` (the simulator's reviews,
    with products, categories and aspect labels) when ``path`` is empty, else the file read by
    :func:`helpers.data.reviews.load_reviews` with ``preset`` and ``columns`` (``text_column``,
    ``rating_column``, ``label_column``; ``""``: the preset's, or found by name). Its report is printed."""
    if path == "":
        return simulated.reset_index(drop=True), "simulator"
    from helpers.data.reviews import load_reviews

    frame, report = load_reviews(path, preset or None, **columns)
    print(report)
    return frame.reset_index(drop=True), Path(path).stem


def sentiment_labels(
    frame: pd.DataFrame, scheme: str, name: str = "these reviews"
) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows ``scheme`` keeps (a ``sentiment`` column of neg/neu/pos) and their class indices.

    Reviews that lack one of the scheme's classes raise a :class:`DataError` naming them as ``name`` (a
    binary file read with ``"3class"`` has no neutral reviews); an empty frame gives no rows.
    """
    check_choice("label_scheme", scheme, LABEL_SCHEMES)
    classes = CLASSES[scheme]
    missing = [name for name in classes if not (frame["sentiment"] == name).any()]
    if missing and len(frame):  # no rows at all is no rows to learn from, not a wrong scheme
        hint = "; label_scheme 'binary' leaves the neutral class out" if missing == ["neu"] else ""
        raise DataError(
            f"label_scheme {scheme!r} needs reviews of every class, and {name} have no "
            f"{' or '.join(LABEL_WORDS[name] for name in missing)} ones "
            f"(found: {', '.join(sorted(set(frame['sentiment'])))}){hint}"
        )
    kept = frame[frame["sentiment"].isin(classes)].reset_index(drop=True)
    return kept, kept["sentiment"].map({name: i for i, name in enumerate(classes)}).to_numpy(dtype=int)


def split_reviews(
    frame: pd.DataFrame, test_share: float = 0.3, seed: int = 0, group_column: str = "product_id"
) -> tuple[np.ndarray, np.ndarray]:
    """Row indices (train, test): whole groups (products) on one side when ``group_column`` exists.

    Each group goes to test with probability ``test_share`` by a draw of its own (see
    :func:`_test_groups`), so a group's side does not depend on which other rows are present: the
    reviews a label scheme keeps are split like all of them. Without ``group_column`` each row is drawn.
    Texts are compared lower-cased and stripped: a test row whose text is also in train is dropped.
    """
    if group_column in frame:
        groups = frame[group_column].unique()
        test_groups = set(groups[_test_groups(groups, test_share, seed)])
        is_test = frame[group_column].isin(test_groups).to_numpy()
    else:
        is_test = np.random.default_rng(seed).random(len(frame)) < test_share
    train = np.flatnonzero(~is_test)
    test = np.flatnonzero(is_test & ~texts_seen_in(frame["text"], frame["text"][~is_test]))
    return train, test


def _test_groups(groups: np.ndarray, test_share: float, seed: int) -> np.ndarray:
    """Whether each group goes to test: a uniform draw from a hash of the seed and the group's id is
    below ``test_share``. With two groups or more, at least one lands on each side (the lowest draw in
    test, the highest in train), the only case where another group's presence matters."""
    draws = np.array(
        [
            int.from_bytes(hashlib.blake2b(f"{seed}:{group}".encode(), digest_size=8).digest(), "big") / 2**64
            for group in groups
        ]
    )
    is_test = draws < test_share
    if len(groups) >= 2 and not is_test.any():
        is_test[draws.argmin()] = True
    if len(groups) >= 2 and is_test.all():
        is_test[draws.argmax()] = False
    return is_test


def texts_seen_in(texts: Sequence[str], others: Sequence[str]) -> np.ndarray:
    """Whether each of ``texts`` is also among ``others``, compared lower-cased and stripped."""

    def normalised(values: Sequence[str]) -> pd.Series:
        return pd.Series(list(values), dtype=str).str.lower().str.strip()

    return normalised(texts).isin(set(normalised(others))).to_numpy()


@dataclass
class VaderClassifier:
    """VADER's compound score (-1 … 1) cut at thresholds fitted on training data for macro-F1."""

    n_classes: int
    thresholds: tuple[float, ...] = field(default=())

    @staticmethod
    def compound(texts: Sequence[str]) -> np.ndarray:
        from helpers.copy_metrics import vader_compound

        return vader_compound(texts)

    def classify(self, scores: np.ndarray) -> np.ndarray:
        """Class index of each compound score: how many thresholds it exceeds."""
        return _cut(scores, self.thresholds)

    def fit(self, texts: Sequence[str], labels: np.ndarray) -> VaderClassifier:
        """Try every threshold (pair) on a grid and keep the best macro-F1 on these texts (the middle one of
        equally good candidates, so that the cut sits between the classes, not at the edge of one)."""
        scores, grid = self.compound(texts), np.round(np.linspace(-0.95, 0.95, 39), 2)
        candidates = (
            [(t,) for t in grid]
            if self.n_classes == 2
            else [(low, high) for low in grid for high in grid if low < high]
        )
        f1 = [f1_score(labels, _cut(scores, cut), average="macro") for cut in candidates]
        best = [cut for cut, value in zip(candidates, f1, strict=True) if value == max(f1)]
        self.thresholds = tuple(float(t) for t in best[len(best) // 2])
        return self

    def predict(self, texts: Sequence[str]) -> np.ndarray:
        return self.classify(self.compound(texts))


def _cut(scores: np.ndarray, thresholds: Sequence[float]) -> np.ndarray:
    """How many of the (sorted) thresholds each score exceeds: its class index."""
    return np.searchsorted(np.asarray(thresholds), scores, side="right")


def class_probabilities(scores: np.ndarray, are_probabilities: bool = False) -> np.ndarray:
    """One probability column per class from a model's output: a binary model's logit (or, with
    ``are_probabilities``, its probability) of the positive class, or one logit per class (softmax)."""
    from helpers.inference import probabilities_from_logits

    probabilities = (
        np.asarray(scores, dtype=np.float64) if are_probabilities else probabilities_from_logits(scores)
    )
    return np.column_stack([1 - probabilities, probabilities]) if probabilities.ndim == 1 else probabilities


def classification_scores(
    labels: np.ndarray,
    predictions: np.ndarray,
    n_resamples: int = 1000,
    seed: int = 0,
    groups: Sequence | np.ndarray | None = None,
) -> dict[str, float]:
    """Accuracy, balanced accuracy and macro-F1, each with a 95 % percentile bootstrap interval.

    The classes are those present in ``labels``; a class that a resample lacks scores 0 there. With
    ``groups`` (one id per row, such as the product each review is about) whole groups are resampled
    with all their rows (a cluster bootstrap, as :func:`helpers.evaluation.bootstrap_ci` does): a
    product's reviews share words and quality, so they are not independent evidence. Rows whose id is
    missing (NaN, None) and all rows when ``groups`` is None are resampled one by one. Each resample is
    scored from its confusion counts, so 1,000 resamples take milliseconds.
    """
    y, p = np.asarray(labels, dtype=int), np.asarray(predictions, dtype=int)
    classes = np.unique(y)
    k = int(max(y.max(), p.max())) + 1
    units = bootstrap_units(groups, len(y))
    per_unit = np.zeros((units.max() + 1, k * k), dtype=np.int64)
    np.add.at(per_unit, (units, y * k + p), 1)
    draws = np.random.default_rng(seed).integers(0, len(per_unit), size=(n_resamples, len(per_unit)))
    counts = np.stack([np.bincount(idx, minlength=len(per_unit)) @ per_unit for idx in draws]).reshape(
        -1, k, k
    )
    full = per_unit.sum(axis=0).reshape(1, k, k)
    values = {
        name: _from_counts(counts, classes)[name] for name in ("accuracy", "balanced_accuracy", "macro_f1")
    }
    estimate = _from_counts(full, classes)
    row = {}
    for name, resampled in values.items():
        row[name] = float(estimate[name][0])
        row[f"{name}_low"], row[f"{name}_high"] = (float(v) for v in np.quantile(resampled, [0.025, 0.975]))
    return row


def _from_counts(counts: np.ndarray, classes: np.ndarray) -> dict[str, np.ndarray]:
    """The three scores of confusion matrices ``counts`` (resample × true × predicted)."""
    true_positive = np.diagonal(counts, axis1=1, axis2=2)[:, classes]
    actual, predicted = counts.sum(axis=2)[:, classes], counts.sum(axis=1)[:, classes]
    with np.errstate(divide="ignore", invalid="ignore"):
        recall = np.where(actual > 0, true_positive / actual, 0.0)
        f1 = np.where(actual + predicted > 0, 2 * true_positive / (actual + predicted), 0.0)
    present = actual > 0
    return {
        "accuracy": np.diagonal(counts, axis1=1, axis2=2).sum(axis=1) / counts.sum(axis=(1, 2)),
        "balanced_accuracy": recall.sum(axis=1) / present.sum(axis=1),
        "macro_f1": f1.mean(axis=1),
    }


def few_shot_examples(
    texts: Sequence[str], labels: np.ndarray, k: int, seed: int = 0, exclude: np.ndarray | None = None
) -> list[tuple[str, int]]:
    """``k`` (text, label) pairs from training data, the classes taking turns, short texts preferred.

    ``exclude`` (one bool per text) marks texts never to show, such as reviews whose star rating is
    known to be noise: an example labelled against its own words teaches the model the wrong thing.
    """
    rng = np.random.default_rng(seed)
    usable = np.ones(len(texts), dtype=bool) if exclude is None else ~np.asarray(exclude, dtype=bool)
    by_class = {
        c: [i for i in rng.permutation(np.flatnonzero((labels == c) & usable)) if len(texts[i]) <= 200]
        for c in np.unique(labels)
    }
    chosen = [by_class[c][turn] for turn in range(k) for c in by_class if turn < len(by_class[c])][:k]
    return [(texts[i], int(labels[i])) for i in chosen]


def _classification_messages(instruction: str, examples, words) -> list[dict[str, str]]:
    messages = [{"role": "system", "content": instruction}]
    for text, label in examples:
        messages += [
            {"role": "user", "content": f"Review: {text}"},
            {"role": "assistant", "content": words[label]},
        ]
    return messages


@torch.no_grad()
def label_log_probs(
    model,
    tokenizer,
    texts: Sequence[str],
    classes: Sequence[str],
    examples: Sequence[tuple[str, int]] = (),
    batch_size: int = 16,
    max_review_tokens: int = 128,
) -> np.ndarray:
    """Log-probability of each class's label word as the model's first answer token, shape (n, K).

    The instruction and the ``examples`` (few-shot turns) are the same for every review: they are run
    once, and their KV cache is copied for each batch, so a review costs only its own tokens. Reviews are
    cut to ``max_review_tokens`` and batched shortest first (less padding), then put back in order.
    """
    words = [LABEL_WORDS[c] for c in classes]
    instruction = (
        "You classify the sentiment of product reviews. Answer with one word: " + ", ".join(words) + "."
    )
    shared = _classification_messages(instruction, examples, words)
    prefix = tokenizer.apply_chat_template(shared, tokenize=False)
    word_ids = [tokenizer(word, add_special_tokens=False)["input_ids"][0] for word in words]
    if len(set(word_ids)) != len(word_ids):
        raise ValueError(f"the label words {words} share their first token; choose other words")
    prefix_ids = tokenizer(prefix, add_special_tokens=False, return_tensors="pt")["input_ids"].to(
        model.device
    )
    prefix_cache = model(input_ids=prefix_ids, use_cache=True).cache
    cut = [tokenizer(text, add_special_tokens=False)["input_ids"][:max_review_tokens] for text in texts]
    order = np.argsort([len(ids) for ids in cut], kind="stable")
    scores = np.zeros((len(texts), len(words)), dtype=np.float32)
    for start in range(0, len(texts), batch_size):
        rows = order[start : start + batch_size]
        batch = [tokenizer.decode(cut[i]) for i in rows]
        scores[rows] = _score_batch(
            model, tokenizer, shared, prefix, prefix_ids, prefix_cache, batch, word_ids
        )
    return scores


# The content-free inputs of Zhao et al. (2021, "Calibrate before use"): a review with nothing to judge.
CONTENT_FREE_INPUTS = ("N/A", "", "[MASK]")


def content_free_prior(
    model,
    tokenizer,
    classes: Sequence[str],
    examples: Sequence[tuple[str, int]] = (),
    inputs: Sequence[str] = CONTENT_FREE_INPUTS,
) -> np.ndarray:
    """The model's preference among the label words when the review says nothing, shape (K,).

    Each content-free input goes through the same prompt (instruction and ``examples``) as a review in
    :func:`label_log_probs`; its label-word probabilities are renormalised to sum to 1, averaged over the
    inputs, and returned as logarithms. Subtracting this from a review's label-word log-probabilities
    divides that preference out (Zhao et al., 2021). A mean over real reviews would not do: it holds the
    data's own class balance too, and subtracting it pushes the predictions toward equal class shares.
    """
    log_probs = label_log_probs(model, tokenizer, list(inputs), classes, examples=examples)
    shifted = np.exp(log_probs - log_probs.max(axis=1, keepdims=True))
    return np.log((shifted / shifted.sum(axis=1, keepdims=True)).mean(axis=0))


def _score_batch(model, tokenizer, shared, prefix, prefix_ids, prefix_cache, batch, word_ids) -> np.ndarray:
    """Label-word log-probabilities of one batch of reviews after the cached shared prefix."""
    rendered = [
        tokenizer.apply_chat_template(
            shared + [{"role": "user", "content": f"Review: {text}"}],
            add_generation_prompt=True,
            tokenize=False,
        )
        for text in batch
    ]
    if not all(r.startswith(prefix) for r in rendered):
        raise ValueError("the chat template does not render the shared turns as a common prefix")
    suffixes = tokenizer(
        [r[len(prefix) :] for r in rendered],
        add_special_tokens=False,
        padding=True,
        padding_side="right",
        return_tensors="pt",
    ).to(model.device)
    cache = copy.deepcopy(prefix_cache)
    cache.batch_repeat_interleave(len(batch))
    prefix_mask = torch.ones(len(batch), prefix_ids.shape[1], dtype=torch.long, device=model.device)
    mask = torch.cat([prefix_mask, suffixes["attention_mask"]], dim=1)
    last = suffixes["attention_mask"].sum(dim=1) - 1  # right padding: each row's last real token
    # Only the last tokens are read, so the 49k-word output layer runs at those positions alone (batches
    # are sorted by length: a few distinct positions per batch).
    positions = last.unique()
    logits = model(
        input_ids=suffixes["input_ids"], attention_mask=mask, cache=cache, logits_to_keep=positions
    ).logits
    logits = logits[torch.arange(len(batch)), torch.searchsorted(positions, last)]
    log_probs = torch.log_softmax(logits.float(), dim=-1)
    return log_probs[:, word_ids].cpu().numpy()


def clause_positive(
    classifier,
    tokenizer,
    texts: Sequence[str],
    shift: float = 0.0,
    max_length: int = 64,
    batch_size: int = 64,
) -> np.ndarray:
    """A sentiment classifier's probability that each text is positive rather than negative.

    ``shift`` is the ``log(pos_weight)`` a class-weighted binary model adds to its logit (notebook 05),
    taken out so that a text reads as positive when the model finds it more likely positive than not.
    With three classes the neutral one is left out: positive / (negative + positive).
    """
    p = _shifted_probabilities(classifier, tokenizer, texts, shift, max_length, batch_size)
    return p[:, -1] / (p[:, 0] + p[:, -1])


def review_positive(
    classifier,
    tokenizer,
    texts: Sequence[str],
    shift: float = 0.0,
    max_length: int = 128,
    batch_size: int = 64,
) -> np.ndarray:
    """A sentiment classifier's probability of the positive class (the last one) for each text.

    ``shift`` as in :func:`clause_positive`; unlike it, a three-class model's neutral class keeps its share.
    """
    return _shifted_probabilities(classifier, tokenizer, texts, shift, max_length, batch_size)[:, -1]


def _shifted_probabilities(
    classifier, tokenizer, texts: Sequence[str], shift: float, max_length: int, batch_size: int
) -> np.ndarray:
    """Class probabilities of each text, one column per class, with the class weight's ``shift`` taken out."""
    from helpers.batching import TextDataset
    from helpers.inference import predict_logits

    logits = predict_logits(
        classifier, TextDataset(list(texts), None, tokenizer, max_length), batch_size=batch_size
    )
    return class_probabilities(logits - shift)
