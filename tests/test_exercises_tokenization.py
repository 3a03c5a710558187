"""The tokenization checkers (notebooks 00 and 02) accept right answers and reject wrong ones with a hint."""

from __future__ import annotations

import numpy as np
import pytest

from helpers.exercises.tokenization import (
    MINILM_SPECIAL_TOKEN_IDS,
    PROBE_VOCAB,
    PROBE_WORDS,
    check_padding_waste,
    check_special_tokens,
    check_token_count,
    check_tokens_that_differ,
    check_wordpiece,
)


def rejects(match: str):
    """The checker raises an AssertionError whose message (problem + hint) matches ``match``."""
    return pytest.raises(AssertionError, match=match)


# --- WordPiece ----------------------------------------------------------------------------------------------

VOCAB = ["[UNK]", "s", "sh", "sho", "shoe", "##e", "##s", "##es", "##o", "##h"]


def greedy(word, vocab, whole_word_unk=True):
    """A learner's right answer (``whole_word_unk=False``: one that keeps the pieces before the unknown)."""
    pieces, start = [], 0
    while start < len(word):
        candidates = (("##" if start else "") + word[start:end] for end in range(len(word), start, -1))
        piece = next((candidate for candidate in candidates if candidate in vocab), None)
        if piece is None:
            return ["[UNK]"] if whole_word_unk else [*pieces, "[UNK]"]
        pieces.append(piece)
        start += len(piece.removeprefix("##"))
    return pieces


def answers(tokens):
    """A learner's function that returns ``tokens`` whatever it is asked."""
    return lambda word, vocab: tokens


def test_wordpiece_accepts_right_answers():
    assert check_wordpiece(greedy, ["shoes"], VOCAB)
    assert check_wordpiece(greedy, ["shoo"], set(VOCAB))
    assert check_wordpiece(greedy, ["shox", "s", "h"], {token: i for i, token in enumerate(VOCAB)})
    assert check_wordpiece(greedy, [], VOCAB), "the checker's own words are enough"


def test_the_probe_words_test_every_rule():
    from helpers.tokenization import tokenize_word

    probe = {word: tokenize_word(word, PROBE_VOCAB) for word in PROBE_WORDS}
    assert probe["unaffable"] == ["un", "##aff", "##able"]
    assert probe["abc"] == ["ab", "##c"], "greedy, though a ##bc is a valid split too"
    assert probe["unx"] == probe["b"] == ["[UNK]"], "'b' exists only as '##b'"
    assert {token for tokens in probe.values() for token in tokens} <= set(PROBE_VOCAB)


def test_wordpiece_refuses_the_workbook_function():
    from helpers.tokenization import WordPieceModel, tokenize_word, tokens_of

    model = WordPieceModel(vocab=VOCAB)
    with rejects("own tokenize_word"):
        check_wordpiece(tokenize_word, ["shoes"], VOCAB)
    with rejects("own tokenize"):
        check_wordpiece(lambda word, vocab: FakeTokenizer().tokenize(word), ["shoes"], VOCAB)
    with rejects("own tokens_of"):  # the trained model of notebook 02 through its helper
        check_wordpiece(lambda word, vocab: tokens_of(model, word), ["shoes"], VOCAB)
    with rejects("own tokens_of"):
        check_wordpiece(tokens_of, ["shoes"], VOCAB)


class FakeTokenizer:
    def tokenize(self, word: str) -> list[str]:
        return ["shoe", "##s"]


def test_wordpiece_rejects_a_function_that_ignores_its_vocab():
    def notebook_vocab_only(word, vocab):
        return greedy(word, VOCAB)  # right on the notebook's words, whatever vocab it is given

    assert greedy("shoes", VOCAB) == ["shoe", "##s"]
    with rejects(r"(?s)checker's own vocabulary.*'unaffable'.*vocab argument"):
        check_wordpiece(notebook_vocab_only, ["shoes"], VOCAB)


