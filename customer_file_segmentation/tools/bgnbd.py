"""BG/NBD (Fader, Hardie and Lee 2005) and Gamma-Gamma (Fader, Hardie and Lee 2005b).

Pure functions over numpy arrays, so the models can be fitted and checked without a
database. Time is in days. For each customer:

- ``x``: repeat purchases (distinct purchase days minus one),
- ``t_x``: days from the first to the last purchase,
- ``T``: days from the first purchase to the evaluation date.

Customers are usually passed grouped by identical ``(x, t_x, T)`` with a ``weight`` (how
many customers share them), which keeps a fit on a million customers small.
"""

import numpy as np
from scipy.optimize import minimize
from scipy.special import gammaln, hyp2f1


def _as_arrays(*values):
    return [np.asarray(value, dtype=float) for value in values]


def bgnbd_log_likelihood(params, x, t_x, T, weight=None):
    """Summed log-likelihood of ``(r, alpha, a, b)`` for the customers given."""
    r, alpha, a, b = params
    x, t_x, T = _as_arrays(x, t_x, T)
    weight = np.ones_like(x) if weight is None else np.asarray(weight, dtype=float)
    a1 = gammaln(r + x) - gammaln(r) + r * np.log(alpha)
    a2 = gammaln(a + b) + gammaln(b + x) - gammaln(b) - gammaln(a + b + x)
    a3 = -(r + x) * np.log(alpha + T)
    repeat = x > 0
    a4 = np.full_like(x, -np.inf)
    a4[repeat] = (
        np.log(a) - np.log(b + x[repeat] - 1) - (r + x[repeat]) * np.log(alpha + t_x[repeat])
    )
    return float(np.sum(weight * (a1 + a2 + np.logaddexp(a3, a4))))


def fit_bgnbd(x, t_x, T, weight=None):
    """Maximum-likelihood ``(r, alpha, a, b)``; optimised on log-parameters (all positive)."""
    x, t_x, T = _as_arrays(x, t_x, T)
    if not len(x) or not np.any(x > 0):
        raise ValueError("A BG/NBD fit needs customers with repeat purchases.")
    weight = np.ones_like(x) if weight is None else np.asarray(weight, dtype=float)
    mean_T = float(np.average(T, weights=weight)) or 1.0

    def objective(log_params):
        return -bgnbd_log_likelihood(np.exp(log_params), x, t_x, T, weight) / weight.sum()

    start = np.log([1.0, mean_T / 10.0, 1.0, 1.0])
    result = minimize(objective, start, method="L-BFGS-B", bounds=[(-10, 10)] * 4)
    r, alpha, a, b = np.exp(result.x)
    return {
        "r": float(r),
        "alpha": float(alpha),
        "a": float(a),
        "b": float(b),
        "log_likelihood": float(-result.fun * weight.sum()),
    }


def probability_alive(params, x, t_x, T):
    """P(alive | x, t_x, T); one for customers without repeat purchases (no evidence)."""
    r, alpha, a, b = params
    x, t_x, T = _as_arrays(x, t_x, T)
    result = np.ones_like(x)
    repeat = x > 0
    xr = x[repeat]
    odds = (a / (b + xr - 1)) * np.exp((r + xr) * (np.log(alpha + T[repeat])
                                                     - np.log(alpha + t_x[repeat])))
    result[repeat] = 1.0 / (1.0 + odds)
    return result


def expected_purchases(params, days, x, t_x, T):
    """E[X(days) | x, t_x, T]: expected purchases in the next ``days`` days."""
    r, alpha, a, b = params
    x, t_x, T = _as_arrays(x, t_x, T)
    if abs(a - 1) < 1e-9:
        a += 1e-6  # the closed form has a removable singularity at a = 1
    z = days / (alpha + T + days)
    head = (a + b + x - 1) / (a - 1)
    tail = 1 - ((alpha + T) / (alpha + T + days)) ** (r + x) * hyp2f1(
        r + x, b + x, a + b + x - 1, z
    )
    repeat = (x > 0).astype(float)
    denominator = 1 + repeat * (a / np.maximum(b + x - 1, 1e-12)) * (
        (alpha + T) / (alpha + t_x)
    ) ** (r + x)
    return head * tail / denominator


def gamma_gamma_log_likelihood(params, frequency, mean_value, weight=None):
    """Summed log-likelihood of ``(p, q, v)`` for repeat buyers' average order values."""
    p, q, v = params
    n, m = _as_arrays(frequency, mean_value)
    weight = np.ones_like(n) if weight is None else np.asarray(weight, dtype=float)
    ll = (
        gammaln(p * n + q) - gammaln(p * n) - gammaln(q) + q * np.log(v)
        + (p * n - 1) * np.log(m) + p * n * np.log(n) - (p * n + q) * np.log(n * m + v)
    )
    return float(np.sum(weight * ll))


def fit_gamma_gamma(frequency, mean_value, weight=None):
    """Maximum-likelihood ``(p, q, v)`` on customers with ``frequency`` orders (>= 2) whose
    average order value is ``mean_value`` (> 0)."""
    n, m = _as_arrays(frequency, mean_value)
    keep = (n > 0) & (m > 0)
    n, m = n[keep], m[keep]
    if len(n) < 2:
        raise ValueError("A Gamma-Gamma fit needs repeat buyers with positive order values.")
    weight = np.ones_like(n) if weight is None else np.asarray(weight, dtype=float)[keep]

    def objective(log_params):
        return -gamma_gamma_log_likelihood(np.exp(log_params), n, m, weight) / weight.sum()

    start = np.log([1.0, 2.0, float(np.average(m, weights=weight))])
    result = minimize(objective, start, method="L-BFGS-B", bounds=[(-10, 15)] * 3)
    p, q, v = np.exp(result.x)
    return {"p": float(p), "q": float(q), "v": float(v)}


def expected_order_value(params, frequency, mean_value):
    """E[M | n orders averaging m]: shrinks each customer's average towards the population's."""
    p, q, v = params
    n, m = _as_arrays(frequency, mean_value)
    if q <= 1:
        return m
    weight = p * n / (p * n + q - 1)
    return (1 - weight) * (v * p / (q - 1)) + weight * m


def simulate_bgnbd(params, customers, T, seed=0):
    """Draw ``(x, t_x, T)`` from the BG/NBD process itself, to check that fits recover it."""
    r, alpha, a, b = params
    rng = np.random.default_rng(seed)
    T = np.broadcast_to(np.asarray(T, dtype=float), (customers,))
    rates = rng.gamma(r, 1.0 / alpha, customers)
    dropouts = rng.beta(a, b, customers)
    x = np.zeros(customers)
    t_x = np.zeros(customers)
    for index in range(customers):
        now, rate, p_drop = 0.0, rates[index], dropouts[index]
        while True:
            now += rng.exponential(1.0 / rate)
            if now > T[index]:
                break
            x[index] += 1
            t_x[index] = now
            if rng.random() < p_drop:
                break
    return x, t_x, np.array(T)
