"""Vowpal Wabbit's side of the peer benchmark: one pass of VW's own C++ driver over the stream.

    python bench/peers/vw_runner.py --mode default|sgd --data FILE --label COL --train N --work DIR

VW reads its own text format, so the runner converts the CSV once into VW lines (cached in
DIR/vw/, not timed): `1 |f name=value ... name:number` with label ±1, a categorical cell as the
feature `name=value` (value 1, as streamlr hashes it), a numeric cell as `name:value`, a missing
cell left out. Settings: `--loss_function logistic -b 20` (2^20 hashed slots, as streamlr), and
- `default`: VW's default update (adaptive, normalized and invariant: Ross, Mineiro & Langford 2013);
- `sgd`:     `--sgd`, plain SGD with VW's default rate schedule (-l 0.5, --power_t 0.5).
The training pass is VW's native driver (`-d FILE`, parser and learner on two threads, as the `vw`
command runs); `in_loop_seconds` is that pass, which includes VW parsing and hashing its text.
VW's progressive loss is its own `average loss` (logistic loss of each example before its update,
the same quantity as log loss). Held-out rows are scored with `predict` (raw score → σ).
"""

from __future__ import annotations

import os
import time

from common import Columns, heldout_metrics, parse_args, read_rows, report, sigmoid

_UNSAFE = str.maketrans({" ": "_", "\t": "_", "|": "/", ":": ";"})


def vw_line(y: int, features: dict) -> str:
    parts = []
    for name, value in features.items():
        if isinstance(value, str):
            parts.append(f"{name}={value}".translate(_UNSAFE))
        else:
            parts.append(f"{name.translate(_UNSAFE)}:{value!r}")
    return f"{1 if y == 1 else -1} |f {' '.join(parts)}"


def prepare(data: str, label: str, train: int, work: str) -> tuple[str, str]:
    """The CSV as VW text, train and held-out parts; converted once per source file."""
    stat = os.stat(data)
    stem = os.path.splitext(os.path.basename(data))[0]
    base = os.path.join(work, "vw", f"{stem}-{stat.st_size}-{train}")
    train_path, test_path = f"{base}.train.vw", f"{base}.test.vw"
    if os.path.exists(train_path) and os.path.exists(test_path):
        return train_path, test_path
    os.makedirs(os.path.dirname(base), exist_ok=True)
    columns = Columns(data, label)
    index = 0
    with open(f"{train_path}.tmp", "w") as tr, open(f"{test_path}.tmp", "w") as te:
        for rows in read_rows(data, columns, 10_000):
            for y, x in rows:
                (tr if index < train else te).write(vw_line(y, x) + "\n")
                index += 1
    os.replace(f"{train_path}.tmp", train_path)
    os.replace(f"{test_path}.tmp", test_path)
    return train_path, test_path


def main() -> None:
    def extra(p):
        p.add_argument("--mode", choices=["default", "sgd"], required=True)
        p.add_argument("--work", required=True)
        p.add_argument("--prepare-only", action="store_true")

    args = parse_args(extra)
    train_path, test_path = prepare(args.data, args.label, args.train, args.work)
    if args.prepare_only:
        return
    from vowpalwabbit import Workspace

    flags = ["--loss_function", "logistic", "-b", "20", "--quiet"] + (["--sgd"] if args.mode == "sgd" else [])
    cpu = time.process_time()
    started = time.perf_counter()
    vw = Workspace(arg_list=flags + ["-d", train_path])  # runs the whole training pass
    in_loop = time.perf_counter() - started
    in_loop_cpu = time.process_time() - cpu
    seen = int(vw.get_weighted_examples())
    progressive = vw.get_sum_loss() / seen
    scores, labels = [], []
    with open(test_path) as f:
        for line in f:
            scores.append(sigmoid(vw.predict(line)))
            labels.append(1 if line.startswith("1 ") else 0)
    vw.finish()
    loss, auc = heldout_metrics(scores, labels)
    report(
        {
            "system": "vw" if args.mode == "default" else "vw-sgd",
            "train_n": seen,
            "test_n": len(scores),
            "in_loop_seconds": in_loop,
            "in_loop_cpu_seconds": in_loop_cpu,
            "progressive_logloss": progressive,
            "heldout_logloss": loss,
            "heldout_auc": auc,
            "settings": " ".join(flags[:4] + flags[5:]) + " (VW defaults otherwise: adaptive, normalized, invariant updates)"
            if args.mode == "default"
            else " ".join(flags[:4] + flags[5:]) + " (plain SGD, -l 0.5, --power_t 0.5)",
        }
    )


if __name__ == "__main__":
    main()
