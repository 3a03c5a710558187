"""What a learner sees in an executed notebook: one final line per progress bar, and no library noise.

A progress bar (tqdm) writes a new state to stderr many times a second; an executed notebook keeps every
chunk. :func:`tidy_progress_bars` rewrites an executed notebook so that each bar keeps only its final
state, and :func:`stray_stderr` finds anything else on stderr (a warning, a library's log line): the
reports fail on it (:mod:`helpers.run_notebooks`) and so does ``make test`` (the root ``conftest.py``
applies it to every cell that nbval runs). A warning that must stay belongs in the prose, shown with
``print``, not on stderr.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

# "frozen pass:  45%|████▌     | 9/20 [00:01<00:01,  8.1it/s]" and the bar-less "12it [00:03, 4.1it/s]"
PROGRESS_BAR = re.compile(r"^[^\n]*(\d+%\|[^|]*\|\s*\S+/\S+|\d+\w*/?\w* \[\d+:\d+)")


def _is_stderr(output: Any) -> bool:
    return output.get("output_type") == "stream" and output.get("name") == "stderr"


def _lines(text: str | list[str]) -> list[str]:
    text = "".join(text) if isinstance(text, list) else text  # raw .ipynb JSON keeps a list of lines
    return [line for line in re.split(r"[\r\n]+", text) if line.strip()]


def stray_stderr(outputs: Iterable[Any]) -> list[str]:
    """The stderr lines of one cell's outputs that are not progress-bar states."""
    return [
        line
        for output in outputs
        if _is_stderr(output)
        for line in _lines(output.get("text", ""))
        if not PROGRESS_BAR.match(line)
    ]


def _final_bar_states(outputs: Iterable[Any]) -> str:
    """The last state of each progress bar in ``outputs``, one line per bar, in order of appearance.

    Bars are told apart by their description; a bar whose count goes back (a second run of the same
    loop, or a run resumed from a checkpoint) is a new bar, not a later state of the old one.
    """
    bars: list[tuple[str, float, str]] = []  # (description, count, last line)
    latest: dict[str, int] = {}  # description -> index in bars
    for output in outputs:
        if not _is_stderr(output):
            continue
        for line in _lines(output.get("text", "")):
            if not PROGRESS_BAR.match(line):
                continue
            description, count = _bar_description(line), _bar_count(line)
            index = latest.get(description)
            if index is None or count < bars[index][1]:
                latest[description] = index = len(bars)
                bars.append((description, count, ""))
            bars[index] = (description, count, line.rstrip())
    return "".join(f"{line}\n" for _, _, line in bars)


_BAR_START = re.compile(r":?\s*(\d+%\||[\d.]+[kMG]?\w*/?[\w.]* \[)")  # where the bar or count begins
_BAR_COUNT = re.compile(r"(?:\|\s*|^|\s)([\d.]+)([kMG]?)(?:/|\w* \[)")
_SCALE = {"": 1, "k": 1e3, "M": 1e6, "G": 1e9}


def _bar_description(line: str) -> str:
    """The text before a bar state's percentage or count: "frozen pass" of "frozen pass:  45%|…"."""
    found = _BAR_START.search(line)
    return (line[: found.start()] if found else line).strip()


def _bar_count(line: str) -> float:
    """The items done in one bar state: the 9 of "| 9/20 [" or of "9it [", 1200 of "| 1.20k/2.00k ["."""
    found = _BAR_COUNT.search(line.split("%|", 1)[-1])
    return float(found.group(1)) * _SCALE[found.group(2)] if found else 0.0


def tidy_progress_bars(path: str | Path) -> list[tuple[int, str]]:
    """Rewrite the executed notebook at ``path`` with one final line per progress bar.

    Returns ``(cell index, line)`` for every stderr line that is not a progress bar; those stay.
    """
    import nbformat

    notebook = nbformat.read(str(path), as_version=4)
    stray = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type != "code" or not any(_is_stderr(output) for output in cell.outputs):
            continue
        noise = stray_stderr(cell.outputs)
        stray += [(index, line) for line in noise]
        first = next(i for i, output in enumerate(cell.outputs) if _is_stderr(output))
        text = _final_bar_states(cell.outputs) + "".join(f"{line}\n" for line in noise)
        kept = [output for output in cell.outputs if not _is_stderr(output)]
        if text:  # where the first stderr chunk was (only other outputs come before it), to keep the order
            kept.insert(first, nbformat.v4.new_output("stream", name="stderr", text=text))
        cell.outputs = kept
    nbformat.write(notebook, str(path))
    return stray
