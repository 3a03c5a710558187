"""The PII redactor: what it must mask, and near-misses (order numbers, prices, dates, models) to keep."""

import json

import numpy as np
import pandas as pd
import pytest

from helpers.pii import PiiSpan, detection_scores, find_pii, luhn_valid, redact, redact_frame
from helpers.sim.pii import inject_pii

MUST_MASK = [
    ("Contact me at noah.muller98@example.com please", "noah.muller98@example.com", "EMAIL"),
    ("email: Jane_Doe+shop@mail.co.uk.", "Jane_Doe+shop@mail.co.uk", "EMAIL"),
    ("write to a.b@sub.domain.org", "a.b@sub.domain.org", "EMAIL"),
    ("Call me on (478) 555-1774", "(478) 555-1774", "PHONE"),
    ("my number is 212.555.0182 after 6pm", "212.555.0182", "PHONE"),
    ("text me at 4155550132", "4155550132", "PHONE"),
    ("reach me on +44 20 7946 0958 any time", "+44 20 7946 0958", "PHONE"),
    ("phone 650-253-0000 for the warranty", "650-253-0000", "PHONE"),
    ("My card 4057 0633 8067 8088 was charged twice", "4057 0633 8067 8088", "CARD"),
    ("card no 4111-1111-1111-1111 declined", "4111-1111-1111-1111", "CARD"),
    ("paid with 5555555555554444 yesterday", "5555555555554444", "CARD"),
    ("amex 378282246310005 on file", "378282246310005", "CARD"),
    ("Ship to 3762 Cedar Lane, Riverton", "3762 Cedar Lane, Riverton", "ADDRESS"),
    ("deliver to 12 Baker St. please", "12 Baker St.", "ADDRESS"),
    (
        "I live at 221 Old Mill Road, Fair Haven, CT 06513.",
        "221 Old Mill Road, Fair Haven, CT 06513",
        "ADDRESS",
    ),
    ("Pretty good. Really good value. - Ava Rossi", "Ava Rossi", "NAME"),
    ("My name is Priya Patel and the blender broke", "Priya Patel", "NAME"),
    ("Ask for Mrs Chen at the front desk", "Mrs Chen", "NAME"),
    ("Works fine. Thanks, Carlos", "Carlos", "NAME"),
    ("Hi Wei, the strap is loose", "Wei", "NAME"),
    ("phone no. 415-555-0132 after six", "415-555-0132", "PHONE"),
    ("Cell #: (415) 555-0132", "(415) 555-0132", "PHONE"),
    ("Best wishes, Mary Jones", "Mary Jones", "NAME"),
    ("I am Maria Lopez, the buyer", "Maria Lopez", "NAME"),
]

MUST_KEEP = [
    "order 4829104821 arrived late",
    "Order #4155550132 was never shipped",
    "costs $1,299.99 now, was $1,499.00",
    "delivered on 2024-03-15, returned 03/22/2024",
    "the Sony WF-1000XM5 beats the WH-1000XM4",
    "ISBN 978-0-306-40615-7 is the manual",
    "ISBN 0-306-40615-2",
    "isbn 9780306406157",
    "tracking number 1234567812345678 (not a card: fails Luhn)",
    "4 stars, 2 pack, 3 year warranty, 256 GB",
    "battery lasts 30 hours at 85 dB",
    "I bought 3 of them for 49.99 each",
    "Model 7 Street Edition sneakers",
    "searched 'anker pulse 350 black under $50'",
    "the 12 Days of Christmas gift set",
    "scored 1000 out of 1000",
    "Great earbuds. Love it!",
    "version 2.3.1 of the app",
    "serial no 650-253-0000 on the box",
    "Order 6011000990139424 shipped (Luhn-valid, but an order number)",
    "receipt 4155550132 attached",
    "Hi Alexa, play some music",
    "the Mr. Coffee maker and Dr Martens boots",
    "I am Happy with it",
    "Great product - Five Stars",
    "Works well. Thanks, Apple",
]


@pytest.mark.parametrize(("text", "value", "label"), MUST_MASK)
def test_pii_is_found_with_its_label(text, value, label):
    spans = find_pii(text)
    assert [(text[s.start : s.end], s.label) for s in spans] == [(value, label)]
    assert value not in redact(text) and f"[{label}]" in redact(text)


@pytest.mark.parametrize("text", MUST_KEEP)
def test_near_misses_stay(text):
    assert find_pii(text) == []
    assert redact(text) == text


def test_luhn_checksum():
    assert luhn_valid("4111111111111111") and luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112") and not luhn_valid("12a4") and not luhn_valid("")


def test_several_kinds_in_one_text_are_all_masked_in_order():
    text = "Emma here: emma@example.com, (212) 555-0100, card 4111 1111 1111 1111 - Emma Smith"
    assert redact(text) == "Emma here: [EMAIL], [PHONE], card [CARD] - [NAME]"


def test_overlapping_detections_keep_the_stronger_label():
    spans = find_pii("card 4111 1111 1111 1111")
    assert spans == [PiiSpan(5, 24, "CARD")]  # digits a phone matcher also sees stay one card span


def test_find_pii_refuses_non_text():
    with pytest.raises(TypeError, match="string"):
        find_pii(None)


def test_redact_frame_masks_only_text_columns_and_copies():
    frame = pd.DataFrame({"text": ["mail me: a@b.com", None], "rating": [5, 1]})
    out = redact_frame(frame)
    assert out["text"][0] == "mail me: [EMAIL]" and pd.isna(out["text"][1])
    assert out["rating"].tolist() == [5, 1] and frame["text"][0] == "mail me: a@b.com"


def test_detection_scores_recall_precision_and_partial_masks():
    texts = ["call (212) 555-0100", "order 4829104821", "- Ava Rossi"]
    truth = [
        [{"start": 5, "end": 19, "label": "PHONE"}],
        [],
        json.dumps([{"start": 2, "end": 11, "label": "NAME"}]),
    ]
    table = detection_scores(texts, truth)
    assert table.loc["PHONE", "recall"] == 1.0 and table.loc["NAME", "recall"] == 1.0
    assert table.loc["all", "precision"] == 1.0 and table.loc["all", "n"] == 2
    half = [[{"start": 0, "end": 19, "label": "PHONE"}], [], []]  # a span the detector only half covers
    assert detection_scores(texts, half).loc["PHONE", "recall"] == 0.0


def test_every_simulated_value_is_found():
    rng = np.random.default_rng(3)
    texts, spans = inject_pii(pd.Series(["Good value."] * 300), 1.0, rng)
    table = detection_scores(texts.tolist(), spans.tolist())
    assert table.loc["all", "recall"] == 1.0 and table.loc["all", "precision"] == 1.0
