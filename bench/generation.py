"""Generation speed of the bundled instruct LLM: load times, tokens/s with and without the KV cache, batched.

Prints:
* cold load (GGUF de-quantization + conversion, into a fresh temporary cache, so the user's cache is left
  as it is) vs cached load (target <= 3 s);
* greedy tokens/s on one copy prompt with the KV cache (target >= 20 tokens/s) and without it;
* greedy tokens/s for a batch of 8 prompts (left-padded, one ``generate`` call);
* the same model with dynamic int8 quantization of its linear layers: faster greedy decoding, and how
  many of the 8 greedy copies still pass the faithfulness check (why notebook 06 stays in float32).
"""

from __future__ import annotations

import os
import tempfile
import time
import warnings

import torch

import helpers
from helpers.copy_validation import ProductFacts, check_copy
from helpers.copywriting import (
    angle_for,
    complete_sentences,
    copy_messages,
    generate_copies,
    headline_attribute,
    prompt_token_ids,
)
from helpers.decoding import greedy_tokens_per_s
from helpers.sim.catalog import make_catalog

NEW_TOKENS = 32
COPY_TOKENS = 48  # notebook 06's max_new_tokens: whole copies, for the faithfulness check


def load_times() -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["WORKBOOK_MODEL_CACHE"] = cache
        started = time.perf_counter()
        cold = helpers.load_generator("smollm2-135m-instruct")
        cold_seconds = time.perf_counter() - started
        del cold
        warm_seconds = min(helpers.load_generator("smollm2-135m-instruct").seconds for _ in range(3))
    del os.environ["WORKBOOK_MODEL_CACHE"]
    return cold_seconds, warm_seconds


def int8_copy(model):
    """A copy of ``model`` with int8 linear layers (weights per output channel, activations per batch).

    torch.ao's eager-mode quantization is deprecated in favour of torchao (not a dependency here); in
    torch 2.13 it still runs, with deprecation warnings that say so.
    """
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return quantize_dynamic(
            model, {torch.nn.Linear: per_channel_dynamic_qconfig}, dtype=torch.qint8, inplace=False
        )


def passing_copies(model, tokenizer, facts, must_mention) -> int:
    """How many greedy copies pass :func:`check_copy`, from notebook 06's one-shot prompts."""
    conversations = [
        copy_messages(f, angle_for("researcher"), must_mention=[m], one_shot=True)
        for f, m in zip(facts, must_mention, strict=True)
    ]
    texts = generate_copies(
        model, tokenizer, conversations, do_sample=False, max_new_tokens=COPY_TOKENS
    ).texts
    checks = [
        check_copy(complete_sentences(text), f, [m])
        for text, f, m in zip(texts, facts, must_mention, strict=True)
    ]
    return sum(check.passed for check in checks)


def main() -> None:
    helpers.runtime.quiet_libraries()
    cold_seconds, warm_seconds = load_times()
    print(f"cold load (GGUF -> safetensors): {cold_seconds:6.2f} s")
    print(
        f"cached load (best of 3)        : {warm_seconds:6.2f} s   target <= 3 s: "
        f"{'met' if warm_seconds <= 3 else 'MISSED'}"
    )
    generator = helpers.load_generator("smollm2-135m-instruct")
    model, tokenizer = generator.model, generator.tokenizer
    facts = [ProductFacts.from_catalog(row) for row in make_catalog(0).head(8).to_dict("records")]
    must_mention = [headline_attribute(f) for f in facts]
    conversations = [
        copy_messages(f, angle_for("researcher"), must_mention=[m])
        for f, m in zip(facts, must_mention, strict=True)
    ]
    prompt = torch.tensor(prompt_token_ids(tokenizer, conversations[:1]))
    cached = greedy_tokens_per_s(model, prompt, NEW_TOKENS)
    # The same few tokens both ways: uncached steps re-read the sequence, so longer runs lose more.
    short = NEW_TOKENS // 4
    short_cached = greedy_tokens_per_s(model, prompt, short, repeats=1)
    uncached = greedy_tokens_per_s(model, prompt, short, use_cache=False, repeats=1)
    batched = generate_copies(model, tokenizer, conversations, do_sample=False, max_new_tokens=NEW_TOKENS)
    print(
        f"greedy, one prompt of {prompt.shape[1]} tokens, KV cache : {cached:6.1f} tokens/s   "
        f"target >= 20: {'met' if cached >= 20 else 'MISSED'}"
    )
    print(
        f"greedy, one prompt, no KV cache       : {uncached:6.1f} tokens/s   "
        f"({short} new tokens; with the cache {short_cached:.1f}, {short_cached / uncached:.1f}x faster)"
    )
    print(
        f"greedy, batch of {len(conversations)} prompts            : {batched.tokens_per_s:6.1f} tokens/s "
        f"({batched.tokens_per_s / cached:.1f}x one prompt)"
    )

    quantized = int8_copy(model)
    int8_cached = greedy_tokens_per_s(quantized, prompt, NEW_TOKENS)
    with torch.no_grad():
        passed = {
            name: passing_copies(m, tokenizer, facts, must_mention)
            for name, m in (("float32", model), ("int8", quantized))
        }
    print(
        f"greedy, one prompt, int8 linear layers: {int8_cached:6.1f} tokens/s   "
        f"({int8_cached / cached:.1f}x float32; target >= 20: {'met' if int8_cached >= 20 else 'MISSED'})"
    )
    print(
        f"greedy copies that pass the faithfulness check: float32 {passed['float32']}/{len(facts)}, "
        f"int8 {passed['int8']}/{len(facts)}"
    )


if __name__ == "__main__":
    main()
