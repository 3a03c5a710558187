"""Decoding controls for copy (no loops in the reply, a nudge toward must-mention phrases) and speed."""

from __future__ import annotations

from functools import partial

import pytest
import torch

from helpers import decoding
from helpers.copywriting import generate_copies
from helpers.decoding import (
    MentionBias,
    NoRepeatInReply,
    greedy_tokens_per_s,
    mention_bias_for,
    mention_spellings,
)
from tiny_models import tiny_chat_model_and_tokenizer


def test_no_repeat_in_reply_bans_reply_loops_but_not_the_prompt() -> None:
    scores = torch.zeros(1, 10)
    # the reply "7 8 9 7 8": 9 would repeat a trigram of the reply that the prompt does not have
    banned = NoRepeatInReply(3, prompt_length=5)(torch.tensor([[1, 2, 3, 4, 5, 7, 8, 9, 7, 8]]), scores)
    assert banned[0, 9] == -float("inf") and torch.isfinite(banned[0, :9]).all()
    # the reply "4 5 6 4 5" repeats "4 5 6", but the prompt has it: a fact may come twice
    allowed = NoRepeatInReply(3, prompt_length=4)(torch.tensor([[1, 4, 5, 6, 4, 5, 6, 4, 5]]), scores)
    assert torch.isfinite(allowed).all()
    # the library's version, which counts the prompt, bans it
    library = NoRepeatInReply(3, prompt_length=0)(torch.tensor([[1, 4, 5, 6, 4, 5]]), scores)
    assert library[0, 6] == -float("inf")


def contains(reply: list[int], part: list[int]) -> bool:
    return any(reply[i : i + len(part)] == part for i in range(len(reply)))


def test_mention_bias_starts_continues_and_stops() -> None:
    phrases = [[[7, 8, 9]], []]

    def written(row, reply):
        return [contains(reply, s) for s in phrases[row]]

    bias = MentionBias(
        phrases, prompt_length=2, start_bias=2.0, continue_bias=5.0, written=written, space_ids=set()
    )
    scores = torch.zeros(2, 12)
    missing = bias(torch.tensor([[1, 2, 3], [1, 2, 3]]), scores)
    assert missing[0, 7] == 2.0 and missing[0].sum() == 2.0  # the first token of the phrase
    assert missing[1].abs().sum() == 0  # a row with nothing to mention is left alone
    started = bias(torch.tensor([[1, 2, 3, 7, 8], [1, 2, 3, 4, 5]]), scores)
    assert started[0, 9] == 5.0 and started[0].sum() == 5.0  # "7 8" written: push on to 9
    assert bias(torch.tensor([[1, 2, 7, 8, 9, 4], [1, 2, 3, 4, 5, 6]]), scores).abs().sum() == 0  # written
    in_prompt = bias(torch.tensor([[7, 8, 9, 3], [1, 2, 3, 4]]), scores)
    assert in_prompt[0, 7] == 2.0  # the phrase in the prompt does not count as written
    assert torch.equal(scores, torch.zeros(2, 12))  # the input scores are not modified
    with pytest.raises(ValueError, match="beam search"):
        bias(torch.tensor([[1, 2, 3]] * 4), torch.zeros(4, 12))


def test_a_phrase_that_starts_with_a_space_token_starts_only_after_a_space() -> None:
    phrases = [[[0, 7, 8]]]  # 0 is a bare space, as before a number in SmolLM2's vocabulary

    def written(row, reply):
        return [contains(reply, phrases[0][0])]

    bias = MentionBias(
        phrases, prompt_length=1, start_bias=2.0, continue_bias=5.0, written=written, space_ids={0}
    )
    scores = torch.zeros(1, 10)
    assert bias(torch.tensor([[1, 3]]), scores).abs().sum() == 0  # never glued to a word or a number
    after_space = bias(torch.tensor([[1, 3, 0]]), scores)
    assert after_space[0, 7] == 2.0 and after_space.sum() == 2.0
    assert bias(torch.tensor([[1, 3, 0, 7]]), scores)[0, 8] == 5.0


@pytest.fixture(scope="module")
def smollm2_tokenizer():
    from transformers import AutoTokenizer

    from helpers.model_registry import convert_gguf

    return AutoTokenizer.from_pretrained(convert_gguf("smollm2-135m-instruct")[0])


def test_mention_bias_for_real_spellings(smollm2_tokenizer) -> None:
    tokenizer = smollm2_tokenizer
    spelling = mention_spellings(tokenizer, "30 L")
    assert tokenizer.decode(spelling[:1]) == " " and tokenizer.decode(spelling) == " 30 L"
    bias = mention_bias_for(tokenizer, [["30 L"], ["fleece"]], prompt_length=0, bias=3.0)
    assert bias.space_ids == {spelling[0]}  # "fleece" starts with " flee", a word, not a bare space
    for text, done in (("a 30L bag", True), ("30-L", True), ("30 lbs", False), ("130 L", False)):
        assert bias.written(0, tokenizer(text)["input_ids"]) == [done], text


def test_generate_copies_nudges_each_row_toward_its_own_phrase() -> None:
    model, tokenizer = tiny_chat_model_and_tokenizer()
    model.eval()
    conversations = [
        [{"role": "user", "content": "meet the earbuds"}],
        [{"role": "user", "content": "review"}],
    ]
    generate = partial(
        generate_copies, model, tokenizer, conversations, max_new_tokens=6, do_sample=False, eos_token_id=None
    )
    assert not any("10 hours" in t or "bad" in t for t in generate().texts)
    nudged = generate(mentions=[["10 hours"], ["bad"]], mention_bias=50.0, num_return_sequences=2).texts
    assert all("10 hours" in t and "bad" not in t for t in nudged[:2])
    assert all("bad" in t and "10 hours" not in t for t in nudged[2:])
    with pytest.raises(ValueError, match="one list of phrases per conversation"):
        generate(mentions=[["bad"]], mention_bias=1.0)
    with pytest.raises(ValueError, match="beam search"):
        generate(mentions=[["a"], ["b"]], mention_bias=1.0, num_beams=2)


def test_greedy_tokens_per_s_warms_up_then_takes_the_fastest_run(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    class FakeModel:
        generation_config = type("Config", (), {"eos_token_id": [2, 3]})()

        def generate(self, prompt, max_new_tokens, **settings):
            calls.append((max_new_tokens, settings["pad_token_id"]))

    clock = iter([0.0, 2.0, 10.0, 11.0, 20.0, 24.0])  # timed runs of 2, 1 and 4 seconds
    monkeypatch.setattr(decoding.time, "perf_counter", lambda: next(clock))
    assert greedy_tokens_per_s(FakeModel(), torch.zeros(1, 3), new_tokens=8) == 8.0
    assert calls == [(2, 2), (8, 2), (8, 2), (8, 2)]  # an untimed warm-up, then three timed runs
    with pytest.raises(ValueError, match="new_tokens"):
        greedy_tokens_per_s(FakeModel(), torch.zeros(1, 3), new_tokens=0)
