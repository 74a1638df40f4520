#!/usr/bin/python3
"""Trains the same network on the same tables in neurite, scikit-learn and PyTorch, side by side in
one run, and prints a Markdown table: test accuracy (or RMSE in the target's units), training
seconds per framework, and the ratios sklearn/neurite and torch/neurite.

The tables:
  seattle-weather  classify `weather` from precipitation, temp_max, temp_min, wind (date ignored);
                   80/20 split, stratified by class, seeded
  cars             regress Miles_per_Gallon from Cylinders, Displacement, Horsepower,
                   Weight_in_lbs, Acceleration and Origin (one-hot); rows with a missing value
                   dropped; 80/20 split, seeded
  birdstrikes      classify `Wildlife Size` (Small, Medium, Large) from six categorical columns
                   (airport, aircraft, operator, state, phase of flight, time of day; 361 categories
                   one-hot) and two numbers (`Cost Total $`, the speed); rows without a speed dropped;
                   80/20 split, stratified by class, seeded
  fashion-mnist    the 784 pixels as a table of numbers (classes by name); Fashion-MNIST's own
                   split, 60,000 training and 10,000 test rows (written once as CSV, kept in the
                   scratch folder with --keep)

The split is made here and written as train.csv / test.csv: neurite gets them as
`--data train.csv --test test.csv`, scikit-learn and PyTorch get the same rows, prepared as neurite
prepares them (fitted on the training rows: numbers standardised to mean 0 / population deviation 1,
a constant column left at scale 1, categories one-hot; regression targets standardised too, the
predictions mapped back for the RMSE).

The network, in all three: in -> 64 ReLU -> out (softmax with cross-entropy, or identity with
mean squared error), PyTorch's default initialisation U(+-1/sqrt(fan_in)) (neurite: --init
pytorch; scikit-learn keeps its own Glorot-uniform, it has no option for it), Adam with rate 1e-3,
batch 32 (the last batch of an epoch smaller), reshuffled every epoch, no weight decay, no early
stopping, every epoch run.

Seconds count training only: for neurite the sum of the `seconds` of its log's epoch records
(its mini-batches, without reading the data or evaluating), for PyTorch the same loop without the
evaluation, for scikit-learn the whole `fit` (its epochs; it computes each epoch's loss as part of
training). neurite's whole command (reading the CSVs, preparing, training, one evaluation at the
end, saving) is shown too. Each framework runs in its own process, one after the other.

Threads: neurite --threads T; PyTorch torch.set_num_threads(--torch-threads, default T) with
OPENBLAS_NUM_THREADS=1 (its own threads and OpenBLAS's would compete for the cores); scikit-learn does its products through
numpy's OpenBLAS, given OPENBLAS_NUM_THREADS=--sklearn-threads (default 1, its fastest here:
one Fashion-MNIST epoch of 20,000 rows took 0.25 s on one OpenBLAS thread, 0.45 s on two).

  /usr/bin/python3 bench/own_data.py [--datasets seattle,cars,birdstrikes,fashion] [--threads 2]
      [--epochs seattle=100,cars=200,birdstrikes=20,fashion=5] [--neurite build/neurite] [--vega data/vega]
      [--fashion /usr/share/datasets/fashion-mnist] [--fashion-rows N] [--sklearn-threads T]
      [--torch-threads T] [--seed S] [--skip-sklearn] [--skip-torch] [--keep DIR]

Needs Debian's python3 with python3-numpy, python3-sklearn and python3-torch
(apt-get install python3-sklearn python3-torch). Relative paths are taken from the repository root.
"""
import argparse
import csv
import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
HIDDEN, RATE, BATCH = 64, 1e-3, 32
SEED = 1  # of the split (always 1) and, unless --seed says otherwise, of the training
DEFAULT_EPOCHS = {"seattle": 100, "cars": 200, "birdstrikes": 20, "fashion": 5}
FASHION_CLASSES = ["T-shirt", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker",
                   "Bag", "Ankle-boot"]


