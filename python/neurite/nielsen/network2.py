"""Nielsen's network2.py (chapter 3): the cross-entropy cost, L2 regularisation, better
initial weights, monitoring, early stopping, save and load, computed by neurite's C++ core.

Differences from his code, all deliberate: weights start from neurite's seeded generator
(seed=1 unless given); save writes a neurite model file (safetensors, which `neurite eval`
and PyTorch read) instead of his JSON; numbers are float32.
"""
import numpy as np

from .. import _core
from ._common import NielsenNetwork, as_pairs_dataset, sigmoid, sigmoid_prime
from .mnist_loader import vectorized_result

__all__ = ["QuadraticCost", "CrossEntropyCost", "Network", "load", "sigmoid", "sigmoid_prime",
           "vectorized_result"]


class QuadraticCost(object):
    name = "quadratic"

    @staticmethod
    def fn(a, y):
        return 0.5 * np.linalg.norm(a - y) ** 2

    @staticmethod
    def delta(z, a, y):
        return (a - y) * sigmoid_prime(z)


class CrossEntropyCost(object):
    name = "cross-entropy"

    @staticmethod
    def fn(a, y):
        return np.sum(np.nan_to_num(-y * np.log(a) - (1 - y) * np.log(1 - a)))

    @staticmethod
    def delta(z, a, y):
        return a - y


_COSTS = {c.name: c for c in (QuadraticCost, CrossEntropyCost)}


class Network(NielsenNetwork):

    def __init__(self, sizes, cost=CrossEntropyCost, seed=1):
        if getattr(cost, "name", None) not in _COSTS:
            raise _core.Error("cost: QuadraticCost or CrossEntropyCost, got %r" % (cost,))
        self.cost = cost
        self._sizes_given, self._seed = sizes, seed
        self.default_weight_initializer()

    def default_weight_initializer(self):
        """Weights from N(0, 1/n_in), biases from N(0, 1)."""
        self._build(self._sizes_given, self.cost.name, "nielsen-scaled", self._seed)

    def large_weight_initializer(self):
        """Weights and biases from N(0, 1), as chapter 1."""
        self._build(self._sizes_given, self.cost.name, "nielsen", self._seed)

    def SGD(self, training_data, epochs, mini_batch_size, eta, lmbda=0.0, evaluation_data=None,
            monitor_evaluation_cost=False, monitor_evaluation_accuracy=False,
            monitor_training_cost=False, monitor_training_accuracy=False, early_stopping_n=0):
        """Trains as his SGD does and returns his four lists, one entry per epoch:
        (evaluation_cost, evaluation_accuracy, training_cost, training_accuracy); accuracies
        are counts of correct answers. Costs include the L2 term, lmbda / (2n) sum w^2."""
        training = as_pairs_dataset(training_data, self.sizes[-1], "training_data")
        evaluation = as_pairs_dataset(evaluation_data, self.sizes[-1], "evaluation_data") \
            if evaluation_data else None
        lists = ([], [], [], [])

        def his_cost(neurite_cost, size):
            # neurite's monitored cost adds lmbda / (2 n_train) sum w^2 for every set; his
            # total_cost divides by the size of the set measured.
            squares = sum(float(np.sum(np.square(w, dtype=np.float64))) for w in self.weights)
            return neurite_cost + 0.5 * lmbda * squares * (1.0 / size - 1.0 / len(training))

        def report(epoch, logs):
            print("Epoch %s training complete" % epoch)
            if monitor_training_cost:
                lists[2].append(logs["train_loss"])
                print("Cost on training data: {}".format(logs["train_loss"]))
            if monitor_training_accuracy:
                lists[3].append(logs["train_correct"])
                print("Accuracy on training data: {} / {}".format(logs["train_correct"], len(training)))
            if evaluation is not None and monitor_evaluation_cost:
                lists[0].append(his_cost(logs["val_loss"], len(evaluation)))
                print("Cost on evaluation data: {}".format(lists[0][-1]))
            if evaluation is not None and monitor_evaluation_accuracy:
                lists[1].append(logs["val_correct"])
                print("Accuracy on evaluation data: {} / {}".format(logs["val_correct"], len(evaluation)))
            print(flush=True)

        self._model.fit(training, epochs=epochs, batch_size=mini_batch_size,
                        validation_data=evaluation, callbacks=[report], verbose=0, rate=eta,
                        l2=lmbda, monitor=bool(monitor_training_cost or monitor_training_accuracy),
                        patience=early_stopping_n if evaluation is not None else 0)
        return lists

    def update_mini_batch(self, mini_batch, eta, lmbda, n):
        """One step on mini_batch at rate eta with his weight decay (1 - eta lmbda / n)."""
        x, y = self._batch(mini_batch)
        self._model.step(x, y, rate=eta, l2=lmbda, n=n)

    def accuracy(self, data, convert=False):
        """How many of the pairs are classified correctly (y a digit or a one-hot column; his
        `convert` flag is accepted and not needed)."""
        return self._model.evaluate(as_pairs_dataset(data, self.sizes[-1], "data"))["correct"]

    def total_cost(self, data, lmbda, convert=False):
        """The mean cost over the pairs plus the L2 term lmbda / (2 len(data)) sum w^2."""
        d = as_pairs_dataset(data, self.sizes[-1], "data")
        cost = self._model.evaluate(d)["loss"]
        return cost + 0.5 * (lmbda / len(d)) * sum(np.linalg.norm(w) ** 2 for w in self.weights)

    def save(self, filename):
        """A neurite model file (safetensors): `neurite eval FILE` and load() read it."""
        self._model.save(str(filename))


def load(filename):
    """A Network from a file saved by Network.save (or by `neurite train` for a sigmoid MLP)."""
    model = _core.Model.load(str(filename))
    if model.cost not in _COSTS:
        raise _core.Error("%s: trained with the %s cost; network2 knows quadratic and cross-entropy"
                          % (filename, model.cost))
    net = Network.__new__(Network)
    net.cost = _COSTS[model.cost]
    net._model = model
    sizes = [int(np.prod(model.input_shape))] + [w.shape[0] for w in net.weights]
    net.sizes, net.num_layers, net._sizes_given, net._seed = sizes, len(sizes), sizes, 1
    return net
