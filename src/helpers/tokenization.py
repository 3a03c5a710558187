"""WordPiece from scratch, and the numbers the tokenization lesson measures on real tokenizers.

Training (the algorithm of the Hugging Face course, chapter 6):

1. split every word into characters; a character that does not start the word gets the
   continuation prefix ``##`` (``"shoe"`` -> ``s ##h ##o ##e``);
2. score every adjacent pair of tokens by score(a, b) = freq(ab) / (freq(a) × freq(b)): a pair wins
   when its parts appear together more often than their own frequencies would suggest;
3. merge the best pair everywhere, add the merged token to the vocabulary and repeat until the
   vocabulary has ``vocab_size`` tokens.

Encoding does not replay the merges: it takes the longest vocabulary entry that starts the word,
then the longest ``##`` entry that continues it, and so on (greedy longest-match-first). A word with
a piece that nothing in the vocabulary matches becomes a single ``[UNK]``, as in BERT.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

import pandas as pd
from tokenizers import Tokenizer, decoders, models, normalizers, pre_tokenizers, trainers

from helpers.params import check_int

SPECIAL_TOKENS = ("[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]")
UNK_TOKEN = "[UNK]"
CONTINUATION = "##"

# A run of letters and digits, or any single other visible character (punctuation, symbols).
_WORD_OR_SYMBOL = re.compile(r"[^\W_]+|\S")

Pair = tuple[str, str]


# ---------------------------------------------------------------------------------------------------------
# Pre-tokenization
# ---------------------------------------------------------------------------------------------------------


def pre_tokenize(text: str, lowercase: bool = True) -> list[str]:
    """Split text into words and punctuation, the way BERT does before WordPiece.

    ``lowercase`` also strips accents (``"Café"`` -> ``"cafe"``), like ``BertNormalizer(lowercase=True)``.
    Example: ``pre_tokenize("Trail-shoes, size 42!")`` -> ``["trail", "-", "shoes", ",", "size", "42", "!"]``.
    """
    if lowercase:
        text = strip_accents(text.lower())
    return _WORD_OR_SYMBOL.findall(text)


def strip_accents(text: str) -> str:
    """Remove combining marks after Unicode decomposition: ``"é"`` = ``"e" + "́"`` -> ``"e"``."""
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(char for char in decomposed if unicodedata.category(char) != "Mn")


def word_frequencies(corpus: Iterable[str], lowercase: bool = True) -> Counter[str]:
    """How often each pre-tokenized word occurs in the corpus."""
    counts: Counter[str] = Counter()
    for text in corpus:
        counts.update(pre_tokenize(text, lowercase))
    return counts


# ---------------------------------------------------------------------------------------------------------
# Training
# ---------------------------------------------------------------------------------------------------------


def split_into_characters(word: str) -> list[str]:
    """``"shoe"`` -> ``["s", "##h", "##o", "##e"]``: the starting point of training."""
    return [word[0]] + [CONTINUATION + char for char in word[1:]]


def merge_tokens(first: str, second: str) -> str:
    """``("s", "##h")`` -> ``"sh"``; ``("##o", "##e")`` -> ``"##oe"``: the second loses its ``##``."""
    return first + second.removeprefix(CONTINUATION)


@dataclass(frozen=True)
class Merge:
    """One training step: ``first`` + ``second`` -> ``token``, chosen with this score."""

    first: str
    second: str
    token: str
    score: float
    pair_count: int


@dataclass
class WordPieceModel:
    """A trained vocabulary (special tokens, alphabet, then merged tokens in order) and its merges."""

    vocab: list[str]
    merges: list[Merge] = field(default_factory=list)
    unk_token: str = UNK_TOKEN
    lowercase: bool = True

    @cached_property
    def token_to_id(self) -> dict[str, int]:
        return {token: index for index, token in enumerate(self.vocab)}

    def tokenize(self, text: str) -> list[str]:
        """Pre-tokenize ``text`` and WordPiece-encode every word."""
        vocab = self.token_to_id
        return [
            token
            for word in pre_tokenize(text, self.lowercase)
            for token in tokenize_word(word, vocab, self.unk_token)
        ]

    def encode(self, text: str) -> list[int]:
        """Token ids of ``text`` (no special tokens added)."""
        return [self.token_to_id[token] for token in self.tokenize(text)]

    def __len__(self) -> int:
        return len(self.vocab)


