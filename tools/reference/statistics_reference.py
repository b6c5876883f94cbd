#!/usr/bin/env python3
"""Reference numbers for Reinforce.Statistics (and Randomness.NumPyIntegers), computed with NumPy and SciPy.

Run with a Python that has NumPy, SciPy and mpmath (for example Debian's python3-numpy, python3-scipy and
python3-mpmath):

    python3 tools/reference/statistics_reference.py > Reinforce.Core.Tests/Reference/statistics_reference.json

Every float is written with Python's repr, which round-trips exactly, so the C# tests can compare bit for bit where the
definitions promise it. What is in the file:

  * descriptive: for fixed samples, np.sum, np.mean, np.std (ddof 0 and 1), np.median, np.quantile (default, linear
    method) at several q, scipy.stats.trim_mean(x, 0.25) (rliable's IQM) and trim_mean(x, 0.1);
  * integers: numpy.random.default_rng(seed).integers(0, n, size) for several n, also several calls in a row on one
    generator (the 32-bit half left by one call is used by the next);
  * bootstrap: the resampling loop the C# Bootstrap class documents,
        [stat(np.concatenate([g[rng.integers(0, len(g), len(g))] for g in groups])) for _ in range(B)]
    with rng = default_rng(seed), for the mean, the median and the IQM, and the percentile interval
    np.quantile(replicates, [(1 - c) / 2, 1 - (1 - c) / 2]) (all replicates of the mean and the median, the IQM's first
    100);
  * special functions to 50 digits with mpmath, rounded to doubles: the normal quantile, ln Gamma, the regularised
    incomplete beta function and its inverse (a root search started from scipy.stats.beta.ppf; SciPy 1.10's betaincinv
    is off by up to 2e-4 relative in the far tails, e.g. betaincinv(200, 0.5, 1e-10));
  * proportions: the Wilson interval by its formula and by scipy.stats.binomtest(k, n).proportion_ci(method="wilson"),
    the Clopper-Pearson interval by scipy.stats.beta.ppf, by proportion_ci(method="exact") and to 50 digits by mpmath;
  * evaluation seeds: SeedSequence(run_seed, spawn_key=(2**63 + 0x6576616C,)).generate_state(1, np.uint64)[0].

The committed file was produced with Debian's NumPy 1.24.2, SciPy 1.10.1 and mpmath 1.2.1.
"""
import json
import math

import mpmath
import numpy as np
import scipy
import scipy.special as special
import scipy.stats as stats

mpmath.mp.dps = 50

QUANTILES = [0.0, 0.025, 0.1, 0.25, 0.3, 0.5, 0.7, 0.75, 0.9, 0.975, 1.0]


def floats(values):
    return [float(v) for v in values]


