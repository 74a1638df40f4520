"""Nielsen's mnist_loader, reading MNIST's IDX files (not his mnist.pkl.gz) with neurite.

The split is his: the first 50,000 training images train, the last 10,000 validate, and the
10,000 test images test. Pixels are float32 in [0, 1], as in his pickle.
"""
import numpy as np

from .. import _core


def _folder(folder):
    return None if folder is None else str(folder)


def load_data(folder=None):
    """(training_data, validation_data, test_data), each a tuple (images (N, 784) float32,
    labels (N,) int64). `folder` holds MNIST's four IDX files (default $NEURITE_MNIST, else
    data/mnist)."""
    sets = _core.mnist(_folder(folder), "unit", (0.0, 1.0), 50000, None)
    return tuple((s.x, s.labels.astype(np.int64)) for s in sets)


def load_data_wrapper(folder=None):
    """His lists: training_data holds 50,000 pairs (x, y) with x a (784, 1) column and y the
    (10, 1) one-hot column of its digit; validation_data and test_data hold 10,000 pairs (x,
    digit). The columns are views of one array per set, not 70,000 separate copies."""
    (tr_x, tr_y), (va_x, va_y), (te_x, te_y) = load_data(folder)
    training_results = np.zeros((len(tr_y), 10, 1))
    training_results[np.arange(len(tr_y)), tr_y, 0] = 1.0
    training_data = list(zip(list(tr_x.reshape(-1, 784, 1)), list(training_results)))
    validation_data = list(zip(list(va_x.reshape(-1, 784, 1)), va_y.tolist()))
    test_data = list(zip(list(te_x.reshape(-1, 784, 1)), te_y.tolist()))
    return training_data, validation_data, test_data


def vectorized_result(j):
    """A (10, 1) column with 1.0 at position j and zeros elsewhere."""
    e = np.zeros((10, 1))
    e[j] = 1.0
    return e
