"""The numpy API: neurite.Model, neurite.data, errors, the GIL, Ctrl-C, files shared with the CLI."""
import json
import math
import os
import re
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import neurite

from conftest import REPOSITORY


def blobs(n=600, seed=0):
    """Three Gaussian clusters in 2-D: labels 0, 1, 2."""
    rng = np.random.default_rng(seed)
    centres = np.array([[0.0, 3.0], [3.0, -2.0], [-3.0, -2.0]])
    y = rng.integers(0, 3, n)
    x = centres[y] + rng.normal(0, 0.7, (n, 2))
    return x, y


def test_fit_predict_evaluate_on_arrays():
    x, y = blobs()
    model = neurite.Model(layers="2,16,3", cost="log-likelihood", seed=3)
    assert model.built and model.summary == "(2) -> dense(16) -> relu -> dense(3) -> softmax"
    history = model.fit(x[:500], y[:500], epochs=5, batch_size=16, validation_data=(x[500:], y[500:]), verbose=0)
    assert history["epoch"] == [0, 1, 2, 3, 4]
    assert len(history["loss"]) == 5 and history["loss"][-1] < history["loss"][0]
    assert history["val_accuracy"][-1] > 0.95
    p = model.predict(x[500:])
    assert p.shape == (100, 3) and p.dtype == np.float32
    assert np.allclose(p.sum(axis=1), 1.0, atol=1e-5)
    result = model.evaluate(x[500:], y[500:])
    assert result["correct"] == int((p.argmax(axis=1) == y[500:]).sum()) and result["total"] == 100
    assert result["accuracy"] == pytest.approx(history["val_accuracy"][-1])


def test_network_built_for_the_data_when_sizes_are_left_out():
    x, y = blobs()
    model = neurite.Model(layers="in,8,out")
    assert not model.built
    with pytest.raises(neurite.Error, match="not built"):
        model.predict(x)
    model.fit(x, y, epochs=1, verbose=0)
    assert model.built and model.cost == "log-likelihood" and model.output_shape == [3]


