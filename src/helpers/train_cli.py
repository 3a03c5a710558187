"""Train the purchase predictor from the command line, in one process or many (``torchrun``).

One process, on the GPU when there is one, else the CPU::

    python -m helpers.train_cli --epochs 2 --output models/predictor

All 4 GPUs of one machine (data-parallel: each GPU trains on its share of every step's batches)::

    torchrun --standalone --nproc_per_node 4 -m helpers.train_cli --epochs 2 --output models/predictor

Two machines with 8 GPUs each: run this on both, ``--node_rank 0`` on ``host0`` and ``1`` on the other;
the checkpoint folder must be on storage that both machines see::

    torchrun --nnodes 2 --node_rank 0 --nproc_per_node 8 --master_addr host0 --master_port 29500 \\
        -m helpers.train_cli --checkpoint-dir /shared/run1 --output /shared/predictor

Two CPU processes (gloo): ``torchrun --standalone --nproc_per_node 2 -m helpers.train_cli --device cpu``.
``accelerate launch --multi_gpu --num_processes 4 -m helpers.train_cli ...`` sets the same environment
variables as torchrun and works too.

Every :class:`~helpers.training.TrainConfig` field is an option (``--batch-size 32``,
``--no-bucketing``, ``--max-grad-norm none``). The data is the simulated shop
(:func:`helpers.sim.world.load_world`) split by user, or your own CSV files with ``text`` and ``label``
columns (``--train-csv``, ``--eval-csv``). :func:`launch_command` writes the torchrun line for a notebook.
"""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, fields
from pathlib import Path

from helpers.batching import TextDataset
from helpers.training import TrainConfig

_TYPES = {"int": int, "float": float, "str": str}


def _option_type(annotation: str):
    """argparse type for a TrainConfig annotation such as ``"int | None"`` (the word none gives None)."""
    base = _TYPES[annotation.replace(" | None", "")]
    if "None" not in annotation:
        return base
    return lambda text: None if text.lower() == "none" else base(text)


def build_parser() -> argparse.ArgumentParser:
    """The command line of ``python -m helpers.train_cli`` (and of ``torchrun``)."""
    parser = argparse.ArgumentParser(prog="python -m helpers.train_cli", description=__doc__.split("\n")[0])
    data = parser.add_argument_group("data and model")
    data.add_argument("--encoder", default="minilm", help="encoder name/folder, or a saved predictor")
    data.add_argument("--pooling", default="pooler", choices=("pooler", "mean"))
    data.add_argument("--max-length", type=int, default=128, help="tokens per text, special tokens included")
    data.add_argument("--train-csv", help="CSV with text,label columns (default: the simulated shop)")
    data.add_argument("--eval-csv", help="CSV with text,label columns for evaluation")
    data.add_argument("--n-users", type=int, default=3_000, help="simulated users (simulated data only)")
    data.add_argument("--data-seed", type=int, default=0, help="simulation and split seed")
    data.add_argument(
        "--train-examples", type=int, help="use N training examples (a random sample of the simulated shop)"
    )
    data.add_argument(
        "--eval-examples", type=int, help="use N evaluation examples (a random sample of the simulated shop)"
    )
    data.add_argument("--balance-classes", action="store_true", help="pos_weight = negatives / positives")
    data.add_argument("--device", help="cpu, cuda or mps (default: the best available)")
    out = parser.add_argument_group("outputs (written by process 0)")
    out.add_argument("--output", help="folder for the trained predictor (safetensors)")
    out.add_argument("--history", help="JSON file for the training history")
    train = parser.add_argument_group("training (helpers.training.TrainConfig)")
    for spec in fields(TrainConfig):
        flag = "--" + spec.name.replace("_", "-")
        if spec.type == "bool":
            train.add_argument(flag, action=argparse.BooleanOptionalAction, default=spec.default)
        else:
            train.add_argument(flag, type=_option_type(spec.type), default=spec.default)
    return parser


