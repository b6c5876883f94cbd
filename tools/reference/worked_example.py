#!/usr/bin/env python3
"""An independent PyTorch computation of docs/worked-example.md.

The document is the single source of the example: this script reads its inputs (the weights,
the episode, gamma, beta, Adam's settings) from the document's ```text blocks, computes every
printed quantity with PyTorch in float32 -- autograd for the gradients, torch.optim.Adam for the
update, nothing copied from the C# library -- and then

    python3 tools/reference/worked_example.py           checks every number printed in
                                                        the document (default)
    python3 tools/reference/worked_example.py --print   prints the output blocks, to
                                                        paste into the document

Run it from the repository root with a Python that has torch (for example Debian's python3-torch).

Tolerance: one unit in the last printed digit of each number (0.000001 for 0.123456, 1e-8 for
1.2345e-04), the same rule as Reinforce.Core.Tests/Docs/WorkedExampleTests.cs, which checks the
library against the same numbers. A number printed from an exact float rounds to within half a
unit; the other half absorbs the few ulps by which two float implementations may differ.

Where PyTorch and the library may differ by a few ulps: torch < 2.0 computes Adam's first moment
as m*b1 + (1-b1)*g instead of lerp; tanh, exp and log come from different math libraries. The
returns are computed in Python floats (double) and normalised in double, as the library does.
"""
import math
import re
import sys

import torch

DOC = "docs/worked-example.md"
LINE = re.compile(r"^(\S+) +=  *(\S.*)$")


def read_blocks(path):
    """label -> list of number strings, from every ```text block of the document."""
    values, inside = {}, False
    with open(path, encoding="utf-8") as f:
        for number, raw in enumerate(f, 1):
            line = raw.rstrip("\n")
            if line.startswith("```"):
                inside = line == "```text" if not inside else False
                continue
            if not inside or not line.strip() or line.startswith("#"):
                continue
            match = LINE.match(line)
            if not match:
                raise SystemExit(f"{path}:{number}: not 'label = numbers': {line!r}")
            label, numbers = match.group(1), match.group(2).split()
            if label in values:
                raise SystemExit(f"{path}:{number}: label {label} appears twice")
            values[label] = numbers
    return values


def unit(text):
    """One unit in the last printed digit of a number as printed; 0 for an integer (exact)."""
    mantissa, _, exponent = text.lower().partition("e")
    if "." not in mantissa:
        return 0.0
    decimals = len(mantissa.split(".")[1])
    return 10.0 ** (int(exponent or 0) - decimals)


