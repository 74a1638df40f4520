"""Seed 000's script through neurite's Python module (neurite.nielsen), timed.

Runs mnist_loader.load_data_wrapper(), Network([784, 30, 10]) and
SGD(training_data, epochs, 10, 3.0, test_data=test_data) exactly as the seed does, printing its
"Epoch j: N / 10000" lines, then
`RESULT seconds_per_epoch=<median training seconds> wall_per_epoch=<SGD wall / epochs>
accuracy=<percent> load_seconds=<load_data_wrapper>`.
"""
import argparse
import os
import statistics
import time


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", default="data/mnist", help="folder with the four MNIST IDX files")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="0: every core")
    args = parser.parse_args()
    os.environ["NEURITE_MNIST"] = args.data

    import neurite
    from neurite.nielsen import mnist_loader, network
    if args.threads > 0:
        neurite.set_threads(args.threads)

    started = time.perf_counter()
    training_data, validation_data, test_data = mnist_loader.load_data_wrapper()
    load_seconds = time.perf_counter() - started
    net = network.Network([784, 30, 10])
    started = time.perf_counter()
    net.SGD(training_data, args.epochs, 10, 3.0, test_data=test_data)
    wall = (time.perf_counter() - started) / args.epochs
    accuracy = 100.0 * net.evaluate(test_data) / len(test_data)
    print("RESULT seconds_per_epoch=%.4f wall_per_epoch=%.4f accuracy=%.2f load_seconds=%.2f"
          % (statistics.median(net.history["seconds"]), wall, accuracy, load_seconds))


if __name__ == "__main__":
    main()
