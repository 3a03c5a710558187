"""Profiles, parameter validation, runtime, metrics, network guard and notebook hygiene."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import textwrap

import nbformat
import numpy as np
import pytest
import torch

import helpers
from helpers.errors import NetworkBlockedError
from helpers.netguard import allow_network, block_network
from helpers.paths import atomic_write, repo_root
from helpers.profiles import PROFILE_NAMES
from helpers.run_log import read_metrics, set_notebook

NOTEBOOKS = sorted((repo_root() / "notebooks").glob("*.ipynb"))


@pytest.fixture
def cuda_present(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pretend a CUDA device is there: the GPU profile refuses to resolve without one."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)


@pytest.mark.parametrize("name", ["cpu", "gpu"])
def test_profiles_resolve_to_concrete_sizes(name: str, cuda_present: None) -> None:
    profile = helpers.resolve_profile(name)
    assert profile.name == name
    assert profile.train_examples > 0 and profile.max_length > 0 and profile.batch_size > 0


def test_auto_profile_takes_the_gpu_sizes_when_cuda_is_present(cuda_present: None) -> None:
    assert helpers.resolve_profile("auto").name == "gpu"


def test_gpu_profile_without_cuda_fails_at_once(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    with pytest.raises(helpers.ParameterError, match="no CUDA device was found") as error:
        helpers.resolve_profile("gpu")
    assert "'auto'" in str(error.value) and "'cpu'" in str(error.value)
    assert helpers.resolve_profile("auto").name == "cpu"


def test_gpu_profile_is_bigger_than_cpu(cuda_present: None) -> None:
    cpu, gpu = helpers.resolve_profile("cpu"), helpers.resolve_profile("gpu")
    assert gpu.train_examples > cpu.train_examples and gpu.max_length >= cpu.max_length


def test_profile_override_and_unknown_field() -> None:
    assert helpers.resolve_profile("cpu", epochs=7).epochs == 7
    with pytest.raises(helpers.ParameterError, match="unknown profile field"):
        helpers.resolve_profile("cpu", epoks=7)


@pytest.mark.parametrize("bad", ["CPU", "tpu", "", None, 3])
def test_bad_profile_names_the_parameter_and_allowed_values(bad: object) -> None:
    with pytest.raises(helpers.ParameterError) as error:
        helpers.resolve_profile(bad)
    message = str(error.value)
    assert "'profile'" in message and all(repr(name) in message for name in PROFILE_NAMES)


@pytest.mark.parametrize(
    ("check", "args", "fragment"),
    [
        (helpers.check_int, ("seed", "1"), "must be an integer"),
        (helpers.check_int, ("seed", True), "must be an integer"),
        (helpers.check_int, ("seed", -1, 0), ">= 0"),
        (helpers.check_float, ("lr", "x"), "must be a number"),
        (helpers.check_float, ("lr", 2.0, 0.0, 1.0), "<= 1.0"),
        (helpers.check_str, ("model", "  "), "non-empty string"),
        (helpers.check_path, ("data_path", "no/such/file.csv"), "no file or folder"),
    ],
)
def test_parameter_checks_reject_bad_values(check, args, fragment: str) -> None:
    with pytest.raises(helpers.ParameterError, match=fragment) as error:
        check(*args)
    assert repr(args[0]) in str(error.value)


def test_parameter_checks_accept_good_values() -> None:
    assert helpers.check_int("seed", 3, minimum=0) == 3
    assert helpers.check_float("lr", 1, 0.0, 2.0) == 1.0
    assert helpers.check_path("readme", "pyproject.toml").is_file()


@pytest.mark.parametrize(
    ("cuda", "mps", "expected"),
    [(True, True, "cuda"), (False, True, "mps"), (False, False, "cpu")],
)
def test_pick_device_prefers_cuda_then_mps_then_cpu(monkeypatch, cuda, mps, expected) -> None:
    monkeypatch.setattr(torch.cuda, "is_available", lambda: cuda)
    monkeypatch.setattr(torch.backends.mps, "is_available", lambda: mps)
    assert helpers.pick_device().type == expected  # torch.device("cuda") needs no GPU to be made
    assert helpers.pick_device("cpu").type == "cpu"  # a forced device wins


def test_the_cpu_dtype_is_float32() -> None:
    assert helpers.pick_dtype(torch.device("cpu")) is torch.float32  # bf16 autocast measured slower on CPUs


def test_an_isa_cap_hides_native_bf16(monkeypatch) -> None:
    from helpers.runtime import cpu_supports_bf16

    cpu_supports_bf16.cache_clear()
    monkeypatch.setenv("ONEDNN_MAX_CPU_ISA", "AVX2")
    try:
        assert cpu_supports_bf16() is False
    finally:
        cpu_supports_bf16.cache_clear()


def test_seed_everything_repeats_random_numbers() -> None:
    helpers.seed_everything(5)
    first = torch.rand(3)
    helpers.seed_everything(5)
    assert torch.equal(first, torch.rand(3))


def test_record_metric_writes_json_and_resets() -> None:
    set_notebook("99_test")
    helpers.record_metric("auc", 0.75)
    helpers.record_metric("rows", torch.tensor(12))
    assert read_metrics("99_test") == {"auc": 0.75, "rows": 12}
    set_notebook("99_test")
    assert read_metrics("99_test") == {}


def test_record_metric_rejects_bad_values() -> None:
    set_notebook("99_test")
    with pytest.raises(ValueError, match="finite"):
        helpers.record_metric("auc", float("nan"))
    with pytest.raises(TypeError):
        helpers.record_metric("auc", {1, 2})  # a set has no JSON form
    with pytest.raises(TypeError, match="string keys"):
        helpers.record_metric("table", [{1: 0.5}])


def test_record_metric_keeps_a_table_of_records() -> None:
    set_notebook("99_test")
    rows = [{"model": "a", "auc": np.float64(0.8)}, {"model": "b", "auc": 0.7}]
    helpers.record_metric("results", rows)
    assert read_metrics("99_test") == {"results": [{"model": "a", "auc": 0.8}, {"model": "b", "auc": 0.7}]}


def test_start_returns_profile_and_names_metrics(capsys: pytest.CaptureFixture[str]) -> None:
    profile = helpers.start("99_start", profile="cpu", seed=1)
    helpers.record_metric("x", 1)
    assert profile.name == "cpu" and read_metrics("99_start") == {"x": 1}
    assert "torch" in capsys.readouterr().out
    allow_network()


def test_network_guard_blocks_outside_addresses_only() -> None:
    block_network()
    try:
        with pytest.raises(NetworkBlockedError), socket.socket() as sock:
            sock.connect(("93.184.216.34", 80))
        server = socket.socket()
        server.bind(("127.0.0.1", 0))
        server.listen(1)
        with socket.socket() as client:
            client.connect(server.getsockname())  # loopback stays allowed (Jupyter kernels use it)
        server.close()
    finally:
        allow_network()


def test_network_guard_blocks_name_lookups_and_packets(monkeypatch: pytest.MonkeyPatch) -> None:
    import huggingface_hub.constants as hub

    monkeypatch.setenv("HF_HUB_OFFLINE", "0")  # a 0 in the shell must not win
    hub_flag = hub.HF_HUB_OFFLINE
    getaddrinfo = socket.getaddrinfo
    block_network()
    try:
        assert os.environ["HF_HUB_OFFLINE"] == "1" and hub.HF_HUB_OFFLINE is True
        for lookup in (socket.getaddrinfo, socket.gethostbyname, socket.gethostbyname_ex):
            with pytest.raises(NetworkBlockedError, match="name lookup of 'huggingface.co' is blocked"):
                lookup("huggingface.co", 443) if lookup is socket.getaddrinfo else lookup("huggingface.co")
        with pytest.raises(NetworkBlockedError, match="8.8.8.8"):
            socket.gethostbyaddr("8.8.8.8")  # a reverse lookup asks DNS too
        with pytest.raises(NetworkBlockedError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as udp:
            udp.sendto(b"x", ("8.8.8.8", 53))
        assert socket.getaddrinfo("localhost", 80)  # loopback names still resolve
        assert socket.getaddrinfo("127.0.0.1", 80, socket.AF_INET)
    finally:
        allow_network()
    assert socket.getaddrinfo is getaddrinfo
    assert os.environ["HF_HUB_OFFLINE"] == "0" and hub.HF_HUB_OFFLINE == hub_flag


# Run in a fresh interpreter: transformers (and the hub client) imported before helpers.start, with
# HF_HUB_OFFLINE=0 in the environment; every name lookup that reaches the system is recorded.
OFFLINE_HUB_SCRIPT = textwrap.dedent(
    """
    import json, socket, time
    lookups = []
    real_getaddrinfo = socket.getaddrinfo
    def recording_getaddrinfo(host, *args, **kwargs):
        lookups.append(str(host))
        return real_getaddrinfo(host, *args, **kwargs)
    socket.getaddrinfo = recording_getaddrinfo
    import transformers, huggingface_hub
    import helpers
    helpers.start("99_offline_hub", profile="cpu", banner=False)
    results = {}
    for name, call in {
        "load_tokenizer": lambda: helpers.load_tokenizer("bert-base-uncased"),
        "hf_hub_download": lambda: huggingface_hub.hf_hub_download("bert-base-uncased", "config.json"),
    }.items():
        started = time.perf_counter()
        try:
            call()
            error = ""
        except Exception as exc:
            error = type(exc).__name__ + ": " + str(exc)
        results[name] = {"seconds": time.perf_counter() - started, "error": error}
    print(json.dumps({"lookups": lookups, "results": results}))
    """
)


def test_hub_model_fails_fast_offline_when_transformers_came_first(tmp_path) -> None:
    environment = {key: value for key, value in os.environ.items() if key != "WORKBOOK_ONLINE"}
    environment.update(HF_HUB_OFFLINE="0", TRANSFORMERS_OFFLINE="0", HF_HOME=str(tmp_path / "hf"))
    environment["WORKBOOK_REPORTS_DIR"] = str(tmp_path / "reports")
    done = subprocess.run(
        [sys.executable, "-c", OFFLINE_HUB_SCRIPT],
        env=environment,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report["lookups"] == []
    tokenizer, download = report["results"]["load_tokenizer"], report["results"]["hf_hub_download"]
    assert tokenizer["error"].startswith("ModelNotFoundError: could not load model 'bert-base-uncased'")
    assert "The workbook is offline" in tokenizer["error"] and tokenizer["seconds"] <= 3
    # The hub client itself, called directly, answers from its (empty) cache at once: it knows it is offline.
    assert download["error"].startswith(("LocalEntryNotFoundError", "OfflineModeIsEnabled"))
    assert download["seconds"] <= 3


def test_pytest_itself_blocks_the_network() -> None:
    with (
        pytest.raises(Exception, match="(?i)socket|blocked|host"),
        socket.create_connection(("8.8.8.8", 53), 1),
    ):
        pass


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_clean_and_have_one_parameters_cell(notebook) -> None:
    raw = json.loads(notebook.read_text(encoding="utf-8"))
    # nbformat 4.5 gives every cell an id (a cell without one is a warning now and an error later)
    assert all("id" in cell for cell in raw["cells"]), f"{notebook.name}: a cell has no id"
    nb = nbformat.read(notebook, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "commit notebooks without outputs"
    tagged = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1, f"{notebook.name} has {len(tagged)} cells tagged 'parameters'"
    before_parameters = nb.cells[: nb.cells.index(tagged[0])]  # the title, then learning objectives
    assert nb.cells[0].cell_type == "markdown"
    assert any(c.cell_type == "markdown" and "objectives" in c.source.lower() for c in before_parameters)
    # A kernel of our own name: a user's global "python3" kernel may point at another Python.
    assert nb.metadata.kernelspec.name == "workbook"


def test_there_are_notebooks() -> None:
    assert NOTEBOOKS, "notebooks/ is empty"
    assert json.loads(NOTEBOOKS[0].read_text())["nbformat"] == 4


def test_metric_differences_name_what_changed(tmp_path) -> None:
    from helpers.errors import DataError
    from helpers.run_log import check_same_metrics, metric_differences

    a, b = tmp_path / "a.json", tmp_path / "b.json"
    a.write_text(json.dumps({"auc": 0.81, "n": 3}))
    b.write_text(json.dumps({"auc": 0.81, "n": 3}))
    assert metric_differences(a, b) == []
    b.write_text(json.dumps({"auc": 0.82, "extra": 1, "n": 3}))
    assert metric_differences(a, b) == ["auc: 0.81 != 0.82", "extra: None != 1"]
    with pytest.raises(DataError, match="auc"):
        check_same_metrics(str(a), str(b))


def test_gpus_before_ampere_get_fp16_not_emulated_bf16(monkeypatch) -> None:
    import helpers.runtime as runtime

    for capability, expected in (((7, 5), torch.float16), ((8, 0), torch.bfloat16), ((9, 0), torch.bfloat16)):
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None, c=capability: c)
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: True)  # what a T4 answers
        assert runtime.pick_dtype(torch.device("cuda")) is expected


def test_atomic_write_replaces_whole_or_leaves_the_old_file(tmp_path):
    target = tmp_path / "new folder" / "table.csv"
    with atomic_write(target) as file:
        file.write("a,b\n1,2\n")
    assert target.read_text() == "a,b\n1,2\n"
    with pytest.raises(RuntimeError), atomic_write(target) as file:
        file.write("half a table")
        raise RuntimeError("killed midway")
    assert target.read_text() == "a,b\n1,2\n"  # the old file, untouched
    with atomic_write(target.with_suffix(".bin"), "wb", durable=True) as file:
        file.write(b"\x00\x01")
    assert target.with_suffix(".bin").read_bytes() == b"\x00\x01"
    left = sorted(p.name for p in target.parent.iterdir())
    assert left == ["table.bin", "table.csv"]  # no temporary file
