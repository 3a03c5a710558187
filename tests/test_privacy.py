"""Keyed pseudonyms, k-anonymous tables, DP-SGD heads and the membership attack."""

import hashlib

import numpy as np
import pandas as pd
import pytest

from helpers.dp import (
    attack_auc_drops,
    attack_roc_bound,
    attack_scores,
    dp_sweep,
    loss_attack_auc,
    max_attack_auc,
    membership_attacks,
    membership_verdict,
    privacy_costs,
    train_private_head,
)
from helpers.evaluation import paired_bootstrap, roc_auc
from helpers.privacy import (
    k_anonymous_counts,
    k_anonymous_rows,
    pseudonym_key,
    pseudonymise,
    sessions_per_customer,
)

KEY = b"a-secret-key-of-32-bytes-length!"


def test_pseudonyms_are_stable_keyed_and_not_a_plain_hash():
    ids = [0, 1, 2, 12345]
    first = pseudonymise(ids, KEY)
    assert first == pseudonymise(ids, KEY) and len(set(first)) == 4
    assert first != pseudonymise(ids, KEY[::-1])  # another key, other pseudonyms
    assert first[0] != hashlib.sha256(b"0").hexdigest()[:16]
    assert all(len(p) == 16 for p in first) and len(pseudonymise(ids, KEY, length=32)[0]) == 32


def test_pseudonymise_refuses_weak_keys_and_odd_lengths():
    with pytest.raises(ValueError, match="key"):
        pseudonymise([1], b"short")
    with pytest.raises(ValueError, match="length"):
        pseudonymise([1], KEY, length=4)


def test_pseudonym_key_sources(monkeypatch):
    monkeypatch.delenv("WORKBOOK_PSEUDONYM_KEY", raising=False)
    key, source = pseudonym_key("x" * 20)
    assert key == b"x" * 20 and source == "the parameter"
    monkeypatch.setenv("WORKBOOK_PSEUDONYM_KEY", "y" * 20)
    assert pseudonym_key() == (b"y" * 20, "the environment variable $WORKBOOK_PSEUDONYM_KEY")
    monkeypatch.delenv("WORKBOOK_PSEUDONYM_KEY")
    random_key, source = pseudonym_key()
    assert len(random_key) == 32 and "random" in source and random_key != pseudonym_key()[0]
    with pytest.raises(ValueError, match="at least 16"):
        pseudonym_key("too short")


def test_k_anonymous_counts_suppress_small_cells_by_distinct_users():
    frame = pd.DataFrame(
        {
            "segment": ["a"] * 6 + ["b"] * 3,
            "category": ["x"] * 6 + ["x", "y", "y"],
            "user_id": [1, 2, 3, 3, 3, 4, 5, 6, 6],  # user 3 three times: counted once
        }
    )
    counts = k_anonymous_counts(frame, "segment", "category", "user_id", k=2)
    assert counts.loc["a", "x"] == 4 and np.isnan(counts.loc["b", "x"]) and np.isnan(counts.loc["b", "y"])
    with pytest.raises(KeyError, match="user"):
        k_anonymous_counts(frame, "segment", "category", "user", k=2)
    with pytest.raises(ValueError, match="k must"):
        k_anonymous_counts(frame, "segment", "category", "user_id", k=0)


def test_k_anonymous_rows_keep_only_cells_of_k_distinct_users():
    frame = pd.DataFrame(
        {
            "category": ["x"] * 5 + ["y"] * 4 + ["x"] * 2,
            "aspect": ["fit"] * 5 + ["fit"] * 4 + ["sound"] * 2,
            "user_id": [1, 2, 3, 3, 3, 4, 4, 4, 5, 6, 7],  # (y, fit): four rows but two users
            "positive": np.linspace(0, 1, 11),
        }
    )
    kept = k_anonymous_rows(frame, ["category", "aspect"], "user_id", k=3)
    assert list(kept.index) == [0, 1, 2, 3, 4]  # (x, fit) has 3 users; (y, fit) 2 and (x, sound) 2
    assert len(k_anonymous_rows(frame, ["category", "aspect"], "user_id", k=2)) == 11
    assert k_anonymous_rows(frame, ["category"], "user_id", k=5).equals(frame[frame["category"] == "x"])
    assert k_anonymous_rows(frame, ["category", "aspect"], "user_id", k=4).empty
    with pytest.raises(KeyError, match="reviewer"):
        k_anonymous_rows(frame, ["category"], "reviewer", k=2)
    with pytest.raises(ValueError, match="k must"):
        k_anonymous_rows(frame, ["category"], "user_id", k=0)
    with pytest.raises(TypeError, match=r"\['category'\]"):
        k_anonymous_rows(frame, "category", "user_id", k=2)  # one name, not a list of them


