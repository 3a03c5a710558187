"""Domain-adaptive MLM: the masked-token loss falls and the adapted weights reach the encoder."""

from __future__ import annotations

import pytest
import torch

from helpers.mlm import adapt_encoder
from tiny_models import tiny_config, tiny_tokenizer, toy_task


def _tiny_pair():
    from transformers import BertForMaskedLM, BertModel

    torch.manual_seed(0)
    return BertModel(tiny_config()), BertForMaskedLM(tiny_config())


def test_mlm_loss_falls_and_encoder_gets_the_adapted_weights() -> None:
    encoder, mlm_model = _tiny_pair()
    pooler_before = encoder.pooler.dense.weight.clone()
    texts, _ = toy_task(96, seed=0)
    eval_texts, _ = toy_task(32, seed=1)
    result = adapt_encoder(
        encoder, mlm_model, tiny_tokenizer(), texts, eval_texts, steps=60, batch_size=16, learning_rate=3e-3
    )
    assert len(result.losses) == 60
    # Random bags of words: the best an MLM can do is the unigram entropy, ln(11) ≈ 2.4 nats.
    assert result.eval_loss_after < 0.9 * result.eval_loss_before
    assert torch.equal(
        encoder.embeddings.word_embeddings.weight, mlm_model.bert.embeddings.word_embeddings.weight
    )
    assert torch.equal(encoder.pooler.dense.weight, pooler_before), "the pooler is not part of MLM training"


def test_mlm_evaluation_masks_are_fixed() -> None:
    from transformers import DataCollatorForLanguageModeling

    from helpers.mlm import masked_lm_loss

    _, mlm_model = _tiny_pair()
    tokenizer = tiny_tokenizer()
    encoded = tokenizer(toy_task(32, seed=2)[0])["input_ids"]
    collator = DataCollatorForLanguageModeling(tokenizer)
    assert masked_lm_loss(mlm_model, encoded, collator, 8, seed=3) == masked_lm_loss(
        mlm_model, encoded, collator, 8, seed=3
    )


def test_loss_on_masked_positions_equals_the_full_head_loss() -> None:
    from transformers import DataCollatorForLanguageModeling

    from helpers.mlm import masked_positions_loss

    _, mlm_model = _tiny_pair()
    mlm_model.eval()
    tokenizer = tiny_tokenizer()
    collator = DataCollatorForLanguageModeling(tokenizer)
    torch.manual_seed(0)
    batch = collator([{"input_ids": ids} for ids in tokenizer(toy_task(16, seed=4)[0])["input_ids"]])
    assert (batch["labels"] != -100).sum() > 0
    with torch.no_grad():
        full = mlm_model(**batch).loss
        sparse = masked_positions_loss(mlm_model, batch)
    torch.testing.assert_close(sparse, full, rtol=1e-5, atol=1e-6)


def test_adapt_encoder_refuses_fp16() -> None:
    encoder, mlm_model = _tiny_pair()
    with pytest.raises(ValueError, match="mixed_precision"):
        adapt_encoder(encoder, mlm_model, tiny_tokenizer(), ["a"], ["a"], steps=1, mixed_precision="fp16")
