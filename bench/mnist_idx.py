"""Reads the four MNIST IDX files with numpy only (shared by the two reference programs).

Pixels are scaled to [0, 1]; the first `train_size` training images are the training set, as
with `neurite train --train-size 50000`, and the 10,000 t10k images are the test set.
"""
import gzip
import os

import numpy as np


def _open(path):
    if os.path.exists(path):
        return open(path, "rb")
    if os.path.exists(path + ".gz"):
        return gzip.open(path + ".gz", "rb")
    raise FileNotFoundError(f"{path}: no such MNIST file (nor {path}.gz)")


def read_idx(path):
    with _open(path) as f:
        data = f.read()
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] != 0x08:
        raise ValueError(f"{path}: not an IDX file of unsigned bytes")
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(ndim)]
    offset = 4 + 4 * ndim
    count = int(np.prod(dims))
    if len(data) - offset != count:
        raise ValueError(f"{path}: header says {dims}, file holds {len(data) - offset} bytes of data")
    return np.frombuffer(data, dtype=np.uint8, offset=offset).reshape(dims)


def load_mnist(folder, train_size=50000, dtype=np.float32):
    """Returns (train_x, train_labels, test_x, test_labels); x as (n, 784) in [0, 1]."""
    def images(name):
        return read_idx(os.path.join(folder, name)).reshape(-1, 784).astype(dtype) / dtype(255)

    def labels(name):
        return read_idx(os.path.join(folder, name)).astype(np.int64)

    train_x = images("train-images-idx3-ubyte")[:train_size]
    train_y = labels("train-labels-idx1-ubyte")[:train_size]
    test_x = images("t10k-images-idx3-ubyte")
    test_y = labels("t10k-labels-idx1-ubyte")
    return train_x, train_y, test_x, test_y
