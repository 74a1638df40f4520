#!/usr/bin/env bash
# Every exported model judged by two independent programs:
#  - ONNX's own checker (Debian's python3-onnx 1.12, check_model with full_check: the graph,
#    every operator's schema for opset 17, shape inference);
#  - ONNX Runtime (the npm package onnxruntime-node, pinned in tests/onnx/package-lock.json) runs
#    it on real inputs, raw as `neurite predict` takes them, and its outputs must equal neurite's
#    within 1e-5.
# The models: Nielsen's MLP, Rashid's MLP, seed 001's CNN, LeNet-5, the MNIST-rows LSTM, stacked
# bidirectional GRUs, recurrent layers of every other kind (rnn relu / identity, reversed, a dense
# layer on every step), a CNN with batch normalisation, table models (a classifier and a
# regression) with their standardisation, and a character language model (`neurite lm`) on
# windows of the King James Bible. Then what cannot be exported: one line, no file.
#   tests/onnx/check_exports.sh NEURITE_BINARY OUT_DIR
# Exit 77 (skipped) without python3-onnx, onnxruntime-node, MNIST or the corpus (scripts/test.sh
# installs all).
set -euo pipefail
neurite=$1
out=$2
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
data=${NEURITE_MNIST:-$repo/data/mnist}
/usr/bin/python3 -c "import onnx, numpy" 2>/dev/null || { echo "skipped: no python3-onnx"; exit 77; }
[ -d "$here/node_modules/onnxruntime-node" ] || { echo "skipped: no onnxruntime-node in $here (scripts/test.sh installs it)"; exit 77; }
[ -f "$data/t10k-images-idx3-ubyte" ] || { echo "skipped: no MNIST in $data"; exit 77; }
corpus=${NEURITE_CORPUS:-$repo/data/kjv.txt}
[ -f "$corpus" ] || { echo "skipped: no corpus at $corpus"; exit 77; }
rm -rf "$out"
mkdir -p "$out"

# Inputs: the first 200 digits of MNIST's test set as raw pixels, in the three shapes the models
# take; two tables of three numeric columns (different ranges, so standardisation matters).
/usr/bin/python3 - "$out" "$data/t10k-images-idx3-ubyte" <<'PY'
import sys
import numpy as np
out, images = sys.argv[1:]
pixels = np.fromfile(images, dtype=np.uint8, offset=16).reshape(-1, 784)[:200].astype(np.float32)
np.save(f"{out}/digits.npy", pixels)
np.save(f"{out}/digits-images.npy", pixels.reshape(-1, 1, 28, 28))
np.save(f"{out}/digits-rows.npy", pixels.reshape(-1, 28, 28))
rng = np.random.default_rng(1)
x = rng.normal(size=(300, 3)) * [1, 10, 100] + [0, 5, -50]
rows = [[float(f"{v:.4f}") for v in row] for row in x]
with open(f"{out}/classes.csv", "w") as f:
    f.write("a,b,c,kind\n")
    for a, b, c in rows:
        f.write(f"{a},{b},{c},{'up' if a + b / 10 > 0.5 else 'down'}\n")
with open(f"{out}/surface.csv", "w") as f:
    f.write("a,b,c,y\n")
    for a, b, c in rows:
        f.write(f"{a},{b},{c},{3 * a - b / 10 + 7:.4f}\n")
np.save(f"{out}/table.npy", np.array(rows, dtype=np.float32))
PY

cat > "$out/bn-cnn.json" <<'JSON'
{"input": [1, 28, 28],
 "layers": [{"type": "conv2d", "out_channels": 4, "kernel": [5, 3], "stride": [2, 1], "padding": [1, 2]},
            {"type": "batchnorm"}, {"type": "relu"}, {"type": "avgpool2d", "kernel": 2},
            {"type": "flatten"}, {"type": "dense", "out": 16}, {"type": "batchnorm"}, {"type": "tanh"},
            {"type": "dropout", "p": 0.2}, {"type": "dense", "out": 10}],
 "training": {"cost": "log-likelihood", "optimizer": "adam", "rate": 0.001, "batch": 20, "scale": "standard"}}
