"""The BG/NBD model of repeat buying (Fader, Hardie & Lee 2005), written out as the lesson.

While a customer is "alive" they buy at a Poisson rate ``λ``; after every purchase they may drop out
("die") with probability ``p``. Across customers ``λ ~ Gamma(r, α)`` and ``p ~ Beta(a, b)``. The only
data a customer needs is their calibration summary: ``x`` repeat purchases (``frequency``), the time
``t_x`` of the last one (``recency``, since the first purchase) and the time ``T`` they have been
watched. Times are in weeks, as in the paper.

:func:`fit_bgnbd` maximises the log-likelihood of equation (6) of the paper with scipy;
:func:`expected_transactions` is equation (10) (the conditional expectation over the next ``t``
weeks), :func:`probability_alive` is equation (13) and :func:`expected_repeat_purchases` is
equation (9), the unconditional expectation behind the paper's cumulative tracking figure.
On the CDNOW sample the paper reports ``r = 0.243, α = 4.414, a = 0.793, b = 2.426`` and a
log-likelihood of -9582.4.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1

from helpers.errors import DataError


@dataclass(frozen=True)
class BgNbd:
    """Fitted BG/NBD parameters and the log-likelihood they reach on the calibration data."""

    r: float
    alpha: float
    a: float
    b: float
    log_likelihood: float

    def as_dict(self) -> dict[str, float]:
        """The four parameters and the log-likelihood, named as in the paper."""
        return {
            "r": self.r,
            "alpha": self.alpha,
            "a": self.a,
            "b": self.b,
            "log_likelihood": self.log_likelihood,
        }


def _check_summary(frequency, recency, T) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    x, t_x, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
    if not (x.shape == t_x.shape == T.shape) or x.size == 0:
        raise DataError("frequency, recency and T must be non-empty and of the same length")
    if (x < 0).any() or (t_x < 0).any() or (t_x > T + 1e-9).any() or ((x == 0) & (t_x > 0)).any():
        raise DataError("need frequency >= 0 and 0 <= recency <= T, with recency 0 when frequency is 0")
    return x, t_x, T


def bgnbd_log_likelihood(params, frequency, recency, T) -> np.ndarray:
    """Each customer's log-likelihood under ``params = (r, alpha, a, b)`` (equation 6 of the paper)."""
    r, alpha, a, b = params
    x, t_x, T = frequency, recency, T
    log_a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    log_a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    log_a3 = -(r + x) * np.log(alpha + T)
    # The second term exists only for repeat buyers: they may have died right after their last purchase.
    with np.errstate(divide="ignore"):
        log_a4 = np.where(
            x > 0, np.log(a) - np.log(np.maximum(b + x - 1, 1e-12)) - (r + x) * np.log(alpha + t_x), -np.inf
        )
    return log_a1 + log_a2 + np.logaddexp(log_a3, log_a4)


def fit_bgnbd(frequency, recency, T) -> BgNbd:
    """Maximum-likelihood BG/NBD parameters (Nelder-Mead on the log-parameters, so all stay positive)."""
    x, t_x, T = _check_summary(frequency, recency, T)

    def negative_log_likelihood(log_params: np.ndarray) -> float:
        return -float(bgnbd_log_likelihood(np.exp(log_params), x, t_x, T).sum())

    result = minimize(
        negative_log_likelihood,
        np.zeros(4),
        method="Nelder-Mead",
        options={"xatol": 1e-7, "fatol": 1e-7, "maxiter": 20_000, "maxfev": 20_000},
    )
    r, alpha, a, b = np.exp(result.x)
    return BgNbd(float(r), float(alpha), float(a), float(b), -float(result.fun))


def probability_alive(model: BgNbd, frequency, recency, T) -> np.ndarray:
    """P(the customer is still alive at ``T``), equation (13); 1 for customers with no repeat purchase."""
    x, t_x, T = _check_summary(frequency, recency, T)
    ratio = np.where(
        x > 0,
        model.a
        / np.maximum(model.b + x - 1, 1e-12)
        * ((model.alpha + T) / (model.alpha + t_x)) ** (model.r + x),
        0.0,
    )
    return 1.0 / (1.0 + ratio)


def expected_transactions(model: BgNbd, weeks: float, frequency, recency, T) -> np.ndarray:
    """Expected purchases in the next ``weeks`` given each customer's history, equation (10).

    It is P(alive) times the purchases an alive customer with this history would make.
    """
    x, t_x, T = _check_summary(frequency, recency, T)
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    z = weeks / (alpha + T + weeks)
    alive_part = (
        (a + b + x - 1)
        / (a - 1)
        * (1 - ((alpha + T) / (alpha + T + weeks)) ** (r + x) * hyp2f1(r + x, b + x, a + b + x - 1, z))
    )
    return alive_part * probability_alive(model, x, t_x, T)


def probability_of_purchase(model: BgNbd, weeks: float, frequency, recency, T) -> np.ndarray:
    """P(at least one purchase in the next ``weeks``) given each customer's history.

    A customer who buys again must be alive at ``T``; alive, their purchase rate has the posterior
    Gamma(r + x, alpha + T), under which no purchase in ``weeks`` has probability
    ((alpha + T) / (alpha + T + weeks))^(r + x). (Dropping out happens only right after a purchase,
    so it cannot prevent the first one.) This, not equation (10)'s expected count, is the score for
    a yes/no target such as "buys again".
    """
    x, t_x, T = _check_summary(frequency, recency, T)
    r, alpha = model.r, model.alpha
    no_purchase_if_alive = ((alpha + T) / (alpha + T + weeks)) ** (r + x)
    return probability_alive(model, x, t_x, T) * (1 - no_purchase_if_alive)


def expected_repeat_purchases(model: BgNbd, weeks) -> np.ndarray:
    """E[X(t)]: repeat purchases a new customer is expected to make in their first ``weeks``, equation (9)."""
    t = np.asarray(weeks, dtype=float)
    r, alpha, a, b = model.r, model.alpha, model.a, model.b
    return (a + b - 1) / (a - 1) * (1 - (alpha / (alpha + t)) ** r * hyp2f1(r, b, a + b - 1, t / (alpha + t)))


def cumulative_repeat_purchases(model: BgNbd, first_week: np.ndarray, weeks: np.ndarray) -> np.ndarray:
    """The cohort's expected cumulative repeat purchases at each of ``weeks`` (since the cohort's start).

    A customer who first bought in week ``first_week`` contributes ``E[X(week - first_week)]``.
    """
    first_week = np.asarray(first_week, dtype=float)
    weeks = np.asarray(weeks, dtype=float)
    watched = np.clip(weeks[:, None] - first_week[None, :], 0, None)
    return expected_repeat_purchases(model, watched).sum(axis=1)
