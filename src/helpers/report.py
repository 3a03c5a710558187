"""Run the marketing report (notebook 09) on your data and write it as HTML with the code hidden.

Usage (what ``make report`` calls)::

    python -m helpers.report --sessions data/examples/sessions.csv --catalog data/examples/catalog.csv \\
        --reviews data/examples/reviews.csv --out reports/marketing -p budget 500

Without files it reports on the simulator. Parameters and files are checked before the notebook
starts, so a bad one fails in seconds. The run writes into a temporary folder beside ``--out`` and
renames the finished files into place, so a failed run leaves no half-written report:
``marketing_report.html`` (code hidden), ``marketing_report.ipynb`` and ``marketing_report_metrics.json``
(parameters, seed, library versions and the report's numbers). ``-p audience_csv PATH`` also writes the
whole recommended audience, with the customers' own IDs, to ``PATH``: refused inside ``--out`` and the
reports folder, since the report there is shared.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

from helpers.campaign import check_audience_path, check_currency
from helpers.data.report_files import check_report_parameters, load_report_files
from helpers.errors import DataError, ParameterError
from helpers.paths import repo_root, reports_dir, reports_dir_set_to

NOTEBOOK = "09_marketing_report"
REPORT_NAME = "marketing_report"
DEFAULTS = {"contact_cost": 1.0, "margin": 20.0, "budget": 300.0, "copy_variants": 4, "target_segments": ""}
# Metrics of earlier notebooks that the report's model card quotes, when a course run recorded them.
QUOTED_NOTEBOOKS = ("08_privacy_explainability",)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m helpers.report", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", default="", help="event log CSV (schema in data/README.md)")
    parser.add_argument("--catalog", default="", help="product catalog CSV")
    parser.add_argument("--reviews", default="", help="reviews CSV (optional)")
    parser.add_argument("--out", default=str(reports_dir() / "marketing"), help="folder for the report")
    parser.add_argument(
        "-p",
        nargs=2,
        action="append",
        default=[],
        metavar=("NAME", "VALUE"),
        help="a notebook parameter, e.g. -p budget 500 (repeatable)",
    )
    return parser.parse_args(argv)


def report_parameters(args: argparse.Namespace) -> dict:
    """The notebook's parameters from the command line, checked, with the files read once to check them."""
    from helpers.run_notebooks import parse_value

    parameters = {"sessions_path": args.sessions, "catalog_path": args.catalog, "reviews_path": args.reviews}
    parameters |= {name: parse_value(value) for name, value in args.p}
    business = {name: parameters.get(name, default) for name, default in DEFAULTS.items()}
    check_report_parameters(
        **business, sessions_path=args.sessions, catalog_path=args.catalog, reviews_path=args.reviews
    )
    if "currency" in parameters:
        check_currency(parameters["currency"])
    check_audience_path(parameters.get("audience_csv", ""), [reports_dir(), Path(args.out)])
    if args.sessions:
        load_report_files(args.sessions, args.catalog, args.reviews)
    return parameters


def _publish(staging: Path, out: Path) -> list[Path]:
    """Move the finished report files from ``staging`` into ``out``, each by one rename."""
    moves = {
        staging / f"{NOTEBOOK}.html": out / f"{REPORT_NAME}.html",
        staging / f"{NOTEBOOK}.ipynb": out / f"{REPORT_NAME}.ipynb",
        staging / "metrics" / f"{NOTEBOOK}.json": out / f"{REPORT_NAME}_metrics.json",
    }
    missing = [str(source) for source in moves if not source.exists()]
    if missing:  # checked before anything moves, so OUT never holds part of a report
        raise RuntimeError(f"the run did not write {missing}")
    out.mkdir(parents=True, exist_ok=True)
    if not (out / "mathjax").exists():
        shutil.move(str(staging / "mathjax"), out / "mathjax")
    for source, target in moves.items():
        os.replace(source, target)
    return list(moves.values())


def run_report(parameters: dict, out: Path) -> list[Path]:
    """Execute notebook 09 with ``parameters`` in a staging folder and publish it into ``out``."""
    from helpers.run_notebooks import execute_notebook

    out = out.resolve()  # the kernel runs in notebooks/: a relative staging path would point elsewhere
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}-"))
    try:
        (staging / "metrics").mkdir()
        for name in QUOTED_NOTEBOOKS:
            recorded = reports_dir() / "metrics" / f"{name}.json"
            if recorded.exists():
                shutil.copy(recorded, staging / "metrics")
        with reports_dir_set_to(staging):  # the kernel inherits it: metrics land in staging
            run = execute_notebook(
                repo_root() / "notebooks" / f"{NOTEBOOK}.ipynb", staging, parameters, for_readers=True
            )
        if not run.ok:
            raise RuntimeError(f"the report failed: {run.error}")
        return _publish(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.report``: notebook 09 on the given files; 0, or 1 with one error line."""
    args = _arguments(argv)
    try:
        parameters = report_parameters(args)
        written = run_report(parameters, Path(args.out))
    except (ParameterError, DataError, FileNotFoundError, RuntimeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print("report written:", *written, sep="\n  ")
    return 0


if __name__ == "__main__":
    sys.exit(main())
