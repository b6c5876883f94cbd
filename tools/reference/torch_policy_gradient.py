"""Reference numbers for Reinforce.Core.Tests/Policies/TorchReferenceTests.cs.

Builds small nn.Sequential policies with fixed weights (every hidden activation, both heads),
evaluates the REINFORCE loss

    L = -(1/N) * sum_i w_i * log pi(a_i|s_i) - beta * (1/N) * sum_i H(pi(.|s_i))

on a fixed batch in float32, calls loss.backward(), and writes logits, log-probabilities, the
loss and every parameter gradient (by state-dict name) to
Reinforce.Core.Tests/Reference/torch_policy_gradient.json.

The "dropout" cases put a dropout module after every hidden Linear, before the activation (the
order of reinforce.py), in training mode but with a FIXED mask written to the file ("keep": one
0/1 per hidden unit and row, first hidden layer first). The module computes what nn.Dropout's
training forward computes once its Bernoulli noise is drawn -- noise.div_(1 - p), then x * noise --
and the script first checks that claim against F.dropout itself: the output of F.dropout equals,
bit for bit, x times the mask read off that output, divided by (1 - p) in float.

Run from the repository root: /usr/bin/python3 tools/reference/torch_policy_gradient.py
"""
import json
import math
import os
import torch
import torch.nn as nn

torch.set_num_threads(1)

def values(count, a, b, c):
    # Deterministic, irregular values in about [-1.2, 1.2] without any random generator.
    return [math.sin(a * i + b) * c + 0.05 * math.cos(3.1 * i) for i in range(count)]

class FixedMaskDropout(nn.Module):
    """nn.Dropout's training forward with the Bernoulli noise replaced by a given 0/1 keep mask."""

    def __init__(self, p):
        super().__init__()
        self.p = p
        self.keep = None

    def forward(self, x):
        noise = self.keep.to(x.dtype).clone()
        noise.div_(1 - self.p)
        return x * noise


def check_dropout_emulation():
    # F.dropout in training mode draws its own mask; read the mask off the output (a kept unit of a nonzero
    # input is nonzero) and check that the emulation gives the same bits.
    torch.manual_seed(0)
    for p in (0.6, 0.3, 0.5):
        x = torch.randn(64, 17) + 3.0  # no zeros in x
        y = torch.nn.functional.dropout(x, p=p, training=True)
        module = FixedMaskDropout(p)
        module.keep = (y != 0)
        assert torch.equal(module(x), y), f"dropout emulation differs from F.dropout for p = {p}"


def build(sizes, activation, dropout=0.0):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            if dropout > 0:
                layers.append(FixedMaskDropout(dropout))
            layers.append(activation())
    net = nn.Sequential(*layers)
    with torch.no_grad():
        for k, (name, p) in enumerate(net.named_parameters()):
            p.copy_(torch.tensor(values(p.numel(), 0.7 + 0.13 * k, 0.3 * k, 0.9 / math.sqrt(p.shape[-1])),
                                 dtype=torch.float32).reshape(p.shape))
    return net

activations = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "leaky-relu": lambda: nn.LeakyReLU(0.01),
    "elu": lambda: nn.ELU(1.0),
}

batch = 7
states = torch.tensor(values(batch * 4, 1.3, 0.1, 1.1), dtype=torch.float32).reshape(batch, 4)
weights = torch.tensor(values(batch, 2.1, 0.4, 1.5), dtype=torch.float32)
cases = []
for head, outputs in (("categorical", 3), ("bernoulli", 1)):
    for act_name, act in activations.items():
        for beta in (0.0, 0.05):
            net = build([4, 6, 5, outputs], act)
            actions = torch.tensor([(i * 2 + 1) % (3 if head == "categorical" else 2) for i in range(batch)])
            logits = net(states)
            if head == "categorical":
                dist = torch.distributions.Categorical(logits=logits)
                logp = dist.log_prob(actions)
            else:
                dist = torch.distributions.Bernoulli(logits=logits.squeeze(-1))
                logp = dist.log_prob(actions.float())
            entropy = dist.entropy()
            loss = -(weights * logp).mean() - beta * entropy.mean()
            loss.backward()
            cases.append({
                "head": head, "activation": act_name, "beta": beta,
                "sizes": [4, 6, 5, outputs],
                "parameters": {n: p.detach().flatten().tolist() for n, p in net.named_parameters()},
                "states": states.flatten().tolist(),
                "actions": actions.tolist(),
                "weights": weights.tolist(),
                "logits": logits.detach().flatten().tolist(),
                "log_probabilities": logp.detach().tolist(),
                "entropy_mean": entropy.mean().item(),
                "loss": loss.item(),
                "gradients": {n: p.grad.flatten().tolist() for n, p in net.named_parameters()},
            })

check_dropout_emulation()
dropout_cases = [
    # head, activation, p, beta, reduction
    ("categorical", "relu", 0.6, 0.0, "sum"),
    ("categorical", "tanh", 0.3, 0.05, "mean"),
    ("categorical", "leaky-relu", 0.5, 0.0, "mean"),
    ("bernoulli", "elu", 0.6, 0.05, "mean"),
]
for head, act_name, p, beta, reduction in dropout_cases:
    outputs = 3 if head == "categorical" else 1
    sizes = [4, 6, 5, outputs]
    net = build(sizes, activations[act_name], dropout=p)
    # A fixed, irregular keep mask per row: first hidden layer's 6 units, then the second's 5.
    keep = torch.tensor([v > (p - 0.5) * 2 for v in values(batch * 11, 1.9, 0.2 + p, 1.0)]).reshape(batch, 11)
    dropouts = [m for m in net if isinstance(m, FixedMaskDropout)]
    dropouts[0].keep, dropouts[1].keep = keep[:, :6], keep[:, 6:]
    actions = torch.tensor([(i * 2 + 1) % (3 if head == "categorical" else 2) for i in range(batch)])
    logits = net(states)
    if head == "categorical":
        dist = torch.distributions.Categorical(logits=logits)
        logp = dist.log_prob(actions)
    else:
        dist = torch.distributions.Bernoulli(logits=logits.squeeze(-1))
        logp = dist.log_prob(actions.float())
    entropy = dist.entropy()
    scale = 1.0 / batch if reduction == "mean" else 1.0
    loss = -(weights * logp).sum() * scale - beta * entropy.sum() * scale
    loss.backward()
    cases.append({
        "head": head, "activation": act_name, "beta": beta, "dropout": p, "reduction": reduction,
        "sizes": sizes,
        "keep": keep.to(torch.int64).flatten().tolist(),
        "parameters": {n: q.detach().flatten().tolist() for n, q in net.named_parameters()},
        "states": states.flatten().tolist(),
        "actions": actions.tolist(),
        "weights": weights.tolist(),
        "logits": logits.detach().flatten().tolist(),
        "log_probabilities": logp.detach().tolist(),
        "entropy_mean": entropy.mean().item(),
        "loss": loss.item(),
        "gradients": {n: q.grad.flatten().tolist() for n, q in net.named_parameters()},
    })

out = os.path.join("Reinforce.Core.Tests", "Reference", "torch_policy_gradient.json")
with open(out, "w") as f:
    json.dump({"generator": "tools/reference/torch_policy_gradient.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
print("wrote", out, len(cases), "cases")