def samples():
    rng = np.random.default_rng(20240901)
    return {
        "one": [3.5],
        "two": [2.0, -1.0],
        "five": [5.0, 1.0, 4.0, 2.0, 3.0],
        "six": [10.0, 0.5, 7.25, 3.0, 3.0, 100.0],
        "seven": [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
        "ties": [1.0, 1.0, 1.0, 2.0, 2.0, 9.0, 9.0, 9.0],
        "episodes": floats(rng.integers(100, 3000, size=37)),  # episodes-to-solve-like integers
        "normal200": floats(rng.normal(200.0, 50.0, size=200)),  # > 128: exercises the pairwise split
        "lognormal1000": floats(rng.lognormal(5.0, 1.0, size=1000)),
    }


def descriptive(sample):
    x = np.asarray(sample, dtype=np.float64)
    return {
        "values": floats(x),
        "sum": float(np.sum(x)),
        "mean": float(np.mean(x)),
        "std0": float(np.std(x)),
        "std1": float(np.std(x, ddof=1)) if len(x) > 1 else None,
        "median": float(np.median(x)),
        "quantiles": {repr(q): float(np.quantile(x, q)) for q in QUANTILES},
        "iqm": float(stats.trim_mean(x, 0.25)),
        "trim10": float(stats.trim_mean(x, 0.1)),
    }


def integers():
    cases = []
    for seed in (0, 1, 543):
        for n in (1, 2, 3, 7, 10, 100, 1000, 2**31 - 1):
            cases.append({"seed": seed, "calls": [[n, 25]],
                          "values": [int(v) for v in np.random.default_rng(seed).integers(0, n, size=25)]})
    # Several calls in a row: odd sizes leave a 32-bit half for the next call.
    rng = np.random.default_rng(7)
    calls = [[10, 3], [1, 4], [5, 1], [1000, 5], [2, 7]]
    values = []
    for n, size in calls:
        values.extend(int(v) for v in rng.integers(0, n, size=size))
    cases.append({"seed": 7, "calls": calls, "values": values})
    return cases


def iqm(x):
    return stats.trim_mean(x, 0.25)


STATISTICS = {"mean": np.mean, "median": np.median, "iqm": iqm}


def bootstrap_replicates(groups, statistic, seed, resamples):
    rng = np.random.default_rng(seed)
    replicates = np.empty(resamples)
    for b in range(resamples):
        replicates[b] = statistic(np.concatenate([g[rng.integers(0, len(g), len(g))] for g in groups]))
    return replicates


def bootstrap():
    rng = np.random.default_rng(99)
    solved = rng.integers(120, 2500, size=30).astype(np.float64)
    other = rng.integers(80, 900, size=13).astype(np.float64)
    cases = []
    for name, groups, seed, resamples, confidence in [
        ("one group", [solved], 0, 1000, 0.95),
        ("two groups", [solved, other], 12345, 1000, 0.9),
    ]:
        for statistic_name, statistic in STATISTICS.items():
            replicates = bootstrap_replicates(groups, statistic, seed, resamples)
            tail = (1 - confidence) / 2
            low, high = np.quantile(replicates, [tail, 1 - tail])
            cases.append({
                "name": name,
                "groups": [floats(g) for g in groups],
                "statistic": statistic_name,
                "seed": seed,
                "resamples": resamples,
                "confidence": confidence,
                "estimate": float(statistic(np.concatenate(groups))),
                # All replicates of the mean and the median (compared bit for bit); the IQM's first 100 (compared
                # to a few ulps, as SciPy sums the kept values in np.partition's order).
                "replicates": floats(replicates if statistic_name != "iqm" else replicates[:100]),
                "lower": float(low),
                "upper": float(high),
            })
    return cases


def mp_betainc(a, b, x):
    """I_x(a, b) in mpmath, through I_x(a, b) = 1 - I_(1-x)(b, a) past the mean, where mpmath's series would not converge.
    Near the mean of a Beta with both shapes at 10^4 the series fails anyway; there the density is integrated (tanh-sinh
    quadrature on pieces a few standard deviations wide)."""
    a, b, x = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(x)
    try:
        if x > (a + 1) / (a + b + 2):
            return 1 - mpmath.betainc(b, a, 0, 1 - x, regularized=True)
        return mpmath.betainc(a, b, 0, x, regularized=True)
    except ValueError:
        mean = a / (a + b)
        sd = mpmath.sqrt(a * b / ((a + b) ** 2 * (a + b + 1)))
        log_beta = mpmath.log(mpmath.beta(a, b))
        points = [mpmath.mpf(0)] + [mean + k * sd for k in (-60, -30, -15, -8, -4, -2, -1, 0, 1, 2, 4, 8)
                                    if 0 < mean + k * sd < x] + [x]
        return mpmath.quad(lambda t: mpmath.exp((a - 1) * mpmath.log(t) + (b - 1) * mpmath.log(1 - t) - log_beta), points)


def betainc_exact(a, b, x):
    """I_x(a, b) with 50 significant digits (mpmath), rounded to a double."""
    return float(mp_betainc(a, b, x))


def betaincinv_exact(a, b, p):
    """The x with I_x(a, b) = p to 50 digits: Newton's method in mpmath (derivative: the Beta density), started from
    SciPy's beta.ppf."""
    a, b, p = mpmath.mpf(a), mpmath.mpf(b), mpmath.mpf(p)
    x = mpmath.mpf(float(stats.beta.ppf(float(p), float(a), float(b))))
    for _ in range(100):
        step = (mp_betainc(a, b, x) - p) / (x ** (a - 1) * (1 - x) ** (b - 1) / mpmath.beta(a, b))
        x -= step
        if abs(step) < mpmath.mpf(10) ** -40 * min(x, 1 - x):
            return float(x)
    raise ArithmeticError(f"no convergence for betaincinv({a}, {b}, {p})")


def normal_quantile_exact(p):
    """Phi^-1(p) = -sqrt(2) erfinv(1 - 2p), with enough digits that 1 - 2p keeps p = 1e-300."""
    with mpmath.workdps(400):
        return float(-mpmath.sqrt(2) * mpmath.erfinv(1 - 2 * mpmath.mpf(p)))


def special_functions():
    probabilities = [1e-300, 1e-20, 1e-10, 1e-5, 0.001, 0.01, 0.025, 0.05, 0.075, 0.1, 0.3, 0.5, 0.6, 0.9, 0.925,
                     0.95, 0.975, 0.99, 0.999, 1 - 1e-10]
    gamma_points = [1e-8, 0.1, 0.3, 0.5, 0.9, 1.0, 1.5, 2.0, 2.5, 3.7, 10.0, 33.3, 100.0, 1000.5, 1e4, 1e5]
    shapes = [0.5, 1.0, 2.0, 5.0, 30.0, 200.0, 1000.0, 10000.0]
    betainc = []
    betaincinv = []
    for a in shapes:
        for b in shapes:
            for x in (1e-6, 0.01, 0.2, 0.5, 0.8, 0.99):
                betainc.append([a, b, x, betainc_exact(a, b, x)])
            for p in (1e-10, 0.025, 0.5, 0.975):
                betaincinv.append([a, b, p, betaincinv_exact(a, b, p)])
    return {
        "ndtri": [[p, normal_quantile_exact(p)] for p in probabilities],
        "gammaln": [[x, float(mpmath.loggamma(x))] for x in gamma_points],
        "betainc": betainc,
        "betaincinv": betaincinv,
    }


def wilson_formula(k, n, confidence):
    z = special.ndtri(1 - (1 - confidence) / 2)
    center = (k + z * z / 2) / (n + z * z)
    half = z * math.sqrt(k * (n - k) / n + z * z / 4) / (n + z * z)
    return max(0.0, center - half), min(1.0, center + half)


def proportions():
    cases = []
    for k, n in [(0, 1), (1, 1), (0, 10), (3, 10), (10, 10), (85, 100), (199, 200), (200, 200), (999, 1000),
                 (1000, 1000), (4321, 10000), (1, 10000)]:
        for confidence in (0.95, 0.9):
            tail = (1 - confidence) / 2
            wilson = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="wilson")
            exact = stats.binomtest(k, n).proportion_ci(confidence_level=confidence, method="exact")
            cases.append({
                "k": k, "n": n, "confidence": confidence,
                "wilson_formula": list(wilson_formula(k, n, confidence)),
                "wilson_scipy": [float(wilson.low), float(wilson.high)],
                "clopper_pearson_beta_ppf": [0.0 if k == 0 else float(stats.beta.ppf(tail, k, n - k + 1)),
                                             1.0 if k == n else float(stats.beta.ppf(1 - tail, k + 1, n - k))],
                "clopper_pearson_scipy": [float(exact.low), float(exact.high)],
                "clopper_pearson_mpmath": [0.0 if k == 0 else betaincinv_exact(k, n - k + 1, tail),
                                           1.0 if k == n else betaincinv_exact(k + 1, n - k, 1 - tail)],
            })
    return cases


def evaluation_seeds():
    """PolicyEvaluation.EvaluationSeed: the first uint64 state word of SeedSequence(run_seed, spawn_key=(2^63 + "eval",))."""
    key = 0x800000006576616C
    return [[seed, int(np.random.SeedSequence(seed, spawn_key=(key,)).generate_state(1, np.uint64)[0])]
            for seed in (0, 1, 7, 543, 2**40 + 7, 2**64 - 1)]


def main():
    reference = {
        "generator": "tools/reference/statistics_reference.py",
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "mpmath": mpmath.__version__,
        "descriptive": {name: descriptive(sample) for name, sample in samples().items()},
        "integers": integers(),
        "bootstrap": bootstrap(),
        "special": special_functions(),
        "proportions": proportions(),
        "evaluation_seeds": evaluation_seeds(),
    }
    print(json.dumps(reference, indent=1))


if __name__ == "__main__":
    main()
