"""Sentiment helpers: label schemes, the split, VADER thresholds, scores with intervals, LLM label scoring."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score

from helpers.errors import DataError, ParameterError
from helpers.sentiment import (
    VaderClassifier,
    class_probabilities,
    classification_scores,
    content_free_prior,
    few_shot_examples,
    label_log_probs,
    review_positive,
    sentiment_labels,
    split_reviews,
    texts_seen_in,
)
from tiny_models import tiny_chat_model_and_tokenizer, tiny_predictor, tiny_tokenizer, toy_task


def test_label_schemes() -> None:
    frame = pd.DataFrame({"text": list("abcde"), "sentiment": ["neg", "neu", "pos", "pos", "neg"]})
    kept, labels = sentiment_labels(frame, "binary")
    assert list(kept["text"]) == ["a", "c", "d", "e"] and list(labels) == [0, 1, 1, 0]
    kept, labels = sentiment_labels(frame, "3class")
    assert len(kept) == 5 and list(labels) == [0, 1, 2, 2, 0]
    with pytest.raises(ParameterError, match="label_scheme"):
        sentiment_labels(frame, "5class")
    binary_only = frame[frame["sentiment"] != "neu"]
    with pytest.raises(DataError, match=r"'3class' needs .* no neutral ones \(found: neg, pos\); .*'binary'"):
        sentiment_labels(binary_only, "3class")
    with pytest.raises(
        DataError, match=r"'binary' needs .*, and test.csv have no negative ones \(found: neu, pos\)$"
    ):
        sentiment_labels(frame[frame["sentiment"] != "neg"], "binary", "test.csv")
    assert len(sentiment_labels(frame.iloc[:0], "3class")[0]) == 0


def test_split_keeps_products_whole_and_no_text_on_both_sides() -> None:
    frame = pd.DataFrame(
        {"product_id": np.repeat(np.arange(20), 5), "text": [f"review {i % 37}" for i in range(100)]}
    )
    train, test = split_reviews(frame, test_share=0.3, seed=1)
    assert not set(frame["product_id"].iloc[train]) & set(frame["product_id"].iloc[test])
    assert not set(frame["text"].iloc[train].str.lower()) & set(frame["text"].iloc[test].str.lower())
    without_products = frame.drop(columns="product_id").assign(text=[f"text {i}" for i in range(100)])
    train, test = split_reviews(without_products, seed=1)
    assert len(train) + len(test) == 100 and 15 < len(test) < 45


def test_a_products_side_does_not_depend_on_the_other_rows() -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(
        {"product_id": np.repeat(np.arange(60), 6), "text": [f"review {i}" for i in range(360)]}
    )
    train, test = split_reviews(frame, test_share=0.3, seed=4)
    test_products = set(frame["product_id"].iloc[test])
    assert 0.15 < len(test_products) / 60 < 0.45
    # A label scheme drops rows (whole products among them), in any order: no product changes side.
    kept = frame.iloc[rng.permutation(360)[:150]].reset_index(drop=True)
    assert kept["product_id"].nunique() < 60
    kept_train, kept_test = split_reviews(kept, test_share=0.3, seed=4)
    assert set(kept["product_id"].iloc[kept_test]) == test_products & set(kept["product_id"])
    assert not set(kept["product_id"].iloc[kept_train]) & test_products
    other_seed = set(frame["product_id"].iloc[split_reviews(frame, test_share=0.3, seed=5)[1]])
    assert other_seed != test_products
    two_products = frame[frame["product_id"] < 2].reset_index(drop=True)
    small_train, small_test = split_reviews(two_products, test_share=0.3, seed=4)
    assert len(small_train) and len(small_test)  # a tiny frame still has one product on each side


def test_vader_thresholds_are_fitted_on_training_texts() -> None:
    texts = ["I love it", "great, works well", "terrible, broke", "awful and useless", "it is fine", "okay"]
    labels = np.array([2, 2, 0, 0, 1, 1])
    three = VaderClassifier(3).fit(texts, labels)
    assert len(three.thresholds) == 2 and three.thresholds[0] < three.thresholds[1]
    assert list(three.predict(texts)) == list(labels)
    binary = VaderClassifier(2).fit(texts[:4], labels[:4] // 2)
    assert list(binary.predict(["wonderful product", "horrible product"])) == [1, 0]


def test_classification_scores_have_intervals_around_the_estimate() -> None:
    rng = np.random.default_rng(0)
    labels = rng.integers(0, 3, 300)
    predictions = np.where(rng.random(300) < 0.7, labels, rng.integers(0, 3, 300))
    row = classification_scores(labels, predictions, n_resamples=200)
    for name in ("accuracy", "balanced_accuracy", "macro_f1"):
        assert row[f"{name}_low"] <= row[name] <= row[f"{name}_high"]
    assert row["accuracy"] == pytest.approx(accuracy_score(labels, predictions))
    assert row["balanced_accuracy"] == pytest.approx(balanced_accuracy_score(labels, predictions))
    assert row["macro_f1"] == pytest.approx(f1_score(labels, predictions, average="macro"))
    never_predicted = classification_scores(np.array([0, 0, 1, 2]), np.array([0, 0, 0, 0]), n_resamples=50)
    assert never_predicted["macro_f1"] == pytest.approx(
        f1_score([0, 0, 1, 2], [0, 0, 0, 0], average="macro", zero_division=0)
    )


def test_classification_scores_resample_whole_products() -> None:
    rng = np.random.default_rng(1)
    products = np.repeat(np.arange(12), 25)
    labels = rng.integers(0, 2, 300)
    right_product = rng.random(12) < 0.7  # a product's reviews are all right or all wrong
    predictions = np.where(right_product[products], labels, 1 - labels)
    by_review = classification_scores(labels, predictions, n_resamples=300, seed=2)
    by_product = classification_scores(labels, predictions, n_resamples=300, seed=2, groups=products)
    assert by_product["macro_f1"] == by_review["macro_f1"]
    widths = [row["macro_f1_high"] - row["macro_f1_low"] for row in (by_product, by_review)]
    assert widths[0] > 2 * widths[1]
    one_each = classification_scores(labels, predictions, n_resamples=300, seed=2, groups=np.arange(300))
    assert one_each == by_review
    no_ids = classification_scores(labels, predictions, n_resamples=300, seed=2, groups=[None] * 300)
    assert no_ids == by_review  # reviews without a product id are resampled one by one
    with pytest.raises(DataError, match="one id per row"):
        classification_scores(labels, predictions, groups=products[:5])


def test_few_shot_examples_take_turns_between_classes() -> None:
    texts = [f"t{i}" for i in range(10)]
    labels = np.array([0, 0, 0, 0, 0, 0, 0, 1, 1, 1])
    examples = few_shot_examples(texts, labels, k=4, seed=0)
    assert [label for _, label in examples] == [0, 1, 0, 1]
    noisy = np.isin(np.arange(10), [0, 1, 2, 7])
    for seed in range(5):
        chosen = few_shot_examples(texts, labels, k=4, seed=seed, exclude=noisy)
        assert [label for _, label in chosen] == [0, 1, 0, 1]
        assert not {text for text, _ in chosen} & {"t0", "t1", "t2", "t7"}


def test_label_log_probs_with_a_shared_prefix_equal_full_prompts() -> None:
    model, tokenizer = tiny_chat_model_and_tokenizer()
    model.eval()
    texts = ["great", "bad bad great", "the earbuds"]
    examples = [("great", 1), ("bad", 0)]
    fast = label_log_probs(model, tokenizer, texts, ("neg", "pos"), examples=examples, batch_size=2)
    assert fast.shape == (3, 2)
    words = ["negative", "positive"]
    instruction = "You classify the sentiment of product reviews. Answer with one word: negative, positive."
    for text, row in zip(texts, fast, strict=True):
        messages = [{"role": "system", "content": instruction}]
        for example, label in examples:
            messages += [
                {"role": "user", "content": f"Review: {example}"},
                {"role": "assistant", "content": words[label]},
            ]
        messages.append({"role": "user", "content": f"Review: {text}"})
        ids = tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)
        ids = tokenizer(ids, add_special_tokens=False, return_tensors="pt")["input_ids"]
        with torch.no_grad():
            full = torch.log_softmax(model(input_ids=ids).logits[0, -1], dim=-1)
        expected = full[[tokenizer.convert_tokens_to_ids(w) for w in words]].numpy()
        assert np.allclose(row, expected, atol=1e-5)


def test_content_free_prior_averages_renormalised_probabilities() -> None:
    model, tokenizer = tiny_chat_model_and_tokenizer()
    model.eval()
    examples, inputs = [("great", 1), ("bad", 0)], ["N/A", "", "the"]  # the tiny vocabulary has no [MASK]
    prior = content_free_prior(model, tokenizer, ("neg", "pos"), examples=examples, inputs=inputs)
    scores = label_log_probs(model, tokenizer, inputs, ("neg", "pos"), examples=examples)
    shares = np.exp(scores) / np.exp(scores).sum(axis=1, keepdims=True)
    assert prior.shape == (2,) and np.allclose(np.exp(prior), shares.mean(axis=0), atol=1e-6)
    assert not np.allclose(prior, scores.mean(axis=0), atol=1e-3)  # not a mean of raw log-probabilities
    zero_shot = content_free_prior(model, tokenizer, ("neg", "pos"), inputs=inputs)
    assert not np.allclose(prior, zero_shot, atol=1e-4)  # the examples are part of the prompt


def test_texts_are_compared_lower_cased_and_stripped() -> None:
    seen = texts_seen_in(pd.Series(["Love it! ", "meh", "Broke"]), ["love it!", " BROKE"])
    assert seen.tolist() == [True, False, True]
    assert texts_seen_in([], ["x"]).tolist() == []


def test_review_positive_is_the_last_class_probability_after_the_shift() -> None:
    from helpers.batching import TextDataset
    from helpers.inference import predict_logits

    texts, _ = toy_task(12, seed=1)
    tokenizer = tiny_tokenizer()
    for n_outputs in (1, 3):  # a binary model's one logit, or one logit per class
        model = tiny_predictor(pooling="mean", seed=2, n_outputs=n_outputs).eval()
        logits = predict_logits(model, TextDataset(texts, None, tokenizer, 32), batch_size=4)
        for shift in (0.0, 0.7):
            positive = review_positive(model, tokenizer, texts, shift, max_length=32, batch_size=4)
            np.testing.assert_allclose(positive, class_probabilities(logits - shift)[:, -1], rtol=1e-6)
            assert positive.shape == (12,) and ((positive > 0) & (positive < 1)).all()
    binary = tiny_predictor(pooling="mean", seed=2).eval()
    shifted = review_positive(binary, tokenizer, texts, 1.0, max_length=32)
    assert (
        shifted < review_positive(binary, tokenizer, texts, 0.0, max_length=32)
    ).all()  # a shift lowers it
