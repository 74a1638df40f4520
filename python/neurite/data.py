"""The library's data sources: MNIST's IDX files, tables, arrays and image folders.

Each returns (training, validation, test) Datasets prepared as `neurite train` prepares them;
a model fitted on them records the preparation, so the CLI reads its file the same way.
"""
from ._core import Dataset, mnist as _mnist, load as _load

__all__ = ["Dataset", "mnist", "load"]


def mnist(folder=None, scale="unit", targets=(0.0, 1.0), train_size=50000, shape=None):
    """MNIST from its four IDX files (plain or .gz) in `folder` (default $NEURITE_MNIST, else
    data/mnist): 50,000 training, 10,000 validation and 10,000 test images as Nielsen splits
    them. scale is "unit" (x/255), "rashid" (0.01..1) or "standard"; shape e.g. (1, 28, 28)."""
    return _mnist(None if folder is None else str(folder), scale, tuple(targets), train_size,
                  None if shape is None else list(shape))


def load(train, labels=None, test=None, test_labels=None, seed=1, targets=(0.0, 1.0), **options):
    """Your own data, read as `neurite train --data` reads it (CSV/TSV/JSON tables, .npy/.npz,
    IDX, folders of class folders of images). Options are the CLI's data keys: format, target,
    ignore, categorical, header, task, missing, normalize, image_size, color,
    validation_split, test_split."""
    s = lambda p: None if p is None else str(p)
    return _load(str(train), s(labels), s(test), s(test_labels), seed, tuple(targets), **options)
