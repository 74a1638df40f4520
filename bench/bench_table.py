#!/usr/bin/env python3
"""Turns Google Benchmark JSON output of bench_gemm / bench_gemm_blis into a Markdown table.

One row per product and thread count, one column per implementation, cells in GFLOP/s (the
median when the run had --benchmark_repetitions, else the single run). Standard library only.

  bench_gemm --benchmark_repetitions=3 --benchmark_out=gemm.json --benchmark_out_format=json
  bench_gemm_blis ... --benchmark_out=blis.json --benchmark_out_format=json
  bench/bench_table.py gemm.json blis.json
"""
import json
import sys


def main(paths):
    cells, rows, columns = {}, [], []
    for path in paths:
        with open(path) as f:
            report = json.load(f)
        for b in report["benchmarks"]:
            aggregate = b.get("aggregate_name")
            if aggregate not in (None, "median") or "error_message" in b or b.get("error_occurred"):
                continue
            # gemm/<shape>/<implementation>/threads:<n>/real_time
            parts = b["run_name"].split("/")
            if len(parts) < 4 or parts[0] != "gemm":
                continue
            shape, impl, threads = parts[1], parts[2], parts[3].split(":")[1]
            row = (shape, threads)
            if row not in rows:
                rows.append(row)
            if impl not in columns:
                columns.append(impl)
            cells[(row, impl)] = b["GFLOP/s"]
    print("| product | threads | " + " | ".join(columns) + " |")
    print("|---|---|" + "---|" * len(columns))
    for row in rows:
        values = [cells.get((row, c)) for c in columns]
        best = max(v for v in values if v is not None)
        text = ["—" if v is None else (f"**{v:.1f}**" if v == best else f"{v:.1f}") for v in values]
        print(f"| {row[0]} | {row[1]} | " + " | ".join(text) + " |")


if __name__ == "__main__":
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    main(sys.argv[1:])
