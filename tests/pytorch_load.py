#!/usr/bin/env python3
"""Opens a neurite model file the way PyTorch users would and checks it is usable there.

The safetensors layout is parsed by hand here (the `safetensors` Python package is not in Debian
12), then the tensors are loaded with load_state_dict(strict=True) into the nn.Sequential that
the "neurite" metadata describes, and the outputs are compared with neurite's own `predict`.
Exit 77 (skipped) when PyTorch is not installed.
"""
import json
import struct
import subprocess
import sys

try:
    import numpy as np
    import torch
except ImportError:
    print("PyTorch not installed: skipped")
    sys.exit(77)


def read_safetensors(path):
    with open(path, "rb") as f:
        raw = f.read()
    (length,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + length])
    data = raw[8 + length:]
    meta = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        assert entry["dtype"] == "F32", entry
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype="<f4").reshape(entry["shape"])
        tensors[name] = torch.from_numpy(array.copy())
    return tensors, meta


def build(architecture):
    layers = []
    for layer in architecture["layers"]:
        kind = layer["type"]
        if kind == "dense":
            layers.append(torch.nn.Linear(layer["in"], layer["out"], bias=layer.get("bias", True)))
        else:
            layers.append({"sigmoid": torch.nn.Sigmoid, "tanh": torch.nn.Tanh, "relu": torch.nn.ReLU,
                           "identity": torch.nn.Identity}[kind]())
    return torch.nn.Sequential(*layers)


def main(neurite, data, workdir):
    import os
    if not os.path.exists(os.path.join(data, "t10k-images-idx3-ubyte")):
        print("no MNIST files: skipped")
        sys.exit(77)
    os.makedirs(workdir, exist_ok=True)
    model_path = os.path.join(workdir, "interop.safetensors")
    image_path = os.path.join(workdir, "interop.pgm")
    subprocess.run([neurite, "train", "--data", data, "--train-size", "2000", "--epochs", "1",
                    "--out", model_path], check=True, capture_output=True)
    pixels = np.random.default_rng(1).integers(0, 256, 784, dtype=np.uint8)
    with open(image_path, "wb") as f:
        f.write(b"P5 28 28 255\n" + pixels.tobytes())

    tensors, meta = read_safetensors(model_path)
    assert meta.get("format") == "pt", meta
    description = json.loads(meta["neurite"])
    net = build(description["architecture"])
    net.load_state_dict(tensors, strict=True)  # names and (out, in) layouts as PyTorch's
    # The same picture through PyTorch and through `neurite predict`.
    with torch.no_grad():
        ours = net(torch.from_numpy(pixels.astype(np.float32) / 255.0).reshape(1, 784)).numpy().ravel()
    out = subprocess.run([neurite, "predict", model_path, "--image", image_path, "--no-invert"],
                         check=True, capture_output=True, text=True).stdout
    theirs = [float(line.split(":")[1]) for line in out.splitlines() if line[:1].isdigit()]
    assert len(theirs) == 10, out
    worst = max(abs(a - b) for a, b in zip(ours, theirs))
    print(f"PyTorch loaded {len(tensors)} tensors; largest output difference {worst:.2e}")
    assert worst < 1e-5, (ours, theirs)


if __name__ == "__main__":
    main(*sys.argv[1:])
