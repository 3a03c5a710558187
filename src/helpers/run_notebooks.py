"""Execute notebooks with papermill, render them to HTML and write ``reports/index.html``.

Usage (what ``make run`` calls)::

    python -m helpers.run_notebooks notebooks/*.ipynb -p profile cpu

Each notebook's metrics come from ``reports/metrics/<notebook>.json`` (see :func:`helpers.record_metric`).

The HTML pages render offline: MathJax is copied from the ``jupyter-server-mathjax`` package into
``reports/mathjax/`` (:func:`install_mathjax`) and referenced relatively, and the template leaves out
what nbconvert would load from a CDN (require.js, Mermaid, the widget manager; no notebook here uses them).
A report folder then looks the same offline, online and copied to another machine.
"""

from __future__ import annotations

import argparse
import html
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

from helpers.errors import DataError, ParameterError
from helpers.notebook_outputs import tidy_progress_bars
from helpers.params import check_name, check_path
from helpers.paths import repo_root, reports_dir, reports_dir_set_to
from helpers.run_log import read_metrics

MATHJAX_PACKAGE = "jupyter_server_mathjax"
MATHJAX_FOLDER = "mathjax"  # beside the HTML files, so the relative URL below finds it
MATHJAX_URL = f"{MATHJAX_FOLDER}/MathJax.js?config=TeX-AMS-MML_HTMLorMML-full,Safe"
# nbconvert's lab template with every block that loads a script from a CDN left empty, and MathJax told
# to use the STIX web fonts: jupyter-server-mathjax ships those and not MathJax's default TeX fonts.
OFFLINE_TEMPLATE = """{%- extends 'index.html.j2' -%}
{%- block html_head_js_requirejs -%}{%- endblock html_head_js_requirejs -%}
{%- block html_head_js_mathjax -%}
<script type="text/x-mathjax-config">
MathJax.Hub.Config({"HTML-CSS": {availableFonts: [], webFont: "STIX-Web", imageFont: null}});
</script>
{{ super() }}
{%- endblock html_head_js_mathjax -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
"""


@dataclass
class NotebookRun:
    """What one executed notebook gave: its name, success, seconds, first error line and recorded metrics."""

    name: str
    ok: bool
    seconds: float
    error: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)


def mathjax_source() -> Path:
    """The MathJax 2 folder shipped in ``jupyter-server-mathjax``, found without importing the package."""
    spec = importlib.util.find_spec(MATHJAX_PACKAGE)
    folder = Path(next(iter(spec.submodule_search_locations))) / "static" if spec else None
    if folder is None or not (folder / "MathJax.js").is_file():
        raise FileNotFoundError(
            "package 'jupyter-server-mathjax' (MathJax for the offline reports) is missing; run `make setup`"
        )
    return folder


def install_mathjax(out_dir: Path) -> Path:
    """Copy MathJax to ``out_dir/mathjax`` unless the same version is there; returns the folder.

    The copy is staged and renamed, so a killed run never leaves half a MathJax behind.
    """
    source, target = mathjax_source(), out_dir / MATHJAX_FOLDER
    stamp = f"jupyter-server-mathjax {metadata.version('jupyter-server-mathjax')}\n"
    if (target / "VERSION").is_file() and (target / "VERSION").read_text() == stamp:
        return target
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(dir=out_dir, prefix=f".{MATHJAX_FOLDER}-"))
    try:
        shutil.copytree(source, staging, dirs_exist_ok=True)
        (staging / "VERSION").write_text(stamp)
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target


def render_html(executed: Path, for_readers: bool = False) -> Path:
    """Render an executed notebook to HTML beside it, with MathJax from ``./mathjax`` and no CDN script;
    ``for_readers`` makes a report for readers, not learners: no code cell inputs or prompts, and no cell
    tagged ``course`` (learning objectives, exercises)."""
    import jinja2
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    install_mathjax(executed.parent)
    exporter = HTMLExporter(
        template_name="lab",
        extra_loaders=[jinja2.DictLoader({"offline.html.j2": OFFLINE_TEMPLATE})],
        template_file="offline.html.j2",
        mathjax_url=MATHJAX_URL,
        exclude_input=for_readers,
        exclude_input_prompt=for_readers,
        exclude_output_prompt=for_readers,
    )
    if for_readers:
        exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags={"course"}), enabled=True)
    body, _ = exporter.from_filename(str(executed))
    page = executed.with_suffix(".html")
    page.write_text(body, encoding="utf-8")
    return page


def error_line(exc: BaseException) -> str:
    """One line for the index and the command line: the notebook's own exception and its message.

    A failed cell reaches us as papermill's ``PapermillExecutionError``, whose text starts with a blank
    line and a banner; its ``ename`` and ``evalue`` hold what the notebook raised.
    """
    name, message = getattr(exc, "ename", type(exc).__name__), str(getattr(exc, "evalue", exc))
    first = next((line.strip() for line in message.splitlines() if line.strip()), "")
    return (f"{name}: {first}" if first else name)[:500]


