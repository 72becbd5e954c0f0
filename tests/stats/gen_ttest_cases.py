#!/usr/bin/python3
"""Generates ttest_cases.json: committed SciPy reference values for tst_ttest.

Run from this folder (needs python3-scipy, python3-numpy; the C++ test does not):
    python3 gen_ttest_cases.py > ttest_cases.json
"""
import json

import numpy as np
import scipy
from scipy import stats

rng = np.random.default_rng(20170412)


def critical(alpha, df):
    # t.ppf (cephes stdtri) is only ~1e-9 accurate for non-integer df; polish it with Newton steps on
    # the survival function, which is accurate to ~1e-15.
    x = stats.t.ppf(1 - alpha / 2, df)
    for _ in range(3):
        x += (stats.t.sf(x, df) - alpha / 2) / stats.t.pdf(x, df)
    return x


def case(name, a, b, alpha):
    a = [float(x) for x in a]
    b = [float(x) for x in b]
    out = {"name": name, "a": a, "b": b, "alpha": alpha}
    for welch in (False, True):
        res = stats.ttest_ind(a, b, equal_var=not welch)
        if welch:
            va, vb = np.var(a, ddof=1) / len(a), np.var(b, ddof=1) / len(b)
            df = (va + vb) ** 2 / (va**2 / (len(a) - 1) + vb**2 / (len(b) - 1))
        else:
            df = len(a) + len(b) - 2
        crit = critical(alpha, df)
        out["welch" if welch else "student"] = {
            "t": float(res.statistic), "p": float(res.pvalue), "df": float(df), "critical": float(crit),
            "significant": bool(abs(res.statistic) >= crit or res.pvalue <= alpha)}
    return out


cases = [
    case("equal sizes, equal variances, same mean", rng.normal(1.0, 0.1, 30), rng.normal(1.0, 0.1, 30), 0.01),
    case("equal sizes, equal variances, shifted", rng.normal(1.0, 0.1, 30), rng.normal(1.08, 0.1, 30), 0.01),
    case("unequal sizes, unequal variances", rng.normal(0.5, 0.02, 12), rng.normal(0.52, 0.2, 47), 0.05),
    case("unequal sizes, equal variances", rng.normal(2.0, 0.3, 8), rng.normal(2.3, 0.3, 25), 0.05),
    case("loss window 365, tiny gap", 0.31 + rng.normal(0, 0.004, 365), 0.3106 + rng.normal(0, 0.004, 365), 0.01),
    case("minimal samples", [1.0, 2.0], [3.0, 5.0], 0.1),
    case("large offset (cancellation)", 1e6 + rng.normal(0, 1e-3, 20), 1e6 + rng.normal(0, 2e-3, 15), 0.01),
]
print(json.dumps({"generator": "scipy.stats.ttest_ind " + scipy.__version__, "cases": cases}, indent=1))
