#!/usr/bin/env python3
"""Regenerate the bundled example: writes train.csv (two moons, labels +-1), then runs train.py
(which trains with torch and writes model.onnx). Deterministic (seeded); rewrites train.csv
byte-identically (md5 122df7d3696cee681e65da1ed94d66a4).

Training (all in train.py, see README.md): width 3000, float64, full-batch Adam(lr 1e-2 -> 1e-5
exponentially, weight_decay=1e-3) for 60000 epochs, then torch.optim.LBFGS(strong_wolfe) polish on
MSE(mean) + wd/2*||theta||^2; exported as float32. 3-6 minutes on one CPU thread.

    python3 examples/two-moons/make_example.py
"""
import os
import runpy
import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))


def two_moons(n, noise, rng):
    # same construction as sklearn.datasets.make_moons, written out so the example is self-contained
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.vstack([np.c_[np.cos(t_out), np.sin(t_out)],
                   np.c_[1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]])
    y = np.r_[np.ones(n_out), -np.ones(n_in)]
    X = X + noise * rng.standard_normal(X.shape)
    perm = rng.permutation(n)
    return X[perm], y[perm]


def main():
    rng = np.random.default_rng(7)
    X, y = two_moons(150, 0.1, rng)
    with open(os.path.join(HERE, "train.csv"), "w") as f:
        f.write("x1,x2,y\n")
        for xi, yi in zip(X, y):
            f.write(f"{repr(float(xi[0]))},{repr(float(xi[1]))},{repr(float(yi))}\n")
    runpy.run_path(os.path.join(HERE, "train.py"), run_name="__main__")


if __name__ == "__main__":
    main()