class _PairStatistics:
    """Token and pair frequencies over the current splits, updated word by word after each merge.

    Recounting every pair after every merge is what makes a naive trainer slow; here a merge only
    revisits the words that contain the merged pair (found through ``words_with_pair``).
    """

    def __init__(self, splits: list[list[str]], counts: list[int]) -> None:
        self.splits = splits
        self.counts = counts
        self.token_counts: Counter[str] = Counter()
        self.pair_counts: Counter[Pair] = Counter()
        self.words_with_pair: defaultdict[Pair, set[int]] = defaultdict(set)
        for index in range(len(splits)):
            self._count_word(index, sign=+1)

    def _count_word(self, index: int, sign: int) -> None:
        """Add (sign=+1) or remove (sign=-1) one word's tokens and adjacent pairs from the counts."""
        split, count = self.splits[index], self.counts[index] * sign
        for token in split:
            self.token_counts[token] += count
        for pair in zip(split, split[1:], strict=False):
            self.pair_counts[pair] += count
            if self.pair_counts[pair] == 0:
                del self.pair_counts[pair]
            elif sign > 0:
                self.words_with_pair[pair].add(index)

    def score(self, pair: Pair) -> float:
        """freq(ab) / (freq(a) × freq(b))."""
        first, second = pair
        return self.pair_counts[pair] / (self.token_counts[first] * self.token_counts[second])

    def best_pair(self) -> Pair | None:
        """The pair with the highest score (ties: the pair counted first), or None when no pair is left."""
        if not self.pair_counts:
            return None
        return max(self.pair_counts, key=self.score)

    def merge(self, pair: Pair) -> None:
        """Replace ``pair`` by its merged token in every word that contains it."""
        for index in sorted(self.words_with_pair.pop(pair)):
            if not _contains_pair(self.splits[index], pair):
                continue  # the word lost this pair to an earlier merge
            self._count_word(index, sign=-1)
            self.splits[index] = _merge_in_split(self.splits[index], pair)
            self._count_word(index, sign=+1)


def _contains_pair(split: list[str], pair: Pair) -> bool:
    return any(adjacent == pair for adjacent in zip(split, split[1:], strict=False))


def _merge_in_split(split: list[str], pair: Pair) -> list[str]:
    """Merge every occurrence of ``pair`` in one word, left to right."""
    merged, position = [], 0
    while position < len(split):
        if position + 1 < len(split) and (split[position], split[position + 1]) == pair:
            merged.append(merge_tokens(*pair))
            position += 2
        else:
            merged.append(split[position])
            position += 1
    return merged


def train_wordpiece(
    corpus: Iterable[str],
    vocab_size: int,
    special_tokens: Sequence[str] = SPECIAL_TOKENS,
    lowercase: bool = True,
) -> WordPieceModel:
    """Train a WordPiece vocabulary of at most ``vocab_size`` tokens; ``.merges`` lists the merges in order.

    The vocabulary starts as the special tokens plus the alphabet (every first character and every
    ``##`` continuation character seen). Training stops early if every word has become a single token.
    """
    check_int("vocab_size", vocab_size, minimum=1)
    if UNK_TOKEN not in special_tokens:
        raise ValueError(f"special_tokens must include {UNK_TOKEN!r}, the token of unknown words")
    word_counts = word_frequencies(corpus, lowercase)
    splits = [split_into_characters(word) for word in word_counts]
    alphabet = sorted({token for split in splits for token in split} - set(special_tokens))
    vocab = list(special_tokens) + alphabet
    statistics = _PairStatistics(splits, list(word_counts.values()))
    merges = []
    while len(vocab) < vocab_size:
        pair = statistics.best_pair()
        if pair is None:
            break
        merge = Merge(*pair, merge_tokens(*pair), statistics.score(pair), statistics.pair_counts[pair])
        statistics.merge(pair)
        merges.append(merge)
        if merge.token not in vocab:  # "a" + "##b" and "ab" from another path can coincide
            vocab.append(merge.token)
    return WordPieceModel(vocab=vocab, merges=merges, unk_token=UNK_TOKEN, lowercase=lowercase)


