"""Training throughput: length bucketing + dynamic padding against padding every text to max_length.

Two runs of the MiniLM predictor on the simulated shop, the same examples and optimizer steps (one
epoch by default), the same start (the head warm-started from one linear probe, as in notebook 03):

* **bucketed**: :class:`helpers.batching.LengthBucketSampler` + pad to the longest text of a batch;
* **padded**: random batches, every text padded to ``--max-length`` tokens.

Printed per run: samples/s, tokens/s, the fraction of computed tokens that are padding, achieved
GFLOP/s and its ratio to this machine's measured matrix-product ceiling, and the test ROC-AUC after
training.
Target: bucketed >= 2x the samples/s of padded, at equal test AUC (+-0.01).

FLOPs of one training step (forward + backward, a backward pass costs about twice a forward pass),
summed over the sequences of the batch, each of padded length ``L``::

    6 * N * L  +  12 * n_layers * hidden * L**2

``N`` counts the non-embedding parameters (encoder layers, pooler, head): each is used in one
multiply-add (2 FLOPs) per token forward and two backward. The second term is attention's
``Q K^T`` and ``softmax(.) V`` (2 * 2 * L**2 * hidden FLOPs per layer forward, x3 with backward),
which the parameter count misses. "Achieved" counts the FLOPs the hardware executed, padding included;
"useful" counts real tokens only.

Ceiling: the GFLOP/s of a 2048 x 2048 matrix product measured in the same run, on the same device and
threads, in fp32 and (where the hardware has it natively) bf16; see :func:`matmul_ceiling`.

    .venv/bin/python bench/train_throughput.py                 # ~6 minutes on 2 CPU cores
    .venv/bin/python bench/train_throughput.py --device cuda --steps 100 --batch-size 64 --train-examples 6400
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np
import torch

from helpers.batching import epoch_batches
from helpers.devices import resolve_precision
from helpers.inference import embed, evaluate
from helpers.predictor import Predictor, fit_linear_probe, warm_start_head
from helpers.runtime import cpu_supports_bf16, pick_device, seed_everything
from helpers.training import TrainConfig, make_sampler, train


def matmul_ceiling(device: torch.device, dtype: torch.dtype, size: int = 2048, seconds: float = 2.0) -> float:
    """GFLOP/s of a ``size`` x ``size`` matrix product in ``dtype``, measured here with the current threads.

    This is what the hardware and the BLAS library really deliver for the training step's main operation,
    so "achieved / ceiling" says how much room faster kernels could still win (clocks, turbo, AVX-512
    down-clocking and emulated bf16 are all in the measurement, none is modelled).
    """
    a = torch.randn(size, size, device=device).to(dtype)
    b = torch.randn(size, size, device=device).to(dtype)
    for _ in range(2):  # warm-up: thread pool, caches, kernel selection
        a @ b
    synchronize = torch.cuda.synchronize if device.type == "cuda" else (lambda: None)
    synchronize()
    runs, started = 0, time.perf_counter()
    while time.perf_counter() - started < seconds or runs < 3:
        a @ b
        runs += 1
    synchronize()
    return 2 * size**3 * runs / (time.perf_counter() - started) / 1e9


def ceilings(device: torch.device) -> dict[str, float]:
    """Measured matmul GFLOP/s in fp32, and in bf16 where the hardware has it natively."""
    measured = {"fp32": matmul_ceiling(device, torch.float32)}
    native = torch.cuda.is_bf16_supported() if device.type == "cuda" else cpu_supports_bf16()
    if native:  # emulated bf16 is slower than fp32: not a ceiling
        measured["bf16"] = matmul_ceiling(device, torch.bfloat16)
    return measured


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

    batches = epoch_batches(make_sampler(train_data, config), 0, grad_accumulation=1)[: args.steps]
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
    test, _ = evaluate(model, test_data, batch_size=64, mixed_precision=args.mixed_precision)
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
    from helpers.purchase_data import purchase_splits

    device = pick_device(None if args.device == "auto" else args.device)
    dtype = resolve_precision(args.mixed_precision, device)
    tokenizer = load_tokenizer(args.encoder)
    splits = purchase_splits(
        tokenizer, args.n_users, args.max_length, args.train_examples, args.test_examples, args.seed
    )
    train_data, test_data = splits.train_data, splits.test_data
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
    start = Predictor.from_pretrained(args.encoder, pooling=args.pooling)
    probe = fit_linear_probe(embed(start, train_data), train_data.labels.numpy())
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

    measured = ceilings(device)
    precision = "bf16" if dtype == torch.bfloat16 else "fp32"
    where = torch.cuda.get_device_name(device) if device.type == "cuda" else f"{threads} CPU threads"
    print(f"\nmatmul ceiling on {where}: " + ", ".join(f"{k} {v:.0f} GFLOP/s" for k, v in measured.items()))
    ceiling = measured.get(precision, measured["fp32"])
    for r in runs:
        share = r["gflops"] / ceiling
        print(f"  {r['name']}: {r['gflops']:.1f} GFLOP/s = {share:.0%} of the {precision} ceiling")

    bucketed, padded = runs
    speedup = bucketed["samples_per_s"] / padded["samples_per_s"]
    auc_gap = bucketed["auc"] - padded["auc"]
    speed_verdict = "met" if speedup >= 2 else "MISSED"
    auc_verdict = "met" if abs(auc_gap) <= 0.01 else "MISSED"
    print(f"\nspeed-up of bucketing + dynamic padding: {speedup:.2f}x  (target >= 2x: {speed_verdict})")
    print(f"test AUC difference: {auc_gap:+.3f}  (target |diff| <= 0.01: {auc_verdict})")


if __name__ == "__main__":
    main()
