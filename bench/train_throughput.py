"""Training throughput: length bucketing + dynamic padding against padding every text to max_length.

Two runs of the MiniLM predictor on the simulated shop, the same examples and optimizer steps (one
epoch by default), the same start (the head warm-started from one linear probe, as in notebook 03):

* **bucketed**: :class:`helpers.predictor.LengthBucketSampler` + pad to the longest text of a batch;
* **padded**: random batches, every text padded to ``--max-length`` tokens.

Printed per run: samples/s, tokens/s, the fraction of computed tokens that are padding, achieved
GFLOP/s and its ratio to the processor's peak, and the test ROC-AUC after training.
Target: bucketed >= 2x the samples/s of padded, at equal test AUC (+-0.01).

FLOPs of one training step (forward + backward, a backward pass costs about twice a forward pass),
summed over the sequences of the batch, each of padded length ``L``::

    6 * N * L  +  12 * n_layers * hidden * L**2

``N`` counts the non-embedding parameters (encoder layers, pooler, head): each is used in one
multiply-add (2 FLOPs) per token forward and two backward. The second term is attention's
``Q K^T`` and ``softmax(.) V`` (2 * 2 * L**2 * hidden FLOPs per layer forward, x3 with backward),
which the parameter count misses. "Achieved" counts the FLOPs the hardware executed, padding included;
"useful" counts real tokens only.

CPU peak = cores x clock x FLOPs per cycle per core, from ``/proc/cpuinfo`` (see :func:`cpu_peak`).

    .venv/bin/python bench/train_throughput.py                 # ~6 minutes on 2 CPU cores
    .venv/bin/python bench/train_throughput.py --device cuda --steps 100 --batch-size 64 --train-examples 6400
"""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path

import numpy as np
import torch

from helpers.predictor import Predictor, TextDataset
from helpers.runtime import pick_device, seed_everything
from helpers.training import (
    Processes,
    TrainConfig,
    epoch_batches,
    evaluate,
    fit_linear_probe,
    make_sampler,
    resolve_precision,
    train,
    warm_start_head,
)


def cpu_peak(dtype: torch.dtype | None, threads: int) -> tuple[float, str]:
    """(peak GFLOP/s, how it was derived) for ``threads`` cores of this CPU, from ``/proc/cpuinfo``.

    Per core and cycle, fp32: AVX-512 with FMA = 2 FMA units x 16 lanes x 2 FLOPs = 64 (AMD Zen 4, CPU
    family 25, splits 512-bit operations in two 256-bit halves: 32); AVX2 with FMA = 2 x 8 x 2 = 32;
    AVX = 16; else SSE = 8. bf16 with AVX512-BF16 (``vdpbf16ps``, pairs of bf16 per fp32 lane): twice
    the fp32 figure. AMX, turbo clocks and Intel chips with a single 512-bit FMA unit are not modelled.
    """
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").exists() else ""
    fields = {}
    for line in info.splitlines():
        key, _, value = line.partition(":")
        fields.setdefault(key.strip(), value.strip())
    flags = set(fields.get("flags", "").split())
    mhz = float(fields.get("cpu MHz", "0") or 0)
    family = fields.get("cpu family", "?")
    amd = fields.get("vendor_id") == "AuthenticAMD"
    if "avx512f" in flags and "fma" in flags:
        per_cycle = 32 if amd and family == "25" else 64
        why = f"AVX-512 FMA ({'Zen 4: 2x8 lanes' if per_cycle == 32 else '2 units x 16 fp32 lanes'} x 2)"
    elif "avx2" in flags and "fma" in flags:
        per_cycle, why = 32, "AVX2 FMA (2 units x 8 fp32 lanes x 2)"
    elif "avx" in flags:
        per_cycle, why = 16, "AVX (8-lane add + 8-lane multiply)"
    else:
        per_cycle, why = 8, "SSE (4-lane add + 4-lane multiply)"
    if dtype == torch.bfloat16:
        if "avx512_bf16" in flags:
            per_cycle, why = per_cycle * 2, why + " x 2 for bf16 dot products (AVX512-BF16)"
        else:
            why += ", bf16 emulated (fp32 rate at best)"
    peak = threads * mhz / 1000 * per_cycle
    cores = f"{threads} core{'s' if threads != 1 else ''}"
    derivation = f"{cores} x {mhz / 1000:.2f} GHz (cpuinfo 'cpu MHz') x {per_cycle} FLOP/cycle [{why}]"
    return peak, derivation


