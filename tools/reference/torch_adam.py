"""Reference numbers for Reinforce.Core.Tests/Optimizers/AdamTests.cs (its output is
committed as Reinforce.Core.Tests/Reference/torch_adam.txt).

Runs torch.optim.Adam (defaults betas=(0.9, 0.999), eps=1e-8, CPU, single-tensor path) for three
steps on a fixed float32 parameter vector with fixed gradients, and prints every parameter and
both moments after each step as float32 bit patterns, so the C# test can compare exactly.

Run: /usr/bin/python3 tools/reference/torch_adam.py   (Debian's python3-torch)
"""
import struct
import torch

def bits(t):
    return ", ".join("0x%08X" % struct.unpack("<I", struct.pack("<f", float(v)))[0] for v in t.tolist())

n = 19  # two AVX2 vectors and a tail of 3: exercises body and tail of the SIMD loop
params0 = [((i * 37) % 19 - 9) * 0.0731 for i in range(n)]
grads = [
    [((i * 11) % 7 - 3) * 0.173 + 0.01 for i in range(n)],
    [((i * 5) % 13 - 6) * 0.0291 - 0.002 for i in range(n)],
    [((i * 3) % 17 - 8) * 1.37 for i in range(n)],
]
p = torch.nn.Parameter(torch.tensor(params0, dtype=torch.float32))
opt = torch.optim.Adam([p], lr=1e-2)
print("torch", torch.__version__)
print("params0:", bits(p.detach()))
for k, g in enumerate(grads, 1):
    print("grad%d:" % k, bits(torch.tensor(g, dtype=torch.float32)))
for k, g in enumerate(grads, 1):
    opt.zero_grad()
    p.grad = torch.tensor(g, dtype=torch.float32)
    opt.step()
    st = opt.state[p]
    print("step%d params:" % k, bits(p.detach()))
    print("step%d exp_avg:" % k, bits(st["exp_avg"]))
    print("step%d exp_avg_sq:" % k, bits(st["exp_avg_sq"]))