def launch_command(
    nproc_per_node: int = 1,
    nnodes: int = 1,
    node_rank: int = 0,
    master_addr: str = "host0",
    master_port: int = 29500,
    args: str = "",
) -> str:
    """The command that starts this CLI on ``nnodes`` machines with ``nproc_per_node`` processes each."""
    if nnodes == 1:
        launcher = f"torchrun --standalone --nproc_per_node {nproc_per_node}"
    else:
        launcher = (
            f"torchrun --nnodes {nnodes} --node_rank {node_rank} --nproc_per_node {nproc_per_node} "
            f"--master_addr {master_addr} --master_port {master_port}"
        )
    return f"{launcher} -m helpers.train_cli {args}".strip()


def _read_csv(path: str, limit: int | None, tokenizer, max_length: int) -> TextDataset:
    import pandas as pd

    frame = pd.read_csv(path)
    missing = {"text", "label"} - set(frame.columns)
    if missing:
        raise ValueError(f"{path} lacks the column(s) {sorted(missing)}; it needs text and label")
    frame = frame[:limit]
    return TextDataset(frame["text"], frame["label"].to_numpy(dtype=float), tokenizer, max_length)


def load_data(args: argparse.Namespace, tokenizer) -> tuple[TextDataset, TextDataset | None]:
    """(training data, evaluation data or None) from the CSVs, or the simulated shop split by user.

    Simulated sessions come from :func:`helpers.purchase_data.purchase_splits`, the data path of the
    notebooks: long sessions lose their oldest events, not their newest.
    """
    if args.train_csv:
        train_data = _read_csv(args.train_csv, args.train_examples, tokenizer, args.max_length)
        eval_data = None
        if args.eval_csv:
            eval_data = _read_csv(args.eval_csv, args.eval_examples, tokenizer, args.max_length)
        return train_data, eval_data
    from helpers.purchase_data import purchase_splits

    splits = purchase_splits(
        tokenizer, args.n_users, args.max_length, args.train_examples, args.eval_examples, args.data_seed
    )
    return splits.train_data, splits.test_data


def load_model(args: argparse.Namespace):
    """(predictor, tokenizer): a saved predictor folder as it is, else a new head on the encoder."""
    from helpers.model_registry import load_tokenizer
    from helpers.predictor import CONFIG_FILE, Predictor, load_predictor

    if (Path(args.encoder) / CONFIG_FILE).exists():
        model, tokenizer = load_predictor(args.encoder)
        if tokenizer is None:
            raise ValueError(f"the predictor in {args.encoder} was saved without its tokenizer")
        return model, tokenizer
    return Predictor.from_pretrained(args.encoder, args.pooling), load_tokenizer(args.encoder)


def main(argv: list[str] | None = None) -> None:
    """Train a predictor from the command line, in one process or in each process ``torchrun`` starts."""
    import torch.distributed as dist

    from helpers.devices import setup_processes
    from helpers.netguard import block_network, online_allowed
    from helpers.objectives import binary_loss, pos_weight_for
    from helpers.predictor import save_predictor
    from helpers.runtime import seed_everything
    from helpers.training import train

    args = build_parser().parse_args(argv)
    config = TrainConfig(**{spec.name: getattr(args, spec.name) for spec in fields(TrainConfig)})
    if not online_allowed():
        block_network()  # Python-level guard only; torch.distributed's own sockets are not affected
    processes = setup_processes(args.device)
    seed_everything(config.seed)  # the same new head on every process
    model, tokenizer = load_model(args)
    train_data, eval_data = load_data(args, tokenizer)
    pos_weight = pos_weight_for(train_data.labels) if args.balance_classes else None
    loss_fn = binary_loss(pos_weight)

    result = train(model, train_data, eval_data, config, loss_fn=loss_fn, device=processes.device)

    if processes.is_main:
        if args.output:
            save_predictor(model, tokenizer, args.output)
        if args.history:
            Path(args.history).write_text(json.dumps({"config": asdict(config), "history": result.history}))
        last = result.history[-1] if result.history else {}
        print(
            f"processes={processes.world_size} device={processes.device} steps={result.steps} "
            f"epochs={result.epochs_completed} best_{result.metric_name}={result.best_metric} last={last}"
        )
    if dist.is_initialized():
        dist.destroy_process_group()


if __name__ == "__main__":
    main()