def test_wordpiece_rejects_edge_cases_on_the_probe_vocabulary():
    def partial_unk(word, vocab):
        return greedy(word, vocab, whole_word_unk=False)

    assert partial_unk("shoes", VOCAB) == ["shoe", "##s"]
    with rejects(r"(?s)checker's own vocabulary.*'unx' cannot be covered.*whole word by one \[UNK\]"):
        check_wordpiece(partial_unk, ["shoes"], VOCAB)

    def ignores_continuation(word, vocab):  # takes "##b" for a word that starts with b
        stripped = {token.removeprefix("##") for token in vocab}
        return greedy(word, stripped | {"##" + token for token in stripped})

    with rejects(r"(?s)checker's own vocabulary.*'b' is not in the vocabulary, only '##b'.*two entries"):
        check_wordpiece(ignores_continuation, ["shoes"], VOCAB)

    def crashes_on_a_list(word, vocab):  # the probe vocabulary comes as a list, like ours.vocab
        return greedy(word, vocab.keys())

    with rejects("raised AttributeError"):
        check_wordpiece(crashes_on_a_list, ["shoes"], dict.fromkeys(VOCAB))


@pytest.mark.parametrize(
    ("tokens", "word", "match"),
    [
        (["sho", "##es"], "shoes", "(?s)not the greedy one.*'shoe'"),
        (["shoe", "s"], "shoes", "## prefix"),
        (["##shoe", "##s"], "shoes", "first piece, '##shoe', has a ## prefix"),
        (["##h"], "h", "first piece"),
        (["sh", "##o", "##x"], "shox", r"(?s)cannot be covered.*\['##x'\] are not entries.*whole word"),
        ([], "shoes", "no pieces for 'shoes'"),
        (["shoe", "##s", "##s"], "shoes", "spell"),
        (["s", "##hoes"], "shoes", "not in the vocabulary"),
        (["sho", "[UNK]"], "shox", "whole word"),
        (["shoe", "[UNK]"], "shoes", "covers"),
        ("shoe ##s", "shoes", "list of strings"),
    ],
)
def test_wordpiece_rejects_wrong_answers(tokens, word, match):
    with rejects(match):
        check_wordpiece(answers(tokens), [word], VOCAB)


# --- padding waste ------------------------------------------------------------------------------------------

# Bucketed: [2, 3], [5, 8] -> 4 pads of 22 tokens; in the given order: [2, 8], [3, 5] -> 8 pads of 26.
# Random batches: seed 1 draws [2, 8], [3, 5] (8 pads of 26), seed 0 draws [3, 2], [8, 5] (4 of 22).
LENGTHS = [2, 8, 3, 5]


def test_padding_waste_accepts_right_answers():
    assert check_padding_waste(4 / 22, LENGTHS, 2)
    assert check_padding_waste(0.182, LENGTHS, 2)  # rounded to three decimals
    assert check_padding_waste(8 / 26, LENGTHS, 2, strategy="dynamic", seed=1)
    assert check_padding_waste(4 / 22, LENGTHS, 2, strategy="dynamic", seed=0)
    assert check_padding_waste(0.55, LENGTHS, 2, strategy="max_length", max_length=10)


def test_padding_waste_takes_numpy_numbers_and_rounds_up_to_a_multiple():
    assert check_padding_waste(np.float32(4 / 22), LENGTHS, 2)
    # sorted [2, 3], [5, 8] padded to multiples of 4: 2 × 4 + 2 × 8 = 24 tokens for 18 real ones
    assert check_padding_waste(6 / 24, LENGTHS, 2, pad_to_multiple_of=4)
    with rejects("without rounding up"):
        check_padding_waste(4 / 22, LENGTHS, 2, pad_to_multiple_of=4)
    with pytest.raises(ValueError, match="bucketed"):
        check_padding_waste(0.5, LENGTHS, 2, strategy="dynamic", pad_to_multiple_of=4)


def test_padding_waste_agrees_with_the_measure_of_notebook_02():
    lengths = [137, 166, 213, 62, 65, 160, 168, 125, 124, 36, 116, 135]  # 12 session lengths
    # sorted in batches of 4: [36 62 65 116] [124 125 135 137] [160 166 168 213]
    # padded = 4 × (116 + 137 + 213) = 1864 tokens for 1507 real ones
    assert check_padding_waste(1 - 1507 / 1864, lengths, 4)


@pytest.mark.parametrize(
    ("answer", "strategy", "seed", "match"),
    [
        (100 * 4 / 22, "bucketed", 0, "(?s)percentage.*divide by 100"),
        (1 - 4 / 22, "bucketed", 0, "real tokens"),
        (8 / 26, "bucketed", 1, "'dynamic' strategy"),
        (8 / 26, "bucketed", 0, "(?s)order given.*sorts"),
        (4 / 22, "dynamic", 1, "'bucketed' strategy"),
        (0.25, "bucketed", 0, "not the padding waste"),
        ("18%", "bucketed", 0, "number"),
    ],
)
def test_padding_waste_rejects_wrong_answers(answer, strategy, seed, match):
    with rejects(match):
        check_padding_waste(answer, LENGTHS, 2, strategy=strategy, seed=seed)


