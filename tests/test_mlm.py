"""Domain-adaptive MLM: the masked-token loss falls and the adapted weights reach the encoder."""

from __future__ import annotations

import pytest
import torch

from helpers.batching import TextDataset
from helpers.mlm import MaskedLM, MaskingCollate, adapt_encoder, masked_lm_loss
from helpers.training import TrainConfig
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
    config = TrainConfig(
        batch_size=16, learning_rate=3e-3, warmup_ratio=0.0, log_every_steps=1, progress=False
    )
    result = adapt_encoder(encoder, mlm_model, tiny_tokenizer(), texts, eval_texts, steps=60, config=config)
    assert len(result.losses) == 60 and result.run.steps == 60
    # Random bags of words: the best an MLM can do is the unigram entropy, ln(11) ≈ 2.4 nats.
    assert result.eval_loss_after < 0.9 * result.eval_loss_before
    assert torch.equal(
        encoder.embeddings.word_embeddings.weight, mlm_model.bert.embeddings.word_embeddings.weight
    )
    assert torch.equal(encoder.pooler.dense.weight, pooler_before), "the pooler is not part of MLM training"


def test_frozen_encoder_control_trains_only_the_head() -> None:
    _, mlm_model = _tiny_pair()
    encoder_before = {name: p.clone() for name, p in mlm_model.bert.named_parameters()}
    transform_before = mlm_model.cls.predictions.transform.dense.weight.clone()
    texts, _ = toy_task(64, seed=0)
    config = TrainConfig(batch_size=16, learning_rate=3e-3, warmup_ratio=0.0, progress=False)
    result = adapt_encoder(
        None, mlm_model, tiny_tokenizer(), texts, texts[:16], steps=10, config=config, train_encoder=False
    )
    assert result.eval_loss_after < result.eval_loss_before  # the head alone still learns
    assert all(torch.equal(p, encoder_before[name]) for name, p in mlm_model.bert.named_parameters())
    assert not torch.equal(mlm_model.cls.predictions.transform.dense.weight, transform_before)


def _masking(tokenizer) -> MaskingCollate:
    from transformers import DataCollatorForLanguageModeling

    return MaskingCollate(DataCollatorForLanguageModeling(tokenizer), tokenizer.pad_token_id)


def test_mlm_evaluation_masks_are_fixed() -> None:
    _, mlm_model = _tiny_pair()
    tokenizer = tiny_tokenizer()
    data = TextDataset(toy_task(32, seed=2)[0], None, tokenizer, max_length=32)
    model, collate = MaskedLM(mlm_model), _masking(tokenizer)
    assert masked_lm_loss(model, data, collate, 8, seed=3) == masked_lm_loss(model, data, collate, 8, seed=3)


def test_loss_on_masked_positions_equals_the_full_head_loss() -> None:
    _, mlm_model = _tiny_pair()
    mlm_model.eval()
    tokenizer = tiny_tokenizer()
    data = TextDataset(toy_task(16, seed=4)[0], None, tokenizer, max_length=32)
    torch.manual_seed(0)
    batch = _masking(tokenizer)([data[i] for i in range(len(data))])
    assert (batch["labels"] != -100).sum() > 0
    assert (batch["labels"][batch["attention_mask"] == 0] == -100).all(), "padding is never a target"
    model = MaskedLM(mlm_model)
    with torch.no_grad():
        full = mlm_model(**batch).loss
        sparse = model.loss(model(batch["input_ids"], batch["attention_mask"]), batch["labels"])
    torch.testing.assert_close(sparse, full, rtol=1e-5, atol=1e-6)


def test_adapt_encoder_refuses_fp16_on_a_cpu() -> None:
    encoder, mlm_model = _tiny_pair()
    config = TrainConfig(mixed_precision="fp16", progress=False)
    with pytest.raises(ValueError, match="needs a CUDA GPU"):
        adapt_encoder(encoder, mlm_model, tiny_tokenizer(), ["a"] * 16, ["a"], steps=1, config=config)
