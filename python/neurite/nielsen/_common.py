"""What network.py and network2.py share: a neurite.Model behind Nielsen's attributes."""
import numpy as np

from .. import _core


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def sigmoid_prime(z):
    return sigmoid(z) * (1 - sigmoid(z))


def as_pairs_dataset(data, classes, what):
    """His list of (x, y) pairs as one neurite Dataset: converted once per call, not per batch."""
    if isinstance(data, _core.Dataset):
        return data
    return _core.pairs_to_dataset(list(data), classes, what)


class NielsenNetwork(object):
    """sizes, num_layers, weights and biases as he names them; the numbers live in neurite.

    weights[l] is layer l+1's (out, in) matrix and biases[l] its (out, 1) column: writable views
    of the network's own float32 storage, so changing them changes the network. Assigning a list
    (net.weights = [...]) copies the values in."""

    def _build(self, sizes, cost, init, seed):
        if len(sizes) < 2 or any(int(n) <= 0 for n in sizes):
            raise _core.Error("sizes: at least two positive layer sizes are needed, got %r" % (sizes,))
        self.num_layers = len(sizes)
        self.sizes = [int(n) for n in sizes]
        self._seed = seed
        self._model = _core.Model(layers=",".join(str(n) for n in self.sizes), activation="sigmoid",
                                  output="sigmoid", cost=cost, optimizer="sgd", rate=3.0, batch=10,
                                  init=init, seed=seed)

    @property
    def model(self):
        """The neurite.Model underneath (save, predict, gradient_check, ...)."""
        return self._model

    def _named(self, suffix):
        return [v for k, v in self._model.parameters.items() if k.endswith(suffix)]

    @property
    def weights(self):
        return self._named(".weight")

    @weights.setter
    def weights(self, values):
        self._assign(self.weights, values, "weights")

    @property
    def biases(self):
        return [b.reshape(-1, 1) for b in self._named(".bias")]

    @biases.setter
    def biases(self, values):
        self._assign(self.biases, values, "biases")

    @staticmethod
    def _assign(views, values, what):
        values = list(values)
        if len(values) != len(views):
            raise _core.Error("%s: %d arrays for %d layers" % (what, len(values), len(views)))
        for i, (view, value) in enumerate(zip(views, values)):
            value = np.asarray(value)
            if value.size != view.size:
                raise _core.Error("%s[%d]: shape %s, the layer's is %s" % (what, i, value.shape, view.shape))
            view[...] = value.reshape(view.shape)

    def feedforward(self, a):
        """The output for input a: a (784, 1) column gives a (10, 1) column; a (784, N) matrix
        of columns gives (10, N)."""
        a = np.asarray(a)
        columns = a.reshape(self.sizes[0], -1)
        return self._model.predict(columns.T).T.reshape((self.sizes[-1],) + a.shape[1:])

    def backprop(self, x, y):
        """(nabla_b, nabla_w): the gradient of this one sample's cost, layer by layer."""
        g = self._model.gradients(np.asarray(x).reshape(1, -1), np.asarray(y).reshape(1, -1))
        nabla_b = [v.reshape(-1, 1) for k, v in g.items() if k.endswith(".bias")]
        nabla_w = [v for k, v in g.items() if k.endswith(".weight")]
        return nabla_b, nabla_w

    def cost_derivative(self, output_activations, y):
        return output_activations - y

    def _batch(self, mini_batch):
        d = as_pairs_dataset(mini_batch, self.sizes[-1], "mini_batch")
        return d.x, d.y
