#!/usr/bin/env python3
"""Correctly rounded reference values for Reinforce.Numerics.ElementaryFunctions.

Python's decimal module evaluates exp and ln correctly rounded at any precision; this script works at 120
significant digits (tanh and expm1 of tiny arguments from their Taylor series, where the closed forms would cancel)
and rounds the exact value once to float32 or float64, round-half-even, with overflow to infinity and gradual
underflow. Inputs: edge values (0, subnormals, the overflow and underflow thresholds, values next to 1) and seeded
random ones, uniform in value over each function's useful range and uniform in bit pattern over all binades.

    python3 tools/reference/elementary_functions.py > Reinforce.Core.Tests/Reference/elementary_functions.txt
    cat "${TMPDIR:-/tmp}"/reinforce-boundary-cases-*.txt | python3 tools/reference/elementary_functions.py --check

(the second form checks the inputs that ElementaryFunctionsTests.AllFloatInputs_MeasuredOnce found too close to a
rounding boundary for its double reference to decide; the test writes them to .NET's Path.GetTempPath(), which is
$TMPDIR or else /tmp on Linux).

Each line: function (powN: x to the integer power N), input bits, correctly rounded result bits (hex), delta = (exact - result) / q, and log2 q,
where q is the spacing of the format at the exact value (the unit in the last place of that binade), so that an
implementation's error in ulps is |(its result - result) / q - delta|.
"""
import random
import struct
import sys
from decimal import Decimal, getcontext, ROUND_HALF_EVEN, ROUND_FLOOR

getcontext().prec = 120

FORMATS = {  # name: (mantissa bits after the point, minimum normal exponent, maximum exponent, pack code, int code)
    "float": (23, -126, 127, "<f", "<I"),
    "double": (52, -1022, 1023, "<d", "<Q"),
}


def from_bits(bits, fmt):
    _, _, _, pack, code = FORMATS[fmt]
    return struct.unpack(pack, struct.pack(code, bits))[0]


def to_bits(value, fmt):
    _, _, _, pack, code = FORMATS[fmt]
    return struct.unpack(code, struct.pack(pack, value))[0]


def exponent_of(v):
    """floor(log2 v) for a positive Decimal v."""
    e = int((v.ln() / Decimal(2).ln()).to_integral_value(ROUND_FLOOR))
    while Decimal(2) ** e > v:
        e -= 1
    while Decimal(2) ** (e + 1) <= v:
        e += 1
    return e


def round_to(v, fmt):
    """(correctly rounded value as a Python float, delta, log2 q) of the exact Decimal v."""
    mant, emin, emax, _, _ = FORMATS[fmt]
    if v == 0:
        return 0.0, 0.0, emin - mant
    sign = -1 if v < 0 else 1
    a = abs(v)
    e = max(exponent_of(a), emin)
    qexp = e - mant
    q = Decimal(2) ** qexp
    n = (a / q).to_integral_value(ROUND_HALF_EVEN)
    delta = float((a - n * q) / q) * sign
    if n * q >= Decimal(2) ** (emax + 1):
        return sign * float("inf"), 0.0, qexp
    # n < 2^(mant+2) and q a power of two: n * 2^qexp is exact in a Python float (double); for float32 it is exact too.
    return sign * float(int(n)) * 2.0 ** qexp, delta, qexp


def exp_exact(x):
    return Decimal(x).exp()


def expm1_exact(x):
    d = Decimal(x)
    if abs(d) < Decimal("1e-12"):
        return d + d * d / 2 + d ** 3 / 6 + d ** 4 / 24 + d ** 5 / 120
    return d.exp() - 1


def tanh_exact(x):
    d = Decimal(x)
    if abs(d) < Decimal("1e-12"):
        return d - d ** 3 / 3 + 2 * d ** 5 / 15 - 17 * d ** 7 / 315
    if abs(d) > 60:  # 1 - tanh|x| < 1e-52: rounds to +-1 in both formats, as tanh(60) does
        d = Decimal(60).copy_sign(d)
    e = (2 * d).exp()
    return (e - 1) / (e + 1)


def log_exact(x):
    return Decimal(x).ln()


def as_float(x):
    """The float32 nearest to x (the literals above are written in decimal)."""
    return struct.unpack("<f", struct.pack("<f", x))[0]


def floats_uniform(rng, low, high, n):
    return [struct.unpack("<f", struct.pack("<f", rng.uniform(low, high)))[0] for _ in range(n)]


def floats_by_bits(rng, low_bits, high_bits, n):
    return [from_bits(rng.randrange(low_bits, high_bits), "float") for _ in range(n)]


