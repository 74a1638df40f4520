#!/usr/bin/env python3
"""Summarises a neurite training log (`neurite train --log FILE`, docs/training-log.md) in the
RESULT line bench/torch_cnn.py prints, so bench/cnn_side_by_side.sh reads both the same way:

  RESULT seconds_per_epoch=<median> accuracy=<last, %> epochs=<E> seconds=<s0,s1,..>
         accuracies=<a0,a1,..> time_to_99=<S or not_reached> epoch_to_99=<j or not_reached>

(on one line). Seconds are the epoch records' `seconds` (training only: neurite times the
epoch's mini-batches and leaves the evaluation out); accuracies are the `test` set's, in percent,
`-` for an epoch that was not evaluated on it. time_to_99 sums the epoch seconds up to and
including the first epoch whose test accuracy reached 99.0%. Standard library only.

  bench/neurite_log_result.py LOG.jsonl
"""
import argparse
import json
import statistics
import sys

TARGET = 99.0  # test accuracy, percent


def read_records(path):
    with open(path, encoding="utf-8") as f:
        lines = f.read().splitlines()
    records = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if number == len(lines):  # a run still writing: its last line may be half written
                break
            sys.exit(f"{path}:{number}: not valid JSON")
    # Several start records: the last one describes the run.
    starts = [i for i, r in enumerate(records) if r.get("type") == "start"]
    return records[starts[-1]:] if starts else records


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("log")
    args = parser.parse_args()

    epochs = [r for r in read_records(args.log) if r.get("type") == "epoch"]
    if not epochs:
        sys.exit(f"{args.log}: no epoch records")
    seconds, accuracies = [], []
    time_to_target, epoch_to_target = None, None
    for r in epochs:
        seconds.append(float(r["seconds"]))
        test = r.get("test") or {}
        accuracy = test.get("accuracy")
        accuracies.append(None if accuracy is None else 100.0 * float(accuracy))
        if time_to_target is None and accuracies[-1] is not None and accuracies[-1] >= TARGET:
            time_to_target, epoch_to_target = sum(seconds), r["epoch"]

    def percent(a):
        return "-" if a is None else f"{a:.2f}"

    last = next((a for a in reversed(accuracies) if a is not None), None)
    print(f"RESULT seconds_per_epoch={statistics.median(seconds):.4f} accuracy={percent(last)} "
          f"epochs={len(epochs)} seconds={','.join(f'{s:.4f}' for s in seconds)} "
          f"accuracies={','.join(percent(a) for a in accuracies)} "
          f"time_to_99={'not_reached' if time_to_target is None else f'{time_to_target:.4f}'} "
          f"epoch_to_99={'not_reached' if epoch_to_target is None else epoch_to_target}")


if __name__ == "__main__":
    main()
