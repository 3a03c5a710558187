"""A model card (Mitchell et al., 2019) written from the metrics a run recorded, never typed by hand.

:func:`model_card` returns Markdown: what the model is, the data it learnt from, intended and
out-of-scope uses, a table of the model's metrics with confidence intervals, limitations, privacy
measures and, under a heading of their own, numbers of other parts of a report that are not the model's.
Every piece of text goes through :func:`helpers.pii.redact` on the way out, so an example review or
query quoted in a card cannot leak personal data, whatever the caller passed in.
:func:`card_html` renders the Markdown for a report.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from helpers.pii import redact


@dataclass(frozen=True)
class MetricLine:
    """One row of the card's metric table; ``low``/``high`` bound a 95 % interval when known."""

    name: str
    value: float
    low: float | None = None
    high: float | None = None
    note: str = ""

    @property
    def shown(self) -> str:
        """The value as the card's table writes it (3 decimals, or "not recorded").

        Quote this, not the raw number, in the card's prose or a report's summary: a metric recorded
        rounded to 4 decimals (0.8365) and the unrounded value (0.83649...) can differ in the third.
        """
        return "not recorded" if self.value is None or math.isnan(self.value) else f"{self.value:.3f}"

    @property
    def interval(self) -> str:
        """The interval as the table writes it (``[low, high]``), or "" when it is not known."""
        return "" if self.low is None or self.high is None else f"[{self.low:.3f}, {self.high:.3f}]"

    def cells(self) -> tuple[str, str, str]:
        """The value, interval and note columns of the card's table."""
        return self.shown, self.interval, self.note


@dataclass
class CardContent:
    """The sections of a model card."""

    title: str
    summary: str
    data: str
    intended_use: Sequence[str]
    out_of_scope: Sequence[str]
    metrics: Sequence[MetricLine]
    limitations: Sequence[str]
    privacy: Sequence[str]
    examples: Sequence[str] = field(default_factory=list)  # quoted inputs; redacted like everything else
    # Numbers a report shows beside the model's (a privacy attack, copy checks): not metrics of this model,
    # so they get a table of their own under "Other parts of the report".
    other_metrics: Sequence[MetricLine] = field(default_factory=list)


def _bullets(items: Sequence[str]) -> str:
    return "\n".join(f"- {redact(item)}" for item in items)


def _table(metrics: Sequence[MetricLine]) -> str:
    rows = "\n".join("| {} | {} | {} | {} |".format(redact(m.name), *m.cells()) for m in metrics)
    return "| metric | value | 95 % interval | note |\n|---|---|---|---|\n" + rows


def model_card(content: CardContent) -> str:
    """The card as Markdown, with every PII span masked (see the module docstring).

    Each piece of text is redacted on its own, before Markdown wraps it (a signature such as
    "- Ava Rossi" is found at the end of its text, not before a closing backtick), and the assembled
    sections once more.
    """
    parts = [
        f"# Model card: {redact(content.title)}",
        redact(content.summary),
        "## Training data",
        redact(content.data),
        "## Intended use",
        _bullets(content.intended_use),
        "## Out of scope",
        _bullets(content.out_of_scope),
        "## Metrics",
        _table(content.metrics),
        "## Limitations",
        _bullets(content.limitations),
        "## Privacy measures",
        _bullets(content.privacy),
    ]
    if content.other_metrics:
        parts += [
            "## Other parts of the report",
            "Not metrics of this model: numbers of other steps, shown here to keep them with the card.",
            _table(content.other_metrics),
        ]
    if content.examples:
        parts += ["## Example inputs", "\n".join(f"- `{redact(example)}`" for example in content.examples)]
    return "\n\n".join(redact(part) for part in parts) + "\n"


def metric_line(metrics: Mapping[str, object], name: str, label: str, note: str = "") -> MetricLine:
    """A :class:`MetricLine` from recorded metrics: ``name``, and ``name_low``, ``name_high`` if there."""
    value = metrics.get(name)
    return MetricLine(
        label,
        float("nan") if value is None else float(value),
        metrics.get(f"{name}_low"),
        metrics.get(f"{name}_high"),
        note,
    )


def card_html(markdown: str) -> str:
    """The card's Markdown as an HTML fragment (tables included), e.g. for a report."""
    import mistune

    return mistune.create_markdown(plugins=["table"])(markdown)
