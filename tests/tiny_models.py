"""Tiny randomly initialised BERT predictors and a toy purchase task, for fast CPU tests.

The toy task: a text is a bag of shop words, and it is a purchase exactly when it contains "buy".
"""

from __future__ import annotations

import numpy as np
import torch

from helpers.predictor import Predictor

SPECIAL = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
WORDS = ["viewed", "searched", "phone", "shoes", "laptop", "cart", "added", "coupon", "reviews", "read"]
VOCAB = SPECIAL + ["buy"] + WORDS


def tiny_tokenizer():
    """A WordPiece tokenizer over :data:`VOCAB` (one token per word)."""
    from transformers import BertTokenizer

    return BertTokenizer(vocab={word: i for i, word in enumerate(VOCAB)})


def tiny_config(dropout: float = 0.1):
    """The configuration of a 2-layer, 32-wide BERT over :data:`VOCAB`."""
    from transformers import BertConfig

    return BertConfig(
        vocab_size=len(VOCAB),
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
    )


def tiny_predictor(
    pooling: str = "pooler", dropout: float = 0.1, seed: int = 0, n_outputs: int = 1
) -> Predictor:
    """A tiny BERT (:func:`tiny_config`) with a fresh head, the same for the same seed."""
    from transformers import BertModel

    torch.manual_seed(seed)
    return Predictor(BertModel(tiny_config(dropout)), pooling=pooling, n_outputs=n_outputs)


def toy_task(n: int, seed: int = 0, positive_rate: float = 0.4) -> tuple[list[str], np.ndarray]:
    """``n`` texts of 2-20 shop words; positives (label 1.0) also contain "buy" somewhere."""
    rng = np.random.default_rng(seed)
    texts, labels = [], []
    for _ in range(n):
        words = list(rng.choice(WORDS, size=rng.integers(2, 21)))
        positive = rng.random() < positive_rate
        if positive:
            words.insert(int(rng.integers(0, len(words) + 1)), "buy")
        texts.append(" ".join(words))
        labels.append(float(positive))
    return texts, np.array(labels)


def tiny_chat_model_and_tokenizer():
    """A 2-layer Llama and a word-level tokenizer with a ChatML-like template (one token per word)."""
    from transformers import BertTokenizerFast, LlamaConfig, LlamaForCausalLM

    words = [
        "[PAD]",
        "[UNK]",
        "[SEP]",
        "user",
        "assistant",
        "system",
        "meet",
        "the",
        "earbuds",
        "10",
        "hours",
        ".",
    ]
    words += [
        "review",
        ":",
        "negative",
        "positive",
        "neutral",
        "great",
        "bad",
        "answer",
        "with",
        "one",
        "word",
        ",",
    ]
    tokenizer = BertTokenizerFast(vocab={w: i for i, w in enumerate(words)}, do_lower_case=True)
    tokenizer.eos_token = "[SEP]"
    tokenizer.chat_template = (
        "{% for m in messages %}{{ m['role'] }} {{ m['content'] }} [SEP] {% endfor %}"
        "{% if add_generation_prompt %}assistant {% endif %}"
    )
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(words),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=64,
        eos_token_id=2,
        pad_token_id=0,
    )
    return LlamaForCausalLM(config), tokenizer
