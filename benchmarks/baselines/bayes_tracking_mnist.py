#!/usr/bin/env python3
"""The MNIST n = 10^4 arm of bayes-tracking as a careful numpy/scipy user writes it.

The same work as `prism run --preset full --filter 'bayes-tracking/dataset=mnist'`:
the first 10^4 training images and the 10^4 test images (pixels / 255), the
Laplace (s = 10) and Gauss (s = 5) kernels, each factorised ONCE (scipy's
cho_factor, LAPACK dpotrf) and solved for all 7 noise levels x 10 classes of a
seed in one call (cho_solve, 70 right-hand sides), 8 seeds of label noise on
train and test labels, training and test scores, the interpolation residual,
and the 1-NN control from one blocked distance computation. With
--batch-seeds every seed's right-hand sides go into one cho_solve and one
product each (8 x 70 = 560 columns), as prism does; the default solves seed by
seed, as such a script is usually written. With --in-place, K is handed to
cho_factor as K.T (K is symmetric and C-ordered, so K.T is the same matrix in
Fortran order) with overwrite_a=True: dpotrf then runs on K's own storage
instead of on a Fortran-ordered copy (measured here: 2.3 s against 3.3-4.5 s
at n = 10^4). Kernel matrices
through one GEMM each (||x||^2 + ||z||^2 - 2 X Z^T), in place where numpy
allows. It prints one JSON line: the wall time of the whole run and of its
phases, and the clean test errors (a sanity check against prism's, not a
verdict).
"""
import argparse
import gzip
import json
import os
import time

import numpy as np
import scipy.linalg as sla
from scipy.linalg import blas

NOISE_LEVELS = [0.0, 0.1, 0.2, 0.4, 0.5, 0.6, 0.8]


def load_idx(path):
    opener = gzip.open if open(path, "rb").read(2) == b"\x1f\x8b" else open
    with opener(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def mnist(root, split, n):
    prefix = "train" if split == "train" else "t10k"
    images = load_idx(os.path.join(root, f"{prefix}-images-idx3-ubyte"))[:n]
    labels = load_idx(os.path.join(root, f"{prefix}-labels-idx1-ubyte"))[:n]
    return images.reshape(len(images), -1).astype(np.float64) / 255.0, labels.astype(np.int64)


def squared_distances(X, Z):
    d2 = X @ Z.T
    d2 *= -2.0
    d2 += np.einsum("ij,ij->i", X, X)[:, None]
    d2 += np.einsum("ij,ij->i", Z, Z)[None, :]
    np.maximum(d2, 0.0, out=d2)
    return d2


def kernel(X, Z, kind, s):
    K = squared_distances(X, Z)
    if kind == "laplace":
        np.sqrt(K, out=K)
        K *= -1.0 / s
    else:
        K *= -1.0 / (2.0 * s * s)
    np.exp(K, out=K)
    return K


def corrupt(y, q, rng):
    out = y.copy()
    flip = rng.random(len(y)) < q
    out[flip] = rng.integers(0, 10, flip.sum())
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default=os.environ.get("PRISM_DATA", os.path.expanduser("~/.cache/prism")))
    ap.add_argument("--n", type=int, default=10000)
    ap.add_argument("--seeds", type=int, default=8)
    ap.add_argument("--batch-seeds", action="store_true", help="one solve and one product for all seeds")
    ap.add_argument("--in-place", action="store_true", help="factorise K in its own storage (K.T, overwrite_a)")
    args = ap.parse_args()
    t_all = time.perf_counter()
    X, y = mnist(os.path.join(args.data, "mnist"), "train", args.n)
    Xt, yt = mnist(os.path.join(args.data, "mnist"), "test", 10000)
    phases, clean = {}, {}
    for kind, s in (("laplace", 10.0), ("gauss", 5.0)):
        t = time.perf_counter()
        K = kernel(X, X, kind, s)
        Kt = kernel(Xt, X, kind, s)
        phases[kind + "_build"] = time.perf_counter() - t
        t = time.perf_counter()
        if args.in_place:
            # L overwrites one triangle and the diagonal; the training scores then
            # read the other triangle through dsymm and correct the diagonal.
            diagonal = K.diagonal().copy()
            factor = sla.cho_factor(K.T, lower=True, overwrite_a=True, check_finite=False)
            assert np.shares_memory(factor[0], K), "cho_factor copied K"
        else:
            factor = sla.cho_factor(K, lower=True, overwrite_a=False, check_finite=False)
        phases[kind + "_cholesky"] = time.perf_counter() - t
        t = time.perf_counter()
        worst_residual = 0.0
        groups = [list(range(1, args.seeds + 1))] if args.batch_seeds else [[s] for s in range(1, args.seeds + 1)]
        for seeds in groups:
            trains, tests = [], []
            for seed in seeds:
                rng = np.random.default_rng(seed)
                trains += [corrupt(y, q, rng) for q in NOISE_LEVELS]
                tests += [corrupt(yt, q, rng) for q in NOISE_LEVELS]
            Y = np.zeros((args.n, 10 * len(trains)))
            for j, labels in enumerate(trains):
                Y[np.arange(args.n), 10 * j + labels] = 1.0
            alpha = sla.cho_solve(factor, Y, check_finite=False)
            if args.in_place:  # K.T's upper triangle still holds K; its diagonal holds L's
                F = blas.dsymm(1.0, K.T, alpha, side=0, lower=0)
                F += (diagonal - K.diagonal())[:, None] * alpha
            else:
                F = K @ alpha
            Ft = Kt @ alpha
            worst_residual = max(worst_residual, float(np.abs(F - Y).max()))
            for j in range(len(trains)):
                test_error = float(np.mean(Ft[:, 10 * j:10 * j + 10].argmax(1) != tests[j]))
                if seeds[0] == 1 and j == 0:
                    clean[kind] = test_error
        phases[kind + "_seeds"] = time.perf_counter() - t
        phases[kind + "_residual"] = worst_residual
        del K, Kt, factor
    t = time.perf_counter()
    nearest = np.concatenate([squared_distances(Xt[i:i + 2000], X).argmin(1) for i in range(0, len(Xt), 2000)])
    for seed in range(1, args.seeds + 1):
        rng = np.random.default_rng(seed)
        train = [corrupt(y, q, rng) for q in NOISE_LEVELS]
        test = [corrupt(yt, q, rng) for q in NOISE_LEVELS]
        for j in range(len(NOISE_LEVELS)):
            error = float(np.mean(train[j][nearest] != test[j]))
            if seed == 1 and j == 0:
                clean["1nn"] = error
    phases["1nn"] = time.perf_counter() - t
    print(json.dumps({"seconds": time.perf_counter() - t_all, "phases": phases, "clean_test_error": clean}))


if __name__ == "__main__":
    main()
