"""River's side of the peer benchmark: one online pass with `learn_one` / `predict_proba_one`.

    python bench/peers/river_runner.py --optimizer sgd|ftrl --data FILE --label COL --train N [--limit N --test-limit N]

The model is River's idiomatic pipeline for mixed data, matched to streamlr's defaults:
numeric columns → `preprocessing.StandardScaler` (online standardisation, as streamlr's
`standard` normalisation), categorical columns → `preprocessing.OneHotEncoder(drop_zeros=True)` (`name_value`: 1; without
drop_zeros River emits an explicit 0 for every category seen so far, which makes each prediction
O(categories seen): 2.4 ms per movielens sample instead of 45 µs). River keeps weights in a dict
keyed by feature name, so there is no hashing and no collision. Then `linear_model.LogisticRegression` with
- `sgd`:  River's default optimizer, `optim.SGD(0.01)` (River's defaults, untuned);
- `ftrl`: `optim.FTRLProximal(alpha=0.3, beta=0.3, l1=0, l2=1)`, the plain-FTRL setting streamlr used before its width exponent (River's FTRL has no such scaling).
Each sample is predicted before it is learned (progressive validation). `in_loop_seconds` sums the
time of the predict + learn loop (one-hot encoding and scaling included), not the CSV decoding.
"""

from __future__ import annotations

import numbers

from common import Columns, Stopwatch, heldout_metrics, log_loss, parse_args, read_rows, report


def main() -> None:
    args = parse_args(lambda p: p.add_argument("--optimizer", choices=["sgd", "ftrl"], required=True))
    from river import compose, linear_model, optim, preprocessing

    columns = Columns(args.data, args.label)
    # SelectType rather than Select: a missing cell is a missing key, which Select refuses.
    parts = []
    if columns.numeric_names:
        parts.append(compose.SelectType(numbers.Number) | preprocessing.StandardScaler())
    if columns.categorical_names:
        parts.append(compose.SelectType(str) | preprocessing.OneHotEncoder(drop_zeros=True))
    features = parts[0] if len(parts) == 1 else compose.TransformerUnion(*parts)
    if args.optimizer == "sgd":
        optimizer, settings = optim.SGD(0.01), "River defaults: optim.SGD(lr=0.01), intercept_lr 0.01, no regularisation"
    else:
        optimizer = optim.FTRLProximal(alpha=0.3, beta=0.3, l1=0.0, l2=1.0)
        settings = "optim.FTRLProximal(alpha=0.3, beta=0.3, l1=0, l2=1) (streamlr's plain-FTRL setting), intercept_lr 0.01"
    model = features | linear_model.LogisticRegression(optimizer=optimizer)
    settings = f"StandardScaler on numeric columns, OneHotEncoder(drop_zeros=True) on categorical ones (dict weights, no hashing); {settings}"

    # With --limit, only the first N rows are learned and the rest of the stream is passed over;
    # the rows read are then [0, N) to learn and the held-out rows (at most --test-limit of them).
    learn_rows = args.train if args.limit <= 0 else min(args.limit, args.train)
    stop = args.train + args.test_limit if args.test_limit > 0 else None
    watch = Stopwatch()
    seen = 0
    loss_sum = 0.0
    held_scores, held_labels = [], []
    for rows in read_rows(args.data, columns, args.chunk, skip=(learn_rows, args.train), stop=stop):
        learn_end = max(0, min(len(rows), learn_rows - seen))
        if learn_end > 0:
            with watch:
                for y, x in rows[:learn_end]:
                    p = model.predict_proba_one(x).get(True, 0.0)
                    model.learn_one(x, y == 1)
                    loss_sum += log_loss(p, y)
            seen += learn_end
        for y, x in rows[learn_end:]:
            held_scores.append(model.predict_proba_one(x).get(True, 0.0))
            held_labels.append(y)
    loss, auc = heldout_metrics(held_scores, held_labels)
    report(
        {
            "system": "river" if args.optimizer == "sgd" else "river-ftrl",
            "train_n": seen,
            "test_n": len(held_scores),
            "in_loop_seconds": watch.seconds,
            "in_loop_cpu_seconds": watch.cpu_seconds,
            "progressive_logloss": loss_sum / seen,
            "heldout_logloss": loss,
            "heldout_auc": auc,
            "settings": settings,
        }
    )


if __name__ == "__main__":
    main()
