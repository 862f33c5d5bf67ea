"""scikit-learn's side of the peer benchmark: `SGDClassifier(loss="log_loss")` with `partial_fit`.

    python bench/peers/sklearn_runner.py --data FILE --label COL --train N [--batch-reference]

Features, matched to streamlr's: categorical values → `FeatureHasher(n_features=2**20,
input_type="dict", alternate_sign=False)`, which hashes a string value as the feature `name=value`
with value 1 (2^20 hashed slots, as streamlr);
numeric columns → a `StandardScaler` updated online with `partial_fit` on each chunk before it is
transformed (online standardisation; a missing value becomes the running mean, i.e. 0 after
scaling); the two blocks side by side in one sparse matrix.

The online pass: chunks of --chunk rows (default 1,000). For each chunk, predict it with the model
so far (progressive validation: a sample's prediction never saw it, but may lag up to one chunk;
the first chunk is predicted 0.5), then `partial_fit` it. Within a chunk, `partial_fit` makes one
plain SGD update per sample in row order, so the model is that of a per-sample online pass; calling
`partial_fit` per single row would cost ~100 µs of input validation per sample and measure that
instead. Settings: scikit-learn's defaults (penalty l2, alpha 1e-4, learning_rate "optimal") with
`shuffle=False` (partial_fit would otherwise shuffle each chunk: file order is the stream order).
`in_loop_seconds` = hashing + scaling + predict + partial_fit, not the CSV decoding.

`--batch-reference`: `LogisticRegression(C=1.0)` (lbfgs) on all training rows at once, features
scaled with the full training set's statistics: the batch bar, not an online learner.
"""

from __future__ import annotations

import numpy as np

from common import Columns, Stopwatch, heldout_metrics, parse_args, read_rows, report


def main() -> None:
    args = parse_args(lambda p: p.add_argument("--batch-reference", action="store_true"))
    import scipy.sparse as sp
    from sklearn.feature_extraction import FeatureHasher
    from sklearn.linear_model import LogisticRegression, SGDClassifier
    from sklearn.preprocessing import StandardScaler

    columns = Columns(args.data, args.label)
    numeric, categorical = columns.numeric_names, columns.categorical_names
    hasher = FeatureHasher(n_features=2**20, input_type="dict", alternate_sign=False)
    scaler = StandardScaler()

    def blocks(rows):
        if not categorical:
            hashed = None
        elif not numeric:
            hashed = hasher.transform(x for _, x in rows)
        else:
            hashed = hasher.transform({c: x[c] for c in categorical if c in x} for _, x in rows)
        dense = np.array([[x.get(c, np.nan) for c in numeric] for _, x in rows], dtype=np.float64) if numeric else None
        return hashed, dense

    def combine(hashed, dense):
        if dense is None:
            return hashed
        scaled = np.nan_to_num(scaler.transform(dense), nan=0.0)
        return sp.hstack([hashed, sp.csr_matrix(scaled)], format="csr") if hashed is not None else sp.csr_matrix(scaled)

    if args.batch_reference:
        batch_reference(args, columns, blocks, combine, scaler, LogisticRegression)
        return

    model = SGDClassifier(loss="log_loss", shuffle=False, random_state=0)
    classes = np.array([0, 1])
    watch = Stopwatch()
    seen = 0
    loss_sum = 0.0
    row_index = 0
    held_scores, held_labels = [], []
    fitted = False
    for rows in read_rows(args.data, columns, args.chunk):
        start = 0
        if row_index < args.train:
            end = min(len(rows), args.train - row_index)
            part = rows[:end]
            y = np.fromiter((r[0] for r in part), dtype=np.int64, count=len(part))
            with watch:
                hashed, dense = blocks(part)
                if dense is not None:
                    scaler.partial_fit(dense)
                X = combine(hashed, dense)
                p = model.predict_proba(X)[:, 1] if fitted else np.full(len(part), 0.5)
                model.partial_fit(X, y, classes=classes)
                fitted = True
                q = np.clip(p, 1e-15, 1 - 1e-15)
                loss_sum += float(np.sum(np.where(y == 1, -np.log(q), -np.log1p(-q))))
            seen += len(part)
            start = end
        if start < len(rows):
            part = rows[start:]
            X = combine(*blocks(part))
            held_scores.extend(model.predict_proba(X)[:, 1].tolist())
            held_labels.extend(r[0] for r in part)
        row_index += len(rows)
    loss, auc = heldout_metrics(held_scores, held_labels)
    report(
        {
            "system": "sklearn",
            "train_n": seen,
            "test_n": len(held_scores),
            "in_loop_seconds": watch.seconds,
            "in_loop_cpu_seconds": watch.cpu_seconds,
            "progressive_logloss": loss_sum / seen,
            "heldout_logloss": loss,
            "heldout_auc": auc,
            "settings": f"FeatureHasher 2^20 (name=value) + online StandardScaler on numeric columns; SGDClassifier(loss='log_loss', shuffle=False), defaults otherwise (l2, alpha 1e-4, 'optimal' rate), partial_fit per {args.chunk}-row chunk",
        }
    )


def batch_reference(args, columns, blocks, combine, scaler, LogisticRegression) -> None:
    import scipy.sparse as sp

    train_h, train_d, train_y, test_h, test_d, test_y = [], [], [], [], [], []
    row_index = 0
    for rows in read_rows(args.data, columns, 10_000):
        for lo, hi, h_out, d_out, y_out in ((0, args.train - row_index, train_h, train_d, train_y), (args.train - row_index, len(rows), test_h, test_d, test_y)):
            part = rows[max(0, lo) : max(0, min(hi, len(rows)))]
            if part:
                hashed, dense = blocks(part)
                h_out.append(hashed)
                d_out.append(dense)
                y_out.extend(r[0] for r in part)
        row_index += len(rows)

    def stack(h, d):
        return (sp.vstack(h, format="csr") if h[0] is not None else None), (np.vstack(d) if d[0] is not None else None)

    watch = Stopwatch()
    with watch:
        hashed, dense = stack(train_h, train_d)
        if dense is not None:
            scaler.fit(dense)
        X = combine(hashed, dense)
        # Columns no training row touches get weight 0 under L2 whatever the solver: fitting on the
        # used columns only is the same model, and lbfgs is then ~10x faster.
        used = np.unique(X.indices)
        model = LogisticRegression(C=1.0, max_iter=1000).fit(X[:, used], np.array(train_y))
    scores = model.predict_proba(combine(*stack(test_h, test_d))[:, used])[:, 1]
    loss, auc = heldout_metrics(scores, test_y)
    report(
        {
            "system": "sklearn-batch",
            "train_n": len(train_y),
            "test_n": len(test_y),
            "in_loop_seconds": watch.seconds,
            "in_loop_cpu_seconds": watch.cpu_seconds,
            "progressive_logloss": None,
            "heldout_logloss": loss,
            "heldout_auc": auc,
            "settings": "FeatureHasher 2^20 + StandardScaler fitted on all training rows; LogisticRegression(C=1.0, lbfgs), all rows at once",
        }
    )


if __name__ == "__main__":
    main()
