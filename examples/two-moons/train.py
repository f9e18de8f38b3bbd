#!/usr/bin/env python3
"""Train a two-layer ReLU network on train.csv the way a PyTorch user would, export model.onnx.

Settings (see README.md): nn.Linear(2, 64) -> ReLU -> nn.Linear(64, 1), float32,
MSELoss(reduction='mean'), Adam(lr=1e-2, weight_decay=1e-3), full batch, 20000 epochs
(lr multiplied by 0.3 at epochs 8000, 14000, 18000). Biases are decayed too (PyTorch default).
"""
import csv
import os
import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHT_DECAY = 1e-3
EPOCHS = 20000
LR = 1e-2
WIDTH = 64


def load(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    data = np.array(rows[1:], dtype=np.float64)
    return data[:, :-1], data[:, -1:]


def main():
    torch.manual_seed(0)
    torch.set_num_threads(1)
    X, Y = load(os.path.join(HERE, "train.csv"))
    x = torch.tensor(X, dtype=torch.float32)
    y = torch.tensor(Y, dtype=torch.float32)
    model = nn.Sequential(nn.Linear(2, WIDTH), nn.ReLU(), nn.Linear(WIDTH, 1))
    opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.MultiStepLR(opt, milestones=[8000, 14000, 18000], gamma=0.3)
    loss_fn = nn.MSELoss(reduction="mean")
    for epoch in range(EPOCHS):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        if epoch % 5000 == 0 or epoch == EPOCHS - 1:
            print(f"epoch {epoch:6d}  mse {loss.item():.6f}")
    model.eval()
    torch.onnx.export(model, (x[:1],), os.path.join(HERE, "model.onnx"), dynamo=False,
                      input_names=["input"], output_names=["output"],
                      dynamic_axes={"input": {0: "batch"}, "output": {0: "batch"}})
    # Objective of MATH.md §1 with beta = n*c*wd/2, from the float32 weights as exported
    n, c = Y.shape
    beta = n * c * WEIGHT_DECAY / 2
    W1, b1, W2, b2 = [p.detach().double().numpy() for p in model.parameters()]
    F = np.maximum(X @ W1.T + b1, 0) @ W2.T + b2
    R = Y - F
    P = 0.5 * (R ** 2).sum() + beta / 2 * sum((p ** 2).sum() for p in (W1, b1, W2, b2))
    Pbal = 0.5 * (R ** 2).sum() + beta * (np.linalg.norm(np.c_[W1, b1], axis=1) * np.linalg.norm(W2, axis=0)).sum() \
        + beta / 2 * (b2 ** 2).sum()
    print(f"n={n} c={c} beta={beta}  P(as trained)={P:.8f}  P_bal={Pbal:.8f}")


if __name__ == "__main__":
    main()
