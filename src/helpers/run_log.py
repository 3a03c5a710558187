"""Record a notebook's key numbers to ``reports/metrics/<notebook>.json`` for the report index."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from helpers.errors import DataError
from helpers.params import check_name, quote
from helpers.paths import atomic_write, reports_dir

_current_notebook: str | None = None


def set_notebook(name: str, reset: bool = True) -> None:
    """Name the notebook whose metrics :func:`record_metric` writes; ``reset`` clears stale values.

    ``name`` must be a plain name (:func:`helpers.params.check_name`): it becomes a file name, and
    ``reset`` deletes that file.
    """
    global _current_notebook
    path = metrics_path(name)  # checks the name before any file is touched
    _current_notebook = name
    if reset:
        path.unlink(missing_ok=True)


def metrics_path(notebook: str) -> Path:
    """``<reports>/metrics/<notebook>.json``; ``notebook`` must be a plain name."""
    check_name("notebook", notebook)
    folder = reports_dir() / "metrics"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / f"{notebook}.json"


def read_metrics(notebook: str) -> dict[str, Any]:
    """All metrics recorded so far for ``notebook`` ({} when none)."""
    path = metrics_path(notebook)
    if not path.exists():
        return {}
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise DataError(f"{path}: not a metrics file of the workbook ({quote(str(error))})") from None
    if not isinstance(metrics, dict):
        raise DataError(f"{path}: expected a JSON object of metrics, got {type(metrics).__name__}")
    return metrics


def record_metric(name: str, value: Any, notebook: str | None = None) -> None:
    """Store ``value`` under ``name`` for the current notebook (it returns nothing, so no cell echoes it).

    ``value`` is a number, string or bool, or a list or dict of them (such as a table's records).
    """
    notebook = notebook or _current_notebook
    if notebook is None:
        raise RuntimeError("record_metric needs a notebook name: call helpers.start(...) first")
    check_name("metric", name)
    value = _to_json(value)
    metrics = read_metrics(notebook)
    metrics[name] = value
    path = metrics_path(notebook)
    with atomic_write(path) as handle:
        json.dump(metrics, handle, indent=2, sort_keys=True)


def _to_json(value: Any) -> Any:
    """A scalar as JSON; lists and string-keyed dicts of them too (a table as a list of records)."""
    if isinstance(value, list | tuple):
        return [_to_json(item) for item in value]
    if isinstance(value, dict):
        if not all(isinstance(key, str) for key in value):
            raise TypeError(f"metric tables need string keys, got {quote(list(value))}")
        return {key: _to_json(item) for key, item in value.items()}
    if hasattr(value, "item") and callable(value.item):  # numpy / torch scalars
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"metric value must be finite, got {value}")
    if not isinstance(value, str | int | float | bool):
        raise TypeError(
            f"metric value must be a number, string or bool (or lists and dicts of them), got {quote(value)} "
            f"({type(value).__name__})"
        )
    return value


def metric_differences(first: Path, second: Path) -> list[str]:
    """The metrics that differ between two metrics files of one notebook ([] when the runs agree).

    Used to check determinism: the same notebook run twice with the same seed on a CPU must record
    the same numbers. Every metric is compared exactly, so a notebook should not record timings it
    wants compared.
    """
    a, b = (json.loads(Path(path).read_text(encoding="utf-8")) for path in (first, second))
    return [
        f"{name}: {a.get(name)!r} != {b.get(name)!r}"
        for name in sorted(a.keys() | b.keys())
        if a.get(name) != b.get(name)
    ]


def check_same_metrics(first: str, second: str) -> None:
    """Raise :class:`DataError` listing the differences when two runs recorded different metrics."""
    differences = metric_differences(Path(first), Path(second))
    if differences:
        raise DataError(f"{first} and {second} differ: " + "; ".join(differences[:10]))
    print(f"same metrics in {first} and {second}")
