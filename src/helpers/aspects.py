"""Aspect-based sentiment: split a review into clauses, find the aspects each clause talks about, and give
each aspect the polarity of its clause.

Two detectors, both written from general shop vocabulary rather than from the simulator's phrase bank:

* **keywords** (:data:`ASPECT_KEYWORDS`): an aspect is mentioned when one of its words is;
* **embeddings**: a clause is about an aspect when its sentence embedding is close (cosine similarity at
  least a threshold chosen on training reviews) to the embedding of the aspect's description
  (:data:`ASPECT_DESCRIPTIONS`).

When a review's product category is known, only that category's aspects and the universal ones (value,
delivery, quality) are candidates. :func:`keyword_detector` and :func:`embedding_detector` are the two
detectors in the form :func:`aspect_table` takes; :func:`best_threshold` picks the embedding detector's
threshold on training reviews.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from helpers.sim.catalog import CATEGORIES, UNIVERSAL_ASPECTS

ASPECT_DESCRIPTIONS = {
    "sound": "sound quality, audio, bass and music",
    "battery": "battery life and charging",
    "fit": "fit and size, how well it fits",
    "comfort": "comfort when wearing it",
    "performance": "speed and performance, lag",
    "camera": "the camera and photo quality",
    "screen": "the screen and display",
    "accuracy": "tracking accuracy, GPS, heart rate and steps",
    "durability": "durability, how long it lasts before it breaks",
    "capacity": "capacity and storage space, room and pockets",
    "taste": "the taste of the coffee",
    "ease of use": "ease of use, setup and cleaning",
    "power": "motor power, blending ice and frozen fruit",
    "noise": "noise, how loud it is",
    "warmth": "warmth, keeping warm in the cold",
    "value": "value for money and price",
    "delivery": "delivery, shipping and packaging",
    "quality": "build quality and materials",
}
ASPECT_KEYWORDS = {
    "sound": ("sound", "audio", "bass", "highs", "music", "crackles"),
    "battery": ("battery", "charge", "charges", "charging"),
    "fit": ("fit", "fits", "size", "runs small", "falls out"),
    "comfort": ("comfortable", "comfy", "comfort", "pressure", "painful", "hurts"),
    "performance": ("lag", "lags", "responsive", "performance", "slow to start", "fast and"),
    "camera": ("camera", "photo", "photos", "shots", "pictures"),
    "screen": ("screen", "display", "colors", "dim"),
    "accuracy": ("accurate", "gps", "heart rate", "step count", "tracking"),
    "durability": ("broke", "sturdy", "stopped working", "fell apart", "drops", "durable", "going strong"),
    "capacity": ("room", "roomy", "space", "pockets", "cramped", "fits everything"),
    "taste": ("taste", "tastes", "coffee", "bitter", "flavor"),
    "ease of use": ("easy", "simple", "set up", "setup", "cleaning", "clean", "manual", "buttons"),
    "power": ("power", "powerful", "motor", "ice", "frozen", "chunks"),
    "noise": ("loud", "quiet", "quieter", "noisy", "noise", "jet engine"),
    "warmth": ("warm", "cold", "wind", "freezing"),
    "value": ("price", "value", "worth", "overpriced", "money", "penny", "for less"),
    "delivery": ("delivery", "arrived", "shipping", "packaged", "package", "box"),
    "quality": ("quality", "build", "premium", "flimsy", "feels cheap", "looks"),
}
_CATEGORY_ASPECTS = {c.name: set(c.aspects) | set(UNIVERSAL_ASPECTS) for c in CATEGORIES}
# A detector: the clauses of one review and its category (None: unknown) -> the aspects of each clause.
Detector = Callable[[list[str], str | None], list[set[str]]]
THRESHOLDS = np.arange(0.15, 0.6, 0.05)  # the cosine similarities best_threshold tries


def clauses(text: str) -> list[str]:
    """Sentences, and the two sides of a contrast ("…, but …"), as separate clauses."""
    parts = re.split(r"(?<=[.!?])\s+|\s*\bbut\b\s*", text, flags=re.IGNORECASE)
    return [part.strip(" .!?,") for part in parts if part and part.strip(" .!?,")]


def candidate_aspects(category: str | None) -> list[str]:
    """The aspects a review of ``category`` can talk about (all of them when it is not known)."""
    return [a for a in ASPECT_DESCRIPTIONS if category is None or a in _CATEGORY_ASPECTS.get(category, {a})]


def keyword_aspects(clause: str, candidates: Iterable[str]) -> set[str]:
    """Aspects among ``candidates`` one of whose keywords appears in ``clause`` as whole words."""
    lowered = clause.lower()
    return {
        aspect
        for aspect in candidates
        if any(re.search(rf"\b{re.escape(word)}\b", lowered) for word in ASPECT_KEYWORDS[aspect])
    }


def embedding_aspects(
    clause_vectors: np.ndarray, aspect_vectors: np.ndarray, candidates: Sequence[int], threshold: float
) -> list[set[int]]:
    """For each clause, the candidate aspects (indices) whose description is at least ``threshold`` close."""
    similarity = _normalise(clause_vectors) @ _normalise(aspect_vectors).T
    return [{a for a in candidates if similarity[i, a] >= threshold} for i in range(len(clause_vectors))]


def keyword_detector(parts: list[str], category: str | None) -> list[set[str]]:
    """The aspects of each clause in ``parts`` by :func:`keyword_aspects`, among ``category``'s candidates."""
    return [keyword_aspects(part, candidate_aspects(category)) for part in parts]


