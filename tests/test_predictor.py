"""The predictor and what feeds it: model, safetensors save/load, dataset, dynamic padding, length buckets."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch

from helpers.batching import (
    LengthBucketSampler,
    RandomBatchSampler,
    TextDataset,
    collate_dynamic,
    padding_waste,
)
from helpers.objectives import pos_weight_for
from helpers.predictor import (
    Predictor,
    load_predictor,
    save_calibration,
    save_predictor,
    saved_calibration,
)
from tiny_models import tiny_predictor, tiny_tokenizer, toy_task


@pytest.fixture(scope="module")
def tokenizer():
    return tiny_tokenizer()


@pytest.fixture(scope="module")
def dataset(tokenizer) -> TextDataset:
    texts, labels = toy_task(40, seed=1)
    return TextDataset(texts, labels, tokenizer, max_length=32)


def padded_tokens(batches: list[list[int]], lengths: np.ndarray) -> int:
    """Tokens a run computes on when every batch is padded to its longest text."""
    return sum(len(batch) * int(lengths[batch].max()) for batch in batches)


def test_dataset_tokenises_once_and_knows_lengths(dataset: TextDataset, tokenizer) -> None:
    texts, labels = toy_task(40, seed=1)
    assert len(dataset) == 40 and dataset.pad_token_id == tokenizer.pad_token_id == 0
    assert dataset.lengths.tolist() == [len(text.split()) + 2 for text in texts]  # + [CLS], [SEP]
    assert dataset[3]["labels"].item() == labels[3]
    unlabelled = TextDataset(texts[:5], None, tokenizer, max_length=6)
    assert "labels" not in unlabelled[0] and unlabelled.lengths.max() <= 6


def test_collate_pads_to_the_longest_text_of_the_batch(dataset: TextDataset) -> None:
    items = [dataset[i] for i in (0, 1, 2)]
    lengths = [len(item["input_ids"]) for item in items]
    batch = collate_dynamic(items, pad_token_id=0)
    assert batch["input_ids"].shape == (3, max(lengths)) == batch["attention_mask"].shape
    assert batch["attention_mask"].sum(dim=1).tolist() == lengths
    for row, item in enumerate(items):
        n = lengths[row]
        assert torch.equal(batch["input_ids"][row, :n], item["input_ids"])
        assert (batch["input_ids"][row, n:] == 0).all()
    assert torch.equal(batch["labels"], torch.stack([item["labels"] for item in items]))
    assert collate_dynamic(items, pad_token_id=0, pad_to=32)["input_ids"].shape == (3, 32)


@pytest.mark.parametrize("sampler_class", [LengthBucketSampler, RandomBatchSampler])
def test_sampler_is_deterministic_per_epoch_and_covers_every_index_once(sampler_class) -> None:
    lengths = np.random.default_rng(0).integers(5, 200, size=103)
    first = lengths if sampler_class is LengthBucketSampler else len(lengths)

    def make(seed: int):
        return sampler_class(first, batch_size=8, seed=seed)

    sampler = make(seed=3)
    epoch0 = sampler.batches()
    sampler.set_epoch(1)
    epoch1 = list(sampler)
    sampler.set_epoch(0)
    assert sampler.batches() == epoch0 == make(seed=3).batches()
    assert epoch1 != epoch0 and make(seed=4).batches() != epoch0
    for batches in (epoch0, epoch1):
        assert sorted(i for batch in batches for i in batch) == list(range(103))
        assert len(batches) == len(sampler) == 13
    dropping = sampler_class(first, batch_size=8, seed=3, drop_last=True)
    assert len(dropping) == 12 and all(len(batch) == 8 for batch in dropping.batches())


def test_length_bucketing_wastes_less_padding_than_random_batches() -> None:
    # Session texts are 36-220 tokens long (5th-99th percentile), roughly log-normal.
    lengths = np.clip(np.random.default_rng(0).lognormal(np.log(90), 0.5, size=2_000), 8, 256).astype(int)
    real = int(lengths.sum())
    bucketed = padded_tokens(LengthBucketSampler(lengths, 16, seed=0).batches(), lengths)
    shuffled = padded_tokens(RandomBatchSampler(len(lengths), 16, seed=0).batches(), lengths)
    bucket_waste, random_waste = (bucketed - real) / bucketed, (shuffled - real) / shuffled
    assert bucket_waste < 0.05 < 0.3 < random_waste, (bucket_waste, random_waste)
    # padding_waste measures exactly these samplers, so notebook 02 shows what training pays.
    assert padding_waste(lengths, 16, "bucketed") == pytest.approx(bucket_waste)
    assert padding_waste(lengths, 16, "dynamic") == pytest.approx(random_waste)
    assert padding_waste(lengths, 16, "max_length", max_length=256) == pytest.approx(1 - real / (256 * 2_000))


def test_length_bucketing_still_mixes_long_and_short_batches() -> None:
    lengths = np.arange(1_000)
    batch_means = [lengths[batch].mean() for batch in LengthBucketSampler(lengths, 10, seed=0)]
    assert np.corrcoef(np.arange(len(batch_means)), batch_means)[0, 1] ** 2 < 0.1  # no trend in the epoch


@pytest.mark.parametrize("pooling", ["pooler", "mean"])
def test_predictor_gives_one_logit_per_text_and_ignores_padding(pooling: str, dataset: TextDataset) -> None:
    model = tiny_predictor(pooling, dropout=0.0).eval()
    items = [dataset[i] for i in range(6)]
    tight, padded = collate_dynamic(items, 0), collate_dynamic(items, 0, pad_to=32)
    with torch.no_grad():
        logits = model(tight["input_ids"], tight["attention_mask"])
        logits_padded = model(padded["input_ids"], padded["attention_mask"])
    assert logits.shape == (6,) and logits.dtype == torch.float32
    torch.testing.assert_close(logits, logits_padded, rtol=1e-5, atol=1e-6)


def test_mean_pooling_differs_from_pooler_output(dataset: TextDataset) -> None:
    pooler, mean = tiny_predictor("pooler", dropout=0.0), tiny_predictor("mean", dropout=0.0)
    batch = collate_dynamic([dataset[i] for i in range(4)], 0)
    with torch.no_grad():
        outputs = pooler.encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        assert torch.equal(pooler.pool(outputs, batch["attention_mask"]), outputs.pooler_output)
        first_mean = outputs.last_hidden_state[0, : int(batch["attention_mask"][0].sum())].mean(dim=0)
        torch.testing.assert_close(mean.pool(outputs, batch["attention_mask"])[0], first_mean)


def test_a_k_class_head_gives_one_logit_per_class_and_survives_save_load(
    tmp_path, dataset, tokenizer
) -> None:
    model = tiny_predictor("mean", dropout=0.0, n_outputs=3).eval()
    batch = collate_dynamic([dataset[i] for i in range(5)], 0)
    loaded, _ = load_predictor(save_predictor(model, tokenizer, tmp_path / "three"))
    with torch.no_grad():
        logits = model(batch["input_ids"], batch["attention_mask"])
        assert logits.shape == (5, 3)
        assert torch.equal(loaded(batch["input_ids"], batch["attention_mask"]), logits)
    with pytest.raises(ValueError, match="n_outputs"):
        tiny_predictor(n_outputs=0)


def test_bad_pooling_is_refused() -> None:
    with pytest.raises(ValueError, match="pooling must be one of"):
        Predictor(tiny_predictor().encoder, pooling="max")


@pytest.mark.parametrize("pooling", ["pooler", "mean"])
def test_save_load_round_trip_gives_identical_logits(pooling: str, tmp_path, dataset, tokenizer) -> None:
    model = tiny_predictor(pooling, seed=5).eval()
    folder = save_predictor(model, tokenizer, tmp_path / "predictor")
    files = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    assert {"predictor.json", "head.safetensors", "encoder/model.safetensors", "encoder/config.json"} <= files
    assert not [name for name in files if name.endswith((".bin", ".pt", ".pkl", ".pth"))]
    assert json.loads((folder / "predictor.json").read_text())["pooling"] == pooling
    assert not list(tmp_path.glob(".predictor-*"))  # the staging folder is gone

    loaded, loaded_tokenizer = load_predictor(folder)
    assert loaded.pooling == pooling and not loaded.training
    batch = collate_dynamic([dataset[i] for i in range(8)], 0)
    with torch.no_grad():
        expected = model(batch["input_ids"], batch["attention_mask"])
        actual = loaded(batch["input_ids"], batch["attention_mask"])
    assert torch.equal(expected, actual)
    assert loaded_tokenizer("buy phone")["input_ids"] == tokenizer("buy phone")["input_ids"]


def test_pos_weight_is_negatives_over_positives() -> None:
    assert pos_weight_for([1, 0, 0, 0]) == 3.0
    assert pos_weight_for(np.array([True, True, False])) == 0.5
    assert pos_weight_for(torch.tensor([1.0, 0.0, 0.0, 0.0, 0.0, 1.0])) == 2.0
    with pytest.raises(ValueError, match="at least one positive"):
        pos_weight_for([0, 0])


def test_freezing_lower_layers_keeps_them_fixed_during_training(dataset: TextDataset) -> None:
    from helpers.training import TrainConfig, train

    model = tiny_predictor(dropout=0.0)
    n_layers = len(model.encoder.encoder.layer)
    from helpers.model_registry import count_parameters

    trainable = model.freeze_lower_layers(1)
    assert 0 < trainable < count_parameters(model)
    assert trainable == sum(p.numel() for p in model.parameters() if p.requires_grad)
    frozen = {name: p.detach().clone() for name, p in model.named_parameters() if not p.requires_grad}
    assert any(name.startswith("encoder.embeddings.") for name in frozen)
    assert any(name.startswith("encoder.encoder.layer.0.") for name in frozen)
    assert not any(name.startswith(f"encoder.encoder.layer.{n_layers - 1}.") for name in frozen)
    before = {name: p.detach().clone() for name, p in model.named_parameters() if p.requires_grad}
    train(model, dataset, None, TrainConfig(epochs=1, batch_size=4, learning_rate=1e-2, progress=False))
    after = dict(model.named_parameters())
    assert all(torch.equal(after[name], value) for name, value in frozen.items())
    assert not torch.equal(after["head.weight"], before["head.weight"])
    with pytest.raises(ValueError, match="n_layers"):
        model.freeze_lower_layers(n_layers + 1)


def test_a_calibration_lives_beside_its_predictor_and_dies_with_it(tmp_path, tokenizer) -> None:
    folder = save_predictor(tiny_predictor("mean", seed=5), tokenizer, tmp_path / "predictor")
    assert saved_calibration(folder) == {}
    save_calibration(folder, 1.7, 1.2, "500 validation sessions")
    assert saved_calibration(folder) == {
        "temperature": 1.7,
        "shift": 1.2,
        "fitted_on": "500 validation sessions",
    }
    save_predictor(tiny_predictor("mean", seed=6), tokenizer, folder)  # a new model in the same folder
    assert saved_calibration(folder) == {}
    with pytest.raises(FileNotFoundError, match="not a saved predictor"):
        save_calibration(tmp_path / "nothing", 1.0, 0.0, "")
