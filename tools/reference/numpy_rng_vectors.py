#!/usr/bin/env python3
"""Reference vectors for Reinforce.Randomness (SeedSequence and Pcg64) produced by NumPy itself.

Run with a Python that has NumPy (for example Debian's python3-numpy):

    python3 tools/reference/numpy_rng_vectors.py

The output is pasted into Reinforce.Core.Tests/Randomness/NumpyReferenceVectors.cs.
Every value is printed exactly: integers in hexadecimal, doubles as their IEEE-754 bit
pattern (and repr for reading), float32 values as their bit pattern.
"""
import struct

import numpy as np


def bits64(x):
    return struct.unpack("<Q", struct.pack("<d", float(x)))[0]


def bits32(x):
    return struct.unpack("<I", struct.pack("<f", np.float32(x)))[0]


def hexlist(values, width):
    return ", ".join(f"0x{int(v):0{width}X}" for v in values)


def main():
    print(f"numpy {np.__version__}")

    print("\n# SeedSequence(entropy, spawn_key).generate_state(4, uint32) and (2, uint64)")
    seed_sequences = [
        (0, ()),
        (42, ()),
        (2**40 + 7, ()),
        (2**100 + 12345, ()),
        (42, (3,)),
        (1, (2**32 + 5,)),
        (0, (0,)),
        (2**40 + 7, (9,)),
    ]
    for entropy, spawn_key in seed_sequences:
        ss = np.random.SeedSequence(entropy, spawn_key=spawn_key)
        words = ss.generate_state(4, np.uint32)
        longs = ss.generate_state(2, np.uint64)
        print(f"entropy={entropy:#x} spawn_key={spawn_key} pool=[{hexlist(ss.pool, 8)}]")
        print(f"  u32=[{hexlist(words, 8)}]")
        print(f"  u64=[{hexlist(longs, 16)}]")
    ss = np.random.SeedSequence(42)
    print(f"entropy=0x2a generate_state(9, uint32)=[{hexlist(ss.generate_state(9), 8)}]")

    print("\n# default_rng(seed): PCG64 state right after seeding, then bit_generator.random_raw(6)")
    for seed in (0, 42, 2**40 + 7, 543):
        rng = np.random.default_rng(seed)
        st = rng.bit_generator.state["state"]
        print(f"seed={seed:#x} state=0x{st['state']:032X} inc=0x{st['inc']:032X}")
        print(f"  raw=[{hexlist(rng.bit_generator.random_raw(6), 16)}]")

    print("\n# default_rng(seed).random(4): doubles as bits (repr)")
    for seed in (0, 42):
        values = np.random.default_rng(seed).random(4)
        print(f"seed={seed} bits=[{hexlist([bits64(v) for v in values], 16)}] repr={list(map(repr, values.tolist()))}")

    print("\n# default_rng(seed).uniform(-0.05, 0.05, size=4): doubles as bits, then as float32 bits")
    for seed in (0, 42, 543):
        values = np.random.default_rng(seed).uniform(-0.05, 0.05, size=4)
        print(f"seed={seed} f64=[{hexlist([bits64(v) for v in values], 16)}]")
        print(f"  f32=[{hexlist([bits32(v) for v in values], 8)}] repr={list(map(repr, values.astype(np.float32).tolist()))}")

    print("\n# default_rng(42).uniform(-0.05, 0.05, size=8): a second reset without seed continues the stream")
    values = np.random.default_rng(42).uniform(-0.05, 0.05, size=8)
    print(f"f32=[{hexlist([bits32(v) for v in values], 8)}]")

    print("\n# default_rng(123).uniform(0, 1, size=4) as float32 (Gymnasium reset(seed=123, options low=0 high=1))")
    values = np.random.default_rng(123).uniform(0.0, 1.0, size=4)
    print(f"f32=[{hexlist([bits32(v) for v in values], 8)}] repr={list(map(repr, values.astype(np.float32).tolist()))}")

    print("\n# Derive(seed, stream) = default_rng(SeedSequence(seed, spawn_key=(stream,))).bit_generator.random_raw(4)")
    for seed, stream in ((42, 0), (42, 1), (42, 2**32 + 5), (7, 3)):
        rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(stream,)))
        print(f"seed={seed} stream={stream:#x} raw=[{hexlist(rng.bit_generator.random_raw(4), 16)}]")
    children = np.random.SeedSequence(42).spawn(3)
    spawned = np.random.default_rng(children[2]).bit_generator.random_raw(1)[0]
    derived = np.random.default_rng(np.random.SeedSequence(42, spawn_key=(2,))).bit_generator.random_raw(1)[0]
    print(f"SeedSequence(42).spawn(3)[2] first raw 0x{int(spawned):016X} equals Derive(42, 2): {spawned == derived}")


if __name__ == "__main__":
    main()