def embedding_detector(
    clause_vectors: Mapping[str, np.ndarray], aspect_vectors: np.ndarray, threshold: float
) -> Detector:
    """A detector by :func:`embedding_aspects`: ``clause_vectors`` maps every clause it will meet to its
    embedding, ``aspect_vectors`` holds one embedding per aspect description, in the order of
    :data:`ASPECT_DESCRIPTIONS`; an aspect is found when its cosine similarity is at least ``threshold``."""
    names = list(ASPECT_DESCRIPTIONS)

    def detect(parts: list[str], category: str | None) -> list[set[str]]:
        candidates = [names.index(a) for a in candidate_aspects(category)]
        vectors = np.stack([clause_vectors[p] for p in parts])
        found = embedding_aspects(vectors, aspect_vectors, candidates, threshold)
        return [{names[i] for i in aspects} for aspects in found]

    return detect


def unique_clauses(texts: Iterable[str]) -> list[str]:
    """Every distinct clause (:func:`clauses`) of ``texts``, sorted: each is embedded once."""
    return sorted({clause for text in texts for clause in clauses(text)})


def best_threshold(
    reviews: pd.DataFrame,
    make_detector: Callable[[float], Detector],
    thresholds: Sequence[float] = THRESHOLDS,
) -> float:
    """The threshold (of ``thresholds``, as given) whose detector ``make_detector(threshold)`` has the
    highest ``aspect_detection_f1`` on ``reviews``; the first of equally good ones. Detection needs no
    polarity, so every clause gets 0."""

    def f1(threshold: float) -> float:
        table = aspect_table(reviews, make_detector(threshold), lambda texts: np.zeros(len(texts)))
        return score_aspects(reviews, table)["aspect_detection_f1"]

    return max(thresholds, key=f1)


def _normalise(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True).clip(min=1e-12)


def aspect_table(
    reviews: pd.DataFrame,
    detect: Detector,
    polarity: Callable[[list[str]], np.ndarray],
) -> pd.DataFrame:
    """One row per (review, clause, detected aspect): ``review``, ``clause``, ``aspect``, ``positive``
    (the probability ``polarity`` gives the clause of being positive). ``detect(clauses, category)``
    returns the aspects of each clause of one review."""
    rows = []
    for index, review in reviews.iterrows():
        parts = clauses(review["text"])
        for clause, found in zip(parts, detect(parts, review.get("category")), strict=True):
            rows += [{"review": index, "clause": clause, "aspect": aspect} for aspect in sorted(found)]
    table = pd.DataFrame(rows, columns=["review", "clause", "aspect"])
    table["positive"] = polarity(list(table["clause"])) if len(table) else []
    return table


def score_aspects(reviews: pd.DataFrame, table: pd.DataFrame) -> dict[str, float]:
    """Detection precision, recall and F1 over (review, aspect) pairs against ``aspect_labels`` (JSON of
    aspect -> pos/neg), polarity accuracy over the true aspects that were found, and how far the
    complaints can be trusted: of the pairs read as negative (positive < 0.5), the share truly
    negative (``complaint_precision``), and of the truly negative pairs, the share read as complaints
    (``complaint_recall``)."""
    truth = {
        (index, aspect): label
        for index, labels in reviews["aspect_labels"].items()
        for aspect, label in json.loads(labels).items()
    }
    found = table.groupby(["review", "aspect"])["positive"].mean()
    hits = [pair for pair in found.index if pair in truth]
    precision = len(hits) / len(found) if len(found) else 0.0
    recall = len(hits) / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    correct = [(found[pair] >= 0.5) == (truth[pair] == "pos") for pair in hits]
    complaints = [pair for pair in found.index if found[pair] < 0.5]
    true_complaints = [pair for pair in complaints if truth.get(pair) == "neg"]
    negatives = sum(label == "neg" for label in truth.values())
    return {
        "aspect_detection_precision": precision,
        "aspect_detection_recall": recall,
        "aspect_detection_f1": f1,
        "aspect_polarity_accuracy": float(np.mean(correct)) if correct else float("nan"),
        "complaint_precision": len(true_complaints) / len(complaints) if complaints else float("nan"),
        "complaint_recall": len(true_complaints) / negatives if negatives else float("nan"),
    }


def category_aspect_sentiment(mentions: pd.DataFrame, min_mentions: int = 5) -> pd.DataFrame:
    """Share of positive mentions per category (rows) and aspect (columns) from an :func:`aspect_table`
    with a ``category`` column: the share of mentions whose ``positive`` probability is at least 0.5
    (the complement of :func:`top_complaints`' count, which takes those below 0.5), not the mean
    probability. Cells with fewer than ``min_mentions`` mentions are left empty (NaN)."""
    read_positive = mentions.assign(read_positive=mentions["positive"] >= 0.5)
    grid = read_positive.groupby(["category", "aspect"])["read_positive"].agg(["mean", "size"])
    return grid["mean"].where(grid["size"] >= min_mentions).unstack()


def top_complaints(mentions: pd.DataFrame, per_category: int = 1) -> pd.DataFrame:
    """The most complained-about aspects of each category: ``complaints`` (negative mentions, positive
    probability < 0.5), indexed by category, with the ``example`` clause the model is surest is negative
    and that clause's ``positive`` probability (a count near the 0.5 line holds mistakes too)."""
    negative = mentions[mentions["positive"] < 0.5]
    counts = negative.groupby(["category", "aspect"]).size().rename("complaints").reset_index()
    top = counts.sort_values(["complaints", "aspect"], ascending=[False, True], kind="stable")
    top = top.groupby("category").head(per_category).set_index("category").sort_index()
    surest = negative.loc[negative.groupby(["category", "aspect"])["positive"].idxmin()]
    examples = surest.set_index(["category", "aspect"]).loc[list(zip(top.index, top["aspect"], strict=True))]
    top["example"] = examples["clause"].to_numpy()
    top["example_positive"] = examples["positive"].round(3).to_numpy()
    return top
