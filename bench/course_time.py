"""Minutes per notebook on this machine, and the total: the course's time budget, measured.

Every notebook runs with papermill as ``make run`` runs it (CPU profile unless ``--profile`` says
otherwise), into a temporary folder, one after the other. Budgets on a 2-core CPU without native bf16
(the ordinary laptop): each notebook <= 4 minutes, and the whole course within its total.

    .venv/bin/python bench/course_time.py                                  # every notebook
    .venv/bin/python bench/course_time.py notebooks/03_bert_predictor.ipynb
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

from helpers.course_index import machine_summary
from helpers.paths import repo_root

NOTEBOOK_BUDGET_MINUTES = 4.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", type=Path)
    parser.add_argument("--profile", default="cpu", choices=("auto", "cpu", "gpu"))
    args = parser.parse_args()
    notebooks = args.notebooks or sorted((repo_root() / "notebooks").glob("[0-9]*.ipynb"))
    with tempfile.TemporaryDirectory() as out:
        os.environ["WORKBOOK_REPORTS_DIR"] = out  # the kernels inherit it; the user's reports stay
        os.environ.setdefault("TQDM_MININTERVAL", "30")
        from helpers.run_notebooks import execute_notebook

        runs = [execute_notebook(notebook, Path(out), {"profile": args.profile}) for notebook in notebooks]
    print(f"\nmachine: {machine_summary()}; profile {args.profile}")
    for run in runs:
        minutes = run.seconds / 60
        verdict = "ok" if minutes <= NOTEBOOK_BUDGET_MINUTES else f"over {NOTEBOOK_BUDGET_MINUTES:g} min"
        status = "" if run.ok else f"  FAILED: {run.error}"
        print(f"  {run.name:<28} {minutes:5.1f} min  {verdict}{status}")
    print(f"  {'total':<28} {sum(run.seconds for run in runs) / 60:5.1f} min")
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    raise SystemExit(main())
