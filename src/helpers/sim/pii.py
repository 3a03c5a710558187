"""Inject fake personal data (PII) into texts, with labelled character spans.

Every value is synthetic: names from short lists, ``example.com`` e-mails, 555 phone numbers,
Luhn-valid card numbers from the card networks' test ranges, and made-up street addresses.
The privacy notebook uses the spans to measure how well PII is found and masked.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

FIRST_NAMES = (
    "Emma",
    "Liam",
    "Olivia",
    "Noah",
    "Ava",
    "Lucas",
    "Mia",
    "Ethan",
    "Wei",
    "Priya",
    "Carlos",
    "Fatima",
)
LAST_NAMES = ("Smith", "Garcia", "Chen", "Patel", "Johnson", "Nguyen", "Muller", "Rossi", "Kim", "Okafor")
STREETS = ("Maple Street", "Oak Avenue", "Pine Road", "Cedar Lane", "Elm Drive", "Lakeview Blvd")
CITIES = ("Springfield", "Riverton", "Fairview", "Greenville", "Madison")
PII_TEMPLATES = (
    ("NAME", " - {value}"),
    ("EMAIL", " Contact me at {value}"),
    ("PHONE", " Call me on {value}"),
    ("CARD", " My card {value} was charged twice"),
    ("ADDRESS", " Ship to {value}"),
)


def luhn_complete(prefix: str) -> str:
    """Append the Luhn check digit to ``prefix`` (so the card number passes a checksum test)."""
    total = 0
    for i, digit in enumerate(reversed(prefix)):
        d = int(digit)
        if i % 2 == 0:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return prefix + str((10 - total % 10) % 10)


def _value(kind: str, rng: np.random.Generator) -> str:
    first, last = str(rng.choice(FIRST_NAMES)), str(rng.choice(LAST_NAMES))
    if kind == "NAME":
        return f"{first} {last}"
    if kind == "EMAIL":
        return f"{first.lower()}.{last.lower()}{int(rng.integers(1, 99))}@example.com"
    if kind == "PHONE":
        return f"({int(rng.integers(200, 999))}) 555-{int(rng.integers(0, 10000)):04d}"
    if kind == "CARD":
        digits = luhn_complete("4" + "".join(str(d) for d in rng.integers(0, 10, 14)))
        return " ".join(digits[i : i + 4] for i in range(0, 16, 4))
    return f"{int(rng.integers(1, 9999))} {rng.choice(STREETS)}, {rng.choice(CITIES)}"


def inject_pii(texts: pd.Series, fraction: float, rng: np.random.Generator) -> tuple[pd.Series, pd.Series]:
    """Append one PII mention to a ``fraction`` of texts; returns (texts, spans as JSON lists).

    A span is ``{"start": i, "end": j, "label": "EMAIL"}`` with ``text[i:j]`` the PII value.
    """
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    chosen = rng.random(len(texts)) < fraction
    kinds = rng.integers(0, len(PII_TEMPLATES), len(texts))
    new_texts, spans = [], []
    for text, pick, kind in zip(texts, chosen, kinds, strict=True):
        if not pick:
            new_texts.append(text)
            spans.append("[]")
            continue
        label, template = PII_TEMPLATES[kind]
        value = _value(label, rng)
        prefix, _, suffix = template.partition("{value}")
        start = len(text) + len(prefix)
        new_texts.append(text + prefix + value + suffix)
        spans.append(json.dumps([{"start": start, "end": start + len(value), "label": label}]))
    return pd.Series(new_texts, index=texts.index), pd.Series(spans, index=texts.index)
