"""neurite.nielsen: Nielsen's network.py, network2.py and mnist_loader on neurite's core."""
import re
import subprocess
import sys

import numpy as np
import pytest

import neurite
from neurite.nielsen import mnist_loader, network, network2

import nielsen_numpy as reference
from conftest import REPOSITORY


@pytest.fixture(scope="module")
def wrapped(mnist_folder):
    return mnist_loader.load_data_wrapper(mnist_folder)


def float64(arrays):
    return [a.astype(np.float64) for a in arrays]


def largest_difference(a, b):
    return max(float(np.abs(x - y).max()) for x, y in zip(a, b))


def test_load_data_wrapper_gives_his_lists(wrapped):
    training, validation, test = wrapped
    assert (len(training), len(validation), len(test)) == (50000, 10000, 10000)
    x, y = training[0]
    assert x.shape == (784, 1) and y.shape == (10, 1)
    assert y[5, 0] == 1.0 and y.sum() == 1.0  # the first training image is a 5
    assert 0.0 <= x.min() and x.max() <= 1.0
    assert isinstance(test[0][1], int) and test[0][1] == 7


def test_update_mini_batch_equals_numpy(wrapped):
    net = network.Network([784, 30, 10], seed=3)
    batch = wrapped[0][100:110]
    weights, biases = float64(net.weights), float64(net.biases)
    expected_w, expected_b = reference.update_mini_batch(weights, biases, [(x.astype(np.float64), y) for x, y in batch], 3.0)
    net.update_mini_batch(batch, 3.0)
    assert largest_difference(expected_w, net.weights) < 1e-6
    assert largest_difference(expected_b, net.biases) < 1e-6
    assert largest_difference(expected_w, weights) > 1e-2  # the step itself is far larger


def test_network2_step_with_weight_decay_equals_numpy(wrapped):
    net = network2.Network([784, 20, 10], cost=network2.CrossEntropyCost, seed=4)
    batch = wrapped[0][:10]
    weights, biases = float64(net.weights), float64(net.biases)
    expected_w, expected_b = reference.update_mini_batch(
        weights, biases, [(x.astype(np.float64), y) for x, y in batch], 0.5, lmbda=5.0, n=50000, cross_entropy=True)
    net.update_mini_batch(batch, 0.5, 5.0, 50000)
    assert largest_difference(expected_w, net.weights) < 1e-6
    assert largest_difference(expected_b, net.biases) < 1e-6


def test_backprop_and_feedforward_equal_numpy(wrapped):
    net = network.Network([784, 16, 12, 10], seed=5)
    x, y = wrapped[0][7]
    nabla_b, nabla_w = net.backprop(x, y)
    expected_b, expected_w = reference.backprop(float64(net.weights), float64(net.biases), x.astype(np.float64), y)
    assert [b.shape for b in nabla_b] == [(16, 1), (12, 1), (10, 1)]
    assert largest_difference(expected_b, nabla_b) < 1e-6
    assert largest_difference(expected_w, nabla_w) < 1e-6
    a = x.astype(np.float64)
    for w, b in zip(float64(net.weights), float64(net.biases)):
        a = reference.sigmoid(w @ a + b)
    assert np.abs(net.feedforward(x) - a).max() < 1e-6
    columns = np.hstack([wrapped[0][i][0] for i in range(5)])
    assert net.feedforward(columns).shape == (10, 5)


def test_weights_are_views_of_the_network(wrapped):
    net = network.Network([784, 30, 10])
    x = wrapped[2][0][0]
    before = net.feedforward(x).copy()
    net.biases[1][:] = 50.0  # every output saturates
    assert np.allclose(net.feedforward(x), 1.0)
    net.weights = [np.zeros((30, 784)), np.zeros((10, 30))]
    net.biases = [np.zeros((30, 1)), np.zeros((10, 1))]
    assert np.allclose(net.feedforward(x), 0.5)
    with pytest.raises(neurite.Error, match="weights\\[1\\]"):
        net.weights = [np.zeros((30, 784)), np.zeros((3, 3))]
    assert not np.allclose(before, 0.5)


