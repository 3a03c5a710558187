"""Notebook 05's results table, recomputed from scratch: every model on every data set, with intervals.

Runs ``notebooks/05_evaluation.ipynb`` with papermill (CPU profile unless ``--profile`` says otherwise)
into a temporary folder, so nothing is reused from an earlier run except ``models/predictor`` when
notebook 03 saved one for the same data (pass ``--retrain`` to train it afresh), then prints the
table it recorded and the ratios a reader asks about: each model's AUC against the best on its data
set, and the BERT predictor's gap to the simulator's oracle.

    .venv/bin/python bench/quality.py
    .venv/bin/python bench/quality.py --uci-csv path/to/online_shoppers_intention.csv
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import pandas as pd

from helpers.run_notebooks import fresh_run


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--profile", default="cpu", choices=("auto", "cpu", "gpu"))
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--uci-csv", default=None, help="the UCI CSV (default: the notebook's)")
    parser.add_argument("--retrain", action="store_true", help="train BERT here, not reuse 03's")
    args = parser.parse_args()
    parameters = {"profile": args.profile, "seed": args.seed}
    if args.uci_csv is not None:
        parameters["uci_csv"] = args.uci_csv
    os.environ.setdefault("TQDM_MININTERVAL", "30")
    with tempfile.TemporaryDirectory() as models:
        if args.retrain:
            parameters["predictor_dir"] = str(Path(models) / "no-predictor")
        run = fresh_run("05_evaluation", parameters)
    if not run.ok:
        print(f"notebook 05 failed: {run.error}")
        return 1
    metrics = run.metrics
    table = pd.DataFrame(metrics["results_table"])
    table["vs best on its data"] = table["roc_auc"] / table.groupby("data")["roc_auc"].transform("max")
    columns = ["roc_auc", "roc_auc_low", "roc_auc_high", "pr_auc", "top_decile_lift", "vs best on its data"]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(table.set_index(["data", "model"])[columns].round(3))
    print(f"\nBERT / oracle AUC on the simulator: {metrics['sim_auc_bert'] / metrics['sim_auc_oracle']:.3f}")
    print(f"ECE before / after calibration: {metrics['ece_before']:.3f} / {metrics['ece_after']:.3f}")
    print(f"notebook 05 ran in {run.seconds / 60:.1f} minutes ({args.profile} profile)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
