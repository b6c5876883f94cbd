#!/usr/bin/env python3
"""Loads a Reinforce checkpoint.safetensors with PyTorch only (no safetensors package: the format is parsed here
by hand) and checks that PyTorch reads it as intended:

  * the 8-byte little-endian header length, the JSON header, F32 dtypes, offsets that tile the data exactly;
  * the weights load into the nn.Sequential that the metadata's trainer_options describe with
    load_state_dict(strict=True), PyTorch's [out, in] layout included -- with "dropout" > 0 that is
    Sequential(Linear, Dropout(p), act, ..., Linear), so the dense layers are modules 0, 3, 6, ...;
  * for a 4-H-2 network with dropout, the same tensors also load into reinforce.py's own module
    (affine1, dropout, affine2) after renaming 0. -> affine1. and 3. -> affine2.;
  * the optimizer tensors (optimizer.exp_avg.*, optimizer.exp_avg_sq.*) and optimizer.step load into
    torch.optim.Adam's state for the same parameters;

then prints the network's outputs (logits) in evaluation mode (model.eval(): dropout is the identity) for
two fixed observations as float32 bit patterns, which Reinforce.Core.Tests/Checkpoints/TorchCrossCheckTests.cs
compares with the C# forward pass.

    /usr/bin/python3 tools/reference/safetensors_check.py runs/x/checkpoint.safetensors

The committed test constants come from: reinforce train --hidden 16 --activation tanh --batch-episodes 2
--max-updates 2 --seed 3, and the same with --dropout 0.6 --activation relu (torch 1.13, CPU).
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
    dropout = options.get("dropout", 0.0)  # checkpoints written before the key existed have no dropout
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            if dropout > 0:
                layers.append(torch.nn.Dropout(dropout))
            layers.append(activations[options["hiddenActivation"]]())
    return torch.nn.Sequential(*layers)


class ReinforcePyPolicy(torch.nn.Module):
    """The module of PyTorch's reinforcement_learning/reinforce.py: affine1 -> dropout -> relu -> affine2."""

    def __init__(self, hidden, p):
        super().__init__()
        self.affine1 = torch.nn.Linear(4, hidden)
        self.dropout = torch.nn.Dropout(p=p)
        self.affine2 = torch.nn.Linear(hidden, 2)

    def forward(self, x):
        return self.affine2(torch.relu(self.dropout(self.affine1(x))))


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
    model.eval()
    if options.get("dropout", 0.0) > 0 and len(options["hiddenSizes"]) == 1 and options["head"] == "categorical" \
            and options["hiddenActivation"] == "relu":
        script = ReinforcePyPolicy(options["hiddenSizes"][0], options["dropout"])
        renamed = {k.replace("0.", "affine1.", 1) if k.startswith("0.") else k.replace("3.", "affine2.", 1): v
                   for k, v in weights.items()}
        script.load_state_dict(renamed, strict=True)
        script.eval()
        with torch.no_grad():
            same = torch.equal(script(torch.tensor(OBSERVATIONS)), model(torch.tensor(OBSERVATIONS)))
        assert same, "reinforce.py's module gives other logits"
        print("reinforce.py's Policy (affine1, dropout, affine2): strict load_state_dict OK after renaming 0. -> affine1., 3. -> affine2.; same logits")
    print(f"progress: updates {metadata['progress.updates']}, episodes {metadata['progress.episodes']}, "
          f"running reward {metadata['progress.running_reward']}")
    with torch.no_grad():
        logits = model(torch.tensor(OBSERVATIONS, dtype=torch.float32))
    for row, observation in zip(logits.tolist(), OBSERVATIONS):
        bits = ", ".join(f"0x{struct.unpack('<I', struct.pack('<f', v))[0]:08X}" for v in row)
        print(f"observation {observation}: logits {row}  bits [{bits}]")


if __name__ == "__main__":
    main(sys.argv[1])