JSON
cat > "$out/bigru.json" <<'JSON'
{"input": [28, 28],
 "layers": [{"type": "gru", "hidden": 16, "bidirectional": true},
            {"type": "gru", "hidden": 16, "bidirectional": true, "sequences": false}, {"type": "dense", "out": 10}],
 "training": {"cost": "log-likelihood", "optimizer": "adam", "rate": 0.002, "batch": 20, "scale": "standard"}}
JSON
cat > "$out/recurrent-kinds.json" <<'JSON'
{"input": [28, 28],
 "layers": [{"type": "rnn", "hidden": 8, "activation": "identity"}, {"type": "lstm", "hidden": 8, "reverse": true},
            {"type": "dense", "out": 6}, {"type": "tanh"},
            {"type": "rnn", "hidden": 8, "activation": "relu", "bidirectional": true},
            {"type": "gru", "hidden": 8, "sequences": false, "reverse": true}, {"type": "dense", "out": 10}],
 "training": {"cost": "log-likelihood", "optimizer": "adam", "rate": 0.002, "batch": 20}}
JSON

train() {  # train NAME ARGS...: a small, quick training run; the weights need not be good
  local name=$1
  shift
  "$neurite" train "$@" --epochs 1 --threads 1 --out "$out/$name.safetensors" > /dev/null
}
train nielsen-mlp --layers 784,30,10 --train-size 2000 --data "$data"
train rashid-mlp --layers 784,20,10 --scale rashid --train-size 1000 --data "$data"
train seed-cnn --model "$repo/models/seed001-cnn.json" --train-size 300 --data "$data"
train lenet5 --model "$repo/models/lenet5.json" --train-size 300 --data "$data"
train mnist-rows-lstm --model "$repo/models/mnist-rows-lstm.json" --train-size 300 --data "$data"
train bigru --model "$out/bigru.json" --train-size 300 --data "$data"
train recurrent-kinds --model "$out/recurrent-kinds.json" --train-size 300 --data "$data"
train bn-cnn --model "$out/bn-cnn.json" --train-size 300 --data "$data"
train csv-classes --data "$out/classes.csv"
train csv-regression --data "$out/surface.csv"
head -c 20000 "$corpus" > "$out/text.txt"
"$neurite" lm train --text "$out/text.txt" --layers 2 --hidden 16 --sequence 12 --steps 20 --sample 0 --threads 1 \
  --out "$out/char-lm.safetensors" > /dev/null
# The language model's inputs: 100 windows of 12 characters of the text, one-hot over its alphabet.
/usr/bin/python3 - "$out" <<'PY'
import json, struct, sys
import numpy as np
out = sys.argv[1]
blob = open(f"{out}/char-lm.safetensors", "rb").read()
header = json.loads(blob[8:8 + struct.unpack("<Q", blob[:8])[0]])
alphabet = json.loads(header["__metadata__"]["neurite"])["training"]["alphabet"]
index = {code: k for k, code in enumerate(alphabet)}
text = open(f"{out}/text.txt", "rb").read()
windows = np.zeros((100, 12, len(alphabet)), dtype=np.float32)
for i in range(100):
    for t, byte in enumerate(text[150 * i:150 * i + 12]):
        windows[i, t, index[byte]] = 1
np.save(f"{out}/windows.npy", windows)
PY

# Each model's inputs for neurite (raw, as `neurite predict` reads them) and for ONNX Runtime.
declare -A neurite_input=([csv-classes]=classes.csv [csv-regression]=surface.csv [char-lm]=windows.npy)
declare -A runtime_input=([nielsen-mlp]=digits.npy [rashid-mlp]=digits.npy [seed-cnn]=digits-images.npy
                          [lenet5]=digits-images.npy [mnist-rows-lstm]=digits-rows.npy [bigru]=digits-rows.npy
                          [recurrent-kinds]=digits-rows.npy [bn-cnn]=digits-images.npy
                          [csv-classes]=table.npy [csv-regression]=table.npy [char-lm]=windows.npy)