# ---------------------------------------------------------------------------------------------
# The tables: raw rows, split here, written as CSV for neurite, prepared as arrays for the others.

class Table:
    """Raw columns: `numeric` names -> float arrays, `categorical` names -> lists of str, a target."""

    def __init__(self, name, task, numeric, categorical, target_name, target, train, test):
        self.name, self.task = name, task
        self.numeric, self.categorical = numeric, categorical  # dicts, in column order
        self.target_name, self.target = target_name, target    # np.array of str or float
        self.train, self.test = train, test                    # row indices


def split(n, test_fraction, rng, labels=None):
    """Seeded 80/20 split of range(n); stratified by label when labels are given."""
    groups = [np.arange(n)] if labels is None else [np.flatnonzero(labels == c) for c in np.unique(labels)]
    train, test = [], []
    for g in groups:
        g = rng.permutation(g)
        k = int(round(test_fraction * len(g)))
        test.extend(g[:k]), train.extend(g[k:])
    return np.sort(np.array(train)), np.sort(np.array(test))


def seattle(vega):
    with open(os.path.join(vega, "seattle-weather.csv"), newline="") as f:
        rows = list(csv.DictReader(f))
    numeric = {c: np.array([float(r[c]) for r in rows]) for c in ("precipitation", "temp_max", "temp_min", "wind")}
    target = np.array([r["weather"] for r in rows])
    train, test = split(len(rows), 0.2, np.random.RandomState(SEED), target)
    return Table("seattle-weather", "classification", numeric, {}, "weather", target, train, test)


def cars(vega):
    with open(os.path.join(vega, "cars.json")) as f:
        records = json.load(f)
    inputs = ["Cylinders", "Displacement", "Horsepower", "Weight_in_lbs", "Acceleration"]
    keep = [r for r in records if all(r.get(c) is not None for c in inputs + ["Origin", "Miles_per_Gallon"])]
    numeric = {c: np.array([float(r[c]) for r in keep]) for c in inputs}
    categorical = {"Origin": [r["Origin"] for r in keep]}
    target = np.array([float(r["Miles_per_Gallon"]) for r in keep])
    train, test = split(len(keep), 0.2, np.random.RandomState(SEED))
    return Table("cars", "regression", numeric, categorical, "Miles_per_Gallon", target, train, test)


def birdstrikes(vega):
    with open(os.path.join(vega, "birdstrikes.csv"), newline="") as f:
        rows = [r for r in csv.DictReader(f) if r["Speed IAS in knots"].strip()]
    numeric = {c: np.array([float(r[c]) for r in rows]) for c in ("Cost Total $", "Speed IAS in knots")}
    categorical = {c: [r[c] for r in rows] for c in ("Airport Name", "Aircraft Make Model", "Aircraft Airline Operator",
                                                     "Origin State", "Phase of flight", "Time of day")}
    target = np.array([r["Wildlife Size"] for r in rows])
    train, test = split(len(rows), 0.2, np.random.RandomState(SEED), target)
    return Table("birdstrikes", "classification", numeric, categorical, "Wildlife Size", target, train, test)


