#!/usr/bin/env python3
"""REINFORCE on CartPole-v1 in PyTorch, configured like Reinforce's `pytorch-example` preset.

The configuration of PyTorch's examples/reinforcement_learning/reinforce.py without its dropout layer
(the preset has none): policy 4 -> 128 ReLU -> 2 (softmax), Adam lr 1e-2, gamma 0.99, one episode per
update, returns normalised per episode as (G - mean) / (std + eps) with torch.std (unbiased) and eps the
float32 machine epsilon, loss = sum over the episode of -log pi(a|s) * G, running reward
r <- 0.05 * R + 0.95 * r starting at 10, stop when r > 475 (CartPole-v1's threshold, 500-step limit).

CartPole is written here from Gymnasium's equations (Euler integration, float64 state, float32
observation), so no Gymnasium is needed. Resets draw Uniform(-0.05, 0.05) from numpy's default_rng.

Run with any Python that has torch and numpy (measured with Debian's python3-torch):
    python3 peers/reinforce_pytorch.py --seeds 1 2 3 4 5
Prints one line per seed (episodes, env steps, wall seconds, steps/s) and a median line.
"""
import argparse
import math
import statistics
import time

import numpy as np
import torch
import torch.nn as nn
import torch.optim as optim
from torch.distributions import Categorical


class CartPole:
    """Gymnasium's CartPole-v1: same constants, same operations in the same order."""

    gravity, masscart, masspole, length, force_mag, tau = 9.8, 1.0, 0.1, 0.5, 10.0, 0.02
    total_mass = masspole + masscart
    polemass_length = masspole * length
    theta_threshold_radians = 12 * 2 * math.pi / 360
    x_threshold = 2.4
    max_episode_steps = 500

    def __init__(self, seed):
        self.rng = np.random.default_rng(seed)
        self.state = None
        self.steps = 0

    def reset(self):
        self.state = tuple(float(v) for v in self.rng.uniform(-0.05, 0.05, size=4))
        self.steps = 0
        return np.array(self.state, dtype=np.float32)

    def step(self, action):
        x, x_dot, theta, theta_dot = self.state
        force = self.force_mag if action == 1 else -self.force_mag
        costheta, sintheta = math.cos(theta), math.sin(theta)
        temp = (force + self.polemass_length * (theta_dot * theta_dot) * sintheta) / self.total_mass
        thetaacc = (self.gravity * sintheta - costheta * temp) / (
            self.length * (4.0 / 3.0 - self.masspole * (costheta * costheta) / self.total_mass))
        xacc = temp - self.polemass_length * thetaacc * costheta / self.total_mass
        x = x + self.tau * x_dot
        x_dot = x_dot + self.tau * xacc
        theta = theta + self.tau * theta_dot
        theta_dot = theta_dot + self.tau * thetaacc
        self.state = (x, x_dot, theta, theta_dot)
        self.steps += 1
        terminated = (x < -self.x_threshold or x > self.x_threshold
                      or theta < -self.theta_threshold_radians or theta > self.theta_threshold_radians)
        truncated = self.steps >= self.max_episode_steps
        return np.array(self.state, dtype=np.float32), 1.0, terminated, truncated


def train(seed, gamma=0.99, lr=1e-2, max_episodes=10_000):
    torch.manual_seed(seed)
    env = CartPole(seed)
    policy = nn.Sequential(nn.Linear(4, 128), nn.ReLU(), nn.Linear(128, 2))
    optimizer = optim.Adam(policy.parameters(), lr=lr)
    eps = np.finfo(np.float32).eps.item()
    running_reward, steps = 10.0, 0
    start = time.perf_counter()
    for episode in range(1, max_episodes + 1):
        state, log_probs, rewards = env.reset(), [], []
        while True:
            probs = torch.softmax(policy(torch.from_numpy(state).unsqueeze(0)), dim=1)
            m = Categorical(probs)
            action = m.sample()
            log_probs.append(m.log_prob(action))
            state, reward, terminated, truncated = env.step(action.item())
            rewards.append(reward)
            if terminated or truncated:
                break
        steps += len(rewards)
        running_reward = 0.05 * sum(rewards) + (1 - 0.05) * running_reward
        R, returns = 0.0, []
        for r in reversed(rewards):
            R = r + gamma * R
            returns.insert(0, R)
        returns = torch.tensor(returns)
        returns = (returns - returns.mean()) / (returns.std() + eps)
        loss = torch.cat([-log_prob * G for log_prob, G in zip(log_probs, returns)]).sum()
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if running_reward > 475:
            break
    return episode, steps, time.perf_counter() - start, running_reward > 475


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5])
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads (1: like the C# trainer)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"# PyTorch {torch.__version__}, {torch.get_num_threads()} thread(s)")
    print(f"{'seed':>5} {'episodes':>9} {'steps':>9} {'seconds':>9} {'steps/s':>10} solved")
    seconds, rates = [], []  # seconds: of the runs that solved
    for seed in args.seeds:
        episodes, steps, elapsed, solved = train(seed)
        if solved:
            seconds.append(elapsed)
        rates.append(steps / elapsed)
        print(f"{seed:>5} {episodes:>9} {steps:>9} {elapsed:>9.2f} {steps / elapsed:>10.0f} {solved}", flush=True)
    median_seconds = statistics.median(seconds) if seconds else float("nan")
    print(f"solved {len(seconds)}/{len(args.seeds)}; median: {median_seconds:.2f} s to solve (solved runs), "
          f"{statistics.median(rates):.0f} steps/s (all runs)")


if __name__ == "__main__":
    main()
