"""Executed notebooks keep one final line per progress bar, and anything else on stderr is caught."""

from __future__ import annotations

import nbformat

from helpers.notebook_outputs import stray_stderr, tidy_progress_bars


def stderr(text: str):
    return nbformat.v4.new_output("stream", name="stderr", text=text)


def test_tidy_keeps_the_final_state_of_each_bar_and_reports_the_rest(tmp_path) -> None:
    cell = nbformat.v4.new_code_cell("train()")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="starting\n"),
        stderr("frozen pass:   0%|          | 0/20 [00:00<?, ?it/s]"),
        stderr("\rfrozen pass:  50%|█████     | 10/20 [00:01<00:01,  9.9it/s]"),
        stderr("\rfrozen pass: 100%|██████████| 20/20 [00:02<00:00,  9.9it/s]\n"),
        stderr("epoch 1/1: 100%|██████████| 5/5 [00:03<00:00,  1.6batch/s]\n"),
        nbformat.v4.new_output("stream", name="stdout", text="done\n"),
    ]
    noisy = nbformat.v4.new_code_cell("load()")
    noisy.outputs = [stderr("/x/y.py:3: FutureWarning: this will change\n")]
    path = tmp_path / "run.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell, noisy]), str(path))

    stray = tidy_progress_bars(path)

    assert stray == [(1, "/x/y.py:3: FutureWarning: this will change")]
    tidied = nbformat.read(str(path), as_version=4).cells
    assert [output.get("name") for output in tidied[0].outputs] == ["stdout", "stderr", "stdout"]
    assert tidied[0].outputs[1].text.splitlines() == [
        "frozen pass: 100%|██████████| 20/20 [00:02<00:00,  9.9it/s]",
        "epoch 1/1: 100%|██████████| 5/5 [00:03<00:00,  1.6batch/s]",
    ]
    assert tidied[1].outputs[0].text == "/x/y.py:3: FutureWarning: this will change\n"


def test_stray_stderr_ignores_bars_and_stdout() -> None:
    outputs = [
        stderr("Executing:  24%|██▎       | 9/38 [00:45<02:27,  5.08s/cell]\r12it [00:03, 4.1it/s]\n"),
        nbformat.v4.new_output("stream", name="stdout", text="a warning printed on purpose\n"),
    ]
    assert stray_stderr(outputs) == []
    noise = "Some weights were not initialized"
    assert stray_stderr([stderr(noise + "\n")]) == [noise]