def read_idx(path):
    with gzip.open(path, "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], "big") for i in range(dims)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def fashion(folder, rows):
    x_train = read_idx(os.path.join(folder, "train-images-idx3-ubyte.gz")).reshape(-1, 784)
    y_train = read_idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"))
    x_test = read_idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784)
    y_test = read_idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"))
    if rows:  # a smaller run: the first `rows` training rows and a sixth as many test rows
        x_train, y_train = x_train[:rows], y_train[:rows]
        x_test, y_test = x_test[:max(1, rows // 6)], y_test[:max(1, rows // 6)]
    x = np.concatenate([x_train, x_test])
    numeric = {f"pixel{i}": x[:, i] for i in range(784)}
    target = np.array(FASHION_CLASSES)[np.concatenate([y_train, y_test])]
    n = len(x_train)
    return Table("fashion-mnist", "classification", numeric, {}, "item", target,
                 np.arange(n), np.arange(n, n + len(x_test)))


def write_csv(table, rows, path):
    """The raw columns of `rows` (numbers as written, categories as text) and the target, last."""
    columns = list(table.numeric) + list(table.categorical) + [table.target_name]
    integral = all(v.dtype.kind in "ui" for v in table.numeric.values())
    if integral and not table.categorical:  # fashion: 784 byte columns, written fast
        words = [str(i).encode() for i in range(256)]
        matrix = np.stack(list(table.numeric.values()), axis=1)
        with open(path, "wb") as f:
            f.write((",".join(columns) + "\n").encode())
            for r in rows:
                f.write(b",".join([words[v] for v in matrix[r].tolist()]) + b"," + table.target[r].encode() + b"\n")
        return
    with open(path, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(columns)
        for r in rows:
            w.writerow([repr(float(table.numeric[c][r])) for c in table.numeric] +
                       [table.categorical[c][r] for c in table.categorical] +
                       [table.target[r] if table.task == "classification" else repr(float(table.target[r]))])


def prepare(table, path):
    """Inputs and targets as neurite prepares them (fitted on the training rows), saved as .npz."""
    blocks_train, blocks_test = [], []
    for values in table.numeric.values():
        v = np.asarray(values, dtype=np.float32)
        tr = v[table.train].astype(np.float64)
        mean = tr.mean()
        dev = np.sqrt(((tr - mean) ** 2).mean())
        mean, dev = np.float32(mean), np.float32(dev if dev > 0 else 1.0)
        blocks_train.append(((v[table.train] - mean) / dev)[:, None])
        blocks_test.append(((v[table.test] - mean) / dev)[:, None])
    for values in table.categorical.values():
        values = np.array(values)
        categories = sorted(set(values[table.train]))
        blocks_train.append((values[table.train][:, None] == np.array(categories)[None, :]).astype(np.float32))
        blocks_test.append((values[table.test][:, None] == np.array(categories)[None, :]).astype(np.float32))
    x_train = np.ascontiguousarray(np.concatenate(blocks_train, axis=1), dtype=np.float32)
    x_test = np.ascontiguousarray(np.concatenate(blocks_test, axis=1), dtype=np.float32)
    extra = {}
    if table.task == "classification":
        classes = sorted(set(table.target[table.train]))
        index = {c: i for i, c in enumerate(classes)}
        y_train = np.array([index[c] for c in table.target[table.train]], dtype=np.int64)
        y_test = np.array([index[c] for c in table.target[table.test]], dtype=np.int64)
        extra["classes"] = len(classes)
    else:
        t = table.target.astype(np.float32)
        tr = t[table.train].astype(np.float64)
        mean = np.float32(tr.mean())
        dev = np.float32(np.sqrt(((tr - tr.mean()) ** 2).mean()))
        y_train = ((t[table.train] - mean) / dev).astype(np.float32)
        y_test = t[table.test]  # in its units: predictions are mapped back
        extra.update(target_mean=mean, target_dev=dev)
    np.savez(path, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test, **extra)
    return x_train.shape[1], extra.get("classes", 1)


# ---------------------------------------------------------------------------------------------
# The workers: each framework trains in a process of its own and prints one RESULT line (JSON).

def worker_sklearn(args):
    from sklearn.neural_network import MLPClassifier, MLPRegressor
    import sklearn
    d = np.load(args.prepared)
    common = dict(hidden_layer_sizes=(HIDDEN,), activation="relu", solver="adam", alpha=0.0,
                  batch_size=BATCH, learning_rate_init=RATE, max_iter=args.epochs, shuffle=True,
                  random_state=args.seed, tol=0.0, n_iter_no_change=args.epochs + 1, early_stopping=False)
    model = MLPClassifier(**common) if args.task == "classification" else MLPRegressor(**common)
    start = time.perf_counter()
    import warnings
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # ConvergenceWarning: max_iter reached, as intended
        model.fit(d["x_train"], d["y_train"])
    seconds = time.perf_counter() - start
    metric = evaluate(args.task, d, model.predict(d["x_test"]))
    print("RESULT " + json.dumps({"seconds": seconds, "metric": metric, "epochs": model.n_iter_,
                                  "version": sklearn.__version__}))


def worker_torch(args):
    import torch
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    d = np.load(args.prepared)
    x, y = torch.from_numpy(d["x_train"]), torch.from_numpy(d["y_train"])
    if args.task == "regression":
        y = y[:, None]
    out = int(d["classes"]) if args.task == "classification" else 1
    model = torch.nn.Sequential(torch.nn.Linear(x.shape[1], HIDDEN), torch.nn.ReLU(), torch.nn.Linear(HIDDEN, out))
    loss_fn = torch.nn.CrossEntropyLoss() if args.task == "classification" else torch.nn.MSELoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=RATE)
    generator = torch.Generator().manual_seed(args.seed)
    n = x.shape[0]
    seconds = []
    for _ in range(args.epochs):
        start = time.perf_counter()
        perm = torch.randperm(n, generator=generator)
        for i in range(0, n, BATCH):
            idx = perm[i:i + BATCH]
            optimizer.zero_grad(set_to_none=True)
            loss = loss_fn(model(x[idx]), y[idx])
            loss.backward()
            optimizer.step()
        seconds.append(time.perf_counter() - start)
    with torch.no_grad():
        outputs = model(torch.from_numpy(d["x_test"]))
    predicted = outputs.argmax(1).numpy() if args.task == "classification" else outputs[:, 0].numpy()
    print("RESULT " + json.dumps({"seconds": sum(seconds), "metric": evaluate(args.task, d, predicted),
                                  "epochs": args.epochs, "version": torch.__version__}))


def evaluate(task, d, predicted):
    """Accuracy in percent, or the RMSE in the target's units."""
    if task == "classification":
        return float(100.0 * np.mean(np.asarray(predicted) == d["y_test"]))
    predicted = np.asarray(predicted, dtype=np.float64) * float(d["target_dev"]) + float(d["target_mean"])
    return float(np.sqrt(np.mean((predicted - d["y_test"].astype(np.float64)) ** 2)))


# ---------------------------------------------------------------------------------------------
# The driver.

def run_worker(kind, prepared, task, epochs, threads, blas_threads, seed):
    env = dict(os.environ, OPENBLAS_NUM_THREADS=str(blas_threads), OMP_NUM_THREADS=str(threads))
    command = [sys.executable, os.path.abspath(__file__), "--worker", kind, "--prepared", prepared,
               "--task", task, "--epochs", str(epochs), "--threads", str(threads), "--seed", str(seed)]
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    lines = [l for l in done.stdout.splitlines() if l.startswith("RESULT ")]
    if done.returncode != 0 or not lines:
        sys.exit(f"{kind} failed:\n{done.stdout}\n{done.stderr}")
    return json.loads(lines[-1][len("RESULT "):])


def run_neurite(neurite, table, work, epochs, threads, seed):
    log, model = os.path.join(work, "neurite.jsonl"), os.path.join(work, "neurite.safetensors")
    for path in (log, model):
        if os.path.exists(path):
            os.remove(path)
    command = [neurite, "train", "--data", os.path.join(work, "train.csv"), "--test", os.path.join(work, "test.csv"),
               "--target", table.target_name, "--task", table.task,
               "--layers", "in,64,out", "--activation", "relu", "--init", "pytorch",
               "--optimizer", "adam", "--rate", str(RATE), "--batch", str(BATCH), "--epochs", str(epochs),
               "--eval-every", str(epochs), "--seed", str(seed), "--threads", str(threads),
               "--log", log, "--out", model]
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True)
    wall = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"neurite failed: {' '.join(command)}\n{done.stdout}\n{done.stderr}")
    with open(log) as f:
        records = [json.loads(l) for l in f if l.strip()]
    records = records[max(i for i, r in enumerate(records) if r.get("type") == "start"):]
    epoch_records = [r for r in records if r.get("type") == "epoch"]
    seconds = sum(r["seconds"] for r in epoch_records)
    if table.task == "classification":
        metric = 100.0 * epoch_records[-1]["test"]["accuracy"]
    else:  # the RMSE in the target's units, from `neurite eval` on the same test rows
        done = subprocess.run([neurite, "eval", model, "--data", os.path.join(work, "test.csv")],
                              capture_output=True, text=True)
        found = re.search(rf"^{re.escape(table.target_name)}\s+([0-9.eE+-]+)", done.stdout, re.M)
        if done.returncode != 0 or not found:
            sys.exit(f"neurite eval failed:\n{done.stdout}\n{done.stderr}")
        metric = float(found.group(1))
    return {"seconds": seconds, "wall": wall, "metric": metric, "epochs": len(epoch_records),
            "command": " ".join(command)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default="seattle,cars,birdstrikes,fashion")
    parser.add_argument("--epochs", default="", help="e.g. seattle=100,cars=200,fashion=5")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--seed", type=int, default=1, help="of the training (the split's stays 1)")
    parser.add_argument("--torch-threads", type=int, default=None, help="torch.set_num_threads (default --threads)")
    parser.add_argument("--sklearn-threads", type=int, default=None,
                        help="OPENBLAS_NUM_THREADS for scikit-learn (default 1: its fastest here)")
    parser.add_argument("--neurite", default=os.environ.get("NEURITE", "build/neurite"))
    parser.add_argument("--vega", default="data/vega")
    parser.add_argument("--fashion", default="/usr/share/datasets/fashion-mnist")
    parser.add_argument("--fashion-rows", type=int, default=0, help="use only this many training rows")
    parser.add_argument("--skip-sklearn", action="store_true")
    parser.add_argument("--skip-torch", action="store_true")
    parser.add_argument("--keep", default="", help="scratch folder kept between runs (else a temporary one)")
    # a worker process (internal)
    parser.add_argument("--worker", choices=["sklearn", "torch"], help=argparse.SUPPRESS)
    parser.add_argument("--prepared", help=argparse.SUPPRESS)
    parser.add_argument("--task", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        args.epochs = int(args.epochs)
        (worker_sklearn if args.worker == "sklearn" else worker_torch)(args)
        return

    os.chdir(REPO)
    epochs = dict(DEFAULT_EPOCHS)
    for item in filter(None, args.epochs.split(",")):
        key, value = item.split("=")
        epochs[key] = int(value)
    sklearn_threads = args.sklearn_threads or 1
    torch_threads = args.torch_threads or args.threads
    neurite = os.path.abspath(args.neurite)
    if not os.access(neurite, os.X_OK):
        sys.exit(f"{neurite}: no neurite binary (build it, or pass --neurite PATH)")
    for module, package, flag in (("sklearn", "python3-sklearn", "skip_sklearn"), ("torch", "python3-torch", "skip_torch")):
        if not getattr(args, flag) and subprocess.run([sys.executable, "-c", f"import {module}"],
                                                      capture_output=True).returncode != 0:
            print(f"{sys.executable} cannot import {module} (Debian: apt-get install {package}), skipping it",
                  file=sys.stderr)
            setattr(args, flag, True)

    scratch = args.keep or tempfile.mkdtemp(prefix="neurite-own-data-")
    loaders = {"seattle": lambda: seattle(args.vega), "cars": lambda: cars(args.vega),
               "birdstrikes": lambda: birdstrikes(args.vega),
               "fashion": lambda: fashion(args.fashion, args.fashion_rows)}
    rows = []
    try:
        for key in args.datasets.split(","):
            table = loaders[key]()
            work = os.path.join(scratch, key + (f"-{args.fashion_rows}" if key == "fashion" and args.fashion_rows else ""))
            os.makedirs(work, exist_ok=True)
            marker = os.path.join(work, "written")
            if not os.path.exists(marker):  # the CSVs of a kept folder are written once
                write_csv(table, table.train, os.path.join(work, "train.csv"))
                write_csv(table, table.test, os.path.join(work, "test.csv"))
                open(marker, "w").close()
            prepared = os.path.join(work, "prepared.npz")
            inputs, outputs = prepare(table, prepared)
            e = epochs[key]
            print(f"== {table.name}: {len(table.train)} training / {len(table.test)} test rows, "
                  f"{inputs}-{HIDDEN}-{outputs}, {e} epochs", file=sys.stderr, flush=True)
            result = {"table": table, "inputs": inputs, "outputs": outputs, "epochs": e}
            result["neurite"] = run_neurite(neurite, table, work, e, args.threads, args.seed)
            print(f"   neurite: {result['neurite']['command']}", file=sys.stderr, flush=True)
            if not args.skip_sklearn:
                result["sklearn"] = run_worker("sklearn", prepared, table.task, e, args.threads, sklearn_threads,
                                               args.seed)
            if not args.skip_torch:
                result["torch"] = run_worker("torch", prepared, table.task, e, torch_threads, 1, args.seed)
            for k in ("neurite", "sklearn", "torch"):
                if k in result:
                    print(f"   {k}: {result[k]['seconds']:.3f} s, metric {result[k]['metric']:.4g}",
                          file=sys.stderr, flush=True)
            rows.append(result)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)

    versions = []
    for k, name in (("sklearn", "scikit-learn"), ("torch", "PyTorch")):
        v = next((r[k]["version"] for r in rows if k in r), None)
        if v:
            versions.append(f"{name} {v}")
    print()
    print(f"in-64 ReLU-out, Adam 1e-3, batch 32; neurite {args.threads} threads, PyTorch {torch_threads}, "
          f"scikit-learn OpenBLAS {sklearn_threads}; training seed {args.seed}; {', '.join(versions)}; "
          f"OPENBLAS_CORETYPE={os.environ.get('OPENBLAS_CORETYPE', 'unset')}; {time.strftime('%Y-%m-%d', time.gmtime())}")
    print()
    print("| table | rows train/test | epochs | metric | neurite | scikit-learn | PyTorch "
          "| neurite s (train) | neurite s (whole command) | scikit-learn s | PyTorch s | sklearn/neurite | torch/neurite |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|---|")
    fmt_metric = lambda r, k: "—" if k not in r else (f"{r[k]['metric']:.2f}%" if r["table"].task == "classification"
                                                      else f"{r[k]['metric']:.3f}")
    fmt_s = lambda r, k: "—" if k not in r else f"{r[k]['seconds']:.3f}"
    ratio = lambda r, k: "—" if k not in r else f"{r[k]['seconds'] / r['neurite']['seconds']:.1f}×"
    for r in rows:
        t = r["table"]
        metric = "accuracy" if t.task == "classification" else f"RMSE ({t.target_name})"
        print(f"| {t.name} | {len(t.train)}/{len(t.test)} | {r['epochs']} | {metric} | {fmt_metric(r, 'neurite')} | "
              f"{fmt_metric(r, 'sklearn')} | {fmt_metric(r, 'torch')} | {fmt_s(r, 'neurite')} | "
              f"{r['neurite']['wall']:.3f} | {fmt_s(r, 'sklearn')} | {fmt_s(r, 'torch')} | "
              f"{ratio(r, 'sklearn')} | {ratio(r, 'torch')} |")


if __name__ == "__main__":
    main()
