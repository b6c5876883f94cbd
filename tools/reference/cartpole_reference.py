#!/usr/bin/env python3
"""Reference numbers for Reinforce.Environments.CartPole.

The step below is Gymnasium's CartPole-v1 step (gymnasium >= 1.0, classic_control/cartpole.py) written out in plain
Python floats: the same constants, the same operation order and parenthesisation, math.sin/math.cos for the angle
(the C library's, which .NET's Math.Sin/Math.Cos also call) and x * x for the squares (Gymnasium 1.x's np.square).
Older gym/Gymnasium releases wrote ``**2``, i.e. the C library's pow, which can differ from x * x in the last bit;
the script counts the steps where that happens. It prints values as IEEE-754 bit patterns so the C# tests can
compare bit for bit:

    python3 tools/reference/cartpole_reference.py

Sections:
  * constants;
  * the two hand-worked steps of the unit tests;
  * three 200-step trajectories (Euler with a sign policy, semi-implicit Euler with a fixed action pattern, Euler
    always pushing right) from a fixed state, ignoring termination: every 50th state and an FNV-1a-64 hash over all
    states' bit patterns;
  * with NumPy available: 100 seeded CartPole-v1 episodes (reset(seed=i), i = 0..99) of the hand-written policy
    ``action = int(obs[2] > 0)`` on the float32 observation, and their lengths.

The committed test constants were produced with Debian glibc 2.36 on x86-64 and NumPy 1.24.2. The C# CartPole
uses the library's correctly rounded sin and cos by default and reproduces them; the C library's rounding differs
from machine to machine (see Reinforce.Core.Tests/Environments/CartPoleTrigTests.cs).
"""
import math
import struct

GRAVITY = 9.8
MASSCART = 1.0
MASSPOLE = 0.1
TOTAL_MASS = MASSPOLE + MASSCART
LENGTH = 0.5  # half the pole's length
POLEMASS_LENGTH = MASSPOLE * LENGTH
FORCE_MAG = 10.0
TAU = 0.02
THETA_THRESHOLD_RADIANS = 12 * 2 * math.pi / 360
X_THRESHOLD = 2.4

square_mismatches = 0


def step(state, action, integrator="euler"):
    """One Gymnasium CartPole step: returns the new state tuple."""
    global square_mismatches
    x, x_dot, theta, theta_dot = state
    force = FORCE_MAG if action == 1 else -FORCE_MAG
    costheta = math.cos(theta)
    sintheta = math.sin(theta)
    theta_dot_sq = theta_dot * theta_dot
    costheta_sq = costheta * costheta
    if theta_dot_sq != theta_dot**2 or costheta_sq != costheta**2:
        square_mismatches += 1

    temp = (force + POLEMASS_LENGTH * theta_dot_sq * sintheta) / TOTAL_MASS
    thetaacc = (GRAVITY * sintheta - costheta * temp) / (
        LENGTH * (4.0 / 3.0 - MASSPOLE * costheta_sq / TOTAL_MASS)
    )
    xacc = temp - POLEMASS_LENGTH * thetaacc * costheta / TOTAL_MASS

    if integrator == "euler":
        x = x + TAU * x_dot
        x_dot = x_dot + TAU * xacc
        theta = theta + TAU * theta_dot
        theta_dot = theta_dot + TAU * thetaacc
    else:  # semi-implicit euler
        x_dot = x_dot + TAU * xacc
        x = x + TAU * x_dot
        theta_dot = theta_dot + TAU * thetaacc
        theta = theta + TAU * theta_dot
    return (x, x_dot, theta, theta_dot)


def terminated(state):
    x, _, theta, _ = state
    return bool(
        x < -X_THRESHOLD
        or x > X_THRESHOLD
        or theta < -THETA_THRESHOLD_RADIANS
        or theta > THETA_THRESHOLD_RADIANS
    )


def bits(value):
    return struct.unpack("<Q", struct.pack("<d", value))[0]


def to_float32(value):
    return struct.unpack("<f", struct.pack("<f", value))[0]


def fmt(state):
    return ", ".join(f"0x{bits(v):016X}" for v in state) + "   # " + ", ".join(repr(v) for v in state)


FNV_OFFSET = 0xCBF29CE484222325
FNV_PRIME = 0x100000001B3


def fnv1a(hash_value, word):
    """FNV-1a 64 over the 8 little-endian bytes of a 64-bit word."""
    for shift in range(0, 64, 8):
        hash_value ^= (word >> shift) & 0xFF
        hash_value = (hash_value * FNV_PRIME) & 0xFFFFFFFFFFFFFFFF
    return hash_value


def trajectory(name, start, integrator, choose_action, steps=200):
    print(f"\n# {name}: start {start}, integrator {integrator}")
    state = start
    digest = FNV_OFFSET
    for t in range(1, steps + 1):
        state = step(state, choose_action(t, state), integrator)
        for value in state:
            digest = fnv1a(digest, bits(value))
        if t % 50 == 0:
            print(f"step {t}: {fmt(state)}")
    print(f"fnv1a64 over {steps} states = 0x{digest:016X}")


def baseline_episodes():
    try:
        import numpy as np
    except ImportError:
        print("\n# NumPy not found: seeded baseline episodes skipped")
        return
    lengths = []
    for seed in range(100):
        state = tuple(float(v) for v in np.random.default_rng(seed).uniform(low=-0.05, high=0.05, size=(4,)))
        for t in range(1, 501):
            action = 1 if to_float32(state[2]) > 0 else 0
            state = step(state, action)
            if terminated(state):
                break
        lengths.append(t)
    print(f"\n# Baseline policy int(obs[2] > 0), CartPole-v1, reset(seed=i) for i in 0..99 (numpy {np.__version__})")
    print(f"lengths = {lengths}")
    print(f"sum = {sum(lengths)}, mean = {sum(lengths) / len(lengths)!r}, min = {min(lengths)}, max = {max(lengths)}")


def main():
    print("# Constants")
    print(f"total_mass = 0x{bits(TOTAL_MASS):016X} {TOTAL_MASS!r}")
    print(f"polemass_length = 0x{bits(POLEMASS_LENGTH):016X} {POLEMASS_LENGTH!r}")
    print(f"theta_threshold_radians = 0x{bits(THETA_THRESHOLD_RADIANS):016X} {THETA_THRESHOLD_RADIANS!r}")

    print("\n# Hand-worked steps")
    print(f"euler, (0, 0, 0, 0), action 1: {fmt(step((0.0, 0.0, 0.0, 0.0), 1, 'euler'))}")
    print(f"semi-implicit, (0, 1, 0, 0.5), action 0: {fmt(step((0.0, 1.0, 0.0, 0.5), 0, 'semi-implicit'))}")

    start = (0.01, -0.02, 0.03, -0.04)
    trajectory("Euler, action = 1 if theta > 0 else 0", start, "euler",
               lambda t, s: 1 if s[2] > 0 else 0)
    trajectory("Semi-implicit, action = (t * 7 + 3) % 5 < 2 for step t = 1..200", start, "semi-implicit",
               lambda t, s: 1 if (t * 7 + 3) % 5 < 2 else 0)
    # Long free fall: the pole swings through large angles, exercising sin/cos far from zero.
    trajectory("Euler, always push right", start, "euler", lambda t, s: 1)

    baseline_episodes()
    print(f"\n# steps where x*x differed from x**2: {square_mismatches}")


if __name__ == "__main__":
    main()
