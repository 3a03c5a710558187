"""Cold load (GGUF de-quantization + conversion) vs cached load of the bundled instruct LLM.

Target: the cached load takes <= 3 s. The cold load uses a fresh temporary cache folder, so the
user's own cache is left as it is.
"""

from __future__ import annotations

import os
import tempfile
import time

import helpers


def main() -> None:
    with tempfile.TemporaryDirectory() as cache:
        os.environ["WORKBOOK_MODEL_CACHE"] = cache
        started = time.perf_counter()
        cold = helpers.load_generator("smollm2-135m-instruct")
        cold_seconds = time.perf_counter() - started
        del cold
        warm_seconds = min(helpers.load_generator("smollm2-135m-instruct").seconds for _ in range(3))
    print(f"cold load (GGUF -> safetensors): {cold_seconds:6.2f} s")
    print(
        f"cached load (best of 3)        : {warm_seconds:6.2f} s   target <= 3 s: "
        f"{'met' if warm_seconds <= 3 else 'MISSED'}"
    )
    print(f"speed-up                       : {cold_seconds / warm_seconds:6.1f}x")


if __name__ == "__main__":
    main()
