"""tox.ini: one tox 4 env per make target, each handed the pytest plugin's settings from the environment."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
from pathlib import Path

import stackcheck.plugin as plugin

ROOT = Path(__file__).resolve().parents[3]
ENVS = ["unit", "scan", "integration", "gate", "lint", "bench"]


def tox(*args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "tox", "--root", str(ROOT), *args], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, f"tox {' '.join(args)}: {done.stderr.strip() or done.stdout.strip()}"
    return done.stdout


def config(key: str) -> dict[str, list[str]]:
    """``tox config -k KEY`` for every env: env name → the value, one item a line."""
    values: dict[str, list[str]] = {}
    env = None
    for line in tox("config", "-e", ",".join(ENVS), "-k", key).splitlines():
        if line.startswith("[testenv:"):
            env = line.removeprefix("[testenv:").removesuffix("]")
            values[env] = []
        elif env is not None and line.startswith(f"{key} ="):
            first = line.removeprefix(f"{key} =").strip()
            values[env] += [first] if first else []
        elif env is not None and line.strip():
            values[env].append(line.strip())
    return values


def make_commands(target: str) -> list[list[str]]:
    """What ``make -n TARGET`` runs past the venv bootstrap, words split, ``.venv/bin/`` left out."""
    # run from inside `make test` too: a parent make's MAKELEVEL/MAKEFLAGS would add "Entering directory" lines
    env = {k: v for k, v in os.environ.items() if k not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    dry = subprocess.run(
        ["make", "--no-print-directory", "-n", target], cwd=ROOT, capture_output=True, text=True, check=True, env=env
    ).stdout
    bootstrap = ("test -x ", "touch ", "mkdir ")
    return [
        shlex.split(line.replace(".venv/bin/", ""))
        for line in dry.splitlines()
        if not line.startswith(bootstrap) and " -m pip install " not in line
    ]


def test_tox_lists_one_env_per_make_target():
    assert tox("-l").split() == ENVS


def test_every_tox_env_passes_the_plugin_settings_through():
    settings = {
        plugin.ENV_OUTPUTS_FILE,
        plugin.ENV_STRICT,
        plugin.ENV_ASSEMBLY_DIR,
        *plugin.ENV_ENDPOINT,
        *plugin.ENV_REGION,
    }
    assert settings == {
        "STACKCHECK_OUTPUTS_FILE",
        "STACKCHECK_STRICT",
        "STACKCHECK_ASSEMBLY_DIR",
        "AWS_ENDPOINT_URL",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
    }
    missing = {env: sorted(settings - set(lines)) for env, lines in config("pass_env").items()}
    assert missing == {env: [] for env in ENVS}


def test_every_tox_env_runs_what_its_make_target_runs():
    tox_runs = {env: [shlex.split(line) for line in lines] for env, lines in config("commands").items()}
    make_runs = {env: make_commands(env) for env in ENVS}
    # make picks xdist for the integration checks by where they run (serial against the emulator; against
    # AWS the latency bench's fastest worker count, bench/results.json, else auto);
    # tox runs them serially unless given `-- -n auto`.
    first = make_runs["integration"][0]
    at = first.index("--junitxml=reports/integration.xml") - 2
    best = json.loads((ROOT / "bench" / "results.json").read_text()).get("xdist_latency", {}).get("best_workers")
    assert first[at : at + 2] in (["-n", str(best or "auto")], ["-p", "no:xdist"])
    first[at : at + 2] = ["-p", "no:xdist"]
    assert tox_runs == make_runs
    assert tox_runs["lint"] == [["ruff", "check", "."], ["ruff", "format", "--check", "."], ["mypy"], ["actionlint"]]