def test_regression_with_float_targets():
    rng = np.random.default_rng(1)
    x = rng.uniform(-1, 1, (400, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.3
    model = neurite.Model(layers="3,1", cost="mse", optimizer="sgd", rate=0.1, seed=1)
    history = model.fit(x, y, epochs=40, batch_size=10, verbose=0)
    assert history["loss"][-1] < 1e-4
    assert "accuracy" not in model.evaluate(x, y)
    assert np.abs(model.predict(x[:5])[:, 0] - y[:5]).max() < 0.02


def test_spec_dict_and_spec_file_give_the_cli_network():
    spec = json.loads((REPOSITORY / "models" / "seed001-cnn.json").read_text())
    from_dict = neurite.Model(spec)
    from_file = neurite.Model(str(REPOSITORY / "models" / "seed001-cnn.json"))
    assert from_dict.architecture == from_file.architecture
    assert [layer.get("algorithm") for layer in from_file.architecture["layers"] if layer["type"] == "conv2d"] == [
        None, "winograd"]  # the spec's choice of algorithm reaches the network
    assert from_file.input_shape == [1, 28, 28] and from_file.parameter_count == 171158
    assert from_file.settings["optimizer"] == "adam"
    for a, b in zip(from_dict.parameters.values(), from_file.parameters.values()):
        assert np.array_equal(a, b)  # the same seed draws the same weights


def test_callbacks_history_and_stopping():
    x, y = blobs()
    seen = []

    class Recorder:
        def on_epoch_end(self, epoch, logs):
            seen.append(("object", epoch, sorted(logs)))

    def stop_after_two(epoch, logs):
        seen.append(("function", epoch))
        return epoch < 1

    model = neurite.Model(layers="2,8,3", cost="log-likelihood")
    history = model.fit(x, y, epochs=10, callbacks=[Recorder(), stop_after_two], verbose=0)
    assert history["epoch"] == [0, 1]
    assert seen[0] == ("object", 0, ["loss", "rate", "seconds"]) and seen[-1] == ("function", 1)

    def broken(epoch, logs):
        raise KeyError("from the callback")

    with pytest.raises(KeyError, match="from the callback"):
        model.fit(x, y, epochs=3, callbacks=broken, verbose=0)
    assert np.isfinite(model.predict(x)).all()  # the weights of the last completed step


def test_verbose_prints_epoch_lines(capsys):
    x, y = blobs()
    neurite.Model(layers="2,8,3", cost="log-likelihood").fit(x, y, epochs=2, validation_data=(x, y))
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and re.match(r"Epoch 1: \d+ / 600  \(\d+\.\d\d s\)", lines[1])


def test_settings_given_to_fit_change_the_run():
    x, y = blobs()
    model = neurite.Model(layers="2,8,3", cost="log-likelihood", optimizer="sgd", rate=0.1)
    model.fit(x, y, epochs=1, verbose=0, rate=0.05, momentum=0.9)
    assert model.rate == 0.05 and model.settings["momentum"] == 0.9
    with pytest.raises(neurite.Error, match="bogus"):
        model.fit(x, y, epochs=1, verbose=0, bogus=1)
    with pytest.raises(neurite.Error, match="cost defines the network"):
        model.fit(x, y, epochs=1, verbose=0, cost="mse")
    cnn = neurite.Model(str(REPOSITORY / "models" / "seed001-cnn.json"))
    cnn.fit(np.zeros((4, 784)), np.arange(4), epochs=1, verbose=0, rate=1e-4, l2=0.5)
    assert cnn.rate == 1e-4 and cnn.settings["l2"] == 0.5


def test_one_cycle_schedule_rises_then_falls():
    # Rate 0.05 over 4 epochs, warm-up 30%: epoch 0 starts at 0.04 * 0.05, epoch 1 at
    # 0.05 (0.04 + 0.96 * 0.25 / 0.3), then the cosine down.
    x, y = blobs()
    model = neurite.Model(layers="2,8,3", cost="log-likelihood", optimizer="adam", rate=0.05,
                          schedule="one-cycle", one_cycle_warmup=0.3)
    rates = model.fit(x, y, epochs=4, batch_size=32, verbose=0)["rate"]
    assert rates[0] == pytest.approx(0.002) and rates[1] == pytest.approx(0.042)
    # The peak comes within epoch 1; epoch 2 starts 0.2 / 0.7 of the way down the cosine.
    assert rates[2] == pytest.approx(0.05 * (1 + math.cos(math.pi * 0.2 / 0.7)) / 2) and rates[3] < rates[2]
    with pytest.raises(neurite.Error, match="one_cycle_warmup must be in"):
        model.fit(x, y, epochs=1, verbose=0, one_cycle_warmup=1.5)


def test_parameters_are_live_views():
    model = neurite.Model(layers="4,3,2", cost="quadratic", activation="sigmoid", output="sigmoid")
    params = model.parameters
    assert list(params) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    assert params["0.weight"].shape == (3, 4) and params["0.weight"].flags.writeable
    params["2.bias"][:] = [40.0, -40.0]
    assert np.allclose(model.predict(np.zeros((1, 4))), [[1.0, 0.0]])
    del model
    assert params["2.bias"][0] == 40.0  # the view keeps the model alive


def test_gradients_equal_central_differences():
    """A wrong backward pass fails here: every gradient entry is checked numerically."""
    rng = np.random.default_rng(2)
    x, y = rng.normal(size=(5, 4)), rng.integers(0, 3, 5)
    model = neurite.Model(layers="4,6,3", cost="log-likelihood", activation="tanh", seed=7)
    gradients = model.gradients(x, y)
    for name, value in model.parameters.items():
        flat = value.reshape(-1)
        for i in range(flat.size):
            keep = flat[i]
            flat[i] = keep + 1e-2
            up = model.evaluate(x, y)["loss"]
            flat[i] = keep - 1e-2
            down = model.evaluate(x, y)["loss"]
            flat[i] = keep
            numeric = (up - down) / 2e-2
            assert gradients[name].reshape(-1)[i] == pytest.approx(numeric, abs=2e-3, rel=2e-2), (name, i)
    report = model.gradient_check(x, y)
    assert report["passed"] and [e["name"] for e in report["entries"]][:2] == ["0.weight", "0.bias"]
    assert "0.weight" in report["report"]


def test_save_load_round_trip(tmp_path):
    x, y = blobs()
    model = neurite.Model(layers="2,8,3", cost="log-likelihood", seed=5)
    model.fit(x, y, epochs=2, verbose=0)
    path = tmp_path / "blobs.safetensors"
    model.save(str(path))
    loaded = neurite.load(path)
    assert np.array_equal(loaded.predict(x), model.predict(x))
    assert loaded.architecture == model.architecture
    loaded.fit(x, y, epochs=1, verbose=0)  # a loaded model trains on
    with pytest.raises(neurite.Error, match="missing.safetensors"):
        neurite.load(tmp_path / "missing.safetensors")


def test_python_model_evaluated_by_the_cli(mnist, mnist_folder, cli, tmp_path):
    training, _, test = mnist
    model = neurite.Model(layers="784,32,10", cost="log-likelihood", optimizer="adam", rate=1e-3, seed=2)
    model.fit(training.slice(0, 10000), epochs=1, batch_size=32, verbose=0)
    path = tmp_path / "python.safetensors"
    model.save(str(path))
    correct = model.evaluate(test)["correct"]
    out = subprocess.run([cli, "eval", str(path), "--data", mnist_folder], capture_output=True, text=True, check=True).stdout
    assert "%d / 10000 correct" % correct in out
    out = subprocess.run([cli, "predict", str(path), "--index", "3", "--data", mnist_folder],
                         capture_output=True, text=True, check=True).stdout
    printed = [float(v) for v in re.findall(r"^\d: ([0-9.]+)$", out, re.M)]
    assert np.abs(np.array(printed) - model.predict(test.x[3:4])[0]).max() < 1e-6


def test_cli_model_evaluated_by_python(mnist, mnist_folder, cli, tmp_path):
    path = tmp_path / "cli.safetensors"
    subprocess.run([cli, "train", "--layers", "784,20,10", "--epochs", "1", "--train-size", "5000",
                    "--cost", "cross-entropy", "--data", mnist_folder, "--out", str(path)], capture_output=True, check=True)
    out = subprocess.run([cli, "eval", str(path), "--data", mnist_folder], capture_output=True, text=True, check=True).stdout
    model = neurite.load(path)
    assert model.cost == "cross-entropy" and model.summary.endswith("-> sigmoid")
    assert "%d / 10000 correct" % model.evaluate(mnist[2])["correct"] in out


def test_array_model_predicts_in_the_cli(cli, tmp_path):
    x, y = blobs()
    model = neurite.Model(layers="2,8,3", cost="log-likelihood", seed=5)
    model.fit(x, y, epochs=2, verbose=0)
    model.save(str(tmp_path / "blobs.safetensors"))
    np.save(tmp_path / "x.npy", x[:4].astype(np.float32))
    subprocess.run([cli, "predict", str(tmp_path / "blobs.safetensors"), "--input", str(tmp_path / "x.npy"),
                    "--out", str(tmp_path / "p.csv")], capture_output=True, check=True)
    rows = (tmp_path / "p.csv").read_text().splitlines()
    assert len(rows) == 5  # a header and one row per sample
    predicted = [int(r.split(",")[1]) for r in rows[1:]]
    assert predicted == model.predict(x[:4]).argmax(axis=1).tolist()


def test_data_sources_csv(tmp_path):
    x, y = blobs(300)
    with open(tmp_path / "blobs.csv", "w") as f:
        f.write("a,b,kind\n")
        for (a, b), label in zip(x, y):
            f.write("%.4f,%.4f,%s\n" % (a, b, ["north", "east", "west"][label]))
    training, validation, test = neurite.data.load(tmp_path / "blobs.csv", target="kind", validation_split=0.1)
    assert len(training) + len(validation) + len(test) == 300 and len(test) == 60
    assert training.class_names == ["east", "north", "west"]
    assert training.preparation["kind"] == "table"
    model = neurite.Model(layers="in,8,out", rate=0.01, seed=1)
    model.fit(training, epochs=30, validation_data=validation, verbose=0)
    assert model.class_names == ["east", "north", "west"]
    assert model.evaluate(test)["accuracy"] > 0.9
    with pytest.raises(neurite.Error, match="nosuch"):
        neurite.data.load(tmp_path / "blobs.csv", target="nosuch")


def test_mnist_source_shapes(mnist):
    training, validation, test = mnist
    assert (len(training), len(validation), len(test)) == (50000, 10000, 10000)
    assert training.x.shape == (50000, 784) and training.y.shape == (50000, 10)
    assert training.labels.dtype == np.int32 and test.labels[0] == 7
    cnn = neurite.Model(str(REPOSITORY / "models" / "seed001-cnn.json"))
    small = test.slice(0, 8)
    assert cnn.predict(small.x.reshape(8, 1, 28, 28)).shape == (8, 10)
    assert cnn.evaluate(small)["total"] == 8  # flat samples are reshaped to (1, 28, 28)


def test_bad_arrays_are_neurite_errors():
    x, y = blobs()
    model = neurite.Model(layers="2,8,3", cost="log-likelihood")
    assert issubclass(neurite.Error, ValueError)
    with pytest.raises(neurite.Error, match=r"\(600, 3\) is not a batch of samples of \(2\)"):
        model.predict(np.zeros((600, 3)))
    with pytest.raises(neurite.Error, match="dtype"):
        model.predict(np.array([["a", "b"]]))
    with pytest.raises(neurite.Error, match="dtype complex"):
        model.predict(np.zeros((2, 2), dtype=complex))
    with pytest.raises(neurite.Error, match="NaN"):
        model.fit(np.full((4, 2), np.nan), np.zeros(4, dtype=int), verbose=0)
    with pytest.raises(neurite.Error, match="rows"):
        model.fit(x, y[:10], verbose=0)
    with pytest.raises(neurite.Error, match="label 7"):
        model.fit(x, np.full(600, 7), verbose=0)
    with pytest.raises(neurite.Error, match="rate"):
        neurite.Model(layers="2,3", rate=-1)
    with pytest.raises(neurite.Error, match="unknown"):
        neurite.Model(layers="2,3", optimiser="adam")


def test_non_contiguous_and_other_dtypes_are_copied():
    x, y = blobs()
    model = neurite.Model(layers="2,8,3", cost="log-likelihood")
    wide = np.asfortranarray(np.repeat(x, 2, axis=1))[:, ::2]  # strided, Fortran order
    assert not wide.flags.c_contiguous
    expected = model.predict(x.astype(np.float32))
    assert np.array_equal(model.predict(wide), expected)
    assert np.array_equal(model.predict(x.astype(np.float16).astype(np.float64)), model.predict(x.astype(np.float16)))
    assert np.array_equal(model.predict(x.tolist()), expected)


def test_training_releases_the_gil(mnist):
    training = mnist[0]  # the whole set, five times: long enough to see the thread run (> 0.2 s)
    model = neurite.Model(layers="784,64,10", cost="log-likelihood", optimizer="sgd", rate=0.1, batch=10)
    counter, stop = [0], threading.Event()

    def count():
        while not stop.is_set():
            counter[0] += 1

    thread = threading.Thread(target=count)
    thread.start()
    time.sleep(0.05)
    before = counter[0]
    started = time.perf_counter()
    model.fit(training, epochs=5, verbose=0)
    seconds = time.perf_counter() - started
    during = counter[0] - before
    stop.set()
    thread.join()
    # Holding the GIL, fit would leave the thread a few switch intervals at most.
    assert seconds > 0.2 and during > 100000, (seconds, during)


INTERRUPTED = """
import signal, threading, time, numpy as np, neurite
training = neurite.data.mnist()[0]
model = neurite.Model(layers="784,100,10", cost="log-likelihood", optimizer="sgd", rate=0.1, batch=10)
threading.Timer(1.0, lambda: signal.raise_signal(signal.SIGINT)).start()
started = time.perf_counter()
try:
    model.fit(training, epochs=1000, verbose=0)
except KeyboardInterrupt:
    print("interrupted after %.2f s" % (time.perf_counter() - started))
print("finite" if np.isfinite(model.predict(training.x[:10])).all() else "broken")
"""


def test_ctrl_c_stops_training_between_batches(mnist_folder):
    env = dict(os.environ, NEURITE_MNIST=mnist_folder, PYTHONPATH=":".join(sys.path))
    out = subprocess.run([sys.executable, "-c", INTERRUPTED], env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    seconds = float(re.search(r"interrupted after ([0-9.]+) s", out).group(1))
    assert 1.0 <= seconds < 2.5, out  # within 50 ms of batches after the signal, plus MNIST's load
    assert out.splitlines()[-1] == "finite"


def test_readme_numpy_example_runs_and_the_cli_agrees(mnist_folder, cli, tmp_path):
    env = dict(os.environ, NEURITE_MNIST=mnist_folder, PYTHONPATH=":".join(sys.path))
    (tmp_path / "out").mkdir()
    out = subprocess.run([sys.executable, str(REPOSITORY / "python" / "examples" / "numpy_api.py")], cwd=tmp_path,
                         env=env, capture_output=True, text=True, timeout=300, check=True).stdout
    correct = int(re.search(r"'correct': (\d+)", out).group(1))
    assert correct > 9500
    cli_out = subprocess.run([cli, "eval", str(tmp_path / "out" / "python-mlp.safetensors"), "--data", mnist_folder],
                             capture_output=True, text=True, check=True).stdout
    assert "%d / 10000 correct" % correct in cli_out


def test_divergence_is_a_neurite_error():
    x = np.random.default_rng(0).normal(size=(200, 4)) * 100
    model = neurite.Model(layers="4,16,1", cost="mse", optimizer="sgd", rate=10.0)
    with pytest.raises(neurite.Error, match="diverged"):
        model.fit(x, x @ np.ones(4) * 1e3, epochs=5, verbose=0)


def write_png(path, pixels):
    """A greyscale 8-bit PNG, written with zlib alone (no imaging library needed)."""
    import struct
    import zlib

    def chunk(kind, data):
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    height, width = pixels.shape
    raw = b"".join(b"\x00" + bytes(row) for row in pixels.astype(np.uint8))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


def test_data_sources_image_folder(tmp_path):
    rng = np.random.default_rng(4)
    for name, bright in (("dark", 40), ("light", 215)):
        (tmp_path / "pictures" / name).mkdir(parents=True)
        for i in range(20):
            write_png(tmp_path / "pictures" / name / ("%02d.png" % i), np.clip(rng.normal(bright, 20, (8, 8)), 0, 255))
    training, validation, test = neurite.data.load(tmp_path / "pictures", test_split=0.25)
    assert training.class_names == ["dark", "light"] and len(test) == 10
    assert training.sample_shape == [1, 8, 8] and training.preparation["kind"] == "image"
    model = neurite.Model(layers="in,8,out", rate=0.01, seed=1)
    model.fit(training, epochs=20, verbose=0)
    assert model.evaluate(test)["accuracy"] == 1.0


def test_one_thread_at_a_time(mnist):
    """fit releases the GIL, so another thread must not run the network meanwhile: it gets an
    error, not a crash. fit's own callbacks may use the model, but not train it again."""
    training, test = mnist[0].slice(0, 10000), mnist[2].slice(0, 100)
    model = neurite.Model(layers="784,32,10", cost="log-likelihood", optimizer="sgd", rate=0.1)
    first_epoch, checked, inside = threading.Event(), threading.Event(), []

    def callback(epoch, logs):
        if epoch == 0:
            inside.append(model.evaluate(test)["total"])  # allowed: between epochs, same thread
            with pytest.raises(neurite.Error, match="training"):
                model.fit(test, epochs=1, verbose=0)
            first_epoch.set()
        return not checked.is_set()  # train until the other thread has looked

    thread = threading.Thread(target=lambda: model.fit(training, epochs=1000, verbose=0, callbacks=callback))
    thread.start()
    assert first_epoch.wait(60)
    try:
        with pytest.raises(neurite.Error, match="busy in another thread"):
            model.predict(test.x)
    finally:
        checked.set()
        thread.join()
    assert inside == [100]
    assert model.predict(test.x).shape == (100, 10)  # free again


def test_export_onnx_is_read_by_onnx_checker(tmp_path):
    onnx = pytest.importorskip("onnx")
    x = np.random.default_rng(0).normal(size=(64, 3)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.int64)
    model = neurite.Model({"input": [3], "layers": [{"type": "dense", "out": 4}, {"type": "tanh"}, {"type": "dense", "out": 2}]},
                          cost="log-likelihood")
    model.fit(x, y, epochs=1, verbose=0)
    model.export_onnx(str(tmp_path / "m.onnx"))
    onnx.checker.check_model(onnx.load(str(tmp_path / "m.onnx")), full_check=True)


def read_safetensors(path):
    """The float32 tensors of a safetensors file, by name (the format is simple enough to read here)."""
    blob = open(path, "rb").read()
    length = int.from_bytes(blob[:8], "little")
    header = json.loads(blob[8:8 + length])
    out = {}
    for name, entry in header.items():
        if name != "__metadata__":
            begin, end = entry["data_offsets"]
            out[name] = np.frombuffer(blob[8 + length + begin:8 + length + end], dtype="<f4").reshape(entry["shape"])
    return out


def test_import_torch_gives_pytorchs_outputs():
    fixtures = os.path.join(REPOSITORY, "tests", "fixtures")
    reference = read_safetensors(os.path.join(fixtures, "torch_state_dict_reference.safetensors"))
    model = neurite.Model(os.path.join(fixtures, "torch_state_dict_lstm.json"))
    places = model.import_torch(os.path.join(fixtures, "torch_state_dict_lstm.safetensors"), modules=["lstm", "head"])
    assert ("lstm.weight_hh_l1_reverse", "1.weight_hh_reverse") in places
    outputs = model.predict(reference["pixels"] / 255)
    assert np.abs(outputs - reference["lstm.outputs"]).max() < 1e-5
    with pytest.raises(neurite.Error, match="give the modules' order"):
        neurite.Model(os.path.join(fixtures, "torch_state_dict_lstm.json")).import_torch(
            os.path.join(fixtures, "torch_state_dict_lstm.safetensors"))


def test_kernel_family_is_reported_and_capped_by_the_environment():
    assert neurite.kernel_family() in ("avx512", "avx2", "sse")
    # A fresh interpreter, capped to SSE (every x86-64 CPU runs it), reports the cap.
    env = dict(os.environ, NEURITE_KERNELS="sse")
    out = subprocess.run([sys.executable, "-c", "import neurite; print(neurite.kernel_family())"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "sse"
    env["NEURITE_KERNELS"] = "avx9"
    bad = subprocess.run([sys.executable, "-c", "import neurite; neurite.kernel_family()"],
                         env=env, capture_output=True, text=True)
    assert bad.returncode != 0 and "NEURITE_KERNELS must be avx512, avx2 or sse, got 'avx9'" in bad.stderr