def test_sgd_prints_his_lines_and_learns(wrapped, capsys):
    training, _, test = wrapped
    net = network.Network([784, 30, 10])
    net.SGD(training[:10000], 2, 10, 3.0, test_data=test[:1000])
    lines = capsys.readouterr().out.splitlines()
    assert [re.sub(r"\d+ /", "N /", line) for line in lines] == ["Epoch 0: N / 1000", "Epoch 1: N / 1000"]
    assert int(lines[-1].split()[2]) > 600  # chance is 100
    assert net.evaluate(test[:1000]) == int(lines[-1].split()[2])
    net.SGD(training[:100], 1, 10, 3.0)
    assert capsys.readouterr().out == "Epoch 0 complete\n"


def test_network2_monitors_saves_and_loads(wrapped, tmp_path, capsys):
    training, validation, _ = wrapped
    net = network2.Network([784, 30, 10], cost=network2.CrossEntropyCost)
    lists = net.SGD(training[:5000], 2, 10, 0.5, lmbda=5.0, evaluation_data=validation[:1000],
                    monitor_evaluation_cost=True, monitor_evaluation_accuracy=True,
                    monitor_training_cost=True, monitor_training_accuracy=True)
    evaluation_cost, evaluation_accuracy, training_cost, training_accuracy = lists
    assert [len(l) for l in lists] == [2, 2, 2, 2]
    assert all(isinstance(n, int) for n in evaluation_accuracy + training_accuracy)
    assert evaluation_accuracy[-1] > 850 and training_accuracy[-1] > 4300
    out = capsys.readouterr().out
    assert "Epoch 1 training complete" in out and "Accuracy on evaluation data: %d / 1000" % evaluation_accuracy[-1] in out
    # his total_cost and accuracy agree with what the monitor printed
    assert net.accuracy(validation[:1000]) == evaluation_accuracy[-1]
    assert net.total_cost(validation[:1000], 5.0, convert=True) == pytest.approx(evaluation_cost[-1], rel=1e-4)
    path = tmp_path / "net2.safetensors"
    net.save(path)
    loaded = network2.load(path)
    assert loaded.sizes == [784, 30, 10] and loaded.cost is network2.CrossEntropyCost
    x = validation[0][0]
    assert np.array_equal(loaded.feedforward(x), net.feedforward(x))


def test_large_weight_initializer_draws_n01():
    net = network2.Network([784, 100, 10], cost=network2.QuadraticCost)
    assert 0.02 < net.weights[0].std() < 0.05  # N(0, 1/784)
    net.large_weight_initializer()
    assert 0.95 < net.weights[0].std() < 1.05


def test_bad_data_is_a_neurite_error(wrapped):
    net = network.Network([784, 30, 10])
    with pytest.raises(neurite.Error, match=r"training_data\[1\]"):
        net.SGD([wrapped[0][0], (np.zeros((5, 1)), wrapped[0][0][1])], 1, 10, 3.0)
    with pytest.raises(neurite.Error, match="NaN"):
        net.update_mini_batch([(np.full((784, 1), np.nan), wrapped[0][0][1])], 3.0)
    with pytest.raises(neurite.Error, match="sizes"):
        network.Network([784])


@pytest.mark.slow
def test_seed_000_script_reaches_95_percent_as_the_cli_does(mnist_folder, cli):
    """Seed 000's script with only its imports changed; the same run as `neurite train`."""
    env = {"NEURITE_MNIST": mnist_folder, "PYTHONPATH": ":".join(sys.path)}
    script = REPOSITORY / "python" / "examples" / "seed000.py"  # the README's
    out = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, check=True).stdout
    counts = [int(n) for n in re.findall(r"^Epoch \d+: (\d+) / 10000$", out, re.M)]
    assert len(counts) == 30, out
    assert max(counts) >= 9500, out
    cli_out = subprocess.run([cli, "train", "--data", mnist_folder], capture_output=True, text=True, check=True).stdout
    assert counts == [int(n) for n in re.findall(r"^Epoch \d+: (\d+) / 10000", cli_out, re.M)]


def test_pairs_are_converted_without_changing_a_value(wrapped):
    """MNIST's columns are kept as bytes (each value is exactly byte / 255); any other value
    switches the whole set to floats. Either way the network reads the same numbers."""
    from neurite import _core
    pixels = wrapped[0][:3]
    mixed = pixels[:2] + [(pixels[2][0] * 0.3, pixels[2][1])]
    for pairs in (pixels, mixed):
        d = _core.pairs_to_dataset(pairs, 10, "pairs")
        assert np.array_equal(d.x, np.hstack([x for x, _ in pairs]).T)
        assert np.array_equal(d.y, np.hstack([y for _, y in pairs]).T)
