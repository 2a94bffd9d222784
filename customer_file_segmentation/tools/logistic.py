"""L2-penalised logistic regression fitted by Newton's method (IRLS), in numpy.

The churn model is small (a dozen features) and trained on up to a million customers: one
Newton step is a d × d solve after one pass over the rows, and a handful of steps converge.
Features are standardised (mean 0, standard deviation 1) before the fit so that one penalty
suits them all and the coefficients compare: a coefficient is the change of the log-odds of
churn for one standard deviation of its feature. A feature that does not vary in the
training data gets a zero coefficient. The intercept is not penalised.

Standardised values are clipped to ``CLIP`` standard deviations, in training and in scoring:
a customer far outside what the model was trained on (a feature that hardly varied then)
moves the log-odds by at most ``CLIP`` times its coefficient instead of without bound.
"""

import numpy as np

CLIP = 5.0


def sigmoid(values):
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(values, dtype=float)))


def fit_logistic(X, y, l2=1.0, max_iter=50, tol=1e-8):
    """Fit ``P(y = 1 | x)``; return ``intercept``, ``coef`` (on standardised features),
    ``mean``, ``std``, ``iterations`` and the mean ``log_loss`` on the training rows."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float)
    rows, width = X.shape
    if not rows:
        raise ValueError("A logistic fit needs rows.")
    mean = X.mean(axis=0)
    std = X.std(axis=0)
    varies = std > 1e-6 * (1 + np.abs(mean))
    std = np.where(varies, std, 1.0)
    Z = np.empty((rows, width + 1))
    Z[:, 0] = 1.0
    Z[:, 1:] = np.clip((X - mean) / std, -CLIP, CLIP)
    Z[:, 1:][:, ~varies] = 0.0
    beta = np.zeros(width + 1)
    rate = min(max(y.mean(), 1e-6), 1 - 1e-6)
    beta[0] = np.log(rate / (1 - rate))
    penalty = np.full(width + 1, float(l2))
    penalty[0] = 0.0
    iterations = 0
    for iterations in range(1, max_iter + 1):  # noqa: B007
        p = sigmoid(Z @ beta)
        w = np.maximum(p * (1 - p), 1e-12)
        gradient = Z.T @ (y - p) - penalty * beta
        hessian = (Z * w[:, None]).T @ Z + np.diag(penalty)
        hessian[np.diag_indices_from(hessian)] += 1e-9
        step = np.linalg.solve(hessian, gradient)
        beta += step
        if np.max(np.abs(step)) < tol:
            break
    p = np.clip(sigmoid(Z @ beta), 1e-12, 1 - 1e-12)
    log_loss = float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))
    coef = np.where(varies, beta[1:], 0.0)
    return {
        "intercept": float(beta[0]),
        "coef": [float(value) for value in coef],
        "mean": [float(value) for value in mean],
        "std": [float(value) for value in std],
        "iterations": iterations,
        "log_loss": log_loss,
    }


def predict_logistic(model, X):
    """Probabilities of ``model`` (as ``fit_logistic`` returns it) for the rows of ``X``."""
    X = np.asarray(X, dtype=float)
    Z = np.clip((X - np.asarray(model["mean"])) / np.asarray(model["std"]), -CLIP, CLIP)
    return sigmoid(model["intercept"] + Z @ np.asarray(model["coef"]))
