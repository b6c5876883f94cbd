#!/usr/bin/env python3
"""Correctly rounded reference values for ElementaryFunctions.Sin, Cos and SinCos (double precision).

mpmath evaluates sin and cos of the exact double at 320 bits and again at 640 bits (mpmath widens its own working
precision by the argument's exponent for the reduction, so huge arguments are reduced exactly); each exact value is
rounded once to the nearest double, ties to even, and the two precisions must agree. A value closer than 2^-200 ulp
to a midpoint would stop the script (none is: the closest double sin and cos come to a midpoint is about 2^-70 ulp).

    python3 tools/reference/trigonometry.py > Reinforce.Core.Tests/Reference/trigonometry.txt

Each line: kind, input bits, sin bits, cos bits (hex), and for sin and cos log2 of the distance from the exact value to
the nearest midpoint between doubles, in ulps of the result (-1 = on a double, about -60 = a hard case). Kinds:
  sweep     every 1/8000 over CartPole's angles [-0.25, 0.25], and every 1/100 over [-4, 4]
  cartpole  uniform random in [-0.25, 0.25]
  range     uniform random in [-32, 32] and in [-2^28, 2^28] (the fast path's domain)
  bits      uniform random bit patterns over every finite double (subnormals and huge arguments included)
  hard      the closest to a midpoint among a random search of about 3*10^5 inputs per range, and constructed cases
            closer than 2^-50 ulp: sin x = x - x^3/6 + ... for x near 2^-26 with x^3/6 an odd multiple of half an ulp,
            cos x = 1 - x^2/2 + ... for x near 2^-26 with x^2/2 an odd multiple of 2^-54
  special   0, -0, subnormals, the neighbours of 2^-27, 2^-26, pi/4, pi/2, pi, 2^28, and the double closest to a
            multiple of pi/2 (6381956970095103 * 2^797)
"""
import math
import random
import struct
import sys

import mpmath
from mpmath import mp, mpf


def to_bits(value):
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def from_bits(bits):
    return struct.unpack("<d", struct.pack("<Q", bits))[0]


def round_double(v):
    """(the double nearest to the mpf v, ties to even; log2 of |v - nearest midpoint| in ulps)."""
    if v == 0:
        return 0.0, -1.0
    sign = -1 if v < 0 else 1
    a = abs(v)
    man, exp = int(a.man), int(a.exp)
    shift = man.bit_length() - 53
    if exp + shift < -1074:  # subnormal result
        shift = -1074 - exp
    if shift <= 0:
        return sign * math.ldexp(man, exp), -1.0  # exactly a double
    q, rest = divmod(man, 1 << shift)
    half = 1 << (shift - 1)
    distance = abs(rest - half)
    if distance * 2 ** 200 < (1 << shift):
        raise ValueError(f"within 2^-200 ulp of a midpoint: {v}")
    if rest > half or (rest == half and q & 1):
        q += 1
    return sign * math.ldexp(q, exp + shift), math.log2(distance / (1 << shift))


def evaluate(x, prec):
    with mp.workprec(prec):
        return round_double(mpmath.sin(mpf(x))), round_double(mpmath.cos(mpf(x)))


def line(kind, x):
    (s, sm), (c, cm) = evaluate(x, 320)
    (s2, _), (c2, _) = evaluate(x, 640)
    if x == 0:
        s = s2 = x  # mpmath has no signed zero: sin(-0) = -0
    if to_bits(s) != to_bits(s2) or to_bits(c) != to_bits(c2):
        raise ValueError(f"precisions disagree at {x!r}")
    return f"{kind} {to_bits(x):016X} {to_bits(s):016X} {to_bits(c):016X} {sm:.2f} {cm:.2f}"


def midpoint_distance(y):
    """|y/ulp - (n + 1/2)| for an mpf y (at the working precision), in ulps: small = close to a midpoint."""
    m, e = mpmath.frexp(y)  # |m| in [1/2, 1)
    scaled = abs(m) * 2 ** 53
    return abs(scaled - mpmath.floor(scaled) - mpf(0.5))