# ---------------------------------------------------------------------------------------------------------
# Encoding
# ---------------------------------------------------------------------------------------------------------


def tokenize_word(
    word: str, vocab: Iterable[str], unk_token: str = UNK_TOKEN, max_chars: int = 100
) -> list[str]:
    """Greedy longest-match-first WordPiece encoding of one word.

    ``tokenize_word("shoes", {"sho", "##es", ...})`` -> ``["sho", "##es"]``. If at some point no
    vocabulary entry matches, the whole word becomes ``[unk_token]``; so does a word longer than
    ``max_chars`` (BERT's ``max_input_chars_per_word``).
    """
    vocab = vocab if isinstance(vocab, set | frozenset | dict) else set(vocab)
    if len(word) > max_chars:
        return [unk_token]
    tokens, start = [], 0
    while start < len(word):
        end = _longest_match_end(word, start, vocab)
        if end is None:
            return [unk_token]
        tokens.append(_piece(word, start, end))
        start = end
    return tokens


def _piece(word: str, start: int, end: int) -> str:
    """``word[start:end]``, with the ``##`` prefix unless the piece starts the word."""
    return (CONTINUATION if start > 0 else "") + word[start:end]


def _longest_match_end(word: str, start: int, vocab: Container[str]) -> int | None:
    """The largest ``end`` such that the piece ``word[start:end]`` is in the vocabulary, or None."""
    for end in range(len(word), start, -1):
        if _piece(word, start, end) in vocab:
            return end
    return None


def join_wordpieces(tokens: Iterable[str]) -> str:
    """Undo WordPiece on the pieces of one or more words: ``["sho", "##es", "red"]`` -> ``"shoes red"``."""
    text = ""
    for token in tokens:
        text += token.removeprefix(CONTINUATION) if token.startswith(CONTINUATION) else f" {token}"
    return text.strip()


# ---------------------------------------------------------------------------------------------------------
# The library version, for comparison
# ---------------------------------------------------------------------------------------------------------


def train_hf_wordpiece(
    corpus: Iterable[str], vocab_size: int, special_tokens: Sequence[str] = SPECIAL_TOKENS
) -> Tokenizer:
    """A ``tokenizers.Tokenizer`` with a WordPiece model trained by the Rust ``WordPieceTrainer``.

    Same normalisation (lowercase, strip accents) and pre-tokenization (whitespace and punctuation) as
    BERT. Note that this trainer picks merges by pair *frequency* (it is the BPE trainer with ``##``
    prefixes), not by the score above, so its vocabulary differs from :func:`train_wordpiece`'s.
    """
    tokenizer = Tokenizer(models.WordPiece(unk_token=UNK_TOKEN))
    tokenizer.normalizer = normalizers.BertNormalizer(lowercase=True)
    tokenizer.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    tokenizer.decoder = decoders.WordPiece()
    trainer = trainers.WordPieceTrainer(
        vocab_size=vocab_size, special_tokens=list(special_tokens), show_progress=False
    )
    tokenizer.train_from_iterator(corpus, trainer=trainer)
    return tokenizer


# ---------------------------------------------------------------------------------------------------------
# Measuring tokenizers
# ---------------------------------------------------------------------------------------------------------


def tokens_of(tokenizer, text: str) -> list[str]:
    """Tokens of ``text`` without special tokens, for a ``transformers`` tokenizer, a ``tokenizers.Tokenizer``
    or a :class:`WordPieceModel`."""
    if isinstance(tokenizer, Tokenizer):
        return tokenizer.encode(text, add_special_tokens=False).tokens
    return tokenizer.tokenize(text)


def unk_token_of(tokenizer) -> str:
    """The unknown token of any tokenizer :func:`tokens_of` accepts."""
    model = getattr(tokenizer, "model", None)  # a tokenizers.Tokenizer keeps it on its model
    return getattr(tokenizer, "unk_token", None) or getattr(model, "unk_token", None) or UNK_TOKEN


