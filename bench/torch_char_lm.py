#!/usr/bin/env python3
"""The character language model of bench/lm_side_by_side.sh in PyTorch, set up as neurite's
`neurite lm train` is: the text's distinct bytes as the alphabet, the last 2% held out, the rest cut
into BATCH streams read side by side in windows of SEQUENCE characters with the state carried
(detached) from one window to the next, one-hot input, an LSTM, a linear layer to the alphabet,
cross-entropy averaged over every character, Adam, gradient clipping by global norm.

Prints a line per report and at the end
  RESULT chars_per_second=C loss=L steps=S seconds=T
where L is the mean training loss (nats per character) over the last report's steps and
chars_per_second counts the characters of the training windows over the training time.
"""
import argparse
import time

import numpy as np
import torch


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--text", default="data/kjv.txt")
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=1)
    p.add_argument("--sequence", type=int, default=64)
    p.add_argument("--batch", type=int, default=32)
    p.add_argument("--rate", type=float, default=2e-3)
    p.add_argument("--clip-norm", type=float, default=5.0)
    p.add_argument("--steps", type=int, default=300)
    p.add_argument("--report-every", type=int, default=100)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--seed", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)

    data = np.fromfile(a.text, dtype=np.uint8)
    alphabet = np.unique(data)
    lookup = np.zeros(256, dtype=np.int64)
    lookup[alphabet] = np.arange(len(alphabet))
    codes = lookup[data][: int(len(data) * 0.98)]
    v = len(alphabet)
    length = len(codes) // a.batch
    streams = torch.from_numpy(codes[: length * a.batch].reshape(a.batch, length))
    eye = torch.eye(v)

    lstm = torch.nn.LSTM(v, a.hidden, num_layers=a.layers, batch_first=True)
    head = torch.nn.Linear(a.hidden, v)
    params = list(lstm.parameters()) + list(head.parameters())
    opt = torch.optim.Adam(params, lr=a.rate)
    loss_fn = torch.nn.CrossEntropyLoss()
    print(f"pytorch {torch.__version__}, {a.threads} threads, {len(data)} characters, alphabet of {v}; "
          f"lstm({a.hidden}) x {a.layers}, sequence {a.sequence}, batch {a.batch}", flush=True)

    state, position, seconds, loss_sum, since = None, 0, 0.0, 0.0, 0
    for step in range(1, a.steps + 1):
        if position + a.sequence + 1 > length:
            position, state = 0, None
        window = streams[:, position : position + a.sequence + 1]
        position += a.sequence
        x, y = eye[window[:, :-1]], window[:, 1:]
        start = time.perf_counter()
        out, state = lstm(x, state)
        state = tuple(s.detach() for s in state)
        loss = loss_fn(head(out).reshape(-1, v), y.reshape(-1))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, a.clip_norm)
        opt.step()
        seconds += time.perf_counter() - start
        loss_sum += loss.item()
        since += 1
        if step % a.report_every == 0 or step == a.steps:
            mean = loss_sum / since
            rate = step * a.batch * a.sequence / seconds
            print(f"step {step}: loss {mean:.4f} nats/char, {seconds:.1f} s, {rate:.0f} chars/s", flush=True)
            last_loss, loss_sum, since = mean, 0.0, 0
    print(f"RESULT chars_per_second={a.steps * a.batch * a.sequence / seconds:.0f} loss={last_loss:.4f} "
          f"steps={a.steps} seconds={seconds:.2f}")


if __name__ == "__main__":
    main()
