"""Execute notebooks with papermill, render them to HTML and write ``reports/index.html``.

Usage (what ``make run`` calls)::

    python -m helpers.run_notebooks notebooks/*.ipynb -p profile cpu

Each notebook's metrics come from ``reports/metrics/<notebook>.json`` (see :func:`helpers.record_metric`).
"""

from __future__ import annotations

import argparse
import html
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from helpers.run_log import read_metrics
from helpers.paths import reports_dir


@dataclass
class NotebookRun:
    name: str
    ok: bool
    seconds: float
    error: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)


def execute_notebook(notebook: Path, out_dir: Path, parameters: dict[str, Any]) -> NotebookRun:
    """Run one notebook into ``out_dir`` (ipynb + html) and collect its status and metrics."""
    import papermill
    from nbconvert import HTMLExporter

    executed = out_dir / notebook.name
    started = time.perf_counter()
    error = ""
    try:
        papermill.execute_notebook(
            str(notebook), str(executed), parameters=parameters, cwd=str(notebook.parent), progress_bar=True
        )
    except Exception as exc:  # papermill raises PapermillExecutionError, but also kernel errors
        error = f"{type(exc).__name__}: {exc}".splitlines()[0][:500]
    seconds = time.perf_counter() - started
    if executed.exists():
        body, _ = HTMLExporter().from_filename(str(executed))
        executed.with_suffix(".html").write_text(body, encoding="utf-8")
    return NotebookRun(notebook.stem, not error, seconds, error, read_metrics(notebook.stem))


def _format(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def write_index(runs: list[NotebookRun], out_dir: Path) -> Path:
    """A single HTML page listing each notebook with status, run time and recorded metrics."""
    rows = []
    for run in runs:
        status = "ok" if run.ok else f"FAILED: {html.escape(run.error)}"
        metrics = "<br>".join(f"{html.escape(k)} = {html.escape(_format(v))}" for k, v in run.metrics.items())
        rows.append(
            f"<tr class={'ok' if run.ok else 'fail'}><td><a href='{run.name}.html'>{run.name}</a></td>"
            f"<td>{status}</td><td>{run.seconds / 60:.1f}</td><td>{metrics}</td></tr>"
        )
    page = (
        "<!doctype html><meta charset='utf-8'><title>Workbook report</title>"
        "<style>body{font-family:sans-serif;margin:2em}td,th{border:1px solid #ccc;padding:.4em;"
        "vertical-align:top}table{border-collapse:collapse}.fail{background:#fdd}</style>"
        "<h1>Transformer language models for e-commerce marketing prediction: run report</h1>"
        f"<p>Generated {time.strftime('%Y-%m-%d %H:%M:%S')}.</p>"
        "<table><tr><th>notebook</th><th>status</th><th>minutes</th><th>recorded metrics</th></tr>"
        + "".join(rows)
        + "</table>"
    )
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def _parse_value(text: str) -> Any:
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    parser.add_argument("--out", type=Path, default=None, help="output folder (default: reports/)")
    args = parser.parse_args(argv)
    if args.out is not None:
        os.environ["WORKBOOK_REPORTS_DIR"] = str(
            args.out.resolve()
        )  # the kernels inherit it for their metrics
    out_dir = reports_dir()
    parameters = {name: _parse_value(value) for name, value in args.parameter}
    # Progress bars redraw many times a second; in a saved notebook every redraw becomes a line of output.
    os.environ.setdefault("TQDM_MININTERVAL", "30")
    runs = []
    for notebook in sorted(args.notebooks):
        print(f"== {notebook.name}", flush=True)
        run = execute_notebook(notebook, out_dir, parameters)
        print(f"   {'ok' if run.ok else 'FAILED'} in {run.seconds:.0f} s {run.error}", flush=True)
        runs.append(run)
    print(f"index: {write_index(runs, out_dir)}")
    return 0 if all(run.ok for run in runs) else 1


if __name__ == "__main__":
    sys.exit(main())
