"""The model card: written from metrics, and no personal data gets through, whatever it is given."""

import json
import math

import pytest

from helpers.model_card import CardContent, MetricLine, card_html, metric_line, model_card
from helpers.sim.world import simulate


def _content(**changes):
    content = dict(
        title="test model",
        summary="A summary.",
        data="Simulated sessions.",
        intended_use=["ranking"],
        out_of_scope=["credit decisions"],
        metrics=[MetricLine("ROC-AUC", 0.8123, 0.79, 0.83, "test"), MetricLine("ECE", float("nan"))],
        limitations=["simulated data"],
        privacy=["redaction"],
    )
    content.update(changes)
    return CardContent(**content)


def test_card_has_every_section_and_the_metrics_with_intervals():
    card = model_card(_content())
    for heading in (
        "# Model card: test model",
        "## Training data",
        "## Intended use",
        "## Out of scope",
        "## Metrics",
        "## Limitations",
        "## Privacy measures",
    ):
        assert heading in card
    assert "| ROC-AUC | 0.812 | [0.790, 0.830] | test |" in card and "| ECE | not recorded |" in card
    assert "<table>" in card_html(card) and "<h2>Metrics</h2>" in card_html(card)


def test_numbers_of_other_parts_of_a_report_are_kept_out_of_the_models_metrics():
    copy = MetricLine("share of target segments with a checked copy", 0.667)
    card = model_card(_content(other_metrics=[copy]))
    metrics, other = card.split("## Other parts of the report")
    assert "| ROC-AUC | 0.812 |" in metrics.split("## Metrics")[1] and "checked copy" not in metrics
    assert "Not metrics of this model" in other
    assert "| share of target segments with a checked copy | 0.667 |" in other
    assert "## Other parts of the report" not in model_card(_content())


def test_metric_line_reads_recorded_metrics_and_their_intervals():
    line = metric_line({"auc": 0.8, "auc_low": 0.7, "auc_high": 0.9}, "auc", "AUC")
    assert (line.value, line.low, line.high) == (0.8, 0.7, 0.9)
    assert math.isnan(metric_line({}, "missing", "M").value)


def test_prose_quoting_a_metric_line_matches_its_table_row():
    recorded = {"auc": round(0.83649, 4), "auc_low": 0.79741, "auc_high": 0.87538}  # recorded: 0.8365
    line = metric_line(recorded, "auc", "ROC-AUC")
    assert (line.shown, line.interval) == ("0.837", "[0.797, 0.875]")  # the recorded value, not 0.836
    card = model_card(_content(summary=f"Test ROC-AUC {line.shown} {line.interval}.", metrics=[line]))
    assert "Test ROC-AUC 0.837 [0.797, 0.875]." in card and "| ROC-AUC | 0.837 | [0.797, 0.875] |  |" in card
    assert (MetricLine("x", float("nan")).shown, MetricLine("x", 0.5).interval) == ("not recorded", "")


def test_a_report_from_pii_injected_data_shows_none_of_the_injected_values():
    world = simulate(n_users=150, seed=2, pii_fraction=1.0)
    searches = world.events[world.events["event"] == "search"]
    texts = list(world.reviews["text"]) + list(searches["query"])
    spans = list(world.reviews["pii_spans"]) + list(searches["query_pii"])
    injected = {
        text[s["start"] : s["end"]] for text, raw in zip(texts, spans, strict=True) for s in json.loads(raw)
    }
    assert len(injected) > 100
    report = card_html(model_card(_content(summary=texts[0], limitations=texts[1:40], examples=texts[40:])))
    leaked = [value for value in injected if value in report]
    assert not leaked, f"{len(leaked)} injected values reached the report, e.g. {leaked[:3]}"
    assert "[EMAIL]" in report and "[CARD]" in report and "[NAME]" in report


@pytest.mark.parametrize("field", ["title", "data"])
def test_free_text_fields_are_redacted_too(field):
    card = model_card(_content(**{field: "contact jane.doe@example.com or (212) 555-0100"}))
    assert "jane.doe@example.com" not in card and "555-0100" not in card