# --- special tokens -----------------------------------------------------------------------------------------


def test_special_tokens_accepts_the_minilm_ids():
    assert check_special_tokens({"[CLS]": 101, "[SEP]": 102, "[PAD]": 0, "[MASK]": 103, "[UNK]": 100})
    assert MINILM_SPECIAL_TOKEN_IDS == {"[CLS]": 101, "[SEP]": 102, "[PAD]": 0, "[MASK]": 103, "[UNK]": 100}


def test_special_tokens_match_the_real_minilm_tokenizer():
    from helpers import load_tokenizer

    tokenizer = load_tokenizer("minilm")
    minilm_ids = {"[CLS]": 101, "[SEP]": 102, "[PAD]": 0, "[MASK]": 103, "[UNK]": 100}
    assert check_special_tokens(minilm_ids, tokenizer)
    assert dict(zip(minilm_ids, tokenizer.convert_tokens_to_ids(list(minilm_ids)), strict=True)) == minilm_ids
    assert (tokenizer.cls_token_id, tokenizer.sep_token_id, tokenizer.pad_token_id) == (101, 102, 0)


@pytest.mark.parametrize(
    ("answer", "match"),
    [
        ({"[CLS]": 102, "[SEP]": 101, "[PAD]": 0, "[MASK]": 103, "[UNK]": 100}, "wrong ids.*CLS.*SEP"),
        ({"[CLS]": 101, "[SEP]": 102}, "missing"),
        ([101, 102, 0, 103, 100], "dict"),
    ],
)
def test_special_tokens_rejects_wrong_answers(answer, match):
    with rejects(match):
        check_special_tokens(answer)


# --- token counts and differences (notebooks 00 and 02) ---------------------------------------------------


def test_token_count_and_difference_checkers():
    from helpers.model_registry import load_tokenizer

    tokenizer = load_tokenizer("minilm")
    count = 5  # ['$', '126', '##9', '.', '99']
    assert check_token_count(count, "$1269.99", tokenizer)
    assert check_token_count(np.int64(count), "$1269.99", tokenizer)
    with rejects("CLS"):
        check_token_count(count + 2, "$1269.99", tokenizer)
    with rejects(r"(?s)is not 3 tokens.*'\$' and '\.' are tokens"):
        check_token_count(3, "$1269.99", tokenizer)
    with rejects("has one word,"):
        check_token_count(1, "$1269.99", tokenizer)
    with rejects("whole number"):
        check_token_count(5.0, "$1269.99", tokenizer)
    # notebook 02, exercise 3: ['$', '1', ',', '269', '.', '99']
    assert check_token_count(6, "$1,269.99", tokenizer)
    with rejects(r"'\$', ',' and '\.' are tokens"):
        check_token_count(5, "$1,269.99", tokenizer)
    # notebook 00: ['buy', '2', 'new', 'ear', '##bu', '##ds', '!']
    assert check_token_count(7, "Buy 2 NEW earbuds!", tokenizer)
    with rejects(r"(?s)has 4 words.*'!' is a token of its own"):
        check_token_count(4, "Buy 2 NEW earbuds!", tokenizer)
    with rejects("is not 6 tokens"):
        check_token_count(6, "Buy 2 NEW earbuds!", tokenizer)
    with rejects(r"(?s)is not 2 tokens.*pieces$"):  # no punctuation: no word about it
        check_token_count(2, "earbuds", tokenizer)
    assert check_tokens_that_differ(["!"], "buy a new phone", "Buy a NEW phone!", tokenizer)
    with rejects("uncased"):
        check_tokens_that_differ(["Buy", "NEW", "!"], "buy a new phone", "Buy a NEW phone!", tokenizer)
    with rejects("not the tokens"):
        check_tokens_that_differ([], "buy a new phone", "Buy a NEW phone!", tokenizer)
    # an emoji is not in the vocabulary: its token [UNK] has capitals and is still the right answer
    assert check_tokens_that_differ(["[UNK]"], "great phone", "great phone 😀", tokenizer)
