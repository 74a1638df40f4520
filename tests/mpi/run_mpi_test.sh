#!/usr/bin/env bash
# Training on several processes under Open MPI's mpirun (loopback and shared memory), one case per
# call, as ctest runs them (label "mpi"):
#   run_mpi_test.sh CASE NEURITE MPIRUN MNIST_DIR WORK_DIR
# Cases: mlp, cnn, lstm, batchnorm (1, 2 and 3 processes end with byte-identical model files), resume
# (checkpointed on 2 processes, resumed on 3 = uninterrupted on 1), uneven (data that neither the
# batch nor the shards divide), killed (a process killed with SIGKILL ends the run within seconds,
# the checkpoint still resumes), refused (a bad setting, or a command other than train, ends every
# process with one clear line).
# MNIST is read from $NEURITE_MNIST when set, else MNIST_DIR. Exit 77 (skipped) without it.
set -euo pipefail
case_name=$1 neurite=$2 mpirun=$3 mnist=${NEURITE_MNIST:-$4} work=$5
[ -f "$mnist/train-images-idx3-ubyte" ] || [ -f "$mnist/train-images-idx3-ubyte.gz" ] || { echo "no MNIST in $mnist"; exit 77; }
rm -rf "$work" && mkdir -p "$work"
export NEURITE_MNIST=$mnist
# As root (CI, containers) mpirun must be told it may; --oversubscribe: 3 processes on 2 cores.
# Shared memory between the processes, except for the mlp case: TCP over loopback, the path the
# gradients take between machines.
transport=self,vader
launch() {
  local n=$1
  shift
  timeout 300 "$mpirun" --allow-run-as-root --oversubscribe -np "$n" --mca btl "$transport" \
    --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo "$neurite" "$@"
}
fail() { echo "FAIL: $*"; exit 1; }

# Trains with the given flags on 1, 2 and 3 processes; the three model files must be identical.
same_bits() {
  for n in 1 2 3; do
    launch "$n" train "$@" --out "$work/model-$n.safetensors" > "$work/run-$n.txt" 2>&1 ||
      { cat "$work/run-$n.txt"; fail "$n processes"; }
    tail -n 3 "$work/run-$n.txt"
  done
  grep -q "training on 3 processes" "$work/run-3.txt" || fail "the 3-process run did not say it used 3 processes"
  for n in 2 3; do
    cmp "$work/model-1.safetensors" "$work/model-$n.safetensors" || fail "$n processes gave other bits than 1"
  done
  echo "PASS: 1, 2 and 3 processes saved byte-identical models"
}

case $case_name in
  mlp) # dropout and augmentation draw per (step, shard): the masks must not depend on the process
    transport=self,tcp
    same_bits --layers 784,64,10 --dropout 0.2 --augment shift=1 --cost cross-entropy --epochs 2 --batch 20 \
      --rate 0.5 --train-size 3000 --seed 3 --shards 6 ;;
  cnn) same_bits --model seed001-cnn --epochs 1 --train-size 1200 --seed 2 --shards 6 ;;
  lstm) same_bits --model mnist-rows-lstm --epochs 1 --train-size 768 --seed 4 --shards 6 ;;
  batchnorm) # running statistics follow each batch's first shard: the saved buffers agree too
    cat > "$work/bn.json" <<'SPEC'
{"input": [1, 28, 28],
 "layers": [{"type": "conv2d", "out_channels": 8, "kernel": 3}, {"type": "batchnorm"}, {"type": "relu"},
            {"type": "maxpool2d", "kernel": 2}, {"type": "flatten"}, {"type": "dense", "out": 10}, {"type": "softmax"}],
 "training": {"cost": "log-likelihood", "optimizer": "adam", "rate": 0.002, "batch": 32, "init": "he", "scale": "standard"}}
