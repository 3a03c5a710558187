"""Helpers for the workbook "Transformer language models for e-commerce marketing prediction".

Notebooks show the ideas; this package keeps the code they share. Import it as ``import helpers``.
"""

import warnings

# transformers and datasets import tqdm.auto, which warns in a notebook without ipywidgets. The workbook
# draws text progress bars, which need no widgets, so the warning would only confuse a learner.
warnings.filterwarnings("ignore", message="IProgress not found")

from helpers.errors import DataError, ExerciseError, ModelNotFoundError, NetworkBlockedError, ParameterError
from helpers.model_registry import (
    BUNDLED_MODELS,
    count_parameters,
    load_encoder,
    load_generator,
    load_tokenizer,
    resolve_model,
)
from helpers.params import check_choice, check_float, check_int, check_path, check_str
from helpers.profiles import Profile, resolve_profile
from helpers.run_log import read_metrics, record_metric
from helpers.runtime import pick_device, pick_dtype, print_banner, seed_everything, start

__all__ = [
    "BUNDLED_MODELS",
    "DataError",
    "ExerciseError",
    "ModelNotFoundError",
    "NetworkBlockedError",
    "ParameterError",
    "Profile",
    "check_choice",
    "check_float",
    "check_int",
    "check_path",
    "check_str",
    "count_parameters",
    "load_encoder",
    "load_generator",
    "load_tokenizer",
    "pick_device",
    "pick_dtype",
    "print_banner",
    "read_metrics",
    "record_metric",
    "resolve_model",
    "resolve_profile",
    "seed_everything",
    "start",
]
