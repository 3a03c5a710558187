"""Generation speed of the bundled instruct LLM: load times, tokens/s with and without the KV cache, batched.

Prints:
* cold load (GGUF de-quantization + conversion, into a fresh temporary cache, so the user's cache is left
  as it is) vs cached load (target <= 3 s);
* greedy tokens/s on one copy prompt with the KV cache (target >= 20 tokens/s) and without it;
* greedy tokens/s for a batch of 8 prompts (left-padded, one ``generate`` call).
"""

from __future__ import annotations

import os
import tempfile
import time

import torch

import helpers
from helpers.copy_validation import ProductFacts
from helpers.copywriting import (
    angle_for,
    copy_messages,
    generate_copies,
    headline_attribute,
    prompt_token_ids,
)
from helpers.sim.catalog import make_catalog

NEW_TOKENS = 32


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


def tokens_per_s(model, prompt: torch.Tensor, new_tokens: int, use_cache: bool) -> float:
    started = time.perf_counter()
    model.generate(
        prompt,
        max_new_tokens=new_tokens,
        min_new_tokens=new_tokens,
        do_sample=False,
        use_cache=use_cache,
        pad_token_id=0,
    )
    return new_tokens / (time.perf_counter() - started)


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
    conversations = [
        copy_messages(f, angle_for("researcher"), must_mention=[headline_attribute(f)]) for f in facts
    ]
    prompt = torch.tensor(prompt_token_ids(tokenizer, conversations[:1]))
    with torch.no_grad():
        tokens_per_s(model, prompt, 4, True)  # warm-up
        cached = max(tokens_per_s(model, prompt, NEW_TOKENS, True) for _ in range(2))
        uncached = tokens_per_s(model, prompt, NEW_TOKENS // 4, False)
    batched = generate_copies(model, tokenizer, conversations, do_sample=False, max_new_tokens=NEW_TOKENS)
    print(
        f"greedy, one prompt of {prompt.shape[1]} tokens, KV cache : {cached:6.1f} tokens/s   "
        f"target >= 20: {'met' if cached >= 20 else 'MISSED'}"
    )
    print(
        f"greedy, one prompt, no KV cache       : {uncached:6.1f} tokens/s   "
        f"(the cache is {cached / uncached:.1f}x faster)"
    )
    print(
        f"greedy, batch of {len(conversations)} prompts            : {batched.tokens_per_s:6.1f} tokens/s "
        f"({batched.tokens_per_s / cached:.1f}x one prompt)"
    )


if __name__ == "__main__":
    main()