SPEC
    same_bits --model "$work/bn.json" --epochs 1 --train-size 1500 --seed 7 --shards 6 ;;
  uneven) # 1001 samples in batches of 10: a last batch of 1 sample, so 3 of its 4 shards are empty
    same_bits --layers 784,30,10 --epochs 2 --batch 10 --rate 3 --train-size 1001 --seed 5 --shards 4 ;;
  resume)
    flags=(--layers 784,48,10 --dropout 0.1 --augment rotate=5 --batch 25 --rate 1 --train-size 2000 --seed 6 --shards 6)
    launch 1 train "${flags[@]}" --epochs 3 --out "$work/straight.safetensors" > "$work/straight.txt" 2>&1 ||
      { cat "$work/straight.txt"; fail "the uninterrupted run"; }
    launch 2 train "${flags[@]}" --epochs 2 --checkpoint-dir "$work/checkpoints" > "$work/first.txt" 2>&1 ||
      { cat "$work/first.txt"; fail "the first two epochs on 2 processes"; }
    launch 3 train --resume "$work/checkpoints/checkpoint.safetensors" --epochs 3 --out "$work/resumed.safetensors" \
      > "$work/resumed.txt" 2>&1 || { cat "$work/resumed.txt"; fail "the resumed run on 3 processes"; }
    cat "$work/resumed.txt"
    cmp "$work/straight.safetensors" "$work/resumed.safetensors" || fail "resumed on 3 processes differs from 1 uninterrupted"
    echo "PASS: 2 epochs on 2 processes + 1 resumed on 3 = 3 epochs on 1, byte for byte" ;;
  killed)
    launch 2 train --model seed001-cnn --epochs 40 --train-size 3000 --checkpoint-dir "$work/checkpoints" \
      > "$work/killed.txt" 2>&1 &
    runner=$!
    for _ in $(seq 1 600); do  # until the first checkpoint is written (at most 60 s)
      [ -f "$work/checkpoints/checkpoint.safetensors" ] && break
      sleep 0.1
    done
    [ -f "$work/checkpoints/checkpoint.safetensors" ] || { kill "$runner" || true; cat "$work/killed.txt"; fail "no checkpoint"; }
    victim=$(pgrep -n -f -- "^$neurite train --model seed001-cnn --epochs 40") || fail "no process to kill"
    kill -KILL "$victim"
    killed_at=$(date +%s%N)
    status=0
    wait "$runner" || status=$?
    took_ms=$((($(date +%s%N) - killed_at) / 1000000))
    cat "$work/killed.txt"
    [ "$status" -ne 0 ] || fail "mpirun exited 0 after a process was killed"
    echo "the run ended $took_ms ms after the kill, exit status $status"
    ((took_ms < 10000)) || fail "the other process took $took_ms ms to stop"
    grep -q "exited on signal 9" "$work/killed.txt" || fail "no line says which process died"
    pgrep -f -- "^$neurite train --model seed001-cnn --epochs 40" && fail "a process was left running"
    epochs_done=$(grep -c "^Epoch" "$work/killed.txt")
    launch 1 train --resume "$work/checkpoints/checkpoint.safetensors" --epochs $((epochs_done + 1)) \
      > "$work/after.txt" 2>&1 || { cat "$work/after.txt"; fail "the checkpoint did not resume"; }
    cat "$work/after.txt"
    grep -q "^resuming from" "$work/after.txt" || fail "no resumption"
    echo "PASS: killed process ended the run in $took_ms ms; the checkpoint resumed on 1 process" ;;
  refused)
    status=0
    launch 2 train --layers 784,30,10 --shards -2 > "$work/refused.txt" 2>&1 || status=$?
    cat "$work/refused.txt"
    [ "$status" -ne 0 ] || fail "a bad --shards was accepted"
    grep -q "error: --shards: must be a positive number, got -2" "$work/refused.txt" || fail "no line names the bad setting"
    status=0  # commands that do not train alone would run twice over
    launch 2 perceptron > "$work/other.txt" 2>&1 || status=$?
    cat "$work/other.txt"
    [ "$status" -ne 0 ] || fail "neurite perceptron ran on 2 processes"
    grep -q "only \`neurite train\` runs on several processes" "$work/other.txt" || fail "no line says why"
    echo "PASS: refused with exit status $status" ;;
  *) echo "unknown case $case_name"; exit 2 ;;
esac
