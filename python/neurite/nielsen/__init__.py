"""Michael Nielsen's code from "Neural Networks and Deep Learning" (seed 000, seed 001) on
neurite's core: the same classes, methods and argument orders, so his scripts run with only
their imports changed:

    from neurite.nielsen import mnist_loader, network     # was: import mnist_loader, network
    training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
    net = network.Network([784, 30, 10])
    net.SGD(training_data, 30, 10, 3.0, test_data=test_data)

network is chapters 1-2 (sigmoid, quadratic cost), network2 chapter 3 (cross-entropy, L2,
monitoring, save / load).
"""
from . import mnist_loader, network, network2
from .mnist_loader import load_data, load_data_wrapper, vectorized_result
from .network import Network

__all__ = ["mnist_loader", "network", "network2", "Network", "load_data", "load_data_wrapper",
           "vectorized_result"]
