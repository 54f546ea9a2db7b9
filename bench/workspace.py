"""A private copy of the app for the benchmarks: infra, policies, Makefile, the integration tests; the repo's venv and code.

Benchmarks delete and rebuild the cloud assembly, the findings cache and the emulator's state
many times; doing that in the repository would pull the floor from under anyone else working
there. The copy keeps the repository's ``.venv`` (so the same installed tools and the same
``stackcheck`` code run) and installs the aws-cdk CLI that ``package.json`` pins with ``npm``.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["COPIED", "Workspace", "scaled_ledger"]

COPIED = (
    "infra",
    "policies",
    "tests/integration",
    "cdk.json",
    "package.json",
    "Makefile",
    "pyproject.toml",
    "conftest.py",
)
"""What the copy holds, relative to the repository root (the app, its gate, the post-deploy checks)."""

_IGNORE = shutil.ignore_patterns("__pycache__", "*.pyc", ".pytest_cache")


class Workspace:
    """The copy in ``root`` of the repository in ``repo``; ``venv`` is the repository's virtual environment.

    ``env`` is the environment every benchmarked command gets: the jsii banners silenced, the
    aws-cdk CLI's telemetry, update check and notices off (they would reach the network), bytecode
    written (as the Makefile's targets run).
    """

    def __init__(self, repo: Path, root: Path):
        self.repo = repo.resolve()
        self.root = root.resolve()
        self.venv = self.repo / ".venv"
        self.env = {
            **os.environ,
            "JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION": "1",
            "JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION": "1",
            "JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION": "18,19,20,21,23",
            "CDK_DISABLE_CLI_TELEMETRY": "true",
            "CDK_DISABLE_VERSION_CHECK": "true",
        }
        self.env.pop("CDK_VALIDATION", None)  # the defaults a user gets, for both chains
        self.env.pop("PYTHONDONTWRITEBYTECODE", None)  # as the Makefile's targets run (it unexports it)

    def create(self) -> Workspace:
        """Copy ``COPIED`` into ``root`` (modification times kept, so make sees the venv as current)."""
        self.root.mkdir(parents=True, exist_ok=True)
        for name in COPIED:
            source, target = self.repo / name, self.root / name
            if source.is_dir():
                shutil.copytree(source, target, ignore=_IGNORE, dirs_exist_ok=True)
            elif source.is_file():
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(source, target)
        link = self.root / ".venv"
        if not link.exists():
            link.symlink_to(self.venv)
        self.stamp.touch()  # newer than the copied pyproject.toml: make never reinstalls from the copy
        return self

    @property
    def stamp(self) -> Path:
        """The Makefile's "venv is installed" stamp for the copy, passed as ``STAMP=``.

        Never the repository venv's own stamp: were it older than pyproject.toml, make would
        reinstall the editable ``stackcheck`` from the copy and point the shared venv at it.
        """
        return self.root / ".bench-installed"

    def bin(self, name: str) -> str:
        """Path of an executable of the virtual environment (``cfn-lint``, ``checkov``, ``stackcheck``)."""
        return str(self.venv / "bin" / name)

    def npm_install(self, log: Path) -> Path:
        """``npm install`` of package.json's pinned aws-cdk CLI; returns the ``cdk`` executable.

        Raises subprocess.CalledProcessError when npm fails (no registry access, say).
        """
        with open(log, "ab") as out:
            subprocess.run(
                ["npm", "install", "--no-audit", "--no-fund", "--loglevel=error"],
                cwd=self.root,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                check=True,
                timeout=900,
            )
        return self.root / "node_modules" / ".bin" / "cdk"

    def make(self, *targets: str, variables: dict[str, str] | None = None) -> list[str]:
        """argv of ``make -C <root> TARGET...`` using the repository's venv."""
        extra = [f"{k}={v}" for k, v in (variables or {}).items()]
        return [
            "make",
            "--no-print-directory",
            "-C",
            str(self.root),
            *targets,
            f"VENV={self.venv}",
            f"STAMP={self.stamp}",
            *extra,
        ]

    def integration_suite(self) -> list[str]:
        """argv of the post-deploy suite the xdist sections time: ``pytest tests/integration -m 'not outofband'``,
        quiet, without the cache provider (worker-count options are added by the caller)."""
        return [
            self.bin("python"),
            "-m",
            "pytest",
            "tests/integration",
            "-m",
            "not outofband",
            "-q",
            "-p",
            "no:cacheprovider",
        ]

    @contextlib.contextmanager
    def deployed(self, env: dict[str, str], log: Path) -> Iterator[None]:
        """The app deployed to a fresh private emulator (``make deploy-local`` with ``env``, output appended to
        ``log``) for the block, torn down after it whatever happened; CalledProcessError when the deploy fails."""
        quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
        subprocess.run(self.make("destroy-local"), cwd=self.root, env=env, **quiet)
        try:
            with open(log, "ab") as out:
                subprocess.run(
                    self.make("deploy-local"), cwd=self.root, env=env, check=True, stdout=out, stderr=subprocess.STDOUT
                )
            yield
        finally:
            subprocess.run(self.make("destroy-local"), cwd=self.root, env=env, **quiet)

    def clean(self, *names: str) -> None:
        """Delete these paths of the copy (``cdk.out``, ``.stackcheck``, ...) if present."""
        for name in names:
            path = self.root / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            elif path.exists() or path.is_symlink():
                path.unlink()


def scaled_ledger(text: str, environments: int, suffix: str = "dev") -> str:
    """The ledger ``text`` with every entry on a Source/Target/Route53 stack repeated for sets 2..``environments``.

    Entries on ``TapStack{suffix}Source/...`` are copied onto ``TapStack{suffix}{k}Source/...``
    (the stacks ``benchmarkEnvironments`` adds); entries on other stacks (DmsPrereq, shared) are
    kept once. Entries are the YAML list items starting with ``- rule:``.
    """
    if environments < 1:
        raise ValueError(f"environments must be 1 or more, got {environments}")
    head, *entries = re.split(r"(?m)^(?=- rule:)", text)
    pattern = re.compile(rf"TapStack{re.escape(suffix)}(Source|Target|Route53)\b")
    extra = []
    for entry in entries:
        if pattern.search(entry):
            for index in range(2, environments + 1):
                extra.append(pattern.sub(lambda m, index=index: f"TapStack{suffix}{index}{m.group(1)}", entry))
    body = "".join(entries)
    if extra and not body.endswith("\n\n"):
        body = body.rstrip("\n") + "\n\n"
    return head + body + "\n".join(e.rstrip("\n") + "\n" for e in extra)
