#!/usr/bin/env python3
"""Reference numbers for Reinforce.Statistics.Comparison, in plain Python (no NumPy or SciPy needed).

    python3 tools/reference/comparison_reference.py

prints the values that Reinforce.Core.Tests/Statistics/ComparisonTests.cs pins (floats as Python's repr, which
round-trips exactly). Everything is computed from the definitions, the slow and obvious way, independently of the C#
code's counting and merging:

  * probability of improvement, rliable's metrics.probability_of_improvement for one task: over every pair (x, y),
    [x > y] + 1/2 [x = y], summed as the integer 2U and divided once by 2nm (higher scores are better; an unsolved run's
    episodes-to-solve score is -inf, a solved run's is -episodes);
  * its interval as rliable's StratifiedIndependentBootstrap draws it (X's runs and Y's runs resampled independently),
    each replicate  ix = rng.integers(0, n, n); iy = rng.integers(0, m, m); poi(x[ix], y[iy]);
  * the paired bootstrap of IQM(X) - IQM(Y) over seeds: idx = rng.integers(0, k, k), the same for both, each IQM over the
    drawn seeds that have a value (None: unsolved), replicates without a value on a side left out;
  * percentile intervals as np.quantile(replicates, [0.025, 0.975]) (method "linear", NumPy's _lerp).

The generator is NumPy's: rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key)), i.e. SeedSequence's
hash mixing, PCG64 (XSL-RR 128/64) seeded from generate_state(4, uint64), and Generator.integers(0, n) by Lemire's
method on 32-bit halves of the 64-bit outputs (low half first, the high half kept for the next 32-bit draw). The script
first checks these against NumPy's own outputs recorded in the repository (Pcg64Tests.cs, statistics_reference.json),
and against NumPy itself when it is installed, and stops if any differs. The IQMs here are of integers (episodes), so their sums are exact in any order.
"""
import json
import math
import os

MASK32 = 0xFFFFFFFF
MASK64 = (1 << 64) - 1
MASK128 = (1 << 128) - 1
POOL_SIZE = 4
INIT_A, MULT_A = 0x43B0D7E5, 0x931E8875
INIT_B, MULT_B = 0x8B51F9DD, 0x58F38DED
MIX_MULT_L, MIX_MULT_R = 0xCA01F9DD, 0x4973F715
PCG_MULTIPLIER = (2549297995355413924 << 64) + 4865540595714422341


def uint32_words(value):
    """NumPy's _int_to_uint32_array: little-endian 32-bit words, 0 as [0]."""
    if value == 0:
        return [0]
    words = []
    while value:
        words.append(value & MASK32)
        value >>= 32
    return words


def seed_sequence_pool(entropy, spawn_key=()):
    """SeedSequence(entropy, spawn_key).pool (NumPy >= 1.19: entropy padded to the pool size before a spawn key)."""
    assembled = uint32_words(entropy)
    if spawn_key:
        assembled += [0] * max(0, POOL_SIZE - len(assembled))
        for key in spawn_key:
            assembled += uint32_words(key)
    hash_const = INIT_A

    def hashmix(value):
        nonlocal hash_const
        value ^= hash_const
        hash_const = (hash_const * MULT_A) & MASK32
        value = (value * hash_const) & MASK32
        return value ^ (value >> 16)

    def mix(x, y):
        result = (MIX_MULT_L * x - MIX_MULT_R * y) & MASK32
        return result ^ (result >> 16)

    pool = [hashmix(assembled[i] if i < len(assembled) else 0) for i in range(POOL_SIZE)]
    for source in range(POOL_SIZE):
        for target in range(POOL_SIZE):
            if source != target:
                pool[target] = mix(pool[target], hashmix(pool[source]))
    for source in range(POOL_SIZE, len(assembled)):
        for target in range(POOL_SIZE):
            pool[target] = mix(pool[target], hashmix(assembled[source]))
    return pool


