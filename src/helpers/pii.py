"""Find and mask personal data (PII) in free text: e-mails, phone numbers, card numbers, addresses, names.

Each detector is a pattern plus a **validation** or a **context** check, because patterns alone flag
order numbers, prices, dates and model numbers:

=========  =====================================================================================
label      how it is found
=========  =====================================================================================
EMAIL      ``local@domain.tld`` (a pattern is enough: nothing else has that shape)
CARD       13-19 digits, optionally grouped by spaces or dashes, a card network's first digit (2-6),
           and a valid **Luhn** checksum (9 in 10 random digit strings fail it); not after "ISBN"
PHONE      the ``phonenumbers`` library's matcher, kept when the number is written like a phone
           number (``(415) 555-0132``, ``415.555.0132``, ``+44 ...``), follows a word such as "call"
           or "phone", or is a valid number of the region; never after "order", "ISBN", "#" ...
ADDRESS    a house number, up to three capitalised words and a street type ("Street", "Ave", ...),
           with an optional ", City"
NAME       context only: a signature at the end ("- Ava Rossi"), "my name is ...", a title
           ("Mrs Chen"), a greeting or sign-off ("Thanks, Wei"). A name in the middle of a sentence
           with no such cue is missed; notebook 08 measures how often.
=========  =====================================================================================

:func:`redact` replaces every span with its label in brackets (``[EMAIL]``), so a reader still sees
*what kind* of data was there. :func:`detection_scores` measures recall per label and precision
against labelled spans such as the simulator's (:mod:`helpers.sim.pii`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import pandas as pd
import phonenumbers

PII_LABELS = ("EMAIL", "CARD", "PHONE", "ADDRESS", "NAME")  # also the priority when spans overlap

EMAIL = re.compile(
    r"(?<![\w.+-])[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b"
)
CARD = re.compile(r"(?<![\w-])[2-6]\d{3}(?:[ -]?\d){9,15}(?![\w-])")
PHONE_SHAPE = re.compile(r"^(?:\+\d|\(\d{3}\)\s?\d{3}[\s.-]\d{4}$|\d{3}[\s.-]\d{3}[\s.-]\d{4}$)")
PHONE_CUE = re.compile(
    r"\b(?:call|phone|tel|text|mobile|cell|reach|whatsapp|sms|ring)\b\W*(?:\w+\W+){0,3}$", re.I
)
NUMBER_CUE = re.compile(
    r"(?:\b(?:order|isbn|sku|invoice|tracking|ref|reference|model|serial|item|part|no|receipt|ticket|rma|"
    r"transaction|confirmation|id)\b|#)\W*$",
    re.I,
)
CARD_BLOCKER = re.compile(
    r"\b(?:isbn|order|sku|invoice|tracking|serial|imei|receipt|ticket|transaction|confirmation)\b\W*(?:\w+\W+)?$",
    re.I,
)
STREET_TYPES = (
    "Street|St|Avenue|Ave|Road|Rd|Lane|Ln|Drive|Dr|Boulevard|Blvd|Way|Court|Ct|Place|Pl|Terrace|"
    "Parkway|Pkwy|Circle|Cir|Highway|Hwy"
)
ADDRESS = re.compile(
    rf"\b\d{{1,5}}\s+(?:[NSEW]\.?\s+)?(?:(?:[A-Z][a-z]+|\d+(?:st|nd|rd|th))\s+){{1,3}}(?:{STREET_TYPES})\b\.?"
    r"(?:,\s*[A-Z][a-z]+(?:\s[A-Z][a-z]+)?)?(?:,\s*[A-Z]{2}(?:\s+\d{5})?)?"
)
_NAME = r"[A-Z][a-z]+(?:[ '-][A-Z][a-z]+){0,2}"
# Capitalised words that follow a name cue in shop text without being names: assistants, brands,
# products ("Hi Alexa", "Mr. Coffee", "Dr Martens"), and ratings ("- Five Stars").
NOT_NAMES = frozenset(
    "Alexa Siri Google Apple Amazon Echo Samsung Sony Coffee Pepper Martens Pac Scholl Bean Clean Happy Not "
    "Very So Five Four Three Two One Stars Star Great Good Love Best".split()
)
NAME_PATTERNS = (
    re.compile(rf"(?:^|[\s.!?])[-\u2013\u2014~]\s*({_NAME})\s*[.!]?\s*$"),  # a signature at the end
    re.compile(rf"\b(?:[Mm]y name is|[Nn]ame's|[Ss]igned,?|[Aa]sk for)\s+({_NAME})"),
    re.compile(r"\b(?:I'm|I am)\s+([A-Z][a-z]+\s[A-Z][a-z]+)"),  # two words: "I am Happy" is no name
    re.compile(rf"\b(?:Mr|Mrs|Ms|Miss|Dr|Prof)\.?\s+({_NAME})"),
    re.compile(
        rf"\b(?:[Tt]hanks|[Rr]egards|[Cc]heers|[Ss]incerely|[Bb]est(?: wishes)?|Hi|Hello|Dear),?"
        rf"\s+({_NAME})\s*[.!,]?\s*$"
    ),
    re.compile(rf"^(?:Hi|Hello|Dear)\s+({_NAME})\b"),
)


@dataclass(frozen=True)
class PiiSpan:
    """One detected piece of personal data: ``text[start:end]`` has the kind ``label``."""

    start: int
    end: int
    label: str


def luhn_valid(digits: str) -> bool:
    """True when a digit string passes the Luhn checksum that every payment card number carries."""
    if not digits.isdigit():
        return False
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = int(char) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def _cards(text: str) -> list[PiiSpan]:
    spans = []
    for match in CARD.finditer(text):
        digits = re.sub(r"[ -]", "", match.group())
        before = text[: match.start()]
        if 13 <= len(digits) <= 19 and luhn_valid(digits) and not CARD_BLOCKER.search(before):
            spans.append(PiiSpan(match.start(), match.end(), "CARD"))
    return spans


def _phones(text: str, region: str) -> list[PiiSpan]:
    spans = []
    for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.POSSIBLE):
        before = text[max(0, match.start - 40) : match.start]
        cued = PHONE_CUE.search(before) is not None  # "phone no. 415 ...": the phone cue wins over "no"
        if NUMBER_CUE.search(before) and not cued:
            continue
        shaped = PHONE_SHAPE.match(match.raw_string) is not None
        if shaped or cued or phonenumbers.is_valid_number(match.number):
            spans.append(PiiSpan(match.start, match.end, "PHONE"))
    return spans


def _names(text: str) -> list[PiiSpan]:
    return [
        PiiSpan(match.start(1), match.end(1), "NAME")
        for pattern in NAME_PATTERNS
        for match in pattern.finditer(text)
        if re.split(r"[ '-]", match.group(1))[0] not in NOT_NAMES
    ]


def find_pii(text: str, region: str = "US") -> list[PiiSpan]:
    """Every PII span in ``text``, sorted, without overlaps (an earlier label in :data:`PII_LABELS` wins).

    ``region`` is the country whose phone numbers may be written without a ``+country`` prefix.
    """
    if not isinstance(text, str):
        raise TypeError(f"find_pii expects a string, got {type(text).__name__}")
    found = [PiiSpan(m.start(), m.end(), "EMAIL") for m in EMAIL.finditer(text)]
    found += _cards(text) + _phones(text, region)
    found += [PiiSpan(m.start(), m.end(), "ADDRESS") for m in ADDRESS.finditer(text)]
    found += _names(text)
    kept: list[PiiSpan] = []
    for span in sorted(found, key=lambda s: (PII_LABELS.index(s.label), s.start)):
        if all(span.end <= other.start or span.start >= other.end for other in kept):
            kept.append(span)
    return sorted(kept, key=lambda s: s.start)


def redact(text: str, spans: Sequence[PiiSpan] | None = None, region: str = "US") -> str:
    """``text`` with every PII span replaced by its label in brackets, e.g. ``"Call me on [PHONE]"``."""
    spans = find_pii(text, region) if spans is None else spans
    for span in sorted(spans, key=lambda s: s.start, reverse=True):
        text = text[: span.start] + f"[{span.label}]" + text[span.end :]
    return text


def redact_texts(texts: Iterable[str], region: str = "US") -> list[str]:
    """:func:`redact` for many texts (a list, a pandas Series, ...)."""
    return [redact(text, region=region) for text in texts]


def redact_frame(frame: pd.DataFrame, region: str = "US") -> pd.DataFrame:
    """A copy of ``frame`` with every text column redacted: call it on anything before it is shown."""
    out = frame.copy()
    for column in out.columns:
        if out[column].dtype == object or pd.api.types.is_string_dtype(out[column]):
            out[column] = [redact(v, region=region) if isinstance(v, str) else v for v in out[column]]
    return out


def _covered(span: dict, predicted: Sequence[PiiSpan]) -> bool:
    chars = set(range(span["start"], span["end"]))
    for p in predicted:
        chars -= set(range(p.start, p.end))
    return not chars


def detection_scores(
    texts: Sequence[str], true_spans: Sequence[str | list], region: str = "US"
) -> pd.DataFrame:
    """Recall and precision of :func:`find_pii` per label against labelled spans, plus a row ``all``.

    ``true_spans[i]`` lists the spans of ``texts[i]`` (JSON text or a list of ``{"start", "end",
    "label"}`` dicts). A true span is **found** when every one of its characters is inside a detected
    span, since a half-masked card number still leaks; a detected span is **correct** when it
    overlaps a true span, so precision counts every false alarm, including those in texts without PII.
    """
    counts = {label: dict.fromkeys(("n", "found", "detected", "correct"), 0) for label in PII_LABELS}
    for text, spans in zip(texts, true_spans, strict=True):
        truth = json.loads(spans) if isinstance(spans, str) else list(spans)
        predicted = find_pii(text, region)
        for span in truth:
            counts[span["label"]]["n"] += 1
            counts[span["label"]]["found"] += _covered(span, predicted)
        for p in predicted:
            counts[p.label]["detected"] += 1
            counts[p.label]["correct"] += any(p.start < t["end"] and t["start"] < p.end for t in truth)
    table = pd.DataFrame(counts).T
    table.loc["all"] = table.sum()
    table["recall"] = table["found"] / table["n"].where(table["n"] > 0)
    table["precision"] = table["correct"] / table["detected"].where(table["detected"] > 0)
    return table


# Hand-written texts the simulator's templates do not cover, with the PII values they contain: names
# without a cue, phone numbers in other formats, addresses without a street type. Notebook 08 reports
# recall on them next to the simulator's, so the easy templates do not flatter the redactor.
CHALLENGE = (
    ("Bought this for my sister Olivia Brown, she loves it", [("Olivia Brown", "NAME")]),
    ("John Smith from support fixed it in a day", [("John Smith", "NAME")]),
    ("Tell Sarah the blender is great", [("Sarah", "NAME")]),
    ("gift for Grandma Rose, call 555-0134 if it is late", [("Rose", "NAME"), ("555-0134", "PHONE")]),
    (
        "Reach me on +1 (646) 555-0199 or m.kim@shop.example",
        [("+1 (646) 555-0199", "PHONE"), ("m.kim@shop.example", "EMAIL")],
    ),
    ("WhatsApp 07700 900123 for pickup", [("07700 900123", "PHONE")]),
    ("send it to Flat 2, 10 Downing Street, London", [("10 Downing Street, London", "ADDRESS")]),
    ("deliver to PO Box 1123, Springfield IL", [("PO Box 1123, Springfield IL", "ADDRESS")]),
    ("ship to 500 W 5th Ave, Apt 4B", [("500 W 5th Ave", "ADDRESS")]),
    ("card ending 4242 4242 4242 4242 expired", [("4242 4242 4242 4242", "CARD")]),
    ("my visa is 4012888888881881, please refund", [("4012888888881881", "CARD")]),
    ("Email JOHN.DOE@EXAMPLE.COM about the return", [("JOHN.DOE@EXAMPLE.COM", "EMAIL")]),
    ("Love these earbuds - Mei-Ling Wu", [("Mei-Ling Wu", "NAME")]),
    ("Regards, Dr. Ahmed Khan", [("Ahmed Khan", "NAME")]),
    ("Works with my Apple Watch, the Sony app and Google Home", []),
    ("Best price on 2024-11-29: $199.99 (order 4829104821)", []),
)


def challenge_set() -> tuple[list[str], list[list[dict]]]:
    """:data:`CHALLENGE` as texts and labelled spans, ready for :func:`detection_scores`."""
    texts, spans = [], []
    for text, values in CHALLENGE:
        texts.append(text)
        spans.append(
            [{"start": text.index(v), "end": text.index(v) + len(v), "label": label} for v, label in values]
        )
    return texts, spans
