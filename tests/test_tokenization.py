"""WordPiece from scratch: the course example, encoding, speed, and the tokenizer measurements."""

from __future__ import annotations

import random
import time
from collections import Counter

import pytest

from helpers.batching import padding_waste
from helpers.errors import ParameterError
from helpers.tokenization import (
    SPECIAL_TOKENS,
    WordPieceModel,
    granularity_table,
    join_wordpieces,
    merge_tokens,
    pre_tokenize,
    split_into_characters,
    tokenize_word,
    train_hf_wordpiece,
    train_wordpiece,
    unknown_rate,
    word_frequencies,
)
from helpers.tokenization import fertility as tokens_per_word

# The toy corpus of the Hugging Face course, chapter 6 ("WordPiece tokenization").
COURSE_CORPUS = [
    "This is the Hugging Face Course.",
    "This chapter is about tokenization.",
    "This section shows several tokenizer algorithms.",
    "Hopefully, you will be able to understand how they are trained and generate tokens.",
]
# The tokens the course's (cased) implementation adds to the alphabet with vocab_size=70.
COURSE_MERGED_TOKENS = [
    "ab", "##fu", "Fa", "Fac", "##ct", "##ful", "##full", "##fully", "Th", "ch", "##hm", "cha", "chap",
    "chapt", "##thm", "Hu", "Hug", "Hugg", "sh", "th", "is", "##thms", "##za", "##zat", "##ut",
]  # fmt: skip


def synthetic_corpus(n_texts: int, n_words: int = 5000, seed: int = 0) -> list[str]:
    """Short product-like texts: Zipf-distributed made-up words, a number, some punctuation."""
    rng = random.Random(seed)
    syllables = [consonant + vowel for consonant in "bcdfghklmnprstvwz" for vowel in "aeiou"] + ["ing", "er"]
    lexicon = ["".join(rng.choices(syllables, k=rng.randint(1, 4))) for _ in range(n_words)]
    weights = [1 / rank for rank in range(1, n_words + 1)]
    texts = []
    for _ in range(n_texts):
        words = rng.choices(lexicon, weights, k=rng.randint(4, 12)) + [str(rng.randint(1, 500))]
        texts.append(" ".join(words).capitalize() + rng.choice([".", "!", ",", ""]))
    return texts


# --- pre-tokenization and the building blocks ---------------------------------------------------------------


def test_pre_tokenize_lowercases_strips_accents_and_splits_punctuation():
    assert pre_tokenize("Trail-shoes, size 42!") == ["trail", "-", "shoes", ",", "size", "42", "!"]
    assert pre_tokenize("Café  CRÈME_brûlée") == ["cafe", "creme", "_", "brulee"]
    assert pre_tokenize("Don't", lowercase=False) == ["Don", "'", "t"]


def test_word_frequencies_split_and_merge():
    assert word_frequencies(["a b a", "B."]) == Counter({"a": 2, "b": 2, ".": 1})
    assert split_into_characters("shoe") == ["s", "##h", "##o", "##e"]
    assert merge_tokens("s", "##h") == "sh"
    assert merge_tokens("##o", "##e") == "##oe"


# --- training -----------------------------------------------------------------------------------------------


def test_course_example_gives_the_course_vocabulary():
    model = train_wordpiece(COURSE_CORPUS, vocab_size=70, lowercase=False)
    assert len(model.vocab) == 70
    assert model.vocab[:5] == list(SPECIAL_TOKENS)
    assert [merge.token for merge in model.merges[:4]] == ["ab", "##fu", "Fa", "Fac"]
    assert model.merges[0].score == pytest.approx(0.2)  # freq(ab) / (freq(a) freq(##b)) = 2 / (2 × 5)
    # Equal scores may be broken in a different order than in the course, so compare as sets.
    assert sorted(model.vocab[-len(COURSE_MERGED_TOKENS) :]) == sorted(COURSE_MERGED_TOKENS)
    assert model.tokenize("Hugging") == ["Hugg", "##i", "##n", "##g"]
    assert model.tokenize("HOgging") == ["[UNK]"]  # "O" is not in the alphabet


def naive_scores(splits: dict[str, list[str]], counts: Counter[str]) -> dict[tuple[str, str], float]:
    """The course's score computation, recounting everything from scratch."""
    token_counts, pair_counts = Counter(), Counter()
    for word, split in splits.items():
        for token in split:
            token_counts[token] += counts[word]
        for pair in zip(split, split[1:], strict=False):
            pair_counts[pair] += counts[word]
    return {pair: n / (token_counts[pair[0]] * token_counts[pair[1]]) for pair, n in pair_counts.items()}


