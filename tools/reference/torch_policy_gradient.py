"""Reference numbers for Reinforce.Core.Tests/Policies/TorchReferenceTests.cs.

Builds small nn.Sequential policies with fixed weights (every hidden activation, both heads),
evaluates the REINFORCE loss

    L = -(1/N) * sum_i w_i * log pi(a_i|s_i) - beta * (1/N) * sum_i H(pi(.|s_i))

on a fixed batch in float32, calls loss.backward(), and writes logits, log-probabilities, the
loss and every parameter gradient (by state-dict name) to
Reinforce.Core.Tests/Reference/torch_policy_gradient.json.

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

def build(sizes, activation):
    layers = []
    for i in range(len(sizes) - 1):
        layers.append(nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
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

out = os.path.join("Reinforce.Core.Tests", "Reference", "torch_policy_gradient.json")
with open(out, "w") as f:
    json.dump({"generator": "tools/reference/torch_policy_gradient.py", "torch": torch.__version__, "cases": cases}, f, indent=1)
print("wrote", out, len(cases), "cases")