def fertility(tokenizer, texts: Iterable[str]) -> float:
    """Tokens per whitespace-separated word in ``texts``: 1.0 = one token per word, higher = more splits."""
    n_tokens = n_words = 0
    for text in texts:
        n_tokens += len(tokens_of(tokenizer, text))
        n_words += len(text.split())
    return n_tokens / n_words if n_words else float("nan")


def unknown_rate(tokenizer, texts: Iterable[str]) -> float:
    """Fraction (0 to 1) of all tokens of ``texts`` that are the unknown token."""
    unk_token = unk_token_of(tokenizer)
    tokens = [token for text in texts for token in tokens_of(tokenizer, text)]
    return sum(token == unk_token for token in tokens) / len(tokens) if tokens else float("nan")


# ---------------------------------------------------------------------------------------------------------
# Words, characters or subwords: vocabulary size against sequence length
# ---------------------------------------------------------------------------------------------------------


def granularity_table(
    train_texts: Sequence[str],
    test_texts: Sequence[str],
    wordpiece_sizes: Sequence[int] = (200, 400, 800),
    others: Mapping[str, object] | None = None,
) -> pd.DataFrame:
    """Vocabulary size, tokens per text and unknown rate of word, character and WordPiece tokenizers.

    Every vocabulary is built on ``train_texts`` and measured on ``test_texts`` (lower-cased,
    accents stripped, split by :func:`pre_tokenize`):

    * ``"word"``: one token per distinct training word, plus ``[UNK]`` for words never seen;
    * ``"character"``: one token per distinct character of the training words (spaces are not tokens);
    * ``"wordpiece-N"``: :func:`train_wordpiece` with ``vocab_size=N``;
    * each entry of ``others`` (name -> a trained ``transformers`` or ``tokenizers`` tokenizer, or a
      :class:`WordPieceModel`), used as it is.

    Columns: ``tokenizer``, ``kind`` (word / character / subword), ``vocab_size``, ``tokens_per_text``
    (mean over ``test_texts``) and ``unknown_rate`` (fraction of test tokens that are unknown).
    """
    if not train_texts or not test_texts:
        raise ValueError("granularity_table needs training and test texts")
    train_words = word_frequencies(train_texts)
    test_words = [word for text in test_texts for word in pre_tokenize(text)]
    characters = {char for word in train_words for char in word}
    test_characters = [char for word in test_words for char in word]
    n_texts = len(test_texts)
    unseen_words = sum(word not in train_words for word in test_words)
    unseen_characters = sum(char not in characters for char in test_characters)
    rows = [
        _granularity_row("word", "word", len(train_words) + 1, len(test_words), n_texts, unseen_words),
        _granularity_row(
            "character", "character", len(characters) + 1, len(test_characters), n_texts, unseen_characters
        ),
    ]
    for size in wordpiece_sizes:
        model = train_wordpiece(train_texts, size)
        rows.append(_measured_row(f"wordpiece-{size}", model, len(model), test_texts))
    for name, tokenizer in (others or {}).items():
        size = tokenizer.get_vocab_size() if isinstance(tokenizer, Tokenizer) else len(tokenizer)
        rows.append(_measured_row(name, tokenizer, size, test_texts))
    return pd.DataFrame(rows)


def _measured_row(name: str, tokenizer: object, vocab_size: int, texts: Sequence[str]) -> dict[str, object]:
    unk_token = unk_token_of(tokenizer)
    tokens = [token for text in texts for token in tokens_of(tokenizer, text)]
    unknown = sum(token == unk_token for token in tokens)
    return _granularity_row(name, "subword", vocab_size, len(tokens), len(texts), unknown)


def _granularity_row(
    name: str, kind: str, vocab_size: int, n_tokens: int, n_texts: int, n_unknown: int
) -> dict[str, object]:
    return {
        "tokenizer": name,
        "kind": kind,
        "vocab_size": vocab_size,
        "tokens_per_text": n_tokens / n_texts,
        "unknown_rate": n_unknown / n_tokens if n_tokens else float("nan"),
    }
