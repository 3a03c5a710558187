"""Differentially private training (DP-SGD with Opacus) of a small head over frozen embeddings, and
the membership-inference attack that shows what the privacy buys.

**DP-SGD** changes two things in stochastic gradient descent: every example's gradient is clipped to
norm ``C`` (``max_grad_norm``), so no single example can move the model by more than a bounded
amount, and Gaussian noise of standard deviation ``sigma * C`` is added to each batch's summed
gradient. Batches are drawn by **Poisson sampling**: each example joins a batch with probability
``q``, which Opacus sets to one over the number of batches per epoch, ``q = 1 / ceil(n / batch_size)``,
so a batch holds ``q * n`` examples on average, ``batch_size`` only when it divides ``n`` (426
examples with ``batch_size=128``: ``q = 1/4``, 106.5 on average). The **accountant** (Rényi DP,
``accountant="rdp"``) turns ``(sigma, q, steps)`` into the guarantee ``(epsilon, delta)``: for any
two training sets that differ in one example and any set ``S`` of outcomes,
``P[train(D) in S] <= e ** epsilon * P[train(D') in S] + delta``.
The unit is one *example*. For a customer with ``k`` examples the guarantee is only that of a group
of ``k`` (group privacy): ``(k * epsilon, k * e ** ((k - 1) * epsilon) * delta)``, far weaker, so
notebook 08 trains on one example per customer (one record is one customer). Opacus searches the
``sigma`` that spends exactly the target epsilon over the planned epochs, at that sampling rate
``q = 1 / len(loader)``, which its Poisson loader also draws with.

Why a separate loop from :mod:`helpers.training`: the guarantee rests on Poisson batches, per-example
clipping and the noise, which Opacus's data loader and optimizer provide; the engine's length-bucketed
batches, global clipping and schedule would each void it. The non-private reference (``epsilon=None``)
runs this same loop and optimizer without clipping, noise or Poisson sampling (shuffled batches).

**Membership inference** (:func:`loss_attack_auc`): an attacker who sees a customer's record and the
model's loss on it guesses "was in the training set" when the loss is low. Its ROC-AUC over members
and non-members is 0.5 when the model does not remember individuals. :func:`membership_attacks` runs it
on a head trained without DP and at each epsilon, :func:`attack_auc_drops` tests, paired, whether DP
lowered it, and :func:`membership_verdict` says what both found.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import torch
from scipy.special import expit
from torch import nn

from helpers.comparisons import verdict
from helpers.evaluation import bootstrap_ci, paired_bootstrap, roc_auc
from helpers.runtime import seed_everything


@dataclass
class PrivateHead:
    """A head trained by :func:`train_private_head` and the privacy it spent."""

    model: nn.Module
    epsilon: float  # inf for the non-private reference
    delta: float
    noise_multiplier: float  # sigma; 0 without privacy
    steps: int
    sample_rate: float = float("nan")  # q of the Poisson batches the accountant counted; NaN without privacy

    def probabilities(self, vectors: np.ndarray) -> np.ndarray:
        """Purchase probabilities for pooled vectors, shape (examples,)."""
        return expit(self.logits(vectors))

    def logits(self, vectors: np.ndarray) -> np.ndarray:
        self.model.eval()
        with torch.no_grad():
            return self.model(torch.as_tensor(vectors, dtype=torch.float32)).squeeze(-1).numpy()


def make_head(n_features: int, hidden: int) -> nn.Module:
    """A linear head (``hidden=0``) or a one-hidden-layer MLP (Opacus has per-example gradients of both)."""
    if hidden == 0:
        return nn.Linear(n_features, 1)
    return nn.Sequential(nn.Linear(n_features, hidden), nn.ReLU(), nn.Linear(hidden, 1))


def train_private_head(
    vectors: np.ndarray,
    labels: np.ndarray,
    epsilon: float | None,
    delta: float,
    *,
    epochs: int = 20,
    batch_size: int = 64,
    learning_rate: float = 1e-3,
    max_grad_norm: float = 1.0,
    hidden: int = 64,
    seed: int = 0,
) -> PrivateHead:
    """Train a head on ``vectors`` with DP-SGD at ``(epsilon, delta)``; ``epsilon=None``: without privacy.

    Adam on the (clipped, noised) gradients, binary cross-entropy, ``epochs`` passes of Poisson
    batches: each example joins a batch with probability ``q = 1 / ceil(n / batch_size)`` (Opacus's
    rate, one over the batches per epoch), so the expected batch is ``q * n <= batch_size``, and
    ``sample_rate`` of the result is that ``q``. Without privacy: shuffled batches of ``batch_size``.
    Inputs are standardised by the caller if needed.
    """
    if epsilon is not None and epsilon <= 0:
        raise ValueError(f"epsilon must be > 0 (or None for no privacy), got {epsilon}")
    if not 0 < delta < 1:
        raise ValueError(f"delta must be in (0, 1), got {delta}")
    seed_everything(seed)
    x = torch.as_tensor(vectors, dtype=torch.float32)
    y = torch.as_tensor(labels, dtype=torch.float32)
    data = torch.utils.data.TensorDataset(x, y)
    generator = torch.Generator().manual_seed(seed)
    loader = torch.utils.data.DataLoader(data, batch_size=batch_size, shuffle=True, generator=generator)
    model = make_head(x.shape[1], hidden)
    optimizer = torch.optim.Adam(model.parameters(), lr=learning_rate)
    engine = None
    if epsilon is not None:
        engine, model, optimizer, loader = _make_private(
            model, optimizer, loader, epsilon, delta, epochs, max_grad_norm, seed
        )
    loss_fn = nn.BCEWithLogitsLoss()
    steps = 0
    model.train()
    with _quiet_opacus():
        for _ in range(epochs):
            for batch_x, batch_y in loader:
                if len(batch_x) == 0:  # a Poisson batch can be empty (probability (1 - q)^n: never here)
                    continue
                optimizer.zero_grad()
                loss_fn(model(batch_x).squeeze(-1), batch_y).backward()
                optimizer.step()
                steps += 1
    module = getattr(model, "_module", model)  # Opacus wraps the model in a GradSampleModule
    spent = engine.get_epsilon(delta) if engine is not None else float("inf")
    sigma = optimizer.noise_multiplier if engine is not None else 0.0
    rates = {rate for _, rate, _ in engine.accountant.history} if engine is not None else {float("nan")}
    if len(rates) != 1:
        raise RuntimeError(f"the accountant counted steps at several sampling rates: {sorted(rates)}")
    return PrivateHead(module, float(spent), delta, float(sigma), steps, float(rates.pop()))


@contextmanager
def _quiet_opacus():
    """Opacus's warnings a learner cannot act on: its secure RNG is off (fine for teaching; the notebook
    says so), the accountant's choice of Rényi order, and torch's note on Opacus's backward hooks."""
    with warnings.catch_warnings():
        for message in ("Secure RNG", "Optimal order is the", "Full backward hook is firing"):
            warnings.filterwarnings("ignore", message=f".*{message}.*")
        yield


