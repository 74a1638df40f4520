#!/usr/bin/python3
"""The cost model of docs/distributed.md: data-parallel training of neurite's models on 2-64
machines joined by 10 or 100 Gbit/s Ethernet, from the compute time per sample measured on this
machine. Prints Markdown tables.

Per step, with one shard per process, every process sends and receives 2 (N - 1) / N of the
gradient's bytes (the all-to-all of the shards' slices, then the all-gather of the sums: what a
ring allreduce moves) in 2 (N - 1) messages:
    T_comm(N) = 2 (N - 1) / N * 4 P / bandwidth + 2 (N - 1) * latency
and computes B / N samples of the global batch B:
    T_compute(N) = B / N * t_sample
Efficiency, without counting the overlap of the exchange with backward (which only helps):
    E = T_compute / (T_compute + T_comm); speed-up = N E
The global batch that keeps E >= 90% solves T_comm <= T_compute / 9:
    B_90 = 9 N T_comm / t_sample

    bench/distributed_cost_model.py [--latency-us 25] [MODEL=PARAMETERS:SECONDS_PER_SAMPLE:BATCH ...]
"""
import sys

# neurite's models: parameters, and training seconds per sample on this machine (2 cores, one
# process with 2 threads, evaluation excluded), measured as docs/distributed.md says.
MODELS = {
    "nielsen 784-30-10": (23_860, None, 10),
    "mnist-rows-lstm": (81_674, None, 64),
    "seed001-cnn": (171_158, None, 50),
    "best-cnn": (870_634, None, 64),
}
NODES = [2, 4, 8, 16, 32, 64]
LINKS = {"10 Gbit/s": 10e9 / 8, "100 Gbit/s": 100e9 / 8}


def comm_seconds(parameters, nodes, bandwidth, latency):
    return 2 * (nodes - 1) / nodes * 4 * parameters / bandwidth + 2 * (nodes - 1) * latency


def main(argv):
    latency = 25e-6
    args = list(argv)
    while args:
        arg = args.pop(0)
        if arg == "--latency-us":
            latency = float(args.pop(0)) * 1e-6
        elif "=" in arg:
            name, spec = arg.split("=", 1)
            parameters, seconds, batch = spec.split(":")
            MODELS[name] = (int(parameters), float(seconds), int(batch))
        else:
            sys.exit(__doc__)
    models = {name: m for name, m in MODELS.items() if m[1] is not None}
    if not models:
        sys.exit("give each model's seconds per sample: NAME=PARAMETERS:SECONDS:BATCH")
    print(f"Latency per message {latency * 1e6:.0f} us; gradients in float32 (4 bytes per parameter).\n")
    print("| model | parameters | gradient | compute per sample | batch |")
    print("|---|---|---|---|---|")
    for name, (parameters, seconds, batch) in models.items():
        print(f"| {name} | {parameters:,} | {4 * parameters / 1e6:.2f} MB | {seconds * 1e6:.0f} us | {batch} |")
    for link, bandwidth in LINKS.items():
        print(f"\n**{link}**: speed-up N x E at the model's own batch, and (after the slash) the global batch that keeps E >= 90%\n")
        print("| model | " + " | ".join(f"N = {n}" for n in NODES) + " |")
        print("|---|" + "---|" * len(NODES))
        for name, (parameters, seconds, batch) in models.items():
            cells = []
            for n in NODES:
                comm = comm_seconds(parameters, n, bandwidth, latency)
                compute = batch / n * seconds
                efficiency = compute / (compute + comm)
                batch_90 = 9 * n * comm / seconds
                cells.append(f"{n * efficiency:.1f}x / {batch_90:,.0f}")
            print(f"| {name} | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main(sys.argv[1:])
