#!/usr/bin/python3
"""Generates id_reference.json: committed reference values for tst_id_estimators.

An independent NumPy/SciPy implementation of the three estimators, written from the papers
(statistics.md has the formulas), on small fixed inputs; the C++ code must agree to 1e-9.
Run from this folder (needs python3-numpy, python3-scipy; the C++ test does not):
    python3 gen_id_reference.py > id_reference.json
"""
import json

import numpy as np
from scipy.spatial.distance import cdist

rng = np.random.default_rng(2004)


def knn(x, k):
    d = cdist(x, x)
    np.fill_diagonal(d, np.inf)
    return np.sort(d, axis=1)[:, :k]


def twonn(x, discard):
    # Facco et al. 2017: mu = r2/r1, F_emp(mu_(i)) = i/N, drop the top `discard` share, fit through 0.
    r = knn(x, 2)
    mu = np.sort(r[:, 1] / r[:, 0])
    n = len(mu)
    keep = max(2, int(n * (1 - discard)))
    xs = np.log(mu[:keep])
    ys = -np.log(1 - np.arange(keep) / n)
    return float(np.dot(xs, ys) / np.dot(xs, xs))


def mle(x, k):
    # Levina & Bickel 2004 per-point inverse, averaged over points (MacKay & Ghahramani 2005).
    t = knn(x, k)
    inv = np.log(t[:, k - 1:k] / t[:, :k - 1]).sum(axis=1) / (k - 1)
    return float(1 / inv.mean())


def spectrum(m, energy):
    s = np.linalg.svd(m, compute_uv=False)
    share = np.cumsum(s**2) / np.sum(s**2)
    return {"id": int(np.argmax(share >= energy) + 1), "stable_rank": float(np.sum(s**2) / s[0]**2),
            "singular_values": [float(v) for v in s]}


# 160 points near a 3-D subspace of R^8, non-uniform density (Gaussian), a little noise.
basis = np.linalg.qr(rng.normal(size=(8, 3)))[0]
points = rng.normal(size=(160, 3)) @ basis.T + 1e-3 * rng.normal(size=(160, 8))
# A 12 x 9 update matrix with a decaying spectrum.
u = np.linalg.qr(rng.normal(size=(12, 9)))[0]
v = np.linalg.qr(rng.normal(size=(9, 9)))[0]
sv = np.array([5.0, 3.0, 2.0, 1.2, 0.8, 0.3, 0.1, 0.05, 0.01])
matrix = u @ np.diag(sv) @ v.T

out = {
    "points": points.tolist(),
    "twonn": {"discard_0.1": twonn(points, 0.1), "discard_0": twonn(points, 0.0)},
    "mle": {"k_5": mle(points, 5), "k_10": mle(points, 10), "k_20": mle(points, 20)},
    "matrix": matrix.tolist(),
    "spectrum": {"energy_0.9": spectrum(matrix, 0.9), "energy_0.99": spectrum(matrix, 0.99)},
}
print(json.dumps(out))
