#!/usr/bin/env bash
# Makes the fuzz targets' seed corpora (corpus/<reader>/) from real files: MNIST, the KJV text,
# Vega's tables, and models, checkpoints and logs written by a real neurite run; NumPy writes the
# arrays and Pillow the pictures. The corpora are committed: run this again only when a reader's
# format changes.   fuzz/make_seeds.sh [path of the neurite command, default build/neurite]
set -euo pipefail
source "$(dirname "$0")/../scripts/common.sh"
install_packages python3-numpy python3-pil
fetch_mnist
fetch_corpus
fetch_vega_datasets
neurite=$(realpath "${1:-$NEURITE_ROOT/build/neurite}")
corpus="$NEURITE_ROOT/fuzz/corpus"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
rm -rf "$corpus"
mkdir -p "$corpus"/{idx,csv,json_table,npy,image,image_folder,model,checkpoint,lm_model,spec,training_log,text,drawing,http,torch_state_dict}

echo "== models, a checkpoint and a log from short real runs"
# Run inside the scratch folder with relative names, so no path of this machine is recorded.
ln -s "$MNIST_DIR" "$work/mnist"
head -c 20000 "$KJV_TEXT" >"$work/kjv-head.txt"
(
  cd "$work"
  "$neurite" train --layers 784,12,10 --epochs 2 --train-size 1000 --threads 1 --data mnist \
    --log run.jsonl --checkpoint-dir . --out mlp.safetensors >/dev/null
  "$neurite" lm train --text kjv-head.txt --layers 1 --hidden 8 --sequence 8 --steps 5 --sample 0 \
    --threads 1 --out lm.safetensors >/dev/null
)
cp "$work/mlp.safetensors" "$NEURITE_ROOT"/tests/fixtures/torch_*.safetensors "$corpus/model/"
# PyTorch's state_dicts with PyTorch's names (int64 num_batches_tracked among them) for `neurite import`.
cp "$NEURITE_ROOT"/tests/fixtures/torch_state_dict_*.safetensors "$NEURITE_ROOT"/tests/fixtures/torch_cnn.safetensors \
  "$corpus/torch_state_dict/"