def generate_state_uint64(pool, count):
    hash_const = INIT_B
    words = []
    for i in range(2 * count):
        value = pool[i % POOL_SIZE] ^ hash_const
        hash_const = (hash_const * MULT_B) & MASK32
        value = (value * hash_const) & MASK32
        words.append(value ^ (value >> 16))
    return [words[2 * i] | (words[2 * i + 1] << 32) for i in range(count)]


class Generator:
    """np.random.default_rng(SeedSequence(entropy, spawn_key)): PCG64 and the parts of Generator used here."""

    def __init__(self, entropy, spawn_key=()):
        w = generate_state_uint64(seed_sequence_pool(entropy, spawn_key), 4)
        init_state, init_sequence = (w[0] << 64) | w[1], (w[2] << 64) | w[3]
        self.increment = ((init_sequence << 1) | 1) & MASK128
        self.state = 0
        self._step()
        self.state = (self.state + init_state) & MASK128
        self._step()
        self.half = None

    def _step(self):
        self.state = (self.state * PCG_MULTIPLIER + self.increment) & MASK128

    def random_raw(self):
        self._step()
        high, low = self.state >> 64, self.state & MASK64
        rotation = high >> 58
        value = high ^ low
        return ((value >> rotation) | (value << (64 - rotation))) & MASK64

    def next_uint32(self):
        if self.half is not None:
            value, self.half = self.half, None
            return value
        raw = self.random_raw()
        self.half = raw >> 32
        return raw & MASK32

    def integers(self, n, size):
        """rng.integers(0, n, size) for 1 <= n <= 2**31 - 1 (int64 output; the 32-bit path of NumPy's bounded fill)."""
        if n == 1:
            return [0] * size  # NumPy's rng == 0: no draw at all
        values = []
        for _ in range(size):
            product = self.next_uint32() * n
            if (product & MASK32) < n:
                threshold = (2**32 - n) % n
                while (product & MASK32) < threshold:
                    product = self.next_uint32() * n
            values.append(product >> 32)
        return values


def check_generator():
    """Against NumPy's outputs recorded in the repository; stops on any difference."""
    root = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
    # Pcg64Tests.cs: default_rng(0).bit_generator.random_raw(2) and default_rng(SeedSequence(42, spawn_key=(1,))).
    rng = Generator(0)
    assert [rng.random_raw(), rng.random_raw()] == [0xA30FEBCFD9C2825F, 0x4510BDF882D9D721], "PCG64 seeded from 0"
    rng = Generator(42, (1,))
    assert [rng.random_raw(), rng.random_raw()] == [0x77AD79CB131F4097, 0x0BE4132B2EB1F48E], "PCG64 from a spawn key"
    # statistics_reference.json: NumPy's integers(0, n, size), also several calls in a row on one generator.
    with open(os.path.join(root, "Reinforce.Core.Tests", "Reference", "statistics_reference.json"), encoding="utf-8") as file:
        cases = json.load(file)["integers"]
    for case in cases:
        rng = Generator(case["seed"])
        values = []
        for n, size in case["calls"]:
            values.extend(rng.integers(n, size))
        assert values == case["values"], f"integers, seed {case['seed']}, calls {case['calls']}"
    # With NumPy installed, also against NumPy itself with the three-element spawn keys used below.
    try:
        import numpy as np
    except ImportError:
        return len(cases)
    for key in [(5, 0, 1), (6, 0, 1), (7, 0, 1), (7, 0, 2)]:
        numpy_rng, rng = np.random.default_rng(np.random.SeedSequence(0, spawn_key=key)), Generator(0, key)
        for n in (12, 10, 8, 6):
            assert [int(v) for v in numpy_rng.integers(0, n, n)] == rng.integers(n, n), f"integers with spawn key {key}"
    return len(cases) + 4


def quantile_sorted(values, q):
    """np.quantile(values, q) of sorted values, default method: h = (n - 1) q, NumPy's _lerp."""
    position = (len(values) - 1) * q
    if position >= len(values) - 1:
        return values[-1]
    below = math.floor(position)
    fraction = position - below
    low, high = values[below], values[below + 1]
    difference = high - low
    return high - difference * (1 - fraction) if fraction >= 0.5 else low + difference * fraction


