"""Classification metrics of a churn score against what really happened."""

import numpy as np
from scipy.stats import rankdata


def churn_metrics(scores, churned, threshold=None, deciles=10, predicted=None, warned_count=None):
    """Precision, recall, ROC AUC and lift by decile of ``scores`` for the outcome ``churned``.

    A customer is warned when its score is at least ``threshold``, or, with
    ``warned_count``, when it is among the ``warned_count`` highest scores (how a baseline
    without a threshold of its own is compared with the same number of warnings).
    ``predicted`` (probabilities) adds to each decile its mean predicted churn rate, for the
    calibration table. ROC AUC is the
    Mann-Whitney statistic with tied scores counted half. Deciles are taken by descending
    score, ties broken by position, so decile 1 holds the highest scores.
    """
    scores = np.asarray(scores, dtype=float)
    churned = np.asarray(churned, dtype=bool)
    total = len(scores)
    positives = int(churned.sum())
    negatives = total - positives
    order = np.argsort(-scores, kind="stable")
    if warned_count is not None:
        warned = np.zeros(total, dtype=bool)
        warned[order[:warned_count]] = True
    else:
        warned = scores >= threshold
    true_positives = int((warned & churned).sum())
    precision = true_positives / warned.sum() if warned.any() else 0.0
    recall = true_positives / positives if positives else 0.0
    if positives and negatives:
        ranks = rankdata(scores)
        roc_auc = (ranks[churned].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    else:
        roc_auc = 0.0
    base_rate = positives / total if total else 0.0
    predicted = None if predicted is None else np.asarray(predicted, dtype=float)
    rows = []
    for index, part in enumerate(np.array_split(order, min(deciles, total) or 1), start=1):
        part_churned = int(churned[part].sum())
        rate = part_churned / len(part) if len(part) else 0.0
        rows.append({
            "decile": index,
            "customers": len(part),
            "churned": part_churned,
            "churn_rate": rate,
            "lift": rate / base_rate if base_rate else 0.0,
            "min_score": float(scores[part].min()) if len(part) else 0.0,
            "predicted_rate": float(predicted[part].mean())
            if predicted is not None and len(part) else None,
        })
    return {
        "customers": total,
        "churned": positives,
        "warned": int(warned.sum()),
        "true_positives": true_positives,
        "precision": float(precision),
        "recall": float(recall),
        "roc_auc": float(roc_auc),
        "base_rate": float(base_rate),
        "deciles": rows,
    }
