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


def test_a_bar_that_counts_again_is_a_new_bar(tmp_path) -> None:
    cell = nbformat.v4.new_code_cell("train(); train(killed); train(resumed)")
    start = "epoch 1/1:   0%|          | 0/6 [00:00<?, ?it/s]\r"
    cell.outputs = [
        stderr(start + "epoch 1/1: 100%|██████████| 6/6 [00:06<00:00]\n"),
        stderr(start + "epoch 1/1:  83%|████████▎ | 5/6 [00:05<00:01]"),
        stderr("epoch 1/1:  67%|██████▋   | 4/6 [00:00<?, ?it/s]\repoch 1/1: 100%|██████████| 6/6 [00:02]\n"),
    ]
    path = tmp_path / "run.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), str(path))

    assert tidy_progress_bars(path) == []
    assert [
        line.split("|")[-1].split()[0]
        for line in nbformat.read(str(path), 4).cells[0].outputs[0].text.splitlines()
    ] == [
        "6/6",
        "5/6",
        "6/6",
    ]


def test_bars_without_a_total_and_with_scaled_counts_keep_their_last_state(tmp_path) -> None:
    cell = nbformat.v4.new_code_cell("score()")
    cell.outputs = [
        stderr("scoring: 3it [00:01, 2.3it/s]\rscoring: 12it [00:05, 2.3it/s]\n"),
        stderr(
            "tokens:  60%|██████    | 1.20k/2.00k [00:01]\rtokens: 100%|██████████| 2.00k/2.00k [00:02]\n"
        ),
    ]
    path = tmp_path / "run.ipynb"
    nbformat.write(nbformat.v4.new_notebook(cells=[cell]), str(path))

    assert tidy_progress_bars(path) == []
    assert nbformat.read(str(path), 4).cells[0].outputs[0].text.splitlines() == [
        "scoring: 12it [00:05, 2.3it/s]",
        "tokens: 100%|██████████| 2.00k/2.00k [00:02]",
    ]
