"""neurite.Playground and neurite.backprop: the page's two tabs from Python, on the same core."""
import numpy as np
import pytest

import neurite


def test_playground_learns_the_spiral_and_draws_every_neuron(tmp_path):
    p = neurite.Playground("spiral", features=["x1", "x2", "sinx1", "sinx2"], hidden=[8, 8], optimizer="adam", rate=0.03)
    assert p.epoch == 0 and p.points.shape == (500, 4)
    p.train(300)
    assert p.losses["test_accuracy"] >= 0.95
    maps = p.maps(output_side=20, neuron_side=5)
    assert maps["output"].shape == (20, 20) and np.all(np.abs(maps["output"]) <= 1)
    assert len(maps["features"]) == 4 and [len(layer) for layer in maps["layers"]] == [8, 8]
    p.save(tmp_path / "spiral.safetensors")
    model = neurite.load(tmp_path / "spiral.safetensors")
    x = p.points[:5, :2]
    features = np.stack([x[:, 0], x[:, 1], np.sin(x[:, 0]), np.sin(x[:, 1])], axis=1).astype(np.float32)
    assert model.predict(features).shape == (5, 1)


def test_same_seed_same_network_and_weight_edits():
    a, b = neurite.Playground("xor", hidden=[3], seed=4), neurite.Playground("xor", hidden=[3], seed=4)
    assert a.weights == b.weights
    a.set_weight(1, 0, -1, 2.5)
    assert a.weights[1]["biases"][0] == 2.5
    assert neurite.Playground("xor", hidden=[3], seed=5).weights != b.weights


def test_bad_settings_are_named():
    with pytest.raises(neurite.Error, match='"hidden"'):
        neurite.Playground("circle", hidden=[9])
    with pytest.raises(neurite.Error, match="unknown data set 'moons'"):
        neurite.Playground("moons")
    with pytest.raises(neurite.Error, match='"loss" for a surface'):
        neurite.Playground("plane", loss="cross-entropy")


def test_backprop_gives_mazurs_numbers():
    step = neurite.backprop("mazur")
    trace = step["trace"]
    assert round(trace["total_error"], 9) == 0.298371109
    assert round(trace["new_weights"][1][0][0], 8) == 0.35891648
    assert round(trace["new_weights"][0][0][0], 9) == 0.149780716
    own = dict(step["example"], inputs=[1.0, 0.0])
    assert neurite.backprop(own)["trace"]["total_error"] != trace["total_error"]
    with pytest.raises(neurite.Error, match='"targets"'):
        neurite.backprop(dict(own, targets=[0.5]))
