"""Tariq Rashid's NeuralNetwork from "Make Your Own Neural Network" (seed 003) on neurite's
core: three layers of sigmoid neurons without biases, trained one sample at a time.

    n = neurite.rashid.NeuralNetwork(784, 200, 10, 0.1)
    n.train(targets, inputs)          # his argument order: targets first
    outputs = n.query(inputs)         # (10, 1)
    image = n.backquery(targets)      # (784, 1), in [0.01, 0.99]

The weights start from N(0, nodes^-1/2) drawn by neurite's seeded generator (seed=1 unless
given). wih and who are writable views of the network's float32 weights. train applies his
own update rule (not the exact gradient: see train), so his code learns as in his book.
"""
import numpy as np

from . import _core

__all__ = ["NeuralNetwork"]


class NeuralNetwork:

    def __init__(self, inputnodes, hiddennodes, outputnodes, learningrate, seed=1):
        self.inodes, self.hnodes, self.onodes = int(inputnodes), int(hiddennodes), int(outputnodes)
        self.lr = learningrate
        self._model = _core.Model(layers="%d,%d,%d" % (self.inodes, self.hnodes, self.onodes),
                                  no_bias=True, activation="sigmoid", output="sigmoid",
                                  cost="quadratic", optimizer="sgd", rate=learningrate, batch=1,
                                  init="rashid", seed=seed, scale="rashid", targets="0.01,0.99")

    @property
    def model(self):
        """The neurite.Model underneath (save, evaluate, ...)."""
        return self._model

    @property
    def wih(self):
        return self._model.parameters["0.weight"]

    @property
    def who(self):
        return self._model.parameters["2.weight"]

    def train(self, target_list, inputs_list):
        """One step of his rule on one sample at rate self.lr: the output weights follow the
        gradient of the squared error; the hidden ones get the output errors split by the
        weights, without the output's sigmoid slope, as his code does (neurite's
        rashid_train_step)."""
        self._model.rashid_step(inputs_list, target_list, self.lr)

    def query(self, inputs_list):
        """The outputs for one input, an (onodes, 1) column."""
        return self._model.predict(np.asarray(inputs_list).reshape(1, -1)).reshape(-1, 1)

    def backquery(self, target_list):
        """The input the network takes for these outputs, an (inodes, 1) column in [0.01, 0.99]."""
        return self._model.backquery(np.asarray(target_list).reshape(-1)).reshape(-1, 1)
