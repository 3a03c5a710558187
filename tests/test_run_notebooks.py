"""helpers.run_notebooks: reports that render offline (MathJax beside them, no CDN script) and a command
line that refuses bad names before anything runs."""

from __future__ import annotations

import os
import shutil
from html.parser import HTMLParser
from pathlib import Path

import nbformat
import pytest

from helpers.run_notebooks import MATHJAX_FOLDER, install_mathjax, main, render_html

FORMULA = r"$$\mathrm{softmax}\left(\frac{QK^\top}{\sqrt{d_k}}\right)V$$"


class ScriptFinder(HTMLParser):
    """The ``src`` of every ``<script>`` and ``href`` of every ``<link>``, and the text of inline scripts."""

    def __init__(self) -> None:
        super().__init__()
        self.sources: list[str] = []
        self.inline: list[str] = []
        self._in_script = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "script":
            self._in_script = True
            if values.get("src") is not None:
                self.sources.append(values["src"] or "")
        elif tag == "link" and values.get("href"):
            self.sources.append(values["href"] or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "script":
            self._in_script = False

    def handle_data(self, data: str) -> None:
        if self._in_script:
            self.inline.append(data)


def tiny_notebook(folder: Path, name: str = "99_tiny.ipynb") -> Path:
    """A notebook with a formula and one executed-looking code cell, written to ``folder``."""
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell(f"# Tiny\n\nScaled dot-product attention: {FORMULA}"),
            nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}),
        ]
    )
    notebook.metadata.kernelspec = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = folder / name
    nbformat.write(notebook, path)
    return path


def check_renders_offline(page: Path) -> None:
    """Every script the page loads is a relative file that exists; no inline script imports from the web."""
    finder = ScriptFinder()
    finder.feed(page.read_text(encoding="utf-8"))
    scripts = [source for source in finder.sources if source.split("?")[0].endswith(".js")]
    assert scripts, "the page loads no script: MathJax is missing"
    for source in finder.sources:
        assert "://" not in source and not source.startswith("//"), f"{page.name} loads {source}"
    for source in scripts:
        assert (page.parent / source.split("?")[0]).is_file(), f"{page.name}: {source} is not there"
    for code in finder.inline:
        assert "import(" not in code and "http://" not in code and "https://" not in code, code[:200]


def test_report_renders_with_local_mathjax(tmp_path: Path) -> None:
    reports = tmp_path / "reports"
    reports.mkdir()
    executed = shutil.copy(tiny_notebook(tmp_path), reports)
    page = render_html(Path(executed))  # copies MathJax beside it
    assert page == reports / "99_tiny.html"
    assert r"\sqrt{d_k}" in page.read_text(encoding="utf-8")
    check_renders_offline(page)
    assert f'src="{MATHJAX_FOLDER}/MathJax.js?config=' in page.read_text(encoding="utf-8")
    # Copied elsewhere, the folder still holds everything the page loads.
    moved = shutil.copytree(reports, tmp_path / "copied")
    check_renders_offline(Path(moved) / "99_tiny.html")


def test_a_report_for_readers_leaves_out_code_and_course_cells(tmp_path: Path) -> None:
    path = tiny_notebook(tmp_path)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(
        nbformat.v4.new_markdown_cell("## Exercises (for learners)", metadata={"tags": ["course"]})
    )
    notebook.cells.append(nbformat.v4.new_code_cell("unique_code_line = 2"))
    nbformat.write(notebook, path)
    for for_readers, shown in ((False, True), (True, False)):
        page = render_html(path, for_readers=for_readers).read_text(encoding="utf-8")
        assert ("Exercises (for learners)" in page) is shown and ("unique_code_line" in page) is shown
        assert "Scaled dot-product attention" in page  # the rest of the story stays


def test_mathjax_is_copied_once_and_again_when_damaged(tmp_path: Path) -> None:
    folder = install_mathjax(tmp_path)
    script = folder / "MathJax.js"
    assert script.is_file() and (folder / "fonts").is_dir()
    stamp = script.stat().st_mtime_ns
    assert install_mathjax(tmp_path) == folder and script.stat().st_mtime_ns == stamp  # not copied again
    (folder / "VERSION").unlink()
    script.unlink()
    install_mathjax(tmp_path)
    assert script.is_file()
    assert not list(tmp_path.glob(".mathjax-*")), "a staging folder was left behind"


