"""Nielsen's network.py (chapters 1 and 2): sigmoid neurons, the quadratic cost, mini-batch
stochastic gradient descent and backpropagation, computed by neurite's C++ core.

Differences from his code, all deliberate: the weights start from neurite's seeded generator
(seed=1 unless given), so a run is repeatable and equals `neurite train` with the same
settings; the epochs shuffle an index, not the caller's list; numbers are float32.
"""
from .. import _core
from ._common import NielsenNetwork, as_pairs_dataset, sigmoid, sigmoid_prime

__all__ = ["Network", "sigmoid", "sigmoid_prime"]


class Network(NielsenNetwork):

    def __init__(self, sizes, seed=1):
        """sizes: neurons per layer, [784, 30, 10]. Weights and biases are drawn from N(0, 1)."""
        self._build(sizes, "quadratic", "nielsen", seed)

    def SGD(self, training_data, epochs, mini_batch_size, eta, test_data=None):
        """Trains for `epochs` epochs of mini-batches of `mini_batch_size` at rate eta, printing
        "Epoch j: correct / total" on test_data after each (or "Epoch j complete")."""
        training = as_pairs_dataset(training_data, self.sizes[-1], "training_data")
        test = as_pairs_dataset(test_data, self.sizes[-1], "test_data") if test_data else None

        def report(epoch, logs):
            if test is not None:
                print("Epoch {0}: {1} / {2}".format(epoch, logs["val_correct"], len(test)), flush=True)
            else:
                print("Epoch {0} complete".format(epoch), flush=True)

        # The history (seconds per epoch, costs, ...) is kept for whoever wants more than his lines.
        self.history = self._model.fit(training, epochs=epochs, batch_size=mini_batch_size,
                                       validation_data=test, callbacks=[report], verbose=0, rate=eta)

    def update_mini_batch(self, mini_batch, eta):
        """One gradient-descent step on the (x, y) pairs of mini_batch at rate eta."""
        x, y = self._batch(mini_batch)
        self._model.step(x, y, rate=eta)

    def evaluate(self, test_data):
        """How many of the (x, digit) pairs the network classifies correctly."""
        return self._model.evaluate(as_pairs_dataset(test_data, self.sizes[-1], "test_data"))["correct"]
