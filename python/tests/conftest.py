"""Shared fixtures. ctest sets PYTHONPATH to <build>/python, NEURITE_CLI to the neurite command
and NEURITE_MNIST to the MNIST folder (scripts/test.sh fetches it)."""
import os
import pathlib

import pytest

REPOSITORY = pathlib.Path(__file__).resolve().parents[2]


def pytest_configure(config):
    config.addinivalue_line("markers", "slow: the seeds' whole runs on MNIST (ctest label slow)")


@pytest.fixture(scope="session")
def mnist_folder():
    folder = os.environ.get("NEURITE_MNIST", str(REPOSITORY / "data" / "mnist"))
    if not pathlib.Path(folder, "train-images-idx3-ubyte").exists() and \
            not pathlib.Path(folder, "train-images-idx3-ubyte.gz").exists():
        pytest.fail("no MNIST in %s (scripts/test.sh fetches it; or set NEURITE_MNIST)" % folder)
    return folder


@pytest.fixture(scope="session")
def cli():
    path = os.environ.get("NEURITE_CLI", str(REPOSITORY / "build" / "neurite"))
    if not pathlib.Path(path).exists():
        pytest.fail("no neurite command at %s (set NEURITE_CLI)" % path)
    return path


@pytest.fixture(scope="session")
def mnist(mnist_folder):
    import neurite
    return neurite.data.mnist(mnist_folder)