def main():
    rng = random.Random(20240610)
    tiny = [from_bits(b, "float") for b in (1, 2, 0x007FFFFF, 0x00800000, 0x33800000, 0x34000000, 0x38D1B717)]
    cases = []
    # float exp: the overflow threshold 88.72284, the underflow to 0 below -103.97208, subnormal results.
    exp_inputs = [0.0, 1.0, -1.0, 88.72283, 88.72284, 88.722839, -87.33654, -103.97207, -103.972084, -100.0, 0.5, -0.5]
    exp_inputs += tiny + [-t for t in tiny]
    exp_inputs += floats_uniform(rng, -104, 89, 300) + floats_uniform(rng, -1, 1, 100)
    exp_inputs += [x for x in floats_by_bits(rng, 0, 0x3D000000, 100)]
    cases += [("exp", "float", as_float(x), exp_exact) for x in exp_inputs]
    # float expm1: cancellation near 0, saturation at -1.
    expm1_inputs = [0.0, 1e-7, -1e-7, 0.3465, -0.3466, 0.6931, -17.0, -17.4, -18.0, 88.72283, 88.72284] + tiny + [-t for t in tiny]
    expm1_inputs += floats_uniform(rng, -20, 89, 200) + floats_uniform(rng, -1, 1, 150)
    expm1_inputs += [s * x for s in (1, -1) for x in floats_by_bits(rng, 0, 0x3E000000, 75)]
    cases += [("expm1", "float", as_float(x), expm1_exact) for x in expm1_inputs]
    # float tanh: tiny arguments, the approach to +-1 near 9.01.
    tanh_inputs = [0.0, 0.5, -0.5, 1.0, 9.0, 9.01, 9.02, 10.0, 20.0, 1e30] + tiny + [-t for t in tiny]
    tanh_inputs += floats_uniform(rng, -10, 10, 250) + floats_uniform(rng, -1, 1, 100)
    tanh_inputs += [s * x for s in (1, -1) for x in floats_by_bits(rng, 0, 0x3F000000, 75)]
    cases += [("tanh", "float", as_float(x), tanh_exact) for x in tanh_inputs]
    # float log: every binade (subnormals included), values next to 1.
    one = to_bits(1.0, "float")
    log_inputs = [1.0, 2.0, 0.5, from_bits(0x7F7FFFFF, "float")] + tiny + [from_bits(one + k, "float") for k in (-3, -2, -1, 1, 2, 3)]
    log_inputs += floats_by_bits(rng, 1, 0x7F800000, 300) + floats_uniform(rng, 0.5, 2.0, 150)
    cases += [("log", "float", as_float(x), log_exact) for x in log_inputs]
    # double exp: the whole range, subnormal results below -708.4, the overflow threshold.
    dexp_inputs = [0.0, 1.0, -1.0, 709.782712893384, 709.7827128933840, 709.78, -708.39, -745.1332191019411, -745.13, -744.0, -720.0]
    dexp_inputs += [rng.uniform(-745.5, 709.8) for _ in range(300)] + [rng.uniform(-1, 1) for _ in range(100)]
    dexp_inputs += [rng.uniform(-745.2, -708.0) for _ in range(50)] + [rng.uniform(-1e-6, 1e-6) for _ in range(25)]
    cases += [("exp", "double", x, exp_exact) for x in dexp_inputs]
    # double log: every binade (subnormals included), values next to 1.
    done = to_bits(1.0, "double")
    dlog_inputs = [1.0, 2.0, 0.5, 5e-324, 2.2250738585072014e-308, 1.7976931348623157e308]
    dlog_inputs += [from_bits(done + k, "double") for k in (-3, -2, -1, 1, 2, 3)]
    dlog_inputs += [from_bits(rng.randrange(1, 0x7FF0000000000000), "double") for _ in range(300)]
    dlog_inputs += [rng.uniform(0.5, 2.0) for _ in range(150)] + [1 + rng.uniform(-1e-6, 1e-6) for _ in range(25)]
    cases += [("log", "double", x, log_exact) for x in dlog_inputs]

    # double pow(beta, n), Adam's bias corrections: the usual betas and random ones, steps up to 10^6.
    pow_cases = [(b, n) for b in (0.9, 0.999, 0.99, 0.95, 0.98) for n in (1, 2, 3, 10, 100, 1000, 12345)]
    pow_cases += [(rng.choice((0.9, 0.999, 0.99)), rng.randrange(1, 10 ** 6)) for _ in range(100)]
    pow_cases += [(rng.uniform(0.5, 1.0), rng.randrange(1, 10 ** 4)) for _ in range(65)]

    width = {"float": 8, "double": 16}
    print("# tools/reference/elementary_functions.py: function format input_bits result_bits delta log2_q")
    for name, fmt, x, exact in cases:
        value, delta, qexp = round_to(exact(x), fmt)
        w = width[fmt]
        print(f"{name} {fmt} {to_bits(x, fmt):0{w}X} {to_bits(value, fmt):0{w}X} {delta:.6f} {qexp}")
    for beta, n in pow_cases:
        value, delta, qexp = round_to(Decimal(beta) ** n, "double")
        print(f"pow{n} double {to_bits(beta, 'double'):016X} {to_bits(value, 'double'):016X} {delta:.6f} {qexp}")


def check():
    """Reads lines 'function float input_bits result_bits' (the exhaustive test's boundary cases) from stdin and
    prints each with the correctly rounded result and whether the given result is it."""
    exact = {"exp": exp_exact, "expm1": expm1_exact, "tanh": tanh_exact, "log": log_exact}
    wrong = 0
    for line in sys.stdin:
        name, fmt, x_bits, y_bits = line.split()[:4]
        x = from_bits(int(x_bits, 16), fmt)
        value, delta, _ = round_to(exact[name](x), fmt)
        ok = to_bits(value, fmt) == int(y_bits, 16)
        wrong += 0 if ok else 1
        print(f"{name} {fmt} {x_bits} {y_bits} {to_bits(value, fmt):08X} {delta:+.9f} {'ok' if ok else 'MISROUNDED'}")
    print(f"# {wrong} misrounded", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--check":
        check()
    else:
        main()
