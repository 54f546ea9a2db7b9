"""Timing one command as its own process tree: wall seconds, peak memory, exit code; pair ratios and medians; the machine."""

from __future__ import annotations

import os
import platform
import resource
import statistics
import subprocess
import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "Run",
    "alternate",
    "load_average",
    "machine",
    "median_ratio",
    "run",
]


@dataclass(frozen=True)
class Run:
    """One measured command.

    ``seconds`` is wall time from start to exit; ``peak_rss_mb`` the largest resident set of any
    single process of the tree (the kernel's ``ru_maxrss`` over waited-for descendants);
    ``peak_tree_rss_mb`` the largest sum of resident sets over the whole tree, sampled every
    ``SAMPLE_SECONDS`` (Linux ``/proc``; None elsewhere); ``load`` the 1-minute load average
    before and after.
    """

    label: str
    seconds: float
    returncode: int
    peak_rss_mb: float
    peak_tree_rss_mb: float | None
    load: tuple[float, float]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready dict, seconds and megabytes rounded to milliseconds and 0.1 MB."""
        return {
            "label": self.label,
            "seconds": round(self.seconds, 3),
            "returncode": self.returncode,
            "peak_rss_mb": round(self.peak_rss_mb, 1),
            "peak_tree_rss_mb": None if self.peak_tree_rss_mb is None else round(self.peak_tree_rss_mb, 1),
            "load": [round(x, 2) for x in self.load],
        }


SAMPLE_SECONDS = 0.05
_PAGE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096


def load_average() -> tuple[float, float, float]:
    """``os.getloadavg()``: runnable processes averaged over 1, 5 and 15 minutes (zeros where unsupported)."""
    try:
        return os.getloadavg()
    except (AttributeError, OSError):  # pragma: no cover - not Unix
        return (0.0, 0.0, 0.0)


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                stat = handle.read()
        except OSError:
            continue
        # The command name may hold spaces and parentheses; fields after the last ')' are fixed.
        parent = int(stat[stat.rindex(b")") + 2 :].split()[1])
        tree.setdefault(parent, []).append(int(entry.name))
    return tree


def tree_rss_mb(root: int) -> float:
    """Sum of the resident sets of ``root`` and all its descendants now, in MB (Linux ``/proc``)."""
    tree, total, todo = _children(), 0, [root]
    while todo:
        pid = todo.pop()
        try:
            with open(f"/proc/{pid}/statm", "rb") as handle:
                total += int(handle.read().split()[1]) * _PAGE
        except (OSError, ValueError, IndexError):
            pass
        todo += tree.get(pid, [])
    return total / 1e6


def run(
    label: str,
    argv: Sequence[str],
    *,
    cwd: str | os.PathLike[str],
    env: Mapping[str, str] | None = None,
    timeout: float = 3600,
    log: Path | None = None,
) -> Run:
    """Run ``argv`` in ``cwd`` with ``env`` (default: this environment), output to ``log`` (or discarded).

    Raises subprocess.TimeoutExpired (after killing the tree's leader) when it runs past ``timeout``.
    """
    before = load_average()[0]
    out = open(log, "ab") if log else subprocess.DEVNULL  # noqa: SIM115 - closed in the finally below
    peak = [0.0]
    sampling = Path("/proc/self/stat").exists()
    try:
        started = time.perf_counter()
        process = subprocess.Popen(
            list(argv),
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdout=out,
            stderr=subprocess.STDOUT if log else subprocess.DEVNULL,
        )
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                peak[0] = max(peak[0], tree_rss_mb(process.pid))
                stop.wait(SAMPLE_SECONDS)

        sampler = threading.Thread(target=sample, daemon=True) if sampling else None
        if sampler:
            sampler.start()
        try:
            _, status, usage = _wait(process, timeout)
        finally:
            stop.set()
            if sampler:
                sampler.join()
        seconds = time.perf_counter() - started
    finally:
        if log:
            out.close()
    # Linux reports ru_maxrss in kilobytes (macOS in bytes).
    scale = 1e3 if platform.system() == "Linux" else 1.0
    return Run(
        label,
        seconds,
        os.waitstatus_to_exitcode(status),
        usage.ru_maxrss * scale / 1e6,
        peak[0] if sampling else None,
        (before, load_average()[0]),
    )


def _wait(process: subprocess.Popen, timeout: float) -> tuple[int, int, resource.struct_rusage]:
    deadline = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(process.pid, os.WNOHANG)
        if pid:
            process.returncode = os.waitstatus_to_exitcode(status)
            return pid, status, usage
        if time.monotonic() > deadline:
            process.kill()
            os.wait4(process.pid, 0)
            raise subprocess.TimeoutExpired(process.args, timeout)
        time.sleep(0.01)


def alternate(labels: Sequence[str], round_index: int) -> list[str]:
    """The order to measure ``labels`` in round ``round_index``: rotated by one each round (A B, B A, ...).

    Every label goes first equally often over ``len(labels)`` rounds, so drift in the machine's
    load (others' jobs starting or ending) spreads over all of them.
    """
    shift = round_index % len(labels)
    return list(labels[shift:]) + list(labels[:shift])


def median_ratio(numerators: Sequence[float], denominators: Sequence[float]) -> float:
    """Median of the per-pair ratios ``numerators[i] / denominators[i]``.

    Raises ValueError for sequences of different lengths, none at all, or a zero denominator.
    """
    if len(numerators) != len(denominators) or not numerators:
        raise ValueError(f"need pairs: {len(numerators)} numerators, {len(denominators)} denominators")
    if any(d <= 0 for d in denominators):
        raise ValueError("a denominator is zero or negative: that run measured nothing")
    return statistics.median(n / d for n, d in zip(numerators, denominators, strict=False))


def machine() -> dict[str, object]:
    """What the figures were measured on: OS, CPU model and count, memory, Python, Node.js."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                memory = round(int(line.split()[1]) / 1e6, 1)
    except OSError:
        pass
    try:
        node = subprocess.run(["node", "--version"], capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        node = None
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        affinity = os.cpu_count()
    return {
        "system": f"{platform.system()} {platform.release()}",
        "cpu": cpu,
        "cpus": os.cpu_count(),
        "cpus_available": affinity,
        "memory_gb": memory,
        "python": platform.python_version(),
        "node": node,
    }