@pytest.mark.parametrize(
    "corpus", [COURSE_CORPUS, synthetic_corpus(200, n_words=300, seed=1)], ids=["course", "random"]
)
def test_every_merge_has_the_best_score_of_its_step(corpus):
    model = train_wordpiece(corpus, vocab_size=150)
    counts = word_frequencies(corpus)
    splits = {word: split_into_characters(word) for word in counts}
    for merge in model.merges:
        scores = naive_scores(splits, counts)
        assert merge.score == pytest.approx(max(scores.values()), rel=1e-12)
        assert scores[(merge.first, merge.second)] == pytest.approx(merge.score, rel=1e-12)
        for word, split in splits.items():
            merged, i = [], 0
            while i < len(split):
                if split[i : i + 2] == [merge.first, merge.second]:
                    merged.append(merge.token)
                    i += 2
                else:
                    merged.append(split[i])
                    i += 1
            splits[word] = merged


def test_every_training_word_round_trips_without_unknowns():
    model = train_wordpiece(COURSE_CORPUS, vocab_size=60)
    for word in word_frequencies(COURSE_CORPUS):
        tokens = tokenize_word(word, model.vocab)
        assert "[UNK]" not in tokens
        assert join_wordpieces(tokens) == word
        assert all(token.startswith("##") for token in tokens[1:])
    text = "this is the hugging face course."
    assert join_wordpieces(model.tokenize(text)) == " ".join(pre_tokenize(text))
    assert model.encode("is") == [model.vocab.index(token) for token in model.tokenize("is")]


def test_training_stops_when_every_word_is_one_token():
    model = train_wordpiece(["shoe shoes"], vocab_size=1000)
    assert {"shoe", "shoes"} <= set(model.vocab)
    assert len(model.vocab) < 1000
    assert train_wordpiece(["shoe shoes"], vocab_size=3).merges == []  # already past the size


def test_training_is_deterministic_and_checks_its_special_tokens():
    corpus = synthetic_corpus(300, n_words=200)
    assert train_wordpiece(corpus, 200).merges == train_wordpiece(corpus, 200).merges
    with pytest.raises(ValueError, match=r"\[UNK\]"):
        train_wordpiece(corpus, 200, special_tokens=["[PAD]"])


def test_training_20k_texts_to_1000_tokens_is_fast():
    corpus = synthetic_corpus(20_000)
    started = time.perf_counter()
    model = train_wordpiece(corpus, vocab_size=1000)
    assert len(model.vocab) == 1000
    assert time.perf_counter() - started < 20


# --- encoding -----------------------------------------------------------------------------------------------


def test_tokenize_word_is_greedy_longest_match_first():
    vocab = {"[UNK]", "s", "sh", "sho", "shoe", "##e", "##s", "##es", "##o"}
    assert tokenize_word("shoes", vocab) == ["shoe", "##s"]  # not "sho", "##es"
    assert tokenize_word("shoo", vocab) == ["sho", "##o"]
    assert tokenize_word("shox", vocab) == ["[UNK]"]  # one unknown piece: the whole word is unknown
    assert tokenize_word("es", vocab) == ["[UNK]"]  # "##es" cannot start a word
    assert tokenize_word("s" * 101, vocab) == ["[UNK]"]  # longer than max_chars
    assert tokenize_word("", vocab) == []


def test_join_wordpieces():
    assert join_wordpieces(["sho", "##es", "red"]) == "shoes red"
    assert join_wordpieces([]) == ""


def test_hf_trainer_learns_a_usable_vocabulary():
    tokenizer = train_hf_wordpiece(COURSE_CORPUS, vocab_size=80)
    vocab = tokenizer.get_vocab()
    assert len(vocab) <= 80
    assert all(vocab[token] == index for index, token in enumerate(SPECIAL_TOKENS))
    encoding = tokenizer.encode("This is the Hugging Face course")
    assert "[UNK]" not in encoding.tokens
    assert tokenizer.decode(encoding.ids) == "this is the hugging face course"


# --- measuring tokenizers -----------------------------------------------------------------------------------


def test_fertility_and_unknown_rate_on_a_hand_made_vocabulary():
    model = WordPieceModel(vocab=["[UNK]", "shoe", "##s", "red"])
    assert model.tokenize("Red shoes") == ["red", "shoe", "##s"]
    assert tokens_per_word(model, ["Red shoes"]) == 1.5
    assert unknown_rate(model, ["blue shoes"]) == pytest.approx(1 / 3)
    assert unknown_rate(model, ["red shoe"]) == 0