def execute_notebook(
    notebook: Path, out_dir: Path, parameters: dict[str, Any], for_readers: bool = False
) -> NotebookRun:
    """Run one notebook into ``out_dir`` (ipynb + html; ``for_readers``: code and course cells left out)
    and collect its status and metrics."""
    import papermill

    check_name("notebook", notebook.stem)  # it names the report files and the metrics file
    executed = out_dir / notebook.name
    started = time.perf_counter()
    error = ""
    try:
        papermill.execute_notebook(
            str(notebook), str(executed), parameters=parameters, cwd=str(notebook.parent), progress_bar=True
        )
    except Exception as exc:  # papermill raises PapermillExecutionError, but also kernel errors
        error = error_line(exc)
    seconds = time.perf_counter() - started
    if executed.exists():
        stray = tidy_progress_bars(executed)
        if stray and not error:  # a learner should never see library noise: fail the run and say where
            cell, line = stray[0]
            error = f"stderr that is not a progress bar in cell {cell}: {line[:300]}"
        render_html(executed, for_readers)
    try:
        metrics = read_metrics(notebook.stem)
    except DataError as exc:  # a damaged metrics file spoils this row of the index, not the whole run
        metrics, error = {}, error or str(exc)[:500]
    return NotebookRun(notebook.stem, not error, seconds, error, metrics)


def fresh_run(stem: str, parameters: dict[str, Any]) -> NotebookRun:
    """Execute ``notebooks/<stem>.ipynb`` with ``parameters`` in a temporary reports folder and return the
    run; ``run.metrics`` holds what it recorded. Nothing is read from or written to ``reports/`` (the
    benchmarks use it, so that an earlier run's metrics never stand in for this one's)."""
    with tempfile.TemporaryDirectory() as out, reports_dir_set_to(Path(out)):  # metrics land there
        return execute_notebook(repo_root() / "notebooks" / f"{stem}.ipynb", Path(out), parameters)


def format_metric(value: Any) -> str:
    """A recorded metric as short text for the index (a table is named, not printed)."""
    if isinstance(value, list | dict):  # a table: its rows are in the metrics file, not on the index page
        return f"table of {len(value)} rows (reports/metrics)"
    return f"{value:.4g}" if isinstance(value, float) else str(value)


def write_index(runs: list[NotebookRun], out_dir: Path) -> Path:
    """``index.html``: the machine, the total minutes, and per notebook its status, minutes, a headline
    in words and its metrics one click away (:mod:`helpers.course_index`)."""
    from helpers.course_index import index_rows, machine_summary

    total = sum(run.seconds for run in runs) / 60
    failed = sum(not run.ok for run in runs)
    page = (
        "<!doctype html><meta charset='utf-8'><title>Workbook report</title>"
        "<style>body{font-family:sans-serif;margin:2em;max-width:80em}"
        "td,th{border:1px solid #ccc;padding:.4em;vertical-align:top}"
        "table{border-collapse:collapse}.fail{background:#fdd}</style>"
        "<h1>Transformer language models for e-commerce marketing prediction: run report</h1>"
        f"<p><b>Machine</b>: {html.escape(machine_summary())}.<br><b>Total</b>: {total:.1f} minutes for "
        f"{len(runs)} notebooks" + (f", <b>{failed} failed</b>" if failed else ", all ok") + "."
        f"<br>Generated {time.strftime('%Y-%m-%d %H:%M:%S')}.</p>"
        "<table><tr><th>notebook</th><th>status</th><th>minutes</th><th>headline</th>"
        "<th>all metrics</th></tr>" + index_rows(runs) + "</table>"
    )
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def parse_value(text: str) -> Any:
    """A command-line value as ``True``/``False``, or a number when it reads as one, else as text."""
    if text in ("True", "False"):
        return text == "True"
    for cast in (int, float):
        try:
            return cast(text)
        except ValueError:
            pass
    return text


def _check_arguments(args: argparse.Namespace) -> dict[str, Any]:
    """Check the command line before anything runs, point the reports at ``--out``; returns the parameters.

    Notebook names become report file names, so they must be plain names; parameter names become
    Python variables in the parameters cell, so they must be identifiers.
    """
    for notebook in args.notebooks:
        if notebook.suffix != ".ipynb" or not notebook.is_file():
            raise FileNotFoundError(f"no notebook (.ipynb file) at {notebook}")
        check_name("notebook", notebook.stem)
    for name, _ in args.parameter:
        if not name.isidentifier():
            raise ParameterError(f"parameter name {name[:80]!r} is not a Python identifier (like max_length)")
    if args.out is not None:
        out = check_path("--out", args.out, must_exist=False)
        os.environ["WORKBOOK_REPORTS_DIR"] = str(out)  # the kernels inherit it for their metrics
    mathjax_source()  # a missing package fails now, not after an hour of notebooks
    return {name: parse_value(value) for name, value in args.parameter}


def main(argv: list[str] | None = None) -> int:
    """``python -m helpers.run_notebooks``: execute notebooks into HTML reports; non-zero when one fails."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="+", type=Path)
    parser.add_argument("-p", "--parameter", nargs=2, action="append", default=[], metavar=("NAME", "VALUE"))
    parser.add_argument("--out", default=None, help="output folder (default: reports/)")
    args = parser.parse_args(argv)
    try:
        parameters = _check_arguments(args)
    except (ParameterError, FileNotFoundError) as error:
        parser.error(str(error))  # exits with status 2 and the usage line, before any notebook runs
    out_dir = reports_dir()
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