def non_embedding_parameters(model: Predictor) -> int:
    embeddings = sum(p.numel() for p in model.encoder.embeddings.parameters())
    return sum(p.numel() for p in model.parameters()) - embeddings


def step_flops(lengths: np.ndarray, n_params: int, layers: int, hidden: int) -> float:
    """Training FLOPs for sequences of the given (padded or real) lengths: see the module docstring."""
    lengths = lengths.astype(np.float64)
    return float((6 * n_params * lengths + 12 * layers * hidden * lengths**2).sum())


def run(name: str, bucketed: bool, args, train_data, test_data, device, probe) -> dict:
    """Train from the same start for ``args.steps`` steps; return throughput, FLOPs and test AUC."""
    config = TrainConfig(
        epochs=1,
        max_steps=args.steps,
        batch_size=args.batch_size,
        learning_rate=args.learning_rate,
        warmup_ratio=0.1,
        mixed_precision=args.mixed_precision,
        bucketing=bucketed,
        dynamic_padding=bucketed,
        eval_every_epoch=False,
        log_every_steps=args.steps,
        seed=args.seed,
        progress=not args.quiet,
    )
    seed_everything(args.seed)
    model = Predictor.from_pretrained(args.encoder, pooling=args.pooling)
    warm_start_head(model, probe)
    result = train(model, train_data, None, config, device=device)
    row = result.frame().query("kind == 'train'").iloc[-1]
    seconds = args.steps * args.batch_size / row["samples_per_s"]

    batches = epoch_batches(make_sampler(train_data, config), 0, Processes(), 1)[: args.steps]
    real = np.concatenate([train_data.lengths[batch] for batch in batches])
    padded = np.concatenate(
        [
            np.full(len(batch), train_data.lengths[batch].max() if bucketed else train_data.max_length)
            for batch in batches
        ]
    )
    shape = (
        non_embedding_parameters(model),
        model.encoder.config.num_hidden_layers,
        model.encoder.config.hidden_size,
    )
    started = time.perf_counter()
    test = evaluate(model, test_data, batch_size=64, mixed_precision=args.mixed_precision)
    return {
        "name": name,
        "seconds": seconds,
        "samples_per_s": row["samples_per_s"],
        "real_tokens_per_s": row["real_tokens_per_s"],
        "padded_tokens_per_s": row["padded_tokens_per_s"],
        "padding_fraction": 1 - real.sum() / padded.sum(),
        "gflops": step_flops(padded, *shape) / seconds / 1e9,
        "useful_gflops": step_flops(real, *shape) / seconds / 1e9,
        "loss": row["loss"],
        "auc": test["auc"],
        "eval_seconds": time.perf_counter() - started,
        "peak_memory": f"{row['peak_memory_mb']:.0f} MB ({row['memory_measure']})",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--steps", type=int, default=None, help="optimizer steps per run (default: one epoch)"
    )
    parser.add_argument("--train-examples", type=int, default=1_200)
    parser.add_argument("--pooling", default="mean", choices=("pooler", "mean"))
    parser.add_argument("--batch-size", type=int, default=16)
    parser.add_argument("--max-length", type=int, default=256)
    parser.add_argument("--learning-rate", type=float, default=5e-5)
    parser.add_argument("--mixed-precision", default="auto", choices=("auto", "bf16", "fp16", "no"))
    parser.add_argument("--device", default="auto", help="auto, cpu or cuda")
    parser.add_argument("--encoder", default="minilm")
    parser.add_argument("--n-users", type=int, default=3_000)
    parser.add_argument("--test-examples", type=int, default=800)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, help="torch threads (default: torch's choice, all cores)")
    parser.add_argument("--quiet", action="store_true", help="no progress bars")
    args = parser.parse_args()
    if args.threads:
        torch.set_num_threads(args.threads)

    from helpers.model_registry import load_tokenizer
    from helpers.behaviour_text import sessions_to_text
    from helpers.sim.world import load_world, split_by_user

    device = pick_device(None if args.device == "auto" else args.device)
    dtype = resolve_precision(args.mixed_precision, device)
    tokenizer = load_tokenizer(args.encoder)
    world = load_world(n_users=args.n_users, seed=args.seed)
    texts = sessions_to_text(world.events, world.catalog, tokenizer=tokenizer, max_length=args.max_length)
    sessions = world.sessions.assign(text=texts.reindex(world.sessions["session_id"]).to_numpy())
    train_frame, test_frame = split_by_user(sessions, seed=args.seed)
    train_frame = train_frame.sample(n=min(args.train_examples, len(train_frame)), random_state=args.seed)
    test_frame = test_frame.sample(n=min(args.test_examples, len(test_frame)), random_state=args.seed)
    train_data = TextDataset(train_frame["text"], train_frame["purchased"], tokenizer, args.max_length)
    test_data = TextDataset(test_frame["text"], test_frame["purchased"], tokenizer, args.max_length)
    per_epoch = len(train_data) // args.batch_size
    if args.steps is None:
        args.steps = per_epoch
    if args.steps > per_epoch:
        raise SystemExit(
            f"--steps {args.steps} x --batch-size {args.batch_size} needs {args.steps * args.batch_size} "
            f"training examples (one epoch), there are {len(train_data)}: raise --train-examples"
        )
    threads = torch.get_num_threads()
    # One probe for both runs, so that both start from exactly the same weights.
    probe = fit_linear_probe(Predictor.from_pretrained(args.encoder, pooling=args.pooling), train_data)
    print(
        f"device {device}, precision {str(dtype or torch.float32).replace('torch.', '')}, "
        f"{threads} torch threads, {os.cpu_count()} CPUs; {args.steps} steps x {args.batch_size} examples, "
        f"max_length {args.max_length}; {len(train_data)} training texts (median "
        f"{int(np.median(train_data.lengths))} tokens), {len(test_data)} test texts"
    )

    # The bucketed run goes first, so any warm-up cost (allocator, kernel selection) counts against it.
    runs = [
        run("bucketed + dynamic padding", True, args, train_data, test_data, device, probe),
        run(f"random + pad to {args.max_length}", False, args, train_data, test_data, device, probe),
    ]
    header = ("samples/s", 10), ("real tok/s", 11), ("pad frac", 9), ("GFLOP/s", 9), ("useful", 8), ("AUC", 7)
    print("\n" + f"{'run':<28}" + "".join(f"{title:>{width}}" for title, width in header))
    for r in runs:
        print(
            f"{r['name']:<28}{r['samples_per_s']:>10.2f}{r['real_tokens_per_s']:>11.0f}"
            f"{r['padding_fraction']:>9.2f}{r['gflops']:>9.1f}{r['useful_gflops']:>8.1f}{r['auc']:>7.3f}"
        )
    for r in runs:
        print(
            f"{r['name']}: {r['seconds']:.1f} s training, last loss {r['loss']:.3f}, test eval "
            f"{r['eval_seconds']:.1f} s, peak memory {r['peak_memory']}"
        )

    if device.type == "cpu":
        peak, derivation = cpu_peak(dtype, threads)
        print(f"\nCPU peak: {derivation} = {peak:.0f} GFLOP/s")
        for r in runs:
            print(f"  {r['name']}: {r['gflops']:.1f} GFLOP/s = {r['gflops'] / peak:.1%} of peak")
    else:
        print(f"\n{torch.cuda.get_device_name(device)}: peak not derived here; see the vendor's data sheet")

    bucketed, padded = runs
    speedup = bucketed["samples_per_s"] / padded["samples_per_s"]
    auc_gap = bucketed["auc"] - padded["auc"]
    speed_verdict = "met" if speedup >= 2 else "MISSED"
    auc_verdict = "met" if abs(auc_gap) <= 0.01 else "MISSED"
    print(f"\nspeed-up of bucketing + dynamic padding: {speedup:.2f}x  (target >= 2x: {speed_verdict})")
    print(f"test AUC difference: {auc_gap:+.3f}  (target |diff| <= 0.01: {auc_verdict})")


if __name__ == "__main__":
    main()
