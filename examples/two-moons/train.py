#!/usr/bin/env python3
"""Train a two-layer ReLU network on train.csv the way a PyTorch user would, export model.onnx.

Settings (see README.md): nn.Linear(2, 3000) -> ReLU -> nn.Linear(3000, 1), trained in float64
(model.double()), MSELoss(reduction='mean'), full batch.
  1. Adam(lr=1e-2, weight_decay=1e-3), 60000 epochs, ExponentialLR decaying lr from 1e-2 to 1e-5
     (gamma = (1e-5/1e-2) ** (1/60000) per epoch).
  2. Polish: torch.optim.LBFGS(lr=1, max_iter=1000, history_size=50, line_search_fn='strong_wolfe'),
     20 calls, on the exact objective MSE(mean) + wd/2 * ||theta||^2 (what Adam's coupled
     weight_decay minimises).
Biases are decayed too (PyTorch default). Exported with model.float() -> float32 weights.
"""
import csv
import os
import time
import numpy as np
import torch
import torch.nn as nn

HERE = os.path.dirname(os.path.abspath(__file__))
WEIGHT_DECAY = 1e-3
WIDTH = 3000
EPOCHS = 60000
LR = 1e-2
LR_FINAL = 1e-5
LBFGS_CALLS = 20


def load(path):
    with open(path) as f:
        rows = list(csv.reader(f))
    data = np.array(rows[1:], dtype=np.float64)
    return data[:, :-1], data[:, -1:]


def main():
    t0 = time.time()
    torch.manual_seed(0)
    torch.set_num_threads(1)
    X, Y = load(os.path.join(HERE, "train.csv"))
    x = torch.tensor(X, dtype=torch.float64)
    y = torch.tensor(Y, dtype=torch.float64)
    model = nn.Sequential(nn.Linear(2, WIDTH), nn.ReLU(), nn.Linear(WIDTH, 1)).double()
    loss_fn = nn.MSELoss(reduction="mean")

    def objective():  # what Adam(weight_decay=wd) minimises: MSE(mean) + wd/2 * ||theta||^2
        return loss_fn(model(x), y) + WEIGHT_DECAY / 2 * sum((p ** 2).sum() for p in model.parameters())

    # 1. full-batch Adam, lr decayed exponentially from LR to LR_FINAL
    opt = torch.optim.Adam(model.parameters(), lr=LR, weight_decay=WEIGHT_DECAY)
    sched = torch.optim.lr_scheduler.ExponentialLR(opt, gamma=(LR_FINAL / LR) ** (1.0 / EPOCHS))
    for epoch in range(EPOCHS):
        opt.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        opt.step()
        sched.step()
        if epoch % 10000 == 0 or epoch == EPOCHS - 1:
            print(f"epoch {epoch:6d}  lr {sched.get_last_lr()[0]:.2e}  mse {loss.item():.8f}  "
                  f"objective {objective().item():.10f}  ({time.time() - t0:.0f} s)", flush=True)

    # 2. polish with full-batch L-BFGS on the same objective
    lbfgs = torch.optim.LBFGS(model.parameters(), lr=1, max_iter=1000, history_size=50, tolerance_grad=1e-15,
                              tolerance_change=1e-18, line_search_fn="strong_wolfe")

    def closure():
        lbfgs.zero_grad()
        L = objective()
        L.backward()
        return L
    for _ in range(LBFGS_CALLS):
        lbfgs.step(closure)
    print(f"after L-BFGS  objective {objective().item():.10f}  ({time.time() - t0:.0f} s)")

    model.eval()
    model.float()  # export float32 weights
    torch.onnx.export(model, (x[:1].float(),), os.path.join(HERE, "model.onnx"), dynamo=False,
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
    print(f"n={n} c={c} beta={beta}  P(as trained)={P:.10f}  P_bal={Pbal:.10f}  ({time.time() - t0:.0f} s)")


if __name__ == "__main__":
    main()
