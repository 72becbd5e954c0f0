#!/usr/bin/env python3
"""Reference values for the study's paired quality test (core/study/PairedTest).

Run once, by hand, where SciPy is installed (Debian: apt-get install python3-scipy);
the output, paired_cases.json, is committed and read by tst_study_report. SciPy is
not a build or test dependency.

    /usr/bin/python3 tests/study/gen_paired_cases.py > tests/study/paired_cases.json
"""
import json
import random

import numpy as np
import scipy
from scipy import stats

rng = random.Random(17)
cases = []


def add(name, arm, full):
    r = stats.ttest_rel(arm, full, alternative="greater")
    t = float(r.statistic)
    # JSON has no infinity: all differences equal and positive give t = +inf, written as a string.
    cases.append({"name": name, "arm": arm, "full": full, "t": t if np.isfinite(t) else str(t), "p": float(r.pvalue),
                  "df": len(arm) - 1})


# Hand-picked: the study's typical sizes (2-10 seeds), arm better, worse, equal-ish.
add("two seeds, arm slightly worse", [1.166, 1.150], [1.151, 1.182 - 0.04])
add("two seeds, arm better", [1.150, 1.160], [1.182, 1.171])
add("three seeds, wind-like", [1.150, 1.166, 1.158], [1.151, 1.182, 1.170])
add("three seeds, clearly worse", [1.30, 1.31, 1.29], [1.15, 1.16, 1.14])
add("five seeds, mixed", [0.51, 0.49, 0.55, 0.50, 0.52], [0.50, 0.50, 0.53, 0.51, 0.50])
add("ten seeds, small shift", [1.0 + 0.01 * i + 0.003 for i in range(10)], [1.0 + 0.01 * i + 0.002 * (i % 3) for i in range(10)])
# Random ones over several scales.
for n in (2, 3, 4, 6, 8, 12, 20):
    scale = 10 ** rng.uniform(-2, 2)
    shift = rng.uniform(-0.5, 0.5) * scale * 0.1
    full = [scale * (1 + rng.gauss(0, 0.05)) for _ in range(n)]
    arm = [f + shift + rng.gauss(0, 0.03 * scale) for f in full]
    add(f"random n={n}", arm, full)

print(json.dumps({"generator": "scipy.stats.ttest_rel(arm, full, alternative='greater')",
                  "scipy": scipy.__version__, "numpy": np.__version__, "cases": cases}, indent=1))