models=(nielsen-mlp rashid-mlp seed-cnn lenet5 mnist-rows-lstm bigru recurrent-kinds bn-cnn csv-classes csv-regression
        char-lm)
for model in "${models[@]}"; do
  "$neurite" export "$out/$model.safetensors" --onnx "$out/$model.onnx" > /dev/null
  "$neurite" predict "$out/$model.safetensors" --input "$out/${neurite_input[$model]:-digits.npy}" \
    --out "$out/$model-neurite.npy" > /dev/null
done

echo "ONNX's checker (python3-onnx):"
/usr/bin/python3 - "${models[@]/#/$out/}" <<'PY'
import sys
import onnx
for stem in sys.argv[1:]:
    model = onnx.load(stem + ".onnx")
    onnx.checker.check_model(model, full_check=True)
    ops = sorted({node.op_type for node in model.graph.node})
    dims = [d.dim_param or d.dim_value for d in model.graph.input[0].type.tensor_type.shape.dim]
    print(f"  {stem.rsplit('/', 1)[-1]}.onnx: checked (opset {model.opset_import[0].version}, IR {model.ir_version}); "
          f"input {dims}; {', '.join(ops)}")
PY

echo "ONNX Runtime against neurite predict:"
failed=0
for model in "${models[@]}"; do
  printf '  '
  node "$here/run_onnxruntime.mjs" "$out/$model.onnx" "$out/${runtime_input[$model]}" "$out/$model-neurite.npy" 1e-5 || failed=1
done
[ "$failed" = 0 ] || { echo "ONNX Runtime's outputs differ from neurite's"; exit 1; }

# What cannot be exported, and where nothing can be written: one line each, exit 1, no file.
refused() {  # refused WHAT EXPECTED_TEXT MODEL ONNX_PATH
  local what=$1 expected=$2
  if "$neurite" export "$3" --onnx "$4" 2> "$out/refused.txt"; then echo "$what was exported"; exit 1; fi
  grep -q "$expected" "$out/refused.txt" || { echo "$what: unexpected error:"; cat "$out/refused.txt"; exit 1; }
  [ "$(wc -l < "$out/refused.txt")" -eq 1 ] || { echo "$what: the error is not one line:"; cat "$out/refused.txt"; exit 1; }
  [ ! -e "$4" ] || { echo "$what: a file was left behind"; exit 1; }
  echo "  $what: $(cat "$out/refused.txt")"
}
echo "Refused:"
printf 'size,colour,price\n1,red,3\n2,blue,5\n3,red,7\n4,green,9\n5,blue,11\n6,red,13\n' > "$out/categorical.csv"
train categorical --data "$out/categorical.csv"
refused "a categorical column" "column 'colour' is categorical" "$out/categorical.safetensors" "$out/categorical.onnx"
# A model file whose architecture names a layer neurite does not have (its header rewritten).
/usr/bin/python3 - "$out/nielsen-mlp.safetensors" "$out/unknown-layer.safetensors" <<'PY'
import json, struct, sys
blob = open(sys.argv[1], "rb").read()
length = struct.unpack("<Q", blob[:8])[0]
header = json.loads(blob[8:8 + length])
header["__metadata__"]["neurite"] = header["__metadata__"]["neurite"].replace('"sigmoid"', '"quantum"', 1)
text = json.dumps(header).encode()
open(sys.argv[2], "wb").write(struct.pack("<Q", len(text)) + text + blob[8 + length:])
PY
refused "an unknown layer" "quantum" "$out/unknown-layer.safetensors" "$out/unknown-layer.onnx"
refused "an unwritable path" "$out/no-such-folder/x.onnx" "$out/nielsen-mlp.safetensors" "$out/no-such-folder/x.onnx"
