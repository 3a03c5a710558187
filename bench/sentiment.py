"""Notebook 07's sentiment methods on a review file, recomputed from scratch: macro-F1 per method and seed.

Runs ``notebooks/07_sentiment.ipynb`` with papermill (CPU profile unless ``--profile`` says otherwise) in a
temporary folder once per seed and prints each method's test macro-F1 and balanced accuracy, their mean
over the seeds, and each method against the best. With a file, ``--with-simulated`` also runs every seed
with ``add_simulated_reviews=True``, so the default (a file's reviews alone) can be checked on your data.
With a file, the simulator's reviews are its cross-domain partner (``other_path=""``). Every classifier is
saved in a temporary folder: ``models/sentiment``, which the report reads, is left as it was.

    .venv/bin/python bench/sentiment.py                                   # the simulator's reviews
    .venv/bin/python bench/sentiment.py --train-path ../shared/data/amazon_alexa_reviews/amazon_alexa.tsv \\
        --train-preset alexa --seeds 0 1 --with-simulated
"""

from __future__ import annotations

import argparse
import os
import tempfile

import pandas as pd

from helpers.run_notebooks import fresh_run

METHODS = ("vader", "tfidf", "probe", "finetuned", "zeroshot_calibrated", "fewshot_calibrated")


def scores(metrics: dict) -> dict[str, float]:
    """Macro-F1 and balanced accuracy of each method that the run recorded."""
    return {
        f"{method} {measure}": metrics[f"{method}_{measure}"]
        for method in METHODS
        for measure in ("macro_f1", "balanced_accuracy")
        if f"{method}_{measure}" in metrics
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu", choices=("auto", "cpu", "gpu"))
    parser.add_argument("--seeds", type=int, nargs="+", default=[0])
    parser.add_argument("--train-path", default="", help="a review file (default: the simulator's reviews)")
    parser.add_argument("--train-preset", default="", help="alexa, amazon_2023, uci_sentences or empty")
    parser.add_argument("--label-scheme", default="binary", choices=("binary", "3class"))
    parser.add_argument("--with-simulated", action="store_true", help="also run add_simulated_reviews=True")
    args = parser.parse_args()
    if args.with_simulated and not args.train_path:
        parser.error("--with-simulated needs --train-path (the simulator's reviews are the default data)")
    os.environ.setdefault("TQDM_MININTERVAL", "30")
    settings = [False, True] if args.with_simulated and args.train_path else [False]
    rows = []
    for seed in args.seeds:
        for add_simulated in settings:
            parameters = {"profile": args.profile, "seed": seed, "label_scheme": args.label_scheme}
            if args.train_path:
                parameters |= {"train_path": os.path.abspath(args.train_path), "other_path": ""}
                parameters |= {"train_preset": args.train_preset, "add_simulated_reviews": add_simulated}
            with tempfile.TemporaryDirectory() as models:
                run = fresh_run("07_sentiment", parameters | {"sentiment_dir": models})
            if not run.ok:
                print(f"notebook 07 failed (seed {seed}): {run.error}")
                return 1
            rows.append({"seed": seed, "simulated added": add_simulated, "minutes": run.seconds / 60})
            rows[-1].update(scores(run.metrics))
    table = pd.DataFrame(rows).set_index(["simulated added", "seed"])
    means = table.groupby(level="simulated added").mean().T.drop("minutes")
    f1 = means[means.index.str.endswith("macro_f1")]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.T.round(3))
        print("\nmean over seeds, and macro-F1 against the best method:")
        print(pd.concat({"mean": f1, "vs best": f1 / f1.max()}, axis=1).round(3))
    print(
        f"\ndata: {args.train_path or 'the simulator'}; {args.label_scheme}; {args.profile} profile; "
        f"{table['minutes'].mean():.1f} minutes per run"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