def compute(doc):
    def vec(label):
        return [float(v) for v in doc[label]]

    def rows(name, count):
        return torch.tensor([vec(f"{name}[{r}]") for r in range(count)], dtype=torch.float32)

    W1 = rows("W1", 3).requires_grad_()
    b1 = torch.tensor(vec("b1"), dtype=torch.float32).requires_grad_()
    W2 = rows("W2", 2).requires_grad_()
    b2 = torch.tensor(vec("b2"), dtype=torch.float32).requires_grad_()
    states = rows("s", 3)
    actions = torch.tensor([int(v) for v in doc["a"]])
    rewards = vec("r")
    gamma, beta, lr = vec("gamma")[0], vec("beta")[0], vec("lr")[0]
    beta1, beta2, eps = vec("adam.beta1")[0], vec("adam.beta2")[0], vec("adam.eps")[0]
    norm_eps = vec("norm.eps")[0]
    T = len(rewards)

    out = []  # (label, list of floats, format)

    def put(label, values, fmt="%.6f"):
        out.append((label, [float(v) for v in values], fmt))

    # Forward, keeping every intermediate for its gradient.
    z1 = states @ W1.T + b1
    h = torch.tanh(z1)
    logits = h @ W2.T + b2
    for t_ in (z1, h, logits):
        t_.retain_grad()
    logp = torch.log_softmax(logits, dim=1)
    p = torch.softmax(logits, dim=1)
    H = -(p * logp).sum(dim=1)
    for t in range(T):
        put(f"z1[{t}]", z1[t].tolist())
        put(f"h[{t}]", h[t].tolist())
        put(f"logits[{t}]", logits[t].tolist())
        put(f"p[{t}]", p[t].tolist())
        put(f"logp[{t}]", logp[t].tolist())
        put(f"H[{t}]", [H[t].item()])

    # Returns in double, backwards; then standardised with the unbiased std.
    G, g = [0.0] * T, 0.0
    for t in reversed(range(T)):
        g = rewards[t] + gamma * g
        G[t] = float(torch.tensor(g, dtype=torch.float32))
    mean = sum(G) / T
    std = math.sqrt(sum((x - mean) ** 2 for x in G) / (T - 1))
    w = [float(torch.tensor((x - mean) / (std + norm_eps), dtype=torch.float32)) for x in G]
    put("G", G)
    put("G.mean", [mean])
    put("G.std", [std])
    put("w", w)
    weights = torch.tensor(w, dtype=torch.float32)

    # Loss: mean over the N = T steps.
    logp_a = logp[torch.arange(T), actions]
    policy_term = -(weights * logp_a).mean()
    entropy_term = -beta * H.mean()
    loss = policy_term + entropy_term
    put("logp_a", logp_a.tolist())
    put("L.policy", [policy_term.item()])
    put("H.mean", [H.mean().item()])
    put("L.entropy", [entropy_term.item()])
    put("L", [loss.item()])

    # The gradient at the logits, split into its two terms (each by autograd on its own term).
    d_policy, = torch.autograd.grad(policy_term, logits, retain_graph=True)
    d_entropy, = torch.autograd.grad(entropy_term, logits, retain_graph=True)
    loss.backward()
    for t in range(T):
        put(f"dlogits.policy[{t}]", d_policy[t].tolist())
        put(f"dlogits.entropy[{t}]", d_entropy[t].tolist(), "%.4e")
        put(f"dlogits[{t}]", logits.grad[t].tolist())
    for r in range(2):
        put(f"dW2[{r}]", W2.grad[r].tolist())
    put("db2", b2.grad.tolist())
    for t in range(T):
        put(f"dh[{t}]", h.grad[t].tolist())
        put(f"dz1[{t}]", z1.grad[t].tolist())
    for r in range(3):
        put(f"dW1[{r}]", W1.grad[r].tolist())
    put("db1", b1.grad.tolist())

    # One Adam step.
    params = {"W1": W1, "b1": b1, "W2": W2, "b2": b2}
    optimizer = torch.optim.Adam(params.values(), lr=lr, betas=(beta1, beta2), eps=eps)
    optimizer.step()
    put("adam.step_size", [lr / (1 - beta1 ** 1)])
    put("adam.bc2_sqrt", [math.sqrt(1 - beta2 ** 1)])
    for name, tensor in params.items():
        state = optimizer.state[tensor]
        for kind, values in (("m", state["exp_avg"]), ("v", state["exp_avg_sq"]), ("new", tensor.detach())):
            label = f"{kind}.{name}" if kind != "new" else f"{name}.new"
            fmt = "%.6f" if kind == "new" else "%.4e"
            if values.dim() == 2:
                for r in range(values.shape[0]):
                    put(f"{label}[{r}]", values[r].tolist(), fmt)
            else:
                put(label, values.tolist(), fmt)

    # The policy after the update.
    with torch.no_grad():
        logits_new = torch.tanh(states @ W1.T + b1) @ W2.T + b2
        logp_new = torch.log_softmax(logits_new, dim=1)
        p_new = torch.softmax(logits_new, dim=1)
        H_new = -(p_new * logp_new).sum(dim=1)
        loss_new = -(weights * logp_new[torch.arange(T), actions]).mean() - beta * H_new.mean()
    for t in range(T):
        put(f"p.new[{t}]", p_new[t].tolist())
    put("L.new", [loss_new.item()])
    return out


def main():
    doc = read_blocks(DOC)
    out = compute(doc)
    if "--print" in sys.argv:
        for label, values, fmt in out:
            print(f"{label} = " + " ".join((fmt % v).rjust(11) for v in values))
        return
    computed = {label: values for label, values, _ in out}
    missing = [label for label in computed if label not in doc]
    failures, worst = list(missing), 0.0
    for label, values in computed.items():
        if label not in doc:
            continue
        printed = doc[label]
        if len(printed) != len(values):
            failures.append(f"{label}: {len(printed)} numbers printed, {len(values)} computed")
            continue
        for text, value in zip(printed, values):
            tolerance = unit(text)
            diff = abs(float(text) - value)
            worst = max(worst, diff / tolerance if tolerance else (0.0 if diff == 0 else math.inf))
            if diff > tolerance:
                failures.append(f"{label}: printed {text}, torch {value!r}")
    print(f"torch {torch.__version__}: {len(computed)} labels, {sum(len(v) for v in computed.values())} numbers, "
          f"largest |printed - torch| = {worst:.2f} units of the last printed digit")
    for failure in failures:
        print("MISMATCH", failure)
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
