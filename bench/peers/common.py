"""Shared by the Python peer runners: read the same records files streamlr reads, metrics, output.

Two formats, as DESIGN section 10 defines them:
- CSV with a header; `label` is 0/1; a non-empty cell that is a decimal number is a numeric
  feature, any other text a categorical string, an empty cell a missing feature. streamlr types
  every cell; these runners type each column once from the first 1,000 rows (a column is numeric
  when all its non-empty cells there are numbers), which is the same on the bundled data and keeps
  Python's per-cell try/except out of the measurement.
- JSON lines in the message format of DESIGN section 4: {"label": 0|1, "features": {name: value}},
  a string value categorical, a number numeric.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import resource
import sys
import time
from itertools import islice
from typing import Iterator

P_EPSILON = 1e-15


def parse_args(extra=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", required=True)
    parser.add_argument("--label", default="label")
    parser.add_argument("--train", type=int, required=True, help="the first N rows are the online stream, the rest is held out")
    parser.add_argument("--limit", type=int, default=0, help="learn only the first N training rows (0 = all); the rest of the stream is passed over")
    parser.add_argument("--test-limit", type=int, default=0, help="score only the first N held-out rows (0 = all)")
    parser.add_argument("--chunk", type=int, default=1000, help="rows decoded per chunk before the timed learning loop")
    if extra is not None:
        extra(parser)
    return parser.parse_args()


def _is_number(cell: str) -> bool:
    try:
        return math.isfinite(float(cell))
    except ValueError:
        return False


def is_jsonl(path: str) -> bool:
    return path.endswith(".jsonl") or path.endswith(".ndjson")


class Columns:
    """Feature names and types of a records file (CSV: its columns, label excluded)."""

    def __init__(self, path: str, label: str):
        self.jsonl = is_jsonl(path)
        if self.jsonl:
            self._from_jsonl(path)
            return
        with open(path, newline="") as f:
            reader = csv.reader(f)
            header = next(reader)
            sample = list(islice(reader, 1000))
        if label not in header:
            raise SystemExit(f"{path}: no label column {label!r}")
        self.label_index = header.index(label)
        self.names = [c for i, c in enumerate(header) if i != self.label_index]
        self.indices = [i for i in range(len(header)) if i != self.label_index]
        numeric = []
        for i in self.indices:
            cells = [row[i] for row in sample if i < len(row) and row[i] != ""]
            numeric.append(len(cells) > 0 and all(_is_number(c) for c in cells))
        self.numeric = numeric
        self.numeric_names = [n for n, is_num in zip(self.names, numeric) if is_num]
        self.categorical_names = [n for n, is_num in zip(self.names, numeric) if not is_num]

    def _from_jsonl(self, path: str) -> None:
        kinds: dict[str, set] = {}
        with open(path) as f:
            for line in islice(f, 1000):
                for name, value in json.loads(line)["features"].items():
                    kinds.setdefault(name, set()).add(isinstance(value, str))
        self.names = list(kinds)
        self.numeric = [kinds[n] == {False} for n in self.names]
        self.numeric_names = [n for n, is_num in zip(self.names, self.numeric) if is_num]
        self.categorical_names = [n for n, is_num in zip(self.names, self.numeric) if not is_num]


def read_rows(path: str, columns: Columns, chunk: int, skip: tuple[int, int] | None = None, stop: int | None = None) -> Iterator[list[tuple[int, dict]]]:
    """Chunks of (label, features) with features {name: float | str}; missing cells left out.

    Rows with index in [skip[0], skip[1]) are passed over as raw lines, without parsing (the bundled
    files have no quoted line breaks); reading ends before row `stop`. Row indices count data rows
    from 0 and skipped rows keep their index.
    """
    skip_from, skip_to = skip if skip is not None else (0, 0)
    if columns.jsonl:
        yield from _read_jsonl(path, chunk, skip_from, skip_to, stop)
        return
    label_index = columns.label_index
    typed = list(zip(columns.indices, columns.names, columns.numeric))
    with open(path, newline="") as f:
        next(csv.reader([f.readline()]))

        def lines():
            index = 0
            for line in f:
                if stop is not None and index >= stop:
                    return
                if not (skip_from <= index < skip_to):
                    yield line
                index += 1

        rows: list[tuple[int, dict]] = []
        for row in csv.reader(lines()):
            features = {}
            for i, name, is_num in typed:
                cell = row[i]
                if cell != "":
                    features[name] = float(cell) if is_num else cell
            rows.append((1 if row[label_index] in ("1", "1.0", "true", "True") else 0, features))
            if len(rows) == chunk:
                yield rows
                rows = []
        if rows:
            yield rows


def _read_jsonl(path: str, chunk: int, skip_from: int, skip_to: int, stop: int | None) -> Iterator[list[tuple[int, dict]]]:
    loads = json.loads
    rows: list[tuple[int, dict]] = []
    with open(path) as f:
        for index, line in enumerate(f):
            if stop is not None and index >= stop:
                break
            if skip_from <= index < skip_to:
                continue
            message = loads(line)
            label = message["label"]
            rows.append((1 if label is True or label == 1 else 0, message["features"]))
            if len(rows) == chunk:
                yield rows
                rows = []
    if rows:
        yield rows


def log_loss(p: float, y: int) -> float:
    if not p == p:
        p = 0.5
    p = min(max(p, P_EPSILON), 1 - P_EPSILON)
    return -math.log(p) if y == 1 else -math.log(1 - p)


def sigmoid(z: float) -> float:
    if z >= 0:
        return 1 / (1 + math.exp(-z))
    e = math.exp(z)
    return e / (1 + e)


def heldout_metrics(scores, labels) -> tuple[float, float]:
    """Mean log loss (p clipped to [1e-15, 1-1e-15]) and exact ROC AUC (ties count one half)."""
    import numpy as np

    s = np.asarray(scores, dtype=np.float64)
    y = np.asarray(labels, dtype=np.int8)
    p = np.clip(np.nan_to_num(s, nan=0.5), P_EPSILON, 1 - P_EPSILON)
    loss = float(np.mean(np.where(y == 1, -np.log(p), -np.log1p(-p))))
    n = len(s)
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    # Average ranks over ties: positions a..b-1 of a tie group get rank (a + 1 + b) / 2.
    new_group = np.concatenate(([True], sorted_s[1:] != sorted_s[:-1]))
    starts = np.flatnonzero(new_group)
    ends = np.concatenate((starts[1:], [n]))
    ranks = np.empty(n, dtype=np.float64)
    ranks[order] = ((starts + ends + 1) / 2)[np.cumsum(new_group) - 1]
    positives = int(y.sum())
    negatives = len(y) - positives
    if positives == 0 or negatives == 0:
        return loss, float("nan")
    auc = (ranks[y == 1].sum() - positives * (positives + 1) / 2) / (positives * negatives)
    return loss, float(auc)


def report(result: dict) -> None:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    result.setdefault("peak_rss_mb", usage.ru_maxrss / 1024)
    result.setdefault("cpu_seconds", usage.ru_utime + usage.ru_stime)
    sys.stdout.write(json.dumps(result) + "\n")


class Stopwatch:
    """Sums the wall time and the process CPU time (all threads) spent inside `with stopwatch:` blocks."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.cpu_seconds = 0.0
        self._start = 0.0
        self._cpu = 0.0

    def __enter__(self):
        self._cpu = time.process_time()
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds += time.perf_counter() - self._start
        self.cpu_seconds += time.process_time() - self._cpu
        return False