def search_hard(rng, low, high, samples, keep):
    """The inputs in [low, high] whose sin or cos is closest to a midpoint, from `samples` random doubles."""
    best_sin, best_cos = [], []
    with mp.workprec(120):
        for _ in range(samples):
            x = rng.uniform(low, high)
            best_sin.append((midpoint_distance(mpmath.sin(mpf(x))), x))
            best_cos.append((midpoint_distance(mpmath.cos(mpf(x))), x))
            if len(best_sin) > 4 * keep:
                best_sin = sorted(best_sin)[:keep]
                best_cos = sorted(best_cos)[:keep]
    return [x for _, x in sorted(best_sin)[:keep]] + [x for _, x in sorted(best_cos)[:keep]]


def constructed_hard():
    """Doubles whose sin (x near 2^-26) or cos (x near 2^-26.5) lies within about 2^-50 ulp of a midpoint."""
    xs = []
    with mp.workprec(400):
        # sin x = x - x^3/6 + x^5/120: x^3/6 = (2j + 1) * 2^(E - 53) for x in [2^E, 2^(E + 1)); x^5/120 is tiny.
        for e in (-26, -25):
            half_ulp = mpf(2) ** (e - 53)
            j = 0
            while True:
                target = (2 * j + 1) * half_ulp
                x = float(mpmath.cbrt(6 * target))
                j += 1
                if x < 2.0 ** e:
                    continue
                if x >= 2.0 ** (e + 1) or j > 40:
                    break
                xs += [x, -x]
        # cos x = 1 - x^2/2 + x^4/24: 1 - x^2/2 a midpoint below 1, i.e. x^2/2 = (2j + 1) * 2^-54.
        for j in range(0, 24):
            x = float(mpmath.sqrt((2 * j + 1) * mpf(2) ** -53))
            xs += [x, -x]
    return xs


def main():
    rng = random.Random(20250301)
    print("# tools/reference/trigonometry.py: kind input_bits sin_bits cos_bits log2_sin_midpoint_distance log2_cos_midpoint_distance")
    for i in range(-2000, 2001):
        print(line("sweep", i / 8000))
    for i in range(-400, 401):
        print(line("sweep", i / 100))
    for _ in range(2000):
        print(line("cartpole", rng.uniform(-0.25, 0.25)))
    for _ in range(1500):
        print(line("range", rng.uniform(-32, 32)))
    for _ in range(300):
        print(line("range", rng.uniform(-2.0 ** 28, 2.0 ** 28)))
    for _ in range(1000):
        bits = rng.randrange(0, 0x7FF0000000000000) | (rng.randrange(2) << 63)
        x = from_bits(bits)
        if x != 0:
            print(line("bits", x))
    hard = search_hard(rng, -0.25, 0.25, 150000, 60) + search_hard(rng, -4.0, 4.0, 100000, 40) \
        + search_hard(rng, -32.0, 32.0, 50000, 20) + constructed_hard()
    for x in hard:
        print(line("hard", x))
    special = [0.0, -0.0, 5e-324, -5e-324, 2.2250738585072014e-308, 2.225073858507201e-308, 1e-300, 2.0 ** -30]
    for p in (2.0 ** -27, 2.0 ** -26, 2.0 ** 28):
        b = to_bits(p)
        special += [from_bits(b - 1), p, from_bits(b + 1)]
    for c in (math.pi / 4, math.pi / 2, math.pi, 3 * math.pi / 2, 2 * math.pi, 100 * math.pi):
        b = to_bits(c)
        special += [from_bits(b - 1), c, from_bits(b + 1)]
    special += [1.0, 0.5, 0.25, 2.0, 1e22, 2.0 ** 1023, 1.7976931348623157e308, math.ldexp(6381956970095103, 797)]
    special += [-v for v in special if v != 0]
    for x in special:
        print(line("special", x))


if __name__ == "__main__":
    main()