def interval(replicates, confidence=0.95):
    ordered = sorted(replicates)
    tail = (1 - confidence) / 2
    return quantile_sorted(ordered, tail), quantile_sorted(ordered, 1 - tail)


def poi(x, y):
    """P(X > Y) + 1/2 P(X = Y): the integer 2U over all n m pairs, divided once."""
    twice = sum(2 if a > b else 1 if a == b else 0 for a in x for b in y)
    return twice / (2 * len(x) * len(y))


def iqm(values):
    """scipy.stats.trim_mean(values, 0.25): cut int(0.25 n) at each end, the mean of the rest."""
    ordered = sorted(values)
    cut = int(0.25 * len(ordered))
    kept = ordered[cut:len(ordered) - cut]
    return sum(kept) / len(kept)


def episodes_scores(episodes):
    """Higher is better: -episodes for a solved run, -inf for an unsolved one (worse than every solved run, ties among unsolved)."""
    return [-float(e) if e is not None else -math.inf for e in episodes]


def poi_case(name, x, y, key, resamples):
    rng = Generator(0, key)
    replicates = []
    for _ in range(resamples):
        ix = rng.integers(len(x), len(x))
        iy = rng.integers(len(y), len(y))
        replicates.append(poi([x[i] for i in ix], [y[j] for j in iy]))
    lower, upper = interval(replicates)
    return {"name": name, "spawn_key": list(key), "resamples": resamples, "estimate": poi(x, y),
            "lower": lower, "upper": upper}


def paired_case(name, x, y, key, resamples):
    rng = Generator(0, key)
    k = len(x)
    replicates = []
    for _ in range(resamples):
        drawn = rng.integers(k, k)
        xs = [x[i] for i in drawn if x[i] is not None]
        ys = [y[i] for i in drawn if y[i] is not None]
        if xs and ys:
            replicates.append(iqm(xs) - iqm(ys))
    lower, upper = interval(replicates)
    estimate = iqm([v for v in x if v is not None]) - iqm([v for v in y if v is not None])
    return {"name": name, "spawn_key": list(key), "resamples": resamples, "defined": len(replicates), "estimate": estimate,
            "lower": lower, "upper": upper}


# Episodes to solve of two configurations on the same 12 seeds (None: not solved within the budget).
EPISODES_X = [150, 210, None, 180, 150, 330, None, 240, 200, 175, 150, 400]
EPISODES_Y = [200, 260, 150, None, None, 300, 220, 500, 190, None, 160, 210]
# Final returns of 6 runs each.
RETURNS_X = [500.0, 487.5, 500.0, 312.25, 500.0, 499.0]
RETURNS_Y = [500.0, 500.0, 455.5, 500.0, 120.0, 480.0]
# One configuration that solves on one seed of 8: many resamples hold none of its solved runs.
RARE_X = [None, None, 300, None, None, None, None, None]
RARE_Y = [100, 200, None, 150, 120, None, 110, 130]


def main():
    checked = check_generator()
    reference = {
        "generator": "tools/reference/comparison_reference.py",
        "generator_checked_against_numpy_cases": checked,
        "hand": {
            "poi_3x3_episodes": poi(episodes_scores([120, None, 200]), episodes_scores([200, None, None])),
            "poi_3x3_returns": poi([500.0, 500.0, 480.0], [500.0, 450.0, 500.0]),
        },
        "poi": [
            # Y has 10 runs: the first 10 seeds of EPISODES_Y (X and Y of different sizes).
            poi_case("episodes 12 vs 10", episodes_scores(EPISODES_X), episodes_scores(EPISODES_Y[:10]), (5, 0, 1), 2000),
            poi_case("returns 6 vs 6", RETURNS_X, RETURNS_Y, (6, 0, 1), 2000),
        ],
        "paired": [
            paired_case("episodes 12 seeds", EPISODES_X, EPISODES_Y, (7, 0, 1), 2000),
            paired_case("one solved of 8", RARE_X, RARE_Y, (7, 0, 2), 2000),
        ],
    }
    print(json.dumps(reference, indent=1))


if __name__ == "__main__":
    main()
