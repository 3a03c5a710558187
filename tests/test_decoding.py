"""Decoding controls for copy (no loops in the reply, a nudge toward must-mention phrases) and speed."""

from __future__ import annotations

import pytest
import torch

from helpers.copywriting import generate_copies
from helpers.decoding import MentionBias, NoRepeatInReply, greedy_tokens_per_s, mention_spellings
from tiny_models import tiny_chat_model_and_tokenizer


def test_no_repeat_in_reply_leaves_the_prompt_alone() -> None:
    scores = torch.zeros(1, 10)
    prompt = [4, 5, 6, 4, 5]  # "4 5" is followed by 6 in the prompt: copying that is allowed
    assert torch.isfinite(NoRepeatInReply(3, prompt_length=5)(torch.tensor([prompt]), scores)).all()
    # within the reply, "7 8 9" then "7 8" again: 9 would repeat a reply trigram
    banned = NoRepeatInReply(3, prompt_length=5)(torch.tensor([prompt + [7, 8, 9, 7, 8]]), scores)
    assert banned[0, 9] == -float("inf") and torch.isfinite(banned[0, :9]).all()
    # the library's version counts the prompt too, and bans the 6
    library = NoRepeatInReply(3, prompt_length=0)(torch.tensor([prompt]), scores)
    assert library[0, 6] == -float("inf")


def test_mention_bias_starts_continues_and_stops() -> None:
    bias = MentionBias([[[[7, 8, 9]]], []], prompt_length=2, start_bias=2.0, continue_bias=5.0)
    scores = torch.zeros(2, 12)
    missing = bias(torch.tensor([[1, 2, 3], [1, 2, 3]]), scores)
    assert missing[0, 7] == 2.0 and missing[0].sum() == 2.0  # the first token of the phrase
    assert missing[1].abs().sum() == 0  # a row with nothing to mention is left alone
    started = bias(torch.tensor([[1, 2, 3, 7, 8], [1, 2, 3, 4, 5]]), scores)
    assert started[0, 9] == 5.0 and started[0].sum() == 5.0  # "7 8" written: push on to 9
    done = bias(torch.tensor([[1, 2, 7, 8, 9, 4], [1, 2, 3, 4, 5, 6]]), scores)
    assert done.abs().sum() == 0  # phrase written: no more bias
    in_prompt = bias(torch.tensor([[7, 8, 9, 3], [1, 2, 3, 4]]), scores)
    assert in_prompt[0, 7] == 2.0  # the phrase in the prompt does not count as written
    assert torch.equal(scores, torch.zeros(2, 12))  # the input scores are not modified


def test_mention_spellings_drop_a_bare_space_token() -> None:
    _, tokenizer = tiny_chat_model_and_tokenizer()
    ids = tokenizer.convert_tokens_to_ids
    assert mention_spellings(tokenizer, "10 hours") == [ids(["10", "hours"])]


def test_mention_bias_makes_the_phrase_appear() -> None:
    model, tokenizer = tiny_chat_model_and_tokenizer()
    model.eval()
    conversation = [[{"role": "user", "content": "meet the earbuds"}]]
    settings = dict(max_new_tokens=6, do_sample=False, eos_token_id=None)
    plain = generate_copies(model, tokenizer, conversation, **settings).texts[0]
    nudged = generate_copies(
        model, tokenizer, conversation, mentions=[["10 hours"]], mention_bias=50.0, **settings
    ).texts[0]
    assert "10 hours" not in plain and "10 hours" in nudged


def test_greedy_tokens_per_s() -> None:
    model = tiny_chat_model_and_tokenizer()[0].eval()
    prompt = torch.tensor([[3, 14, 15, 9, 16]])
    assert greedy_tokens_per_s(model, prompt, new_tokens=4, repeats=2) > 0
    with pytest.raises(ValueError, match="new_tokens"):
        greedy_tokens_per_s(model, prompt, new_tokens=0)
