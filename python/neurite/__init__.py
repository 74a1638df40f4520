"""neurite from Python: the C++ core of neurite driven from numpy, and the seeds' own APIs.

    import neurite
    train, validation, test = neurite.data.mnist()          # $NEURITE_MNIST or data/mnist
    model = neurite.Model(layers="784,100,10", cost="log-likelihood", optimizer="adam", rate=1e-3)
    history = model.fit(train, epochs=3, batch_size=32, validation_data=validation)
    model.save("mnist.safetensors")                          # `neurite eval` reads it

The seeds: neurite.nielsen (network.py, network2.py, mnist_loader), neurite.rashid
(NeuralNetwork), neurite.perceptron (Perceptron, LinearUnit). Every failure is a neurite.Error
(a ValueError) with the library's one-line message.
"""
from . import _core
from ._core import Error, Model, Dataset, Playground, backprop, kernel_family, set_threads
from . import data

__all__ = ["Error", "Model", "Dataset", "Playground", "backprop", "data", "kernel_family", "load", "set_threads"]


def load(path):
    """A model file (safetensors) written by Model.save or by `neurite train --out`."""
    return Model.load(str(path))
