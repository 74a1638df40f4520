"""neurite.rashid (seed 003) and neurite.perceptron (seed 002)."""
import numpy as np
import pytest

import neurite
from neurite.perceptron import LinearUnit, Perceptron
from neurite.rashid import NeuralNetwork


def test_perceptron_learns_and_as_printed():
    p = Perceptron(2, lambda x: 1 if x > 0 else 0)
    p.train([[1, 1], [0, 0], [1, 0], [0, 1]], [1, 0, 0, 0], 10, 0.1)
    assert str(p) == "weights\t:[0.1, 0.2]\nbias\t:-0.200000\n"
    assert [p.predict(x) for x in ([1, 1], [0, 0], [1, 0], [0, 1])] == [1, 0, 0, 0]


def test_linear_unit_salaries_as_printed():
    lu = LinearUnit(1)
    lu.train([[5], [3], [8], [1.4], [10.1]], [5500, 2300, 7600, 1800, 11400], 10, 0.01)
    assert "%.4f %.4f" % (lu.weights[0], lu.bias) == "1124.0635 85.4853"
    assert ["%.2f" % lu.predict([x]) for x in (3.4, 15, 1.5, 6.3)] == ["3907.30", "16946.44", "1771.58", "7167.09"]
    with pytest.raises(neurite.Error, match="2 inputs"):
        lu.predict([1, 2])


def test_rashid_train_is_his_update():
    n = NeuralNetwork(6, 5, 4, 0.3, seed=2)
    wih, who = n.wih.astype(np.float64), n.who.astype(np.float64)
    rng = np.random.default_rng(0)
    inputs, targets = rng.uniform(0.01, 1.0, 6), np.array([0.01, 0.99, 0.01, 0.01])
    hidden = 1 / (1 + np.exp(-(wih @ inputs[:, None])))
    final = 1 / (1 + np.exp(-(who @ hidden)))
    output_errors = targets[:, None] - final
    hidden_errors = who.T @ output_errors
    who_after = who + 0.3 * (output_errors * final * (1 - final)) @ hidden.T
    wih_after = wih + 0.3 * (hidden_errors * hidden * (1 - hidden)) @ inputs[None, :]
    assert np.abs(n.query(inputs) - final).max() < 1e-6
    n.train(targets, inputs)  # his order: targets first
    assert np.abs(n.who - who_after).max() < 1e-6
    assert np.abs(n.wih - wih_after).max() < 1e-6
    assert np.abs(who_after - who).max() > 1e-3


def test_rashid_backquery_and_shapes():
    n = NeuralNetwork(784, 20, 10, 0.1)
    assert n.query(np.full(784, 0.5)).shape == (10, 1)
    image = n.backquery(np.r_[0.99, np.full(9, 0.01)])
    assert image.shape == (784, 1)
    assert image.min() == pytest.approx(0.01, abs=1e-6) and image.max() == pytest.approx(0.99, abs=1e-6)
    with pytest.raises(neurite.Error):
        n.train(np.zeros(3), np.zeros(784))


@pytest.mark.slow
def test_seed_003_script_reaches_97_percent(mnist, tmp_path):
    """Seed 003's training and scorecard code, reading MNIST as CSV lines (label, 784 pixels) as
    he does, for 5 epochs (the CLI's reproduction: 97.32%), without the rotations."""
    training, validation, test = mnist

    def write_csv(path, sets):
        with open(path, "w") as f:
            for s in sets:
                pixels = np.rint(s.x * 255).astype(int)
                for label, row in zip(s.labels, pixels):
                    f.write("%d,%s\n" % (label, ",".join(map(str, row))))

    write_csv(tmp_path / "mnist_train.csv", [training, validation])
    write_csv(tmp_path / "mnist_test.csv", [test])

    input_nodes, hidden_nodes, output_nodes, learning_rate = 784, 200, 10, 0.1
    n = NeuralNetwork(input_nodes, hidden_nodes, output_nodes, learning_rate)
    with open(tmp_path / "mnist_train.csv", "r") as f:
        training_data_list = f.readlines()
    epochs = 5
    for e in range(epochs):
        for record in training_data_list:
            all_values = record.split(",")
            inputs = (np.asfarray(all_values[1:]) / 255.0 * 0.99) + 0.01
            targets = np.zeros(output_nodes) + 0.01
            targets[int(all_values[0])] = 0.99
            n.train(targets, inputs)

    with open(tmp_path / "mnist_test.csv", "r") as f:
        test_data_list = f.readlines()
    scorecard = []
    for record in test_data_list:
        all_values = record.split(",")
        correct_label = int(all_values[0])
        inputs = (np.asfarray(all_values[1:]) / 255.0 * 0.99) + 0.01
        outputs = n.query(inputs)
        scorecard.append(1 if np.argmax(outputs) == correct_label else 0)
    performance = np.asfarray(scorecard).sum() / len(scorecard)
    print("performance = ", performance)
    assert len(scorecard) == 10000
    assert performance >= 0.970