cp "$work/checkpoint.safetensors" "$corpus/checkpoint/"
cp "$work/lm.safetensors" "$corpus/lm_model/"
cp "$work/run.jsonl" "$corpus/training_log/"
cp "$NEURITE_ROOT"/models/*.json "$corpus/spec/"
head -c 4000 "$KJV_TEXT" >"$corpus/text/kjv-head.txt"
printf 'caf\xc3\xa9 na\xc3\xafve \xe2\x80\x94 \xf0\x9f\x99\x82\n' >"$corpus/text/utf8.txt"

echo "== arrays, pictures, tables and requests"
/usr/bin/python3 - "$MNIST_DIR" "$VEGA_DIR" "$corpus" <<'PY'
import gzip, io, json, sys
import numpy as np
from PIL import Image

mnist, vega, corpus = sys.argv[1:4]
images = np.frombuffer(open(f"{mnist}/t10k-images-idx3-ubyte", "rb").read()[16:], np.uint8).reshape(-1, 28, 28)
labels = np.frombuffer(open(f"{mnist}/t10k-labels-idx1-ubyte", "rb").read()[8:], np.uint8)

def idx(array, code=0x08):
    header = bytes([0, 0, code, array.ndim]) + b"".join(int(d).to_bytes(4, "big") for d in array.shape)
    return header + array.astype(array.dtype.newbyteorder(">")).tobytes()

def put(path, data):
    open(f"{corpus}/{path}", "wb").write(data)

# IDX: the first byte picks plain (0), compressed by the target (1) or raw gzip bytes (2).
put("idx/images-plain", b"\0" + idx(images[:8]))
put("idx/labels-plain", b"\3" + idx(labels[:8]))
put("idx/images-compress", b"\1" + idx(images[:4]))
put("idx/images-gzip", b"\2" + gzip.compress(idx(images[:4])))
put("idx/float32", b"\0" + idx(images[:2].astype(np.float32) / 255, 0x0D))
put("idx/int16", b"\0" + idx(np.arange(-6, 6, dtype=np.int16).reshape(3, 4), 0x0B))

# CSV: MNIST as CSV, and the heads of Vega's tables (first byte: the table reader's options).
rows = "\n".join(",".join(map(str, [labels[i], *images[i].ravel()])) for i in range(3)) + "\n"
put("csv/mnist.csv", b"\0" + rows.encode())
for name, option in (("seattle-weather.csv", 0), ("birdstrikes.csv", 16)):
    head = b"".join(open(f"{vega}/{name}", "rb").readlines()[:25])
    put(f"csv/{name}", bytes([option]) + head)
put("json_table/cars.json", json.dumps(json.load(open(f"{vega}/cars.json"))[:12], indent=1).encode())

# NumPy: the dtypes, orders and shapes np.save writes, and archives, stored and compressed.
arrays = {"uint8": images[:2], "float32": images[:2].astype(np.float32) / 255, "int64": labels[:10].astype(np.int64),
          "bool": labels[:10] > 4, "fortran": np.asfortranarray(np.arange(12, dtype=np.float64).reshape(3, 4)),
          "text": np.array(["cat", "dog", "fish"]), "big-endian": np.arange(6, dtype=">i4"), "scalar": np.float32(1.5)}
for name, array in arrays.items():
    buffer = io.BytesIO(); np.save(buffer, array); put(f"npy/{name}.npy", buffer.getvalue())
for name, save in (("stored.npz", np.savez), ("compressed.npz", np.savez_compressed)):
    buffer = io.BytesIO(); save(buffer, x=images[:2], y=labels[:2]); put(f"npy/{name}", buffer.getvalue())

# Pictures: grey and colour, PNG, JPEG and the netpbm forms.
def encoded(image, form, **options):
    buffer = io.BytesIO(); image.save(buffer, form, **options); return buffer.getvalue()
grey = Image.fromarray(images[0])
colour = Image.fromarray(np.stack([images[1], images[2], 255 - images[1]], axis=-1))
pictures = {"grey.png": encoded(grey, "PNG"), "colour.png": encoded(colour, "PNG"),
            "grey.jpg": encoded(grey, "JPEG", quality=90), "colour.jpg": encoded(colour, "JPEG", quality=80),
            "grey.pgm": encoded(grey, "PPM"), "colour.ppm": encoded(colour, "PPM"),
            "palette.png": encoded(colour.convert("P"), "PNG"), "alpha.png": encoded(colour.convert("RGBA"), "PNG")}
for name, data in pictures.items():
    put(f"image/{name}", data)
# Image folders: files cut at "\n--\n", the first byte picks the extensions (0: .png first).
put("image_folder/png", b"\0" + b"\n--\n".join([pictures["grey.png"], pictures["colour.png"], pictures["grey.png"]]))
put("image_folder/jpeg", b"\1" + b"\n--\n".join([pictures["grey.jpg"], pictures["colour.jpg"]]))

# Drawings: width and height (16 bits each, less 8), then the pixels, as the page's canvas sends.
for i in range(3):
    side = 28 * (i + 1)
    canvas = np.array(Image.fromarray(255 - images[i]).resize((side, side)))
    put(f"drawing/digit{i}", (side - 8).to_bytes(2, "little") * 2 + canvas.tobytes())

# The page's requests: the first byte picks predict, feature-maps, runs, stop, playground, its step
# and weight, backprop.
pixels = [int(v) for v in images[0].ravel()]
requests = {"predict-image": (0, {"model": "digits", "image": pixels}),
            "predict-drawing": (0, {"model": "digits", "drawing": {"width": 28, "height": 28, "pixels": pixels}}),
            "feature-maps": (1, {"image": pixels}),
            "run": (2, {"spec": "best-mlp", "epochs": 1, "rate": 0.1, "batch": 10, "train_size": 1000}),
            "stop": (3, {}),
            "playground": (4, {"data": {"set": "spiral", "points": 100, "noise": 0.1, "train_ratio": 0.5, "seed": 2},
                               "network": {"features": ["x1", "x2", "sinx1"], "hidden": [3, 2], "activation": "relu",
                                           "optimizer": "adam", "rate": 0.03, "batch": 10, "regularization": "l2",
                                           "lambda": 0.001, "seed": 1}, "output_side": 10, "neuron_side": 4}),
            "playground-csv": (4, {"data": {"set": "csv", "csv": "x,y,label\n" + "".join(f"{i},{i % 3},{i % 2}\n" for i in range(12)),
                                            "csv_name": "mine.csv"}}),
            "playground-step": (5, {"epochs": 2}),
            "playground-weight": (6, {"layer": 0, "to": 1, "from": -1, "value": 0.5}),
            "backprop-mazur": (7, {"example": "mazur"}),
            "backprop-custom": (7, {"example": {"inputs": [0.5, 0.1], "targets": [0.2], "weights": [[[0.1, 0.2], [0.3, 0.4]], [[0.5, 0.6]]],
                                                "biases": [[0.1, 0.1], [0.2]], "rate": 0.5, "update_biases": True}})}
for name, (route, body) in requests.items():
    put(f"http/{name}", bytes([route]) + json.dumps(body).encode())
PY
du -sh "$corpus"; for d in "$corpus"/*/; do echo "$(basename "$d"): $(ls "$d" | wc -l) files"; done