def _make_private(model, optimizer, loader, epsilon, delta, epochs, max_grad_norm, seed):
    from opacus import PrivacyEngine

    with _quiet_opacus():
        engine = PrivacyEngine(accountant="rdp")
        model, optimizer, loader = engine.make_private_with_epsilon(
            module=model,
            optimizer=optimizer,
            data_loader=loader,
            target_epsilon=epsilon,
            target_delta=delta,
            epochs=epochs,
            max_grad_norm=max_grad_norm,
            noise_generator=torch.Generator().manual_seed(seed),
        )
    return engine, model, optimizer, loader


def example_losses(head: PrivateHead, vectors: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Binary cross-entropy of every example (what a loss-threshold attacker looks at)."""
    logits = head.logits(vectors).astype(np.float64)
    sign = 2.0 * np.asarray(labels, dtype=float) - 1.0
    return np.logaddexp(
        0.0, -sign * logits
    )  # log(1 + e^(-z)) for buyers, log(1 + e^z) otherwise: no overflow


def attack_scores(
    head: PrivateHead,
    members: tuple[np.ndarray, np.ndarray],
    non_members: tuple[np.ndarray, np.ndarray],
) -> tuple[np.ndarray, np.ndarray]:
    """The loss-threshold attack's data: (1 for members and 0 for the others, score = minus the loss).

    ``members`` and ``non_members`` are ``(vectors, labels)``; use sets of the same size, drawn from
    the same population, or the attack measures the difference between populations instead.
    """
    member_losses = example_losses(head, *members)
    other_losses = example_losses(head, *non_members)
    is_member = np.r_[np.ones(len(member_losses)), np.zeros(len(other_losses))]
    return is_member, -np.r_[member_losses, other_losses]


def loss_attack_auc(
    head: PrivateHead,
    members: tuple[np.ndarray, np.ndarray],
    non_members: tuple[np.ndarray, np.ndarray],
) -> float:
    """ROC-AUC of the loss-threshold membership attack (:func:`attack_scores`); 0.5 is guessing."""
    return roc_auc(*attack_scores(head, members, non_members))


def attack_roc_bound(epsilon: float, delta: float = 0.0, points: int = 1001) -> tuple[np.ndarray, np.ndarray]:
    """The best ROC curve any membership attack can reach against an ``(epsilon, delta)``-DP model.

    DP applies to both of the attacker's answers: ``TPR <= e^eps * FPR + delta`` and
    ``1 - FPR <= e^eps * (1 - TPR) + delta``. Returns ``(fpr, tpr)`` on a grid of ``points`` values.
    """
    # The bound has a kink where its two lines cross: on the grid, so the area is exact.
    kink = (1.0 - delta) / (1.0 + np.exp(epsilon)) if np.isfinite(epsilon) else 0.0
    fpr = np.union1d(np.linspace(0.0, 1.0, points), [kink])
    if np.isinf(epsilon):
        return fpr, np.ones_like(fpr)
    tpr = np.minimum(np.exp(epsilon) * fpr + delta, 1.0 - np.exp(-epsilon) * (1.0 - fpr - delta))
    return fpr, np.clip(tpr, 0.0, 1.0)


def max_attack_auc(epsilon: float, delta: float = 0.0) -> float:
    """Area under :func:`attack_roc_bound`: the highest attack ROC-AUC that ``(epsilon, delta)``-DP allows."""
    fpr, tpr = attack_roc_bound(epsilon, delta)
    return float(np.trapezoid(tpr, fpr))


Vectors = tuple[np.ndarray, np.ndarray]  # (pooled vectors, labels)


def dp_sweep(
    members: Vectors,
    non_members: Vectors,
    epsilons: Sequence[float],
    delta: float,
    test: Vectors,
    groups: np.ndarray,
    n_resamples: int = 1000,
    seed: int = 0,
    label: str = "linear head",
    **training: Any,
) -> tuple[pd.DataFrame, dict[float | None, np.ndarray]]:
    """A head trained on ``members`` with DP-SGD at each of ``epsilons``, then without DP, and scored.

    Each head is :func:`train_private_head` with ``training`` (epochs, batch size …) and ``seed``. Returns
    ``(table, scores)``: one row per head, the one without DP last (``model``: ``label``; ``target``
    epsilon, inf without DP; the ``epsilon`` the accountant spent, ``noise sigma``, sampling rate ``q``,
    ``steps``; ``test_auc`` on ``test`` with ``low`` and ``high``, its 95 % interval over ``groups``,
    the test sessions' customers; the loss attack's ``attack_auc`` on members against ``non_members``),
    and each head's purchase probabilities of the test sessions by target (None: without DP).
    """
    from tqdm import tqdm  # text bars: tqdm.auto would want ipywidgets in a notebook

    rows, scores = [], {}
    for epsilon in tqdm([*epsilons, None], desc=f"DP-SGD sweep ({label})"):
        head = train_private_head(*members, epsilon, delta, seed=seed, **training)
        scores[epsilon] = head.probabilities(test[0])
        auc, low, high = bootstrap_ci(
            roc_auc, test[1], scores[epsilon], n_resamples, seed=seed, groups=groups
        )
        rows.append(
            {
                "model": label,
                "target": epsilon or np.inf,
                "epsilon": head.epsilon,
                "noise sigma": head.noise_multiplier,
                "q": head.sample_rate,
                "steps": head.steps,
                "test_auc": auc,
                "low": low,
                "high": high,
                "attack_auc": loss_attack_auc(head, members, non_members),
            }
        )
    return pd.DataFrame(rows), scores


def privacy_costs(
    scores: dict[float | None, np.ndarray],
    labels: np.ndarray,
    epsilons: Sequence[float],
    groups: np.ndarray,
    n_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """The cost of privacy: test ROC-AUC of the DP head at each epsilon minus the head without DP
    (``scores[None]``), by a paired bootstrap over ``groups`` (customers). One row per epsilon
    (``"ε = 1"`` …): ``difference``, ``low``, ``high`` and ``p_value``."""
    return pd.DataFrame(
        {
            f"ε = {epsilon:g}": paired_bootstrap(
                roc_auc, labels, scores[epsilon], scores[None], n_resamples, seed=seed, groups=groups
            )
            for epsilon in epsilons
        }
    ).T


def membership_attacks(
    members: Vectors,
    non_members: Vectors,
    epsilons: Sequence[float],
    delta: float,
    test: Vectors,
    groups: np.ndarray,
    n_resamples: int = 1000,
    seed: int = 0,
    label: str = "over-fitted MLP head",
    **training: Any,
) -> tuple[pd.DataFrame, dict[float | None, Vectors]]:
    """The loss-threshold attack on a head trained on ``members`` without DP and at each of ``epsilons``.

    Each head is :func:`train_private_head` with ``training`` (epochs, batch size …) and ``seed``. Returns
    ``(table, attacked)``: one row per head, the one without DP first (``model``: ``label``, ``target``,
    spent ``epsilon``, ``noise sigma``, ``test_auc`` on ``test``, ``attack_auc`` with its 95 % interval
    over ``groups`` (the customer of each member, then of each non-member) and ``highest attack AUC DP
    allows``), and each head's :func:`attack_scores` by epsilon (None: without DP).
    """
    from tqdm import tqdm  # text bars: tqdm.auto would want ipywidgets in a notebook

    rows, attacked = [], {}
    for epsilon in tqdm([None, *epsilons], desc=f"{label}, with and without DP"):
        head = train_private_head(*members, epsilon, delta, seed=seed, **training)
        attacked[epsilon] = attack_scores(head, members, non_members)
        attack_auc = bootstrap_ci(roc_auc, *attacked[epsilon], n_resamples, seed=seed, groups=groups)
        rows.append(
            {
                "model": label,
                "target": epsilon or np.inf,
                "epsilon": head.epsilon,
                "noise sigma": head.noise_multiplier,
                "test_auc": roc_auc(test[1], head.probabilities(test[0])),
                **dict(zip(("attack_auc", "attack_auc_low", "attack_auc_high"), attack_auc, strict=True)),
                "highest attack AUC DP allows": max_attack_auc(head.epsilon, delta),
            }
        )
    return pd.DataFrame(rows), attacked


def attack_auc_drops(
    attacked: dict[float | None, Vectors],
    epsilons: Sequence[float],
    groups: np.ndarray,
    n_resamples: int = 1000,
    seed: int = 0,
) -> pd.DataFrame:
    """What DP buys: the attack's ROC-AUC without DP minus with DP at each epsilon, by a paired bootstrap
    over the same ``groups`` (customers). One row per epsilon (``"ε = 1"`` …): ``difference``, ``low``,
    ``high``, ``p_value`` and a ``reading`` of the interval."""
    is_member, undefended = attacked[None]
    drops = pd.DataFrame(
        {
            f"ε = {epsilon:g}": paired_bootstrap(
                roc_auc, is_member, undefended, attacked[epsilon][1], n_resamples, seed=seed, groups=groups
            )
            for epsilon in epsilons
        }
    ).T
    drops["reading"] = [
        verdict(row, "DP lowers the attack's AUC", "DP raises the attack's AUC", "no clear change")
        for _, row in drops.iterrows()
    ]
    return drops


def membership_verdict(attacks: pd.DataFrame, drops: pd.DataFrame, epsilons: Sequence[float]) -> str:
    """Three lines: whether the attack beats guessing without DP, at which epsilons DP lowers (or raises)
    its AUC by more than the noise, and at which the attack on a DP model still beats guessing.
    ``attacks`` is :func:`membership_attacks`' table (the row without DP first, then ``epsilons``),
    ``drops`` :func:`attack_auc_drops`'."""
    low = attacks["attack_auc_low"]
    lowered = [f"{epsilon:g}" for epsilon in epsilons if drops.loc[f"ε = {epsilon:g}", "low"] > 0]
    raised = [f"{epsilon:g}" for epsilon in epsilons if drops.loc[f"ε = {epsilon:g}", "high"] < 0]
    still_above = [
        f"{epsilon:g}" for epsilon, bound in zip(epsilons, low.iloc[1:], strict=False) if bound > 0.5
    ]

    def at(values: list[str]) -> str:
        return f"at ε = {', '.join(values)}" if values else "at no ε"

    return "\n".join(
        [
            "membership attack without DP: "
            + (
                "beats guessing (its interval lies above 0.5)"
                if low.iloc[0] > 0.5
                else "not clearly better than guessing (its interval includes 0.5)"
            ),
            f"DP lowers the attack's AUC by more than the noise (paired interval above 0) {at(lowered)}"
            + (f"; it raises it {at(raised)}" if raised else ""),
            f"the attack on a DP model still beats guessing (its interval lies above 0.5) {at(still_above)}",
        ]
    )
