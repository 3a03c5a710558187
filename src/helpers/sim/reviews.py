"""Product reviews built from aspect sentences with known polarity.

Each review mentions 1-3 aspects (category-specific ones such as battery or fit, plus value,
delivery and quality). The text uses negation ("not bad", "not worth it"), contrast ("looks great
but broke in a week": the clause after *but* carries the verdict), intensifiers and typos. A
fraction of ratings (``rating_noise``) is replaced by a random star count, as real raters are
inconsistent. Labels: per-aspect polarity, the star rating, and the sentiment class
(neg for 1-2 stars, neu for 3, pos for 4-5: :func:`helpers.data.reviews.stars_to_sentiment`, the
mapping the real-review loader uses too).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from helpers.data.reviews import stars_to_sentiment
from helpers.sim.catalog import CATEGORIES, UNIVERSAL_ASPECTS

# (positive phrases, negative phrases); "{very}" is an optional intensifier slot.
ASPECT_PHRASES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "sound": (
        ("the sound is {very}clear", "great bass and crisp highs", "sound is not bad at all"),
        ("the sound is {very}muddy", "not great sound", "the audio crackles"),
    ),
    "battery": (
        ("battery lasts {very}long", "the battery is not bad at all", "charges {very}quickly"),
        ("battery dies {very}fast", "battery life is not what they promised", "won't hold a charge"),
    ),
    "fit": (
        ("fits {very}well", "the size is spot on", "true to size"),
        ("runs small, had to return it", "doesn't fit well", "falls out of my ears"),
    ),
    "comfort": (
        ("{very}comfortable all day", "light and comfy", "no pressure even after hours"),
        ("not comfortable after an hour", "{very}tight and painful", "hurts my ears"),
    ),
    "performance": (
        ("{very}fast and responsive", "handles everything I throw at it", "never lags"),
        ("lags a lot", "not fast enough", "{very}slow to start"),
    ),
    "camera": (
        ("camera takes {very}sharp photos", "great low light shots", "the camera is not bad"),
        ("photos are blurry in low light", "the camera is {very}disappointing", "washed out colors"),
    ),
    "screen": (
        ("{very}bright and sharp screen", "colors look amazing", "the screen is not bad"),
        ("the screen is {very}dim", "the display flickers", "screen scratches easily"),
    ),
    "accuracy": (
        ("heart rate tracking is {very}accurate", "GPS locks on fast", "steps match my phone"),
        ("step count is way off", "the GPS is {very}unreliable", "heart rate jumps around"),
    ),
    "durability": (
        ("still going strong after months", "{very}solid and sturdy", "survived a few drops"),
        ("broke in a week", "stopped working after a month", "the zipper fell apart"),
    ),
    "capacity": (
        ("fits everything I need", "{very}roomy", "plenty of pockets"),
        ("too small for a laptop", "not enough room", "{very}cramped inside"),
    ),
    "taste": (
        ("makes {very}great coffee", "rich and smooth taste", "the coffee is not bad"),
        ("coffee tastes burnt", "{very}weak and watery", "leaves a bitter aftertaste"),
    ),
    "ease of use": (
        ("{very}easy to use", "simple to set up", "cleaning is a breeze"),
        ("not easy to clean", "{very}confusing buttons", "the manual is useless"),
    ),
    "power": (
        ("crushes ice {very}easily", "smoothies come out silky", "plenty of power"),
        ("struggles with frozen fruit", "the motor is {very}weak", "leaves chunks every time"),
    ),
    "noise": (
        ("not too loud", "{very}quiet for a blender", "quieter than my old one"),
        ("{very}loud", "sounds like a jet engine", "too noisy in the morning"),
    ),
    "warmth": (
        ("keeps me {very}warm", "warm even below freezing", "not cold at all"),
        ("not warm enough", "wind goes right through it", "{very}cold in winter"),
    ),
    "value": (
        ("worth every penny", "not bad for the price", "{very}good value"),
        ("not worth it", "{very}overpriced", "you can get better for less"),
    ),
    "delivery": (
        ("arrived a day early", "delivery was {very}fast", "well packaged"),
        ("delivery took two weeks", "the box arrived crushed", "{very}late delivery"),
    ),
    "quality": (
        ("looks {very}great", "solid build", "feels premium"),
        ("feels cheap", "not the quality I expected", "{very}flimsy"),
    ),
}
INTENSIFIERS = ("", "", "really ", "very ", "absolutely ", "super ")
POSITIVE_SHARE_BY_STARS = {1: 0.08, 2: 0.2, 3: 0.5, 4: 0.8, 5: 0.93}
OPENERS = {1: "Terrible.", 2: "Disappointed.", 3: "It's okay.", 4: "Pretty good.", 5: "Love it!"}


def add_typo(text: str, rng: np.random.Generator) -> str:
    """Swap two neighbouring letters of one word longer than three letters."""
    words = text.split(" ")
    candidates = [i for i, w in enumerate(words) if len(w) > 3 and w.isalpha()]
    if not candidates:
        return text
    i = int(rng.choice(candidates))
    j = int(rng.integers(0, len(words[i]) - 1))
    word = words[i]
    words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def _review(category: str, stars: int, rng: np.random.Generator) -> tuple[str, dict[str, str]]:
    aspects_of_category = next(c.aspects for c in CATEGORIES if c.name == category) + UNIVERSAL_ASPECTS
    n_aspects = int(rng.integers(1, 4))
    aspects = rng.choice(aspects_of_category, size=n_aspects, replace=False)
    labels = {str(a): ("pos" if rng.random() < POSITIVE_SHARE_BY_STARS[stars] else "neg") for a in aspects}
    clauses = []
    for aspect, polarity in labels.items():
        phrases = ASPECT_PHRASES[aspect][0 if polarity == "pos" else 1]
        clauses.append(str(rng.choice(phrases)).format(very=rng.choice(INTENSIFIERS)))
    polarities = list(labels.values())
    verdict = "pos" if stars >= 4 else "neg" if stars <= 2 else None
    if verdict and len(set(polarities)) == 2:
        # Contrast: the clause that agrees with the stars goes after "but", where the verdict sits.
        first = next(c for c, p in zip(clauses, polarities, strict=True) if p != verdict)
        last = next(c for c, p in zip(clauses, polarities, strict=True) if p == verdict)
        others = [c for c in clauses if c not in (first, last)]
        sentences = [f"{first} but {last}", *others]
    else:
        sentences = clauses
    body = " ".join(f"{s[0].upper()}{s[1:]}." for s in sentences)
    text = f"{OPENERS[stars]} {body}" if rng.random() < 0.5 else body
    return text, labels


def make_reviews(
    purchases: pd.DataFrame, catalog: pd.DataFrame, rng: np.random.Generator, rating_noise: float = 0.07
) -> pd.DataFrame:
    """One review per row of ``purchases`` (columns ``session_id``, ``user_id``, ``product_id``)."""
    products = catalog.set_index("product_id").loc[purchases["product_id"].to_numpy()]
    true_stars = np.clip(
        np.rint(products["avg_rating"].to_numpy() + rng.normal(0, 0.9, len(purchases))), 1, 5
    )
    texts, labels = [], []
    for category, stars in zip(products["category"], true_stars.astype(int), strict=True):
        text, aspect_labels = _review(category, stars, rng)
        texts.append(add_typo(text, rng) if rng.random() < 0.15 else text)
        labels.append(json.dumps(aspect_labels))
    noisy = rng.random(len(purchases)) < rating_noise
    rating = np.where(noisy, rng.integers(1, 6, len(purchases)), true_stars).astype(int)
    return pd.DataFrame(
        {
            "review_id": np.arange(len(purchases)),
            "session_id": purchases["session_id"].to_numpy(),
            "user_id": purchases["user_id"].to_numpy(),
            "product_id": purchases["product_id"].to_numpy(),
            "category": products["category"].to_numpy(),
            "text": texts,
            "rating": rating,
            "rating_is_noise": noisy & (rating != true_stars),
            "sentiment": stars_to_sentiment(rating).to_numpy(),
            "aspect_labels": labels,
        }
    )


def review_sample(catalog: pd.DataFrame, n: int, seed: int = 0) -> pd.DataFrame:
    """``n`` reviews of products drawn uniformly from ``catalog``, without simulating shoppers first.

    The same review model as the simulated buyers' reviews (:func:`make_reviews`), in the amounts a text
    classifier needs; ``session_id`` and ``user_id`` are -1 (no session wrote them).
    """
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    rng = np.random.default_rng([seed, n])
    products = rng.choice(catalog["product_id"].to_numpy(), size=n)
    purchases = pd.DataFrame({"session_id": -1, "user_id": -1, "product_id": products})
    return make_reviews(purchases, catalog, rng)
