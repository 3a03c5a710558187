"""Checkers for notebooks 00 and 02 (tokenization): WordPiece, padding waste, special tokens, token counts.

Importing this module loads
:mod:`helpers.tokenization` (and with it the ``tokenizers`` library).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from helpers.batching import PADDING_STRATEGIES, padding_waste
from helpers.errors import ExerciseError
from helpers.exercises.base import (
    as_number,
    call_learner,
    checker,
    fail,
    is_whole_number,
    refuse_workbook_code,
    require,
)
from helpers.tokenization import CONTINUATION, UNK_TOKEN, tokenize_word, tokens_of

__all__ = [
    "MINILM_SPECIAL_TOKEN_IDS",
    "PROBE_VOCAB",
    "PROBE_WORDS",
    "check_padding_waste",
    "check_special_tokens",
    "check_token_count",
    "check_tokens_that_differ",
    "check_wordpiece",
]

MINILM_SPECIAL_TOKEN_IDS = {"[PAD]": 0, "[UNK]": 100, "[CLS]": 101, "[SEP]": 102, "[MASK]": 103}

# A vocabulary no notebook builds, and words that test each rule on it: whole pieces ("unaffable"),
# greedy rather than any valid split ("abc" is "ab ##c", not "a ##bc"), a piece that must carry ## ("abbc"),
# and words it cannot cover, mid-word ("unx") or because only the ## form exists ("b").
PROBE_VOCAB = ("[UNK]", "un", "##aff", "##able", "a", "ab", "##b", "##c", "##bc")
PROBE_WORDS = ("unaffable", "abc", "abbc", "unx", "b")


@checker
def check_wordpiece(
    fn: Any, words: Sequence[str], vocab: Sequence[str] | set[str] | Mapping[str, int]
) -> bool:
    """``fn(word, vocab)`` must return the greedy longest-match-first WordPiece encoding of every word.

    After ``words`` with ``vocab``, ``fn`` also splits :data:`PROBE_WORDS` with :data:`PROBE_VOCAB`: a
    function that ignores ``vocab`` (say, one that asks the notebook's trained model) fails there.
    """
    refuse_workbook_code(
        fn, tokenize_word, tokens_of, methods=("tokenize", "encode")
    )  # ours.tokenize(word) is not yours
    for word in words:
        _check_wordpiece_tokens(call_learner(fn, word, vocab), word, vocab)
    for word in PROBE_WORDS:
        tokens = call_learner(fn, word, list(PROBE_VOCAB))
        try:
            _check_wordpiece_tokens(tokens, word, PROBE_VOCAB)
        except ExerciseError as error:
            problem, hint = str(error).split("\nHint: ", 1)
            fail(
                f"with the checker's own vocabulary {list(PROBE_VOCAB)}: {problem}",
                f"{hint} (your function gets this vocabulary as its vocab argument)",
            )
    return True


def _check_wordpiece_tokens(
    tokens: Any, word: str, vocab: Sequence[str] | set[str] | Mapping[str, int]
) -> None:
    """Pass if ``tokens`` is the WordPiece encoding of ``word``; otherwise say what went wrong."""
    require(
        isinstance(tokens, list | tuple) and all(isinstance(token, str) for token in tokens),
        f"expected a list of strings for {word!r}, got {tokens!r}",
        'tokens look like ["sho", "##es"]',
    )
    tokens, vocab = list(tokens), set(vocab)
    expected = tokenize_word(word, vocab)
    if tokens == expected:
        return
    whole_word_unk = f"WordPiece then replaces the whole word by one {UNK_TOKEN}, not just the unknown part"
    if expected == [UNK_TOKEN] and UNK_TOKEN in tokens:
        fail(f"{word!r} cannot be covered by the vocabulary", whole_word_unk)
    require(
        UNK_TOKEN not in tokens,
        f"the vocabulary covers {word!r}, so there is no {UNK_TOKEN}",
        "at each position some entry matches, if only a single character",
    )
    require(bool(tokens), f"no pieces for {word!r}", "every word has at least one piece, if only [UNK]")
    require(
        not tokens[0].startswith(CONTINUATION),
        f"the first piece, {tokens[0]!r}, has a {CONTINUATION} prefix",
        f"only pieces that continue a word start with {CONTINUATION}: 'shoes' -> 'sho', '##es'",
    )
    require(
        all(token.startswith(CONTINUATION) for token in tokens[1:]),
        "a piece after the first one has no ## prefix",
        f"pieces that continue a word start with {CONTINUATION}: 'shoes' -> 'sho', '##es'",
    )
    spelled = "".join(token.removeprefix(CONTINUATION) for token in tokens)
    require(
        spelled == word,
        f"your pieces spell {spelled!r}, not {word!r}",
        "together the pieces must spell the word",
    )
    missing = [token for token in tokens if token not in vocab]
    if missing and all(_other_form(token) in vocab for token in missing):  # only the ## is wrong
        fail(
            f"{missing[0]!r} is not in the vocabulary, only {_other_form(missing[0])!r}",
            f"a piece that starts a word and the same piece inside one ({CONTINUATION}) are two entries",
        )
    if expected == [UNK_TOKEN]:
        fail(f"{word!r} cannot be covered by the vocabulary: {missing} are not entries", whole_word_unk)
    require(not missing, f"{missing} not in the vocabulary", "every piece must be a vocabulary entry")
    pairs = enumerate(zip(tokens, expected, strict=False))
    first_difference = next((i for i, (mine, right) in pairs if mine != right), len(expected) - 1)
    fail(
        f"a valid split, but not the greedy one: piece {first_difference} is {tokens[first_difference]!r}",
        f"take the longest vocabulary entry that fits at each step; here {expected[first_difference]!r}",
    )


def _other_form(token: str) -> str:
    """``"##b"`` -> ``"b"`` and ``"b"`` -> ``"##b"``: the same piece inside a word, or starting one."""
    if token.startswith(CONTINUATION):
        return token.removeprefix(CONTINUATION)
    return CONTINUATION + token


@checker
def check_padding_waste(
    answer: float,
    lengths: Sequence[int],
    batch_size: int,
    strategy: str = "bucketed",
    max_length: int | None = None,
    seed: int = 0,
    pad_to_multiple_of: int = 1,
) -> bool:
    """``answer`` must be the fraction of padding that :func:`helpers.batching.padding_waste` measures.

    That is the padding the training loop pays with the same sampler. By hand, for ``"bucketed"``: cut
    the lengths to ``max_length``, sort them, cut them into batches and pad each batch to its longest;
    this is what the sampler does as long as the lengths fit in one chunk (``batch_size * 50`` of them).
    ``pad_to_multiple_of`` (bucketed only) rounds every batch's length up to a multiple of it, as
    ``DataCollatorWithPadding(pad_to_multiple_of=8)`` does for GPU tensor cores.
    """
    answer = as_number(answer, "the padding waste")
    if pad_to_multiple_of > 1 and strategy != "bucketed":
        raise ValueError("pad_to_multiple_of is checked for the bucketed strategy only")

    def waste(which: str, multiple: int = pad_to_multiple_of) -> float:
        if which == "bucketed" and multiple > 1:
            return _waste_of_batches(sorted(lengths), batch_size, max_length, multiple)
        return padding_waste(lengths, batch_size, which, max_length=max_length, seed=seed)

    def close(value: float) -> bool:
        return math.isclose(answer, value, abs_tol=5e-4)

    expected = waste(strategy)
    if close(expected):
        return True
    if expected and math.isclose(answer, 100 * expected, abs_tol=0.05):
        fail("that looks like a percentage", f"divide by 100: the answer is a fraction ({answer / 100:g}?)")
    if close(1 - expected):
        fail("that is the share of real tokens", "the question asks for the share of padding tokens")
    if pad_to_multiple_of > 1 and close(waste(strategy, 1)):
        fail(
            "that is the waste without rounding up",
            f"pad each batch to its longest sequence rounded up to a multiple of {pad_to_multiple_of}",
        )
    others = [other for other in PADDING_STRATEGIES if other != strategy and close(waste(other, 1))]
    if others:
        fail(f"that is the waste of the {others[0]!r} strategy", f"this exercise uses {strategy!r}")
    if strategy == "bucketed" and close(
        _waste_of_batches(lengths, batch_size, max_length, pad_to_multiple_of)
    ):
        fail(
            "that is the waste of batches cut from the lengths in the order given",
            "bucketing sorts the lengths first, so that each batch holds similar lengths",
        )
    fail(
        f"{answer:g} is not the padding waste for {strategy!r}",
        "waste = (padded − real) / padded, where padded = Σ over batches of "
        "batch size × longest sequence in the batch",
    )


def _waste_of_batches(
    lengths: Sequence[int], batch_size: int, max_length: int | None, multiple: int = 1
) -> float:
    """The waste of consecutive batches in the order given, each padded to its longest (rounded up)."""
    cut = [min(length, max_length or max(lengths)) for length in lengths]
    chunks = [cut[start : start + batch_size] for start in range(0, len(cut), batch_size)]
    padded = sum(len(chunk) * -(-max(chunk) // multiple) * multiple for chunk in chunks)
    return 1 - sum(cut) / padded


@checker
def check_special_tokens(answer: Mapping[str, int], tokenizer: Any = None) -> bool:
    """``answer`` maps special tokens to their ids in the MiniLM vocabulary (or in ``tokenizer``'s)."""
    expected = MINILM_SPECIAL_TOKEN_IDS if tokenizer is None else _special_token_ids(tokenizer)
    require(
        isinstance(answer, Mapping),
        f"expected a dict, got {type(answer).__name__}",
        'map each token to its id, e.g. {"[CLS]": ..., "[SEP]": ...}',
    )
    missing = [token for token in expected if token not in answer]
    require(not missing, f"missing {missing}", f"give the ids of all of {list(expected)}")
    wrong = {token: answer[token] for token in expected if answer[token] != expected[token]}
    require(
        not wrong,
        f"wrong ids: {wrong}",
        "look them up: tokenizer.convert_tokens_to_ids(['[CLS]', ...]) or tokenizer.cls_token_id",
    )
    return True


def _special_token_ids(tokenizer: Any) -> dict[str, int]:
    """The ids of the MiniLM special tokens in another ``transformers`` tokenizer."""
    tokens = list(MINILM_SPECIAL_TOKEN_IDS)
    return dict(zip(tokens, tokenizer.convert_tokens_to_ids(tokens), strict=True))


@checker
def check_token_count(answer: Any, text: str, tokenizer: Any) -> bool:
    """``answer`` is how many tokens ``tokenizer`` makes of ``text``, without ``[CLS]`` and ``[SEP]``."""
    pieces = tokenizer.tokenize(text)
    require(is_whole_number(answer), f"expected a whole number, got {answer!r}", "count the word pieces")
    if answer == len(pieces):
        return True
    if answer == len(pieces) + 2:
        fail("that counts [CLS] and [SEP] too", "count only the pieces of the text itself")
    if answer == len(text.split()):
        words = "one word" if answer == 1 else f"{answer} words"
        fail(f"{text!r} has {words}, but tokens are not words", _token_count_hint(text))
    fail(f"{text!r} is not {answer} tokens", _token_count_hint(text))


def _token_count_hint(text: str) -> str:
    """What splits ``text`` into more tokens than words: pieces, and its punctuation and symbols."""
    marks = sorted({char for char in text if not (char.isalnum() or char.isspace())})
    symbols = [repr(mark) for mark in marks]
    hint = "a word or number the vocabulary does not hold whole splits into ## pieces"
    if len(symbols) == 1:
        return f"{hint}; {symbols[0]} is a token of its own"
    if symbols:
        return f"{hint}; {', '.join(symbols[:-1])} and {symbols[-1]} are tokens of their own"
    return hint


@checker
def check_tokens_that_differ(answer: Any, text_a: str, text_b: str, tokenizer: Any) -> bool:
    """``answer`` lists the tokens of ``text_b`` that the tokenization of ``text_a`` does not contain."""
    require(
        isinstance(answer, list | tuple | set) and all(isinstance(token, str) for token in answer),
        f"expected a list of token strings, got {answer!r}",
        'tokens look like ["phone", "!"]',
    )
    expected = [token for token in tokenizer.tokenize(text_b) if token not in set(tokenizer.tokenize(text_a))]
    if sorted(answer) == sorted(expected):
        return True
    if any(token != token.lower() for token in answer):
        fail("the tokenizer is uncased", "it lower-cases the text before splitting: 'NEW' becomes 'new'")
    fail(
        f"{sorted(answer)} are not the tokens that differ",
        "tokenize both texts (tokenizer.tokenize) and compare the lists",
    )
