"""Decoding controls for generated copy, and how fast greedy decoding runs.

Two logits processors that ``generate`` applies before temperature and top-p:
:class:`NoRepeatInReply` stops the loops a small model falls into without forbidding it to repeat the
facts of its prompt, and :class:`MentionBias` is a soft lexical constraint that nudges each reply toward
the phrases it must state. :func:`greedy_tokens_per_s` times greedy decoding the way a benchmark should:
after a warm-up, the best of a few runs.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

import torch
from transformers import LogitsProcessor, NoRepeatNGramLogitsProcessor


class NoRepeatInReply(NoRepeatNGramLogitsProcessor):
    """``no_repeat_ngram_size`` for the reply alone: no n-gram twice in what the model writes.

    The library's version also counts the prompt, so it forbids repeating the facts, which is what
    faithful copy must do; this one only stops the loops a small model falls into ("luxury luxury luxury").
    """

    def __init__(self, ngram_size: int, prompt_length: int):
        super().__init__(ngram_size)
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.LongTensor, scores: torch.Tensor) -> torch.Tensor:
        return super().__call__(input_ids[:, self.prompt_length :], scores)


class MentionBias(LogitsProcessor):
    """A soft lexical constraint: raise the logit of each row's must-mention phrase until the reply has it.

    ``phrases[row][i]`` lists token spellings of the i-th phrase that row must write (with and without
    a leading space, :func:`mention_spellings`). While a phrase is missing, its first token gets
    ``start_bias``; when the reply ends in the beginning of a spelling, its next token gets
    ``continue_bias``, so a started "3" goes on to "0 L". Applied before temperature and top-p, so a
    bias of b multiplies the token's odds by exp(b / T).
    """

    def __init__(
        self,
        phrases: Sequence[Sequence[Sequence[Sequence[int]]]],
        prompt_length: int,
        start_bias: float,
        continue_bias: float,
    ):
        self.phrases, self.prompt_length = phrases, prompt_length
        self.start_bias, self.continue_bias = start_bias, continue_bias

    def __call__(self, input_ids: torch.LongTensor, scores: torch.Tensor) -> torch.Tensor:
        scores = scores.clone()
        for row, phrases in enumerate(self.phrases):
            reply = input_ids[row, self.prompt_length :].tolist()
            for spellings in phrases:
                if any(_contains(reply, tokens) for tokens in spellings):
                    continue
                for tokens in spellings:
                    started = _started(reply, tokens)
                    scores[row, tokens[started]] += self.continue_bias if started else self.start_bias
        return scores


def _contains(sequence: list[int], part: Sequence[int]) -> bool:
    return any(sequence[i : i + len(part)] == list(part) for i in range(len(sequence) - len(part) + 1))


def _started(sequence: list[int], part: Sequence[int]) -> int:
    """The longest k < len(part) such that ``sequence`` ends with ``part[:k]`` (0: not started)."""
    return next((k for k in range(len(part) - 1, 0, -1) if sequence[-k:] == list(part[:k])), 0)


def mention_spellings(tokenizer, phrase: str) -> list[list[int]]:
    """Token spellings of ``phrase`` after a space and at the start of a sentence, without a bare-space
    token ("30 L" after a space is " ", "3", "0", " L" in SmolLM2's vocabulary: a bias on " " says
    nothing)."""
    spellings = []
    for text in (f" {phrase}", phrase):
        tokens = tokenizer(text, add_special_tokens=False)["input_ids"]
        if len(tokens) > 1 and tokenizer.decode(tokens[:1]).strip() == "":
            tokens = tokens[1:]
        if tokens not in spellings:
            spellings.append(tokens)
    return spellings


@torch.no_grad()
def greedy_tokens_per_s(
    model, prompt: torch.Tensor, new_tokens: int, use_cache: bool = True, repeats: int = 3
) -> float:
    """Generated tokens per second of greedy ``generate`` on ``prompt`` (reading the prompt included).

    One short warm-up run first (the first call allocates and picks kernels), then the best of ``repeats``:
    the fastest run is the one least disturbed by the rest of the machine.
    """
    if new_tokens < 1 or repeats < 1:
        raise ValueError(f"new_tokens and repeats must be >= 1, got {new_tokens} and {repeats}")
    settings = dict(do_sample=False, use_cache=use_cache, pad_token_id=model.generation_config.eos_token_id)
    model.generate(prompt, max_new_tokens=2, min_new_tokens=2, **settings)
    fastest = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        model.generate(prompt, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **settings)
        fastest = min(fastest, time.perf_counter() - started)
    return new_tokens / fastest
