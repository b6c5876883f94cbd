#!/usr/bin/env python3
"""Reads a run folder's monitor.csv the way Stable-Baselines3's load_results (stable_baselines3/common/monitor.py)
reads a Monitor log, with pandas alone, and checks it against the folder's episodes.csv:

  * the first line starts with '#' and the rest of it is a JSON object with t_start (a number, Unix seconds) and
    env_id (a string);
  * pandas.read_csv on the rest of the file gives exactly the columns r, l, t;
  * one row per row of episodes.csv: r its return (to SB3's 6 decimals), l its length;
  * t is finite, >= 0 and never decreases.

load_results then adds t_start to t, sorts by t and subtracts the earliest t_start; that is also done here, and the
frame it gives is printed in short.

    /usr/bin/python3 tools/reference/monitor_check.py runs/x

Exit 0 when every check holds, 1 with the failed check otherwise. Reinforce.Core.Tests/Cli/MonitorFileTests.cs runs
it when a python3 with pandas is there (it is optional: the C# test parses the file the same way without it).
"""
import json
import math
import os
import sys

import pandas


def load_results_like(folder):
    path = os.path.join(folder, "monitor.csv")
    with open(path) as handle:
        first_line = handle.readline()
        assert first_line[0] == "#", "the first line starts with #"
        header = json.loads(first_line[1:])
        frame = pandas.read_csv(handle, index_col=None)
    return header, frame


def main(folder):
    header, frame = load_results_like(folder)
    assert set(header) == {"t_start", "env_id"}, f"header keys {sorted(header)}"
    assert isinstance(header["t_start"], float) and math.isfinite(header["t_start"]), "t_start is a finite float"
    assert isinstance(header["env_id"], str), "env_id is a string"
    assert list(frame.columns) == ["r", "l", "t"], f"columns {list(frame.columns)}"

    episodes = pandas.read_csv(os.path.join(folder, "episodes.csv"))
    assert len(frame) == len(episodes), f"{len(frame)} monitor rows, {len(episodes)} episodes"
    assert (frame["r"] == episodes["return"].round(6)).all(), "r is each episode's return"
    assert (frame["l"] == episodes["length"]).all(), "l is each episode's length"
    assert frame["l"].dtype.kind == "i", "l is an integer column"
    t = frame["t"]
    assert t.map(math.isfinite).all() and (t >= 0).all(), "t is finite and >= 0"
    assert t.is_monotonic_increasing, "t never decreases"

    # What load_results returns for this one file.
    loaded = frame.copy()
    loaded["t"] += header["t_start"]
    loaded.sort_values("t", inplace=True)
    loaded.reset_index(inplace=True)
    loaded["t"] -= header["t_start"]
    print(f"ok: {len(loaded)} episodes of {header['env_id']}, t_start {header['t_start']!r}, "
          f"mean r {loaded['r'].mean():.2f}, last t {loaded['t'].iloc[-1] if len(loaded) else 0:.3f} s")


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: monitor_check.py RUN_DIR")
    try:
        main(sys.argv[1])
    except AssertionError as failed:
        sys.exit(f"monitor_check: {failed}")
