"""Decoding controls for generated copy, and how fast greedy decoding runs.

Two logits processors that ``generate`` applies before temperature and top-p:
:class:`NoRepeatInReply` stops the loops a small model falls into without forbidding it to repeat the
facts of its prompt, and :class:`MentionBias` is a soft lexical constraint that nudges each reply toward
the phrase it must state. :func:`greedy_tokens_per_s` times greedy decoding the way a benchmark should:
after a warm-up, the best of a few runs.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Sequence

import torch
from transformers import LogitsProcessor, NoRepeatNGramLogitsProcessor


class NoRepeatInReply(NoRepeatNGramLogitsProcessor):
    """``no_repeat_ngram_size`` for the reply: no n-gram twice in what the model writes, unless the
    prompt has it too.

    The library's version also counts the prompt, so it forbids repeating the facts, which is what
    faithful copy must do. This one bans a token only when it would repeat an n-gram of the reply that
    the prompt does not contain: "luxury luxury luxury" stops, while the product's name (or the digits
    of "4.9 stars" after a price of "$24.99") may come twice.
    """

    def __init__(self, ngram_size: int, prompt_length: int):
        super().__init__(ngram_size)
        self.prompt_length = prompt_length

    def __call__(self, input_ids: torch.LongTensor, scores: torch.Tensor) -> torch.Tensor:
        banned = super().__call__(input_ids[:, self.prompt_length :], scores)
        if (
            input_ids.shape[1] - self.prompt_length < self.ngram_size - 1
            or self.prompt_length < self.ngram_size
        ):
            return banned
        prompt_windows = input_ids[:, : self.prompt_length].unfold(1, self.ngram_size, 1)
        suffix = input_ids[:, input_ids.shape[1] - (self.ngram_size - 1) :]
        in_prompt = (prompt_windows[..., :-1] == suffix.unsqueeze(1)).all(dim=-1)  # rows x windows
        allowed = torch.zeros_like(scores, dtype=torch.bool)
        rows, windows = in_prompt.nonzero(as_tuple=True)
        allowed[rows, prompt_windows[rows, windows, -1]] = True
        return torch.where(allowed, scores, banned)


class MentionBias(LogitsProcessor):
    """A soft lexical constraint: raise the logit of a row's must-mention phrase until the reply states it.

    ``phrases[row]`` holds the token spellings of the phrases that row must state
    (:func:`mention_spellings`); ``written(row, reply_ids)`` says which of them the reply already states
    (:func:`mention_bias_for` decodes the reply and looks for the words, so "30L" counts as well as
    "30 L"). While a phrase is missing:

    * its first token gets ``start_bias`` (a spelling that begins with a bare space, as numbers do in
      SmolLM2's vocabulary, is started only right after a space: never glued to a word or a number);
    * once the reply ends in the beginning of the spelling, its next token gets ``continue_bias``.

    Applied before temperature and top-p, so a bias b multiplies that token's odds by exp(b / T) when
    sampling; under greedy decoding it is added to the logit and can change which token is largest.
    """

    def __init__(
        self,
        phrases: Sequence[Sequence[Sequence[int]]],
        prompt_length: int,
        start_bias: float,
        continue_bias: float,
        written: Callable[[int, list[int]], list[bool]],
        space_ids: set[int],
    ):
        self.phrases, self.prompt_length, self.written = phrases, prompt_length, written
        self.start_bias, self.continue_bias, self.space_ids = start_bias, continue_bias, space_ids

    def __call__(self, input_ids: torch.LongTensor, scores: torch.Tensor) -> torch.Tensor:
        if input_ids.shape[0] != len(self.phrases):
            raise ValueError(f"{input_ids.shape[0]} rows but phrases for {len(self.phrases)} (beam search?)")
        scores = scores.clone()
        for row, spellings in enumerate(self.phrases):
            reply = input_ids[row, self.prompt_length :].tolist()
            missing = [s for s, done in zip(spellings, self.written(row, reply), strict=True) if not done]
            for tokens in missing:
                position, bias = self._next(reply, tokens)
                if position is not None:
                    scores[row, tokens[position]] += bias
        return scores

    def _next(self, reply: list[int], tokens: Sequence[int]) -> tuple[int | None, float]:
        """Which token of ``tokens`` to push next, and how hard (None: none now)."""
        started = _started(reply, tokens)
        leading_space = tokens[0] in self.space_ids
        if started == 0:
            return (None, 0.0) if leading_space else (0, self.start_bias)
        if started == 1 and leading_space:  # only the space so far: the phrase itself starts now
            return 1, self.start_bias
        return started, self.continue_bias


def _started(sequence: list[int], part: Sequence[int]) -> int:
    """The longest k < len(part) such that ``sequence`` ends with ``part[:k]`` (0: not started)."""
    return next((k for k in range(len(part) - 1, 0, -1) if sequence[-k:] == list(part[:k])), 0)


def mention_spellings(tokenizer, phrase: str) -> list[int]:
    """The tokens of ``phrase`` after a space, as a reply writes it mid-sentence ("30 L" is " ", "3", "0",
    " L" in SmolLM2's vocabulary, "fleece" is " flee", "ce")."""
    return tokenizer(f" {phrase}", add_special_tokens=False)["input_ids"]


def mention_bias_for(
    tokenizer, mentions: Sequence[Sequence[str]], prompt_length: int, bias: float
) -> MentionBias:
    """A :class:`MentionBias` for rows that must state the phrases ``mentions[row]`` ("30 L", "fleece").

    A phrase counts as written when the decoded reply has its words, apart or joined by a space or a
    hyphen ("30 L", "30L", "30-L"), not inside a longer word or number ("30 lbs", "130 L").
    """
    patterns = [[_phrase_pattern(phrase) for phrase in row] for row in mentions]

    def written(row: int, reply: list[int]) -> list[bool]:
        text = tokenizer.decode(reply, skip_special_tokens=True)
        return [bool(pattern.search(text)) for pattern in patterns[row]]

    phrases = [[mention_spellings(tokenizer, phrase) for phrase in row] for row in mentions]
    spaces = {s[0] for row in phrases for s in row if len(s) > 1 and tokenizer.decode(s[:1]).isspace()}
    return MentionBias(phrases, prompt_length, bias, bias, written, spaces)


def _phrase_pattern(phrase: str) -> re.Pattern:
    words = r"[\s-]?".join(re.escape(word) for word in phrase.split())
    return re.compile(rf"(?<![\w.]){words}(?![\w])", re.I)


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
    eos = model.generation_config.eos_token_id
    settings = dict(
        do_sample=False, use_cache=use_cache, pad_token_id=eos[0] if isinstance(eos, list) else eos
    )
    model.generate(prompt, max_new_tokens=2, min_new_tokens=2, **settings)
    fastest = float("inf")
    for _ in range(repeats):
        _synchronize(prompt.device)
        started = time.perf_counter()
        model.generate(prompt, max_new_tokens=new_tokens, min_new_tokens=new_tokens, **settings)
        _synchronize(prompt.device)
        fastest = min(fastest, time.perf_counter() - started)
    return new_tokens / fastest


def _synchronize(device: torch.device) -> None:
    """Wait for queued GPU work, so that the clock measures it (a no-op on the CPU)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
