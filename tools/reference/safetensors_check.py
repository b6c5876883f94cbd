#!/usr/bin/env python3
"""Loads a Reinforce checkpoint.safetensors with PyTorch only (no safetensors package: the format is parsed here
by hand) and checks that PyTorch reads it as intended:

  * the 8-byte little-endian header length, the JSON header, F32 dtypes, offsets that tile the data exactly;
  * the weights load into the nn.Sequential that the metadata's trainer_options describe with
    load_state_dict(strict=True), PyTorch's [out, in] layout included;
  * the optimizer tensors (optimizer.exp_avg.*, optimizer.exp_avg_sq.*) and optimizer.step load into
    torch.optim.Adam's state for the same parameters;

then prints the network's outputs (logits) for two fixed observations as float32 bit patterns, which
Reinforce.Core.Tests/Checkpoints/TorchCrossCheckTests.cs compares with the C# forward pass.

    /usr/bin/python3 tools/reference/safetensors_check.py runs/x/checkpoint.safetensors

The committed test constants come from: reinforce train --hidden 16 --activation tanh --batch-episodes 2
--max-updates 2 --seed 3 (torch 1.13, CPU).
"""
import json
import struct
import sys

import torch

OBSERVATIONS = [[0.01, -0.02, 0.03, -0.04], [0.5, 1.0, -0.1, -1.5]]


def read_safetensors(path):
    data = open(path, "rb").read()
    (n,) = struct.unpack("<Q", data[:8])
    assert 8 + n <= len(data), "header longer than the file"
    header = json.loads(data[8 : 8 + n].decode("utf-8"))
    body = data[8 + n :]
    metadata = header.pop("__metadata__", {})
    assert all(isinstance(v, str) for v in metadata.values()), "metadata must map strings to strings"
    tensors, position = {}, 0
    for name, info in sorted(header.items(), key=lambda kv: kv[1]["data_offsets"][0]):
        begin, end = info["data_offsets"]
        assert info["dtype"] == "F32", f"{name}: dtype {info['dtype']}"
        assert begin == position, f"{name}: starts at {begin}, expected {position}"
        count = 1
        for d in info["shape"]:
            count *= d
        assert end - begin == 4 * count, f"{name}: {end - begin} bytes for shape {info['shape']}"
        tensor = torch.frombuffer(bytearray(body[begin:end]), dtype=torch.float32) if count else torch.zeros(0)
        tensors[name] = tensor.reshape(info["shape"]).clone()
        position = end
    assert position == len(body), f"data has {len(body)} bytes, tensors cover {position}"
    return tensors, metadata


def build_network(options):
    activations = {"relu": torch.nn.ReLU, "tanh": torch.nn.Tanh, "elu": torch.nn.ELU,
                   "leaky-relu": lambda: torch.nn.LeakyReLU(options["hiddenActivationParameter"])}
    outputs = 1 if options["head"] == "bernoulli" else 2
    sizes = [4] + options["hiddenSizes"] + [outputs]
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            layers.append(activations[options["hiddenActivation"]]())
    return torch.nn.Sequential(*layers)


def main(path):
    tensors, metadata = read_safetensors(path)
    assert metadata["format"] == "reinforce.training-checkpoint", metadata.get("format")
    options = json.loads(metadata["trainer_options"])
    model = build_network(options)
    weights = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
    model.load_state_dict(weights, strict=True)

    optimizer = torch.optim.Adam(model.parameters(), lr=options["learningRate"])
    names = [name for name, _ in model.named_parameters()]
    state = {
        i: {"step": torch.tensor(float(metadata["optimizer.step"])),
            "exp_avg": tensors[f"optimizer.exp_avg.{name}"],
            "exp_avg_sq": tensors[f"optimizer.exp_avg_sq.{name}"]}
        for i, name in enumerate(names)
    }
    optimizer.load_state_dict({"state": state, "param_groups": optimizer.state_dict()["param_groups"]})

    print(f"{path}: {len(tensors)} tensors, strict load_state_dict OK, Adam state OK (step {metadata['optimizer.step']})")
    print(f"progress: updates {metadata['progress.updates']}, episodes {metadata['progress.episodes']}, "
          f"running reward {metadata['progress.running_reward']}")
    with torch.no_grad():
        logits = model(torch.tensor(OBSERVATIONS, dtype=torch.float32))
    for row, observation in zip(logits.tolist(), OBSERVATIONS):
        bits = ", ".join(f"0x{struct.unpack('<I', struct.pack('<f', v))[0]:08X}" for v in row)
        print(f"observation {observation}: logits {row}  bits [{bits}]")


if __name__ == "__main__":
    main(sys.argv[1])