def test_run_writes_offline_reports_and_index(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The whole command on a tiny notebook: executed copy, offline HTML, index."""
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(tmp_path / "unused"))  # main() moves it to --out
    monkeypatch.setenv("TQDM_MININTERVAL", "30")
    out = tmp_path / "out"
    assert main([str(tiny_notebook(tmp_path)), "-p", "x", "41", "--out", str(out)]) == 0
    assert (out / "99_tiny.ipynb").is_file() and (out / "index.html").is_file()
    check_renders_offline(out / "99_tiny.html")
    assert "x = 41" in (out / "99_tiny.ipynb").read_text()


@pytest.mark.parametrize(
    ("arguments", "words"),
    [
        (["{nb}", "-p", "max length", "3"], "not a Python identifier"),
        (["{nb}", "-p", "x;import os", "3"], "not a Python identifier"),
        (["{folder}/missing.ipynb"], "no notebook"),
        (["{folder}/notes.txt"], "no notebook"),
        (["{bad}"], "plain name"),
        (["{nb}", "--out", "a\0b"], "NUL byte"),
    ],
    ids=["space-in-parameter", "code-in-parameter", "missing-notebook", "not-a-notebook", "bad-name", "nul"],
)
def test_bad_command_lines_stop_before_anything_runs(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arguments: list[str], words: str
) -> None:
    (tmp_path / "notes.txt").write_text("not a notebook")
    values = {
        "nb": tiny_notebook(tmp_path),
        "bad": tiny_notebook(tmp_path, "my notebook (copy).ipynb"),
        "folder": tmp_path,
    }
    with pytest.raises(SystemExit) as stopped:
        main([argument.format(**values) for argument in arguments])
    assert stopped.value.code == 2
    assert words in capsys.readouterr().err
    assert not list(tmp_path.glob("**/*.html")), "a report was written"


def test_index_headlines_in_words_and_the_machine() -> None:
    from helpers.course_index import headline, machine_summary

    metrics = {
        "lpft_mean_auc": 0.8349,
        "lpft_gap_to_oracle": 0.0433,
        "oracle_auc": 0.8782,
        "pooler_auc": 0.8011,
        "mean_random_head_auc": 0.8173,
        "tfidf_auc": 0.7831,
    }
    assert headline("03_bert_predictor", metrics).startswith(
        "LP-FT predictor 0.835 AUC, 0.043 below the best possible"
    )
    assert headline("03_bert_predictor", {"lpft_mean_auc": 0.8}) == ""  # a missing metric: no half sentence
    assert headline("99_unknown", metrics) == ""
    assert "cores" in machine_summary() and "bf16" in machine_summary()


def test_a_failed_cell_is_reported_by_the_notebook_exception_and_message(tmp_path: Path) -> None:
    from helpers.run_notebooks import execute_notebook

    path = tiny_notebook(tmp_path)
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(nbformat.v4.new_code_cell("raise ValueError('\\nparameter x is wrong\\nmore')"))
    nbformat.write(notebook, path)
    (tmp_path / "out").mkdir()
    run = execute_notebook(path, tmp_path / "out", {})
    assert not run.ok and run.error == "ValueError: parameter x is wrong"


def test_an_exception_without_a_message_is_named_alone() -> None:
    from helpers.run_notebooks import error_line

    assert error_line(AssertionError()) == "AssertionError"
    assert error_line(ValueError("\n\n  wrong  \nmore")) == "ValueError: wrong"


def test_a_fresh_run_records_its_metrics_in_a_folder_of_its_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import helpers.run_notebooks as run_notebooks

    (tmp_path / "notebooks").mkdir()
    path = tiny_notebook(tmp_path / "notebooks")
    notebook = nbformat.read(path, as_version=4)
    notebook.cells.append(
        nbformat.v4.new_code_cell(
            "from helpers.run_log import record_metric\nrecord_metric('answer', x + 1, notebook='99_tiny')"
        )
    )
    nbformat.write(notebook, path)
    monkeypatch.setattr(run_notebooks, "repo_root", lambda: tmp_path)
    monkeypatch.setenv("WORKBOOK_REPORTS_DIR", str(tmp_path / "reports"))
    run = run_notebooks.fresh_run("99_tiny", {"x": 41})
    assert run.ok and run.metrics == {"answer": 42}
    assert os.environ["WORKBOOK_REPORTS_DIR"] == str(tmp_path / "reports")  # put back
    assert not (tmp_path / "reports").exists()  # nothing written where earlier runs keep theirs


def test_command_line_values_become_booleans_numbers_or_text() -> None:
    from helpers.run_notebooks import parse_value

    assert parse_value("True") is True and parse_value("False") is False
    assert parse_value("3") == 3 and parse_value("0.5") == 0.5
    assert parse_value("true") == "true" and parse_value("minilm") == "minilm"  # Python spelling only
