"""``reports/index.html`` as a teacher reads it: the machine, the minutes, each notebook's result in words.

:func:`headline` turns a notebook's recorded metrics into one sentence (for example "LP-FT predictor
0.835 AUC, 0.043 below the best possible"); every metric stays one click away in a folded list, and
each notebook's name links to its executed HTML page.
"""

from __future__ import annotations

import html
import os
import platform
from collections.abc import Mapping
from pathlib import Path
from typing import Any

Metrics = Mapping[str, Any]


# One sentence per notebook, filled from its recorded metrics with str.format.
HEADLINES: dict[str, str] = {
    "00_setup": (
        "both bundled models load (encoder {encoder_load_s:.1f} s, generator {generator_load_s:.1f} s)"
    ),
    "00b_meet_the_data": (
        "{sessions:,} simulated sessions, {conversion_rate:.1%} convert; oracle AUC "
        "{oracle_auc:.3f}, TF-IDF {tfidf_auc:.3f}"
    ),
    "01_attention_math": ("MiniLM rebuilt from scratch to {encoder_max_abs_diff:.1e} of the real model"),
    "02_tokenization": ("{unknown_rate_corpus:.2%} unknown word pieces on the shop's texts"),
    "03_bert_predictor": (
        "LP-FT predictor {lpft_mean_auc:.3f} AUC, {lpft_gap_to_oracle:.3f} below the best possible "
        "({oracle_auc:.3f}); the seed's pooler fine-tune {pooler_auc:.3f}, mean pooling from a random head "
        "{mean_random_head_auc:.3f}, TF-IDF {tfidf_auc:.3f}"
    ),
    "04_training_on_gpu": (
        "resume bit-identical: {resume_bit_identical}; bucketing {bucketing_speedup:.2f}× faster; "
        "fine-tune AUC {finetune_auc:.3f}"
    ),
    "05_evaluation": (
        "top-decile lift {top_decile_lift:.2f}; calibration error {ece_before:.3f} → {ece_after:.3f}"
    ),
    "06_copy_generation": (
        "{copy_pass_rate:.0%} of product × shopper pairs get a checked copy, "
        "{copy_unsupported_rate_after:.0%} unsupported claims shipped; greedy "
        "{greedy_tokens_per_s:.1f} tokens/s"
    ),
    "07_sentiment": (
        "macro-F1: fine-tuned {finetuned_macro_f1:.3f}, VADER {vader_macro_f1:.3f}, zero-shot LLM "
        "{zeroshot_macro_f1:.3f}"
    ),
    "08_privacy_explainability": (
        "PII recall {pii_recall_email:.2f} / {pii_recall_phone:.2f} / {pii_recall_card:.2f} "
        "(e-mail, phone, card); DP head AUC {dp_auc_eps1:.3f} at ε = 1, {dp_auc_nonprivate:.3f} "
        "without; attack AUC {mia_auc_nonprivate:.3f} → {mia_auc_eps1:.3f}; true drivers among the "
        "top events: occlusion {occlusion_driver_hit_rate:.2f}, IG {ig_driver_hit_rate:.2f}, random"
        " {random_driver_hit_rate:.2f}"
    ),
    "09_marketing_report": (
        "audience of {audience_size:,.0f} customers, expected margin minus contact costs "
        "{expected_profit:,.0f}; {copy_pass_rate:.0%} of target segments with a checked copy"
    ),
}


def headline(notebook: str, metrics: Metrics) -> str:
    """One sentence of a notebook's results from its metrics ("" when one is missing or it is unknown)."""
    try:
        return HEADLINES[notebook].format_map(metrics)
    except (KeyError, TypeError, ValueError):  # the full list of metrics is still one click away
        return ""


def machine_summary() -> str:
    """CPU model, threads, vector extensions, native bf16 or not, and the GPU: what the minutes depend on."""
    import torch

    from helpers.runtime import cpu_supports_bf16

    cpuinfo = Path("/proc/cpuinfo")
    text = cpuinfo.read_text(errors="ignore") if cpuinfo.exists() else ""
    model = next((line.split(":", 1)[1].strip() for line in text.splitlines() if "model name" in line), "")
    flags = "AVX-512" if "avx512f" in text else "AVX2" if "avx2" in text else "no AVX2"
    bf16 = "native bf16" if cpu_supports_bf16() else "no native bf16 (the ordinary laptop)"
    gpu = f"GPU {torch.cuda.get_device_name(0)}" if torch.cuda.is_available() else "no GPU"
    processor = model or platform.processor() or platform.machine()
    return f"{processor}, {os.cpu_count()} cores, {torch.get_num_threads()} threads, {flags}, {bf16}, {gpu}"


def index_rows(runs) -> str:
    """The table rows: notebook (linked), status, minutes, headline, metrics folded away."""
    from helpers.run_notebooks import format_metric

    rows = []
    for run in runs:
        status = "ok" if run.ok else f"FAILED: {html.escape(run.error)}"
        metrics = "<br>".join(
            f"{html.escape(k)} = {html.escape(format_metric(v))}" for k, v in run.metrics.items()
        )
        folded = (
            f"<details><summary>{len(run.metrics)} metrics</summary>{metrics}</details>" if metrics else ""
        )
        rows.append(
            f"<tr class={'ok' if run.ok else 'fail'}><td><a href='{run.name}.html'>{run.name}</a></td>"
            f"<td>{status}</td><td>{run.seconds / 60:.1f}</td>"
            f"<td>{html.escape(headline(run.name, run.metrics))}</td><td>{folded}</td></tr>"
        )
    return "".join(rows)
