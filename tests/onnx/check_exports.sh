#!/usr/bin/env bash
# ONNX's own checker (Debian's python3-onnx, check_model with full_check: the graph, every
# operator's schema for opset 17, shape inference) on files `neurite export` writes: MLPs of
# MNIST pixels (two scalings), seed 001's CNN, a CNN with batch normalisation, and models of a
# numeric table (classes, and a regression with its target scaling). A model with a layer not
# exported yet must fail with one line and leave no file.
#   tests/onnx/check_exports.sh NEURITE_BINARY OUT_DIR
# Exit 77 (skipped) without python3-onnx or MNIST.
set -euo pipefail
neurite=$1
out=$2
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
data=${NEURITE_MNIST:-$repo/data/mnist}
/usr/bin/python3 -c "import onnx" 2>/dev/null || { echo "skipped: no python3-onnx"; exit 77; }
[ -f "$data/t10k-images-idx3-ubyte" ] || [ -f "$data/t10k-images-idx3-ubyte.gz" ] || { echo "skipped: no MNIST in $data"; exit 77; }
rm -rf "$out"
mkdir -p "$out"

"$neurite" train --layers 784,30,10 --epochs 1 --train-size 1000 --threads 1 --data "$data" --out "$out/mlp.safetensors" > /dev/null
"$neurite" train --layers 784,20,10 --scale rashid --epochs 1 --train-size 1000 --threads 1 --data "$data" \
  --out "$out/rashid.safetensors" > /dev/null
/usr/bin/python3 - "$out" <<'PY'
import sys
import numpy as np
out = sys.argv[1]
rng = np.random.default_rng(1)
x = rng.normal(size=(300, 3)) * [1, 10, 100] + [0, 5, -50]
with open(f"{out}/classes.csv", "w") as f:
    f.write("a,b,c,kind\n")
    for row in x:
        f.write(f"{row[0]:.4f},{row[1]:.4f},{row[2]:.4f},{'up' if row[0] + row[1] / 10 > 0.5 else 'down'}\n")
with open(f"{out}/surface.csv", "w") as f:
    f.write("a,b,c,y\n")
    for row in x:
        f.write(f"{row[0]:.4f},{row[1]:.4f},{row[2]:.4f},{3 * row[0] - row[1] / 10 + 7:.4f}\n")
PY
"$neurite" train --model "$repo/models/seed001-cnn.json" --epochs 1 --train-size 200 --threads 1 --data "$data" \
  --out "$out/cnn.safetensors" > /dev/null
cat > "$out/bn-cnn.json" <<'JSON'
{"input": [1, 28, 28],
 "layers": [{"type": "conv2d", "out_channels": 4, "kernel": [5, 3], "stride": [2, 1], "padding": [1, 2]},
            {"type": "batchnorm"}, {"type": "relu"}, {"type": "avgpool2d", "kernel": 2},
            {"type": "flatten"}, {"type": "dense", "out": 16}, {"type": "batchnorm"}, {"type": "tanh"},
            {"type": "dropout", "p": 0.2}, {"type": "dense", "out": 10}],
 "training": {"cost": "log-likelihood", "optimizer": "adam", "rate": 0.001, "batch": 20, "scale": "standard"}}
JSON
"$neurite" train --model "$out/bn-cnn.json" --epochs 1 --train-size 200 --threads 1 --data "$data" \
  --out "$out/bn-cnn.safetensors" > /dev/null
"$neurite" train --data "$out/classes.csv" --epochs 3 --threads 1 --out "$out/classes.safetensors" > /dev/null
"$neurite" train --data "$out/surface.csv" --epochs 3 --threads 1 --out "$out/surface.safetensors" > /dev/null

for model in mlp rashid cnn bn-cnn classes surface; do
  "$neurite" export "$out/$model.safetensors" --onnx "$out/$model.onnx"
done
/usr/bin/python3 - "$out"/{mlp,rashid,cnn,bn-cnn,classes,surface}.onnx <<'PY'
import sys
import onnx
for path in sys.argv[1:]:
    model = onnx.load(path)
    onnx.checker.check_model(model, full_check=True)
    ops = sorted({node.op_type for node in model.graph.node})
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    print(f"{path.rsplit('/', 1)[-1]}: checked (opset {model.opset_import[0].version}, IR {model.ir_version}); input {dims}; {', '.join(ops)}")
PY

# A layer not exported yet: one line, exit 1, no file.
cat > "$out/lstm.json" <<'JSON'
{"input": [28, 28], "layers": [{"type": "lstm", "hidden": 8, "sequences": false}, {"type": "dense", "out": 10}],
 "training": {"cost": "log-likelihood", "optimizer": "adam", "rate": 0.002, "batch": 20}}
JSON
"$neurite" train --model "$out/lstm.json" --epochs 1 --train-size 100 --threads 1 --data "$data" \
  --out "$out/lstm.safetensors" > /dev/null
if "$neurite" export "$out/lstm.safetensors" --onnx "$out/lstm.onnx" 2> "$out/lstm.txt"; then
  echo "the LSTM was exported, but lstm is not exported yet"; exit 1
fi
grep -q "is not exported to ONNX yet" "$out/lstm.txt" || { echo "unexpected error:"; cat "$out/lstm.txt"; exit 1; }
[ "$(wc -l < "$out/lstm.txt")" -eq 1 ] || { echo "the error is not one line:"; cat "$out/lstm.txt"; exit 1; }
[ ! -e "$out/lstm.onnx" ] || { echo "a file was left behind"; exit 1; }
echo "lstm: $(cat "$out/lstm.txt")"