def _separable(n: int, seed: int, dim: int = 8):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, dim)).astype(np.float32)
    y = (x[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(float)
    return x, y


def test_dp_training_spends_the_target_epsilon_and_still_learns():
    x, y = _separable(400, 0)
    head = train_private_head(x, y, 2.0, 1e-4, epochs=5, batch_size=50, learning_rate=0.05, hidden=0)
    assert abs(head.epsilon - 2.0) < 0.05 and head.noise_multiplier > 0.3
    assert head.sample_rate == pytest.approx(50 / 400)  # q = batch / examples: 8 Poisson batches per epoch
    assert head.steps == pytest.approx(5 * 8, abs=2)  # about epochs / q (an empty Poisson batch is skipped)
    test_x, test_y = _separable(400, 1)
    assert ((head.probabilities(test_x) > 0.5) == test_y).mean() > 0.7


def test_the_sampling_rate_is_one_over_the_batches_per_epoch():
    # 130 examples in batches of 50: 3 batches per epoch, so q = 1/3 and the expected batch 130 / 3, not 50
    x, y = _separable(130, 0)
    head = train_private_head(x, y, 2.0, 1e-4, epochs=1, batch_size=50, hidden=0)
    assert head.sample_rate == pytest.approx(1 / 3) and head.sample_rate != pytest.approx(50 / 130)
    assert head.sample_rate * 130 < 50


def test_non_private_training_is_the_same_loop_without_noise_and_reproducible():
    x, y = _separable(200, 0)
    first = train_private_head(x, y, None, 1e-4, epochs=3, batch_size=32, hidden=16, seed=3)
    second = train_private_head(x, y, None, 1e-4, epochs=3, batch_size=32, hidden=16, seed=3)
    assert first.epsilon == float("inf") and first.noise_multiplier == 0.0 and np.isnan(first.sample_rate)
    np.testing.assert_array_equal(first.logits(x), second.logits(x))


def test_train_private_head_refuses_bad_budgets():
    x, y = _separable(50, 0)
    with pytest.raises(ValueError, match="epsilon"):
        train_private_head(x, y, 0.0, 1e-4)
    with pytest.raises(ValueError, match="delta"):
        train_private_head(x, y, 1.0, 1.5)


def test_the_attack_finds_an_overfitted_model_and_dp_hides_the_members():
    rng = np.random.default_rng(0)
    members = (rng.normal(size=(100, 20)).astype(np.float32), rng.integers(0, 2, 100).astype(float))
    others = (rng.normal(size=(100, 20)).astype(np.float32), rng.integers(0, 2, 100).astype(float))
    memorised = train_private_head(
        *members, None, 1e-4, epochs=200, batch_size=20, learning_rate=1e-2, hidden=64
    )
    assert loss_attack_auc(memorised, members, others) > 0.8  # random labels: only memory fits them
    is_member, score = attack_scores(memorised, members, others)
    assert is_member.sum() == 100 and len(score) == 200
    assert score[:100].mean() > score[100:].mean()  # members have the lower losses
    private = train_private_head(*members, 0.5, 1e-4, epochs=20, batch_size=20, learning_rate=1e-2, hidden=64)
    assert loss_attack_auc(private, members, others) < 0.65


def test_the_dp_attack_bound():
    assert max_attack_auc(np.log(3)) == pytest.approx(0.75, abs=1e-3)  # e^eps / (1 + e^eps)
    assert max_attack_auc(1e-9) == pytest.approx(0.5, abs=1e-3) and max_attack_auc(float("inf")) == 1.0
    fpr, tpr = attack_roc_bound(1.0, 0.0)
    assert np.all(tpr <= np.exp(1.0) * fpr + 1e-12) and np.all(np.diff(tpr) >= 0)
    assert max_attack_auc(1.0, 0.01) > max_attack_auc(1.0)


def test_sessions_per_customer_in_words():
    frame = pd.DataFrame({"user_id": [1, 1, 1, 2, 3, 3, 4, 5]})
    assert (
        sessions_per_customer(frame)
        == "8 sessions of 5 customers (1.60 sessions per customer, 40% with 2 or more)"
    )
    assert sessions_per_customer(frame.rename(columns={"user_id": "who"}), "who").startswith(
        "8 sessions of 5"
    )


def _sweep_data():
    members, others = _separable(120, 0), _separable(200, 1)
    groups = np.arange(200) // 2  # two test sessions per customer
    one_each = np.arange(200) % 2 == 0
    return members, (others[0][one_each], others[1][one_each]), others, groups


def test_dp_sweep_trains_each_epsilon_then_without_dp_and_scores_them():
    members, non_members, test, groups = _sweep_data()
    sweep, scores = dp_sweep(
        members,
        non_members,
        (1.0, 4.0),
        1e-4,
        test,
        groups,
        n_resamples=50,
        seed=0,
        epochs=2,
        batch_size=40,
        learning_rate=0.05,
        hidden=0,
    )
    assert list(sweep["target"]) == [1.0, 4.0, np.inf] and list(scores) == [1.0, 4.0, None]
    assert (abs(sweep["epsilon"].iloc[:2] - [1.0, 4.0]) < 0.05).all() and sweep["q"].iloc[0] == pytest.approx(
        1 / 3
    )
    assert sweep["noise sigma"].iloc[0] > sweep["noise sigma"].iloc[1] > sweep["noise sigma"].iloc[2] == 0.0
    head = train_private_head(
        *members, 4.0, 1e-4, epochs=2, batch_size=40, learning_rate=0.05, hidden=0, seed=0
    )
    np.testing.assert_array_equal(scores[4.0], head.probabilities(test[0]))  # the same head, trained alone
    assert sweep["test_auc"].iloc[1] == roc_auc(test[1], scores[4.0])
    assert sweep["attack_auc"].iloc[1] == loss_attack_auc(head, members, non_members)
    assert ((sweep["low"] <= sweep["test_auc"]) & (sweep["test_auc"] <= sweep["high"])).all()
    costs = privacy_costs(scores, test[1], (1.0, 4.0), groups, n_resamples=50, seed=0)
    assert list(costs.index) == ["ε = 1", "ε = 4"]
    expected = paired_bootstrap(roc_auc, test[1], scores[1.0], scores[None], 50, seed=0, groups=groups)
    assert costs.loc["ε = 1"].to_dict() == expected


def test_membership_attacks_and_what_dp_buys():
    rng = np.random.default_rng(0)
    members = (rng.normal(size=(60, 10)).astype(np.float32), rng.integers(0, 2, 60).astype(float))
    others = (rng.normal(size=(60, 10)).astype(np.float32), rng.integers(0, 2, 60).astype(float))
    customers = np.arange(120)
    attacks, attacked = membership_attacks(
        members,
        others,
        (0.5,),
        1e-4,
        others,
        customers,
        n_resamples=50,
        seed=0,
        epochs=100,
        batch_size=20,
        learning_rate=1e-2,
        hidden=32,
    )
    assert list(attacks["target"]) == [np.inf, 0.5] and list(attacked) == [None, 0.5]
    assert list(attacks["model"].unique()) == ["over-fitted MLP head"]
    assert (
        attacks["attack_auc"].iloc[0] > 0.8 > attacks["attack_auc"].iloc[1]
    )  # random labels: only memory fits
    assert attacks["attack_auc"].iloc[0] == roc_auc(*attacked[None])
    assert attacks["highest attack AUC DP allows"].iloc[1] == max_attack_auc(attacks["epsilon"].iloc[1], 1e-4)
    drops = attack_auc_drops(attacked, (0.5,), customers, n_resamples=50, seed=0)
    assert drops.loc["ε = 0.5", "low"] > 0 and drops.loc["ε = 0.5", "reading"] == "DP lowers the attack's AUC"
    verdict = membership_verdict(attacks, drops, (0.5,)).splitlines()
    assert verdict[0] == "membership attack without DP: beats guessing (its interval lies above 0.5)"
    assert verdict[1].endswith("(paired interval above 0) at ε = 0.5")


def test_membership_verdict_names_the_epsilons():
    attacks = pd.DataFrame({"attack_auc_low": [0.45, 0.55, 0.40, 0.60]})
    drops = pd.DataFrame(
        {"low": [0.1, -0.1, -0.3], "high": [0.2, 0.1, -0.1]}, index=["ε = 1", "ε = 3", "ε = 8"]
    )
    assert membership_verdict(attacks, drops, (1.0, 3.0, 8.0)).splitlines() == [
        "membership attack without DP: not clearly better than guessing (its interval includes 0.5)",
        "DP lowers the attack's AUC by more than the noise (paired interval above 0) at ε = 1; "
        "it raises it at ε = 8",
        "the attack on a DP model still beats guessing (its interval lies above 0.5) at ε = 1, 8",
    ]
    none = membership_verdict(
        attacks.assign(attack_auc_low=0.4), drops.assign(low=-0.1, high=0.1), (1.0, 3.0, 8.0)
    )
    assert "above 0) at no ε" in none and none.endswith("at no ε")