def test_fertility_and_unknown_rate_with_library_tokenizers():
    from helpers import load_tokenizer

    minilm = load_tokenizer("minilm")
    assert tokens_per_word(minilm, ["Gift card", "red shoes"]) == 1.0
    assert unknown_rate(minilm, ["Gift card"]) == 0
    assert unknown_rate(minilm, ["\u2603\U0001f9fe"]) == 1.0  # snowman and receipt: not in the vocabulary
    hf = train_hf_wordpiece(COURSE_CORPUS, vocab_size=80)
    assert tokens_per_word(hf, COURSE_CORPUS) >= 1
    assert unknown_rate(hf, ["Zq"]) > 0


def test_padding_waste_on_a_hand_computed_case():
    lengths = [2, 8, 3, 5]  # 18 real tokens
    assert padding_waste(lengths, 2, "max_length", max_length=10) == pytest.approx(22 / 40)
    assert padding_waste(lengths, 2, "bucketed") == pytest.approx(4 / 22)  # [2, 3], [5, 8]
    assert padding_waste(lengths, 2, "dynamic", seed=1) == pytest.approx(8 / 26)  # random: [2, 8], [3, 5]
    assert padding_waste(lengths, 2, "max_length") == pytest.approx(14 / 32)  # pads to the longest
    assert padding_waste(lengths, 2, "max_length", max_length=4) == pytest.approx(3 / 16)  # truncates
    assert padding_waste([5, 5, 5], 2, "dynamic") == 0
    assert padding_waste(lengths, 1, "dynamic") == padding_waste(lengths, 1, "bucketed") == 0  # no partner


def test_padding_waste_ordering_on_random_lengths():
    rng = random.Random(0)
    lengths = [rng.randint(5, 120) for _ in range(5_000)]
    for seed in range(3):
        max_length = padding_waste(lengths, 32, "max_length", max_length=128)
        dynamic = padding_waste(lengths, 32, "dynamic", seed=seed)
        bucketed = padding_waste(lengths, 32, "bucketed", seed=seed)
        assert 0 <= bucketed < 0.05 < dynamic <= max_length < 1, (bucketed, dynamic, max_length)
    assert padding_waste(lengths, 32, "dynamic", seed=1) == padding_waste(lengths, 32, "dynamic", seed=1)
    assert padding_waste(lengths, 32, "dynamic", seed=1) != padding_waste(lengths, 32, "dynamic", seed=2)


def test_bucketed_waste_sorts_within_chunks_of_batches_only():
    # The training sampler sorts chunks of 50 batches, not the whole epoch: a little more padding than
    # one global sort, and the waste depends on the seed once there is more than one chunk.
    rng = random.Random(0)
    lengths = [rng.randint(5, 120) for _ in range(5_000)]
    in_order = sorted(lengths)
    batches = [in_order[start : start + 32] for start in range(0, len(in_order), 32)]
    global_sort = 1 - sum(lengths) / sum(len(batch) * max(batch) for batch in batches)
    assert global_sort < padding_waste(lengths, 32, "bucketed", seed=0) < global_sort + 0.03
    assert padding_waste(lengths, 32, "bucketed", seed=0) != padding_waste(lengths, 32, "bucketed", seed=1)
    one_chunk = lengths[: 32 * 50]  # a single chunk: the whole epoch is sorted, whatever the seed
    assert len({padding_waste(one_chunk, 32, "bucketed", seed=seed) for seed in range(3)}) == 1


def test_padding_waste_rejects_bad_arguments():
    with pytest.raises(ParameterError, match="strategy"):
        padding_waste([1, 2], 2, "sorted")
    with pytest.raises(ParameterError, match="batch_size"):
        padding_waste([1, 2], 0, "dynamic")
    with pytest.raises(ValueError, match="at least one"):
        padding_waste([], 2, "dynamic")


def test_granularity_table_counts_vocabularies_tokens_and_unknowns():
    train = ["red shoes", "blue shoes!"]
    test = ["red boots", "blue shoes"]  # "boots" is a new word, and "t" a new character
    table = granularity_table(train, test, wordpiece_sizes=[30], others={"hf": train_hf_wordpiece(train, 60)})
    rows = table.set_index("tokenizer")
    assert list(rows.index) == ["word", "character", "wordpiece-30", "hf"]
    assert rows.loc["word", "vocab_size"] == 5  # red, shoes, blue, "!" and [UNK]
    assert rows.loc["word", "tokens_per_text"] == 2 and rows.loc["word", "unknown_rate"] == 1 / 4
    characters = set("redshoesblue!")
    assert rows.loc["character", "vocab_size"] == len(characters) + 1
    assert rows.loc["character", "tokens_per_text"] == len("redbootsblueshoes") / 2
    assert rows.loc["character", "unknown_rate"] == 1 / 17
    assert rows.loc["wordpiece-30", "vocab_size"] <= 30
    assert set(rows["kind"]) == {"word", "character", "subword"}
    with pytest.raises(ValueError, match="training and test"):
        granularity_table([], test)
