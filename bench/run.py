"""`make bench`: the gate against the naive chain, scaling with the number of environments, the integration suite under xdist.

Writes ``bench/results.json`` (figures, every raw timing, the machine, the load), the plot
``bench/scan_time_vs_resources.png`` and ``bench/RESULTS.md``. Every comparison is measured
alternately within one run (A B, B A, ...) and reported as the median of per-pair ratios, so a
change in the machine's load hits both sides of a pair alike. Usage::

    python -m bench.run [--rounds 5] [--sections naive,scaling,xdist,fleet,gate,compliance,prowler] [--environments 1,3,10]

The ``prowler`` section (not run by default: it installs Prowler and takes about 12 minutes) compares
stackcheck with Prowler on one emulator deployment (``bench.prowler_compare``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.compliance_scale import bench_compliance_scale
from bench.fleet import bench_fleet
from bench.gate import bench_gate
from bench.latency import bench_latency
from bench.measure import Run, alternate, load_average, machine, median_ratio, run
from bench.prowler_compare import bench_prowler
from bench.unit_slowest import bench_unit
from bench.workspace import Workspace, scaled_ledger

REPO = Path(__file__).resolve().parents[1]
BENCH = REPO / "bench"
RESULTS = BENCH / "results.json"
PLOT = BENCH / "scan_time_vs_resources.png"
SUMMARY = BENCH / "RESULTS.md"
SECTIONS = ("naive", "scaling", "xdist", "fleet", "gate", "compliance", "unit", "latency", "prowler")
DEFAULT_SECTIONS = tuple(
    s for s in SECTIONS if s != "prowler"
)  # prowler installs a third-party tool: asked for by name
SECTION_KEYS = {
    "naive": "scan_vs_naive",
    "scaling": "scaling",
    "xdist": "xdist",
    "fleet": "fleet",
    "gate": "gate",
    "compliance": "compliance_scale",
    "unit": "unit",
    "latency": "xdist_latency",
    "prowler": "prowler",
}
TARGETS = {
    "scan_vs_naive_cold": ("<=", 0.3),
    "scan_vs_naive_warm": ("<=", 0.15),
    "scaling_time_ratio_10x": ("<=", "min(resource ratio, 10)"),
    "xdist_ratio": ("<=", 0.65),
    "fleet_6_vs_1": ("<=", 3.5),
    "gate_warm_vs_naive_cold": ("<=", 0.6),
    "compliance_per_resource_10x": ("<=", 1.2),
    "xdist_ratio_latency": ("<=", 0.6),
    "prowler_time_ratio": ("<=", 0.1),
}


def log(message: str) -> None:
    print(f"[bench {dt.datetime.now():%H:%M:%S}, load {load_average()[0]:.2f}] {message}", flush=True)


def checked(measured: Run, log_file: Path, allowed: tuple[int, ...] = (0,)) -> Run:
    """``measured`` if it exited with an allowed code; RuntimeError naming the log otherwise (a failed run times nothing)."""
    if measured.returncode not in allowed:
        raise RuntimeError(f"{measured.label} exited {measured.returncode}; see {log_file}")
    return measured


# -- scan vs the naive chain ----------------------------------------------------------------------


def naive_chain(ws: Workspace, synth: list[str], env: dict[str, str], logs: Path) -> dict[str, Any]:
    """``cdk synth``, then ``cfn-lint`` on every template, then ``checkov -d``: three processes, one after another."""
    ws.clean("naive.out")
    parts = [run("synth", synth, cwd=ws.root, env=env, log=logs / "naive.log")]
    templates = sorted(str(p) for p in (ws.root / "naive.out").glob("*.template.json"))
    if parts[0].returncode != 0 or not templates:
        raise RuntimeError(f"the naive synth failed (exit {parts[0].returncode}); see {logs / 'naive.log'}")
    parts.append(run("cfn-lint", [ws.bin("cfn-lint"), *templates], cwd=ws.root, env=env, log=logs / "naive.log"))
    parts.append(run("checkov", [ws.bin("checkov"), "-d", "naive.out"], cwd=ws.root, env=env, log=logs / "naive.log"))
    # cfn-lint's exit code is a bit mask of what it found (2 errors, 4 warnings, 8 infos); 1 is its own failure.
    # checkov exits 1 on failed checks. Anything else means the tool did not run through.
    if parts[1].returncode & 1 or parts[2].returncode not in (0, 1):
        raise RuntimeError(
            f"cfn-lint exited {parts[1].returncode}, checkov {parts[2].returncode}; see {logs / 'naive.log'}"
        )
    return {
        "seconds": round(sum(p.seconds for p in parts), 3),
        "templates": len(templates),
        "parts": [p.to_dict() for p in parts],
    }


def naive_synth(ws: Workspace, logs: Path) -> tuple[list[str], dict[str, str], str]:
    """(argv, environment, description) of the naive chain's synthesis.

    ``npx cdk synth`` with the CLI package.json pins (``npm install`` first); when npm cannot
    install it, what ``cdk synth`` runs without the CLI: the app, with CDK_OUTDIR and
    CDK_CONTEXT_JSON (cdk.json's context and the CLI's defaults).
    """
    try:
        ws.npm_install(logs / "npm.log")
        return (
            ["npx", "--no", "cdk", "synth", "-q", "--no-notices", "-o", "naive.out"],
            ws.env,
            "npx cdk synth (aws-cdk CLI as package.json pins it)",
        )
    except (OSError, subprocess.SubprocessError) as exc:
        log(f"npm install failed ({exc}); the naive chain synthesizes with the app's python instead")
    from stackcheck.assembly import CLI_CONTEXT_DEFAULTS, load_cdk_json

    context = {**CLI_CONTEXT_DEFAULTS, **(load_cdk_json(ws.root).get("context") or {})}
    env = {**ws.env, "CDK_OUTDIR": str(ws.root / "naive.out"), "CDK_CONTEXT_JSON": json.dumps(context)}
    return [ws.bin("python"), "-m", "infra.app"], env, "python -m infra.app with CDK_OUTDIR and CDK_CONTEXT_JSON"


def bench_naive(ws: Workspace, rounds: int, logs: Path) -> dict[str, Any]:
    """Rounds of naive chain, cold ``make scan`` (no cloud assembly, no findings cache), warm ``make scan``."""
    synth, env, how = naive_synth(ws, logs)
    scan_cmd = ws.make("scan")
    log("warming up: one naive chain, one make scan")
    naive_chain(ws, synth, env, logs)
    checked(run("warm-up", scan_cmd, cwd=ws.root, env=ws.env, log=logs / "scan.log"), logs / "scan.log")
    records = []
    for index in range(rounds):
        order = alternate(["naive", "ours"], index)
        record: dict[str, Any] = {"order": order}
        for side in order:
            if side == "naive":
                record["naive"] = naive_chain(ws, synth, env, logs)
            else:
                ws.clean("cdk.out", ".stackcheck", "reports")
                for kind in ("cold", "warm"):
                    record[kind] = checked(
                        run(f"make scan ({kind})", scan_cmd, cwd=ws.root, env=ws.env, log=logs / "scan.log"),
                        logs / "scan.log",
                    ).to_dict()
        record["ratio_cold"] = round(record["cold"]["seconds"] / record["naive"]["seconds"], 4)
        record["ratio_warm"] = round(record["warm"]["seconds"] / record["naive"]["seconds"], 4)
        log(
            f"round {index + 1}/{rounds}: naive {record['naive']['seconds']:.2f}s, cold {record['cold']['seconds']:.2f}s, "
            f"warm {record['warm']['seconds']:.2f}s"
        )
        records.append(record)
    naive = [r["naive"]["seconds"] for r in records]
    labels = [p["label"] for p in records[0]["naive"]["parts"]]
    medians = {
        "naive": statistics.median(naive),
        "cold": statistics.median(r["cold"]["seconds"] for r in records),
        "warm": statistics.median(r["warm"]["seconds"] for r in records),
    }
    for label in labels:
        medians[f"naive.{label}"] = statistics.median(
            next(q["seconds"] for q in r["naive"]["parts"] if q["label"] == label) for r in records
        )
    return {
        "naive_chain": [how, "cfn-lint <every template>", "checkov -d <cloud assembly>"],
        "ours": "make scan: stackcheck scan --synth (synthesis with cdk-nag in a subprocess, the scanners loading in the scan process meanwhile and its forked workers inheriting them; cfn-lint, checkov, cdk-nag, "
        "the policy pack, the ledger, JSON/SARIF/Markdown reports)",
        "cold_means": "no cdk.out and no .stackcheck (findings cache) before each cold run; the jsii package cache "
        "(~/.cache/aws/jsii) and the OS page cache stay warm for both chains",
        "warm_means": "right after that cold run, infra unchanged",
        "exit_codes_ours": sorted({r[k]["returncode"] for r in records for k in ("cold", "warm")}),
        "scan_vs_naive_cold": round(median_ratio([r["cold"]["seconds"] for r in records], naive), 4),
        "scan_vs_naive_warm": round(median_ratio([r["warm"]["seconds"] for r in records], naive), 4),
        "median_seconds": {k: round(v, 3) for k, v in medians.items()},
        "rounds": records,
    }


# -- scaling with the number of environments ------------------------------------------------------


def bench_scaling(ws: Workspace, rounds: int, environments: list[int], logs: Path) -> dict[str, Any]:
    """Per N: one synthesis (measured), then rounds of a scan without the findings cache, N values alternating."""
    from stackcheck.assembly import read_assembly

    ledger_text = (ws.root / "policies" / "suppressions.yaml").read_text()
    synth: dict[str, Any] = {}
    resources: dict[str, int] = {}
    for n in environments:
        out = f"scale-{n}.out"
        ws.clean(out)
        log(f"synthesizing N={n}")
        synth[str(n)] = run(
            f"synth N={n}",
            [ws.bin("stackcheck"), "synth", "-o", out, "-c", f"benchmarkEnvironments={n}"],
            cwd=ws.root,
            env=ws.env,
            log=logs / "scaling.log",
        ).to_dict()
        if synth[str(n)]["returncode"] != 0:
            raise RuntimeError(f"synthesis of N={n} failed; see {logs / 'scaling.log'}")
        resources[str(n)] = read_assembly(ws.root / out).resource_count()
        (ws.root / f"ledger-{n}.yaml").write_text(scaled_ledger(ledger_text, n))

    def scan(n: int) -> Run:
        return run(
            f"scan N={n}",
            [
                ws.bin("stackcheck"),
                "scan",
                "--assembly",
                f"scale-{n}.out",
                "--ledger",
                f"ledger-{n}.yaml",
                "--report-dir",
                f"reports-{n}",
                "--no-cache",
            ],
            cwd=ws.root,
            env=ws.env,
            log=logs / "scaling.log",
        )

    scan(environments[0])  # warm-up: page cache, bytecode
    records = []
    for index in range(rounds):
        record = {"order": alternate(environments, index)}
        for n in record["order"]:
            record[str(n)] = scan(n).to_dict()
        log(
            "round {}/{}: {}".format(
                index + 1, rounds, ", ".join(f"N={n} {record[str(n)]['seconds']:.2f}s" for n in environments)
            )
        )
        records.append(record)
    low, high = str(min(environments)), str(max(environments))
    times = {str(n): [r[str(n)]["seconds"] for r in records] for n in environments}
    return {
        "environments": environments,
        "measures": "stackcheck scan --no-cache on the synthesized assembly of N environments (policy pack, cdk-nag, "
        "ledger scaled to N, reports); synthesis measured once per N, apart",
        "resources": resources,
        "resource_ratio": round(resources[high] / resources[low], 4),
        "scaling_time_ratio": round(median_ratio(times[high], times[low]), 4),
        "median_seconds": {n: round(statistics.median(v), 3) for n, v in times.items()},
        "peak_rss_mb": {n: max(r[n]["peak_rss_mb"] for r in records) for n in times},
        "peak_tree_rss_mb": {n: max((r[n]["peak_tree_rss_mb"] or 0) for r in records) for n in times},
        "exit_codes": {n: sorted({r[n]["returncode"] for r in records}) for n in times},
        "synth": synth,
        "rounds": records,
    }


# -- the integration suite under xdist ------------------------------------------------------------


def bench_xdist(ws: Workspace, rounds: int, logs: Path) -> dict[str, Any]:
    """Deploy to a private emulator, then rounds of the post-deploy checks serially and with ``-n 2``."""
    env = {**ws.env, "STACKCHECK_STRICT": "1"}
    base = ws.integration_suite()
    commands = {"serial": [*base, "-p", "no:xdist"], "n2": [*base, "-n", "2"]}
    log("deploying the app to a private emulator")
    with ws.deployed(env, logs / "xdist.log"):
        run("warm-up", commands["serial"], cwd=ws.root, env=env, log=logs / "xdist.log")
        records = []
        for index in range(rounds):
            record = {"order": alternate(["serial", "n2"], index)}
            for side in record["order"]:
                record[side] = run(side, commands[side], cwd=ws.root, env=env, log=logs / "xdist.log").to_dict()
            record["ratio"] = round(record["n2"]["seconds"] / record["serial"]["seconds"], 4)
            log(
                f"round {index + 1}/{rounds}: serial {record['serial']['seconds']:.2f}s, -n 2 {record['n2']['seconds']:.2f}s"
            )
            records.append(record)
        floor = {
            "repeated_suite": bench_repeated_suite(ws, rounds, logs, base),
            "empty_suite": bench_empty_suite(ws, rounds, logs),
            "api_calls": bench_two_clients(ws, rounds, logs),
        }
    ratio = median_ratio([r["n2"]["seconds"] for r in records], [r["serial"]["seconds"] for r in records])
    return {
        "suite": "pytest tests/integration -m 'not outofband' (STACKCHECK_STRICT=1) against the app deployed to the "
        "embedded emulator; serial (-p no:xdist) vs -n 2",
        "xdist_ratio": round(ratio, 4),
        "median_seconds": {
            side: round(statistics.median(r[side]["seconds"] for r in records), 3) for side in ("serial", "n2")
        },
        "exit_codes": sorted({r[s]["returncode"] for r in records for s in ("serial", "n2")}),
        "rounds": records,
        "floor": floor,
    }


REPEATS = 8


def bench_repeated_suite(ws: Workspace, rounds: int, logs: Path, base: list[str]) -> dict[str, Any]:
    """The post-deploy checks ``REPEATS`` times over in one session (``--keep-duplicates``), serial vs ``-n 2``.

    ``base`` is the suite's pytest command line; its ``tests/integration`` argument is repeated.
    """
    index = base.index("tests/integration")
    argv = [*base[:index], *["tests/integration"] * REPEATS, "--keep-duplicates", *base[index + 1 :]]
    env = {**ws.env, "STACKCHECK_STRICT": "1"}
    commands = {"serial": [*argv, "-p", "no:xdist"], "n2": [*argv, "-n", "2"]}
    records = []
    for round_index in range(rounds):
        record: dict[str, Any] = {"order": alternate(["serial", "n2"], round_index)}
        for side in record["order"]:
            record[side] = checked(
                run(f"x{REPEATS} {side}", commands[side], cwd=ws.root, env=env, log=logs / "xdist.log"),
                logs / "xdist.log",
            ).to_dict()
        record["ratio"] = round(record["n2"]["seconds"] / record["serial"]["seconds"], 4)
        records.append(record)
    ratio = median_ratio([r["n2"]["seconds"] for r in records], [r["serial"]["seconds"] for r in records])
    medians = {side: round(statistics.median(r[side]["seconds"] for r in records), 3) for side in ("serial", "n2")}
    log(f"suite x{REPEATS}: serial {medians['serial']:.2f}s, -n 2 {medians['n2']:.2f}s, ratio {ratio:.2f}")
    return {"repeats": REPEATS, "median_seconds": medians, "ratio": round(ratio, 4), "rounds": records}


EMPTY_SUITE_TESTS = 54  # as many tests as the post-deploy suite runs under xdist


def bench_empty_suite(ws: Workspace, rounds: int, logs: Path) -> dict[str, Any]:
    """What ``-n 2`` costs by itself: ``EMPTY_SUITE_TESTS`` tests that do nothing, serial vs ``-n 2``, alternating."""
    folder = ws.root / "bench-empty-suite"
    folder.mkdir(exist_ok=True)
    (folder / "test_empty.py").write_text(
        f"import pytest\n\n\n@pytest.mark.parametrize('index', range({EMPTY_SUITE_TESTS}))\n"
        "def test_nothing(index):\n    assert index >= 0\n"
    )
    base = [ws.bin("python"), "-m", "pytest", str(folder / "test_empty.py"), "-q", "-p", "no:cacheprovider"]
    commands = {"serial": [*base, "-p", "no:xdist"], "n2": [*base, "-n", "2"]}
    records = []
    for index in range(rounds):
        record = {"order": alternate(["serial", "n2"], index)}
        for side in record["order"]:
            record[side] = checked(
                run(f"empty {side}", commands[side], cwd=ws.root, env=ws.env, log=logs / "xdist.log"),
                logs / "xdist.log",
            ).to_dict()
        records.append(record)
    medians = {side: statistics.median(r[side]["seconds"] for r in records) for side in ("serial", "n2")}
    log(f"empty suite: serial {medians['serial']:.2f}s, -n 2 {medians['n2']:.2f}s")
    return {
        "tests": EMPTY_SUITE_TESTS,
        "median_seconds": {k: round(v, 3) for k, v in medians.items()},
        "fixed_cost_seconds": round(statistics.median(r["n2"]["seconds"] - r["serial"]["seconds"] for r in records), 3),
        "rounds": records,
    }


def bench_two_clients(ws: Workspace, rounds: int, logs: Path, calls_rounds: int = 20) -> dict[str, Any]:
    """The same calls from one process, then split over two at once (``bench.xdist_floor``), alternating.

    Each side replays ``calls_rounds`` rounds of ``bench.xdist_floor.CALLS`` in total; only the
    calls are timed (clients made first, a common start instant). ``ratio`` is the median of the
    per-pair ratios two-processes wall / one-process wall.
    """
    from bench.xdist_floor import CALLS

    record_path = ws.root / "cfn-outputs" / "target.json"
    target = json.loads(record_path.read_text())
    env = {**ws.env, "PYTHONPATH": str(REPO)}

    def replay(processes: int) -> float:
        start_at = time.time() + 4.0  # after every process has made its clients
        argv = [
            ws.bin("python"),
            "-m",
            "bench.xdist_floor",
            "--endpoint",
            target["endpoint_url"],
            "--region",
            target["region"],
            "--rounds",
            str(calls_rounds // processes),
            "--start-at",
            str(start_at),
        ]
        children = [
            subprocess.Popen(argv, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(processes)
        ]
        answers = []
        for child in children:
            out, err = child.communicate(timeout=600)
            if child.returncode != 0:
                raise RuntimeError(f"bench.xdist_floor exited {child.returncode}: {err.strip()[-2000:]}")
            answers.append(json.loads(out))
        late = max(a["started"] for a in answers) - start_at
        if late > 0.2:
            raise RuntimeError(f"a replaying process started {late:.2f}s late; the processes did not overlap")
        return max(a["ended"] for a in answers) - min(a["started"] for a in answers)

    records = []
    for index in range(rounds):
        record: dict[str, Any] = {"order": alternate(["one", "two"], index)}
        for side in record["order"]:
            record[side] = round(replay(1 if side == "one" else 2), 3)
        record["ratio"] = round(record["two"] / record["one"], 4)
        records.append(record)
    ratio = median_ratio([r["two"] for r in records], [r["one"] for r in records])
    log(f"two clients against one: ratio {ratio:.2f} ({calls_rounds * len(CALLS)} calls a side)")
    return {
        "calls": calls_rounds * len(CALLS),
        "mix": [f"{service}:{method}" for service, method, _ in CALLS],
        "median_seconds": {side: round(statistics.median(r[side] for r in records), 3) for side in ("one", "two")},
        "ratio": round(ratio, 4),
        "rounds": records,
    }


# -- results --------------------------------------------------------------------------------------


def verdicts(results: dict[str, Any]) -> dict[str, Any]:
    """Each headline figure against its target: ``{key: {value, target, met}}`` (met None when not measured)."""
    found = {}
    for key, (_, limit) in TARGETS.items():
        value = results.get(key)
        if key == "scaling_time_ratio_10x":
            ratio = (results.get("scaling") or {}).get("resource_ratio")
            limit = min(ratio, 10.0) if ratio else None
        met = None if value is None or limit is None else value <= limit
        found[key] = {"value": value, "target": f"<= {limit}" if limit is not None else TARGETS[key][1], "met": met}
    return found


def git_state() -> dict[str, Any]:
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=REPO, capture_output=True, text=True).stdout.strip()

    return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--untracked-files=no"))}


def main(argv: list[str] | None = None) -> int:
    """Run the chosen sections, merge them into bench/results.json, redraw the plot and RESULTS.md; 0 on success."""
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--rounds", type=int, default=5, help="pairs per comparison (default 5; at least 5 for the record)"
    )
    parser.add_argument(
        "--sections",
        default=",".join(DEFAULT_SECTIONS),
        help=f"comma-separated subset of {','.join(SECTIONS)} (default: all but prowler)",
    )
    parser.add_argument("--environments", default="1,3,10", help="N values of the scaling section (default 1,3,10)")
    parser.add_argument("--workdir", default=None, help="where the private copy of the app goes (default: a temp dir)")
    parser.add_argument(
        "--unit-junit",
        default=None,
        help="section unit: read this JUnit file (e.g. reports/unit.xml of `make test`) instead of running the suite",
    )
    parser.add_argument("--output", default=str(RESULTS), help=f"results file (default {RESULTS.relative_to(REPO)})")
    args = parser.parse_args(argv)
    sections = [s for s in args.sections.split(",") if s]
    if unknown := set(sections) - set(SECTIONS):
        parser.error(f"unknown sections {sorted(unknown)}; choose from {','.join(SECTIONS)}")
    environments = sorted({int(n) for n in args.environments.split(",")})
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="stackcheck-bench-"))
    ws = Workspace(REPO, workdir / "app").create()
    logs = workdir / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    output = Path(args.output)
    output.parent.mkdir(parents=True, exist_ok=True)
    results: dict[str, Any] = json.loads(output.read_text()) if output.is_file() else {}
    started_load = load_average()
    log(f"workspace {ws.root}, logs {logs}, sections {sections}, {args.rounds} rounds")
    if "naive" in sections:
        results["scan_vs_naive"] = bench_naive(ws, args.rounds, logs)
        results["scan_vs_naive_cold"] = results["scan_vs_naive"]["scan_vs_naive_cold"]
        results["scan_vs_naive_warm"] = results["scan_vs_naive"]["scan_vs_naive_warm"]
    if "scaling" in sections:
        results["scaling"] = bench_scaling(ws, args.rounds, environments, logs)
        results["scaling_time_ratio_10x"] = results["scaling"]["scaling_time_ratio"]
    if "xdist" in sections:
        results["xdist"] = bench_xdist(ws, args.rounds, logs)
        results["xdist_ratio"] = results["xdist"]["xdist_ratio"]
    if "fleet" in sections:
        results["fleet"] = bench_fleet(REPO, workdir / "fleet", ws.root / "policies", args.rounds, logs)
        results["fleet_6_vs_1"] = results["fleet"]["fleet_6_vs_1"]
    # The gate and live compliance at scale run this tree's stackcheck (the venv's may be another checkout's).
    tree_env = {**ws.env, "PYTHONPATH": os.pathsep.join(filter(None, [str(REPO), ws.env.get("PYTHONPATH")]))}
    if "gate" in sections:
        synth, env, how = naive_synth(ws, logs)
        results["gate"] = bench_gate(
            ws,
            args.rounds,
            logs,
            lambda: naive_chain(ws, synth, env, logs),
            how,
            {**tree_env, "STACKCHECK_STRICT": "1"},
        )
        results["gate_warm_vs_naive_cold"] = results["gate"]["gate_warm_vs_naive_cold"]
    if "compliance" in sections:
        results["compliance_scale"] = bench_compliance_scale(ws, args.rounds, logs, tree_env, max(environments))
        results["compliance_per_resource_10x"] = results["compliance_scale"]["compliance_per_resource_10x"]
        results["drift_per_resource_10x"] = results["compliance_scale"]["drift_per_resource_10x"]
    if "latency" in sections:
        results["xdist_latency"] = bench_latency(ws, args.rounds, logs)
        results["xdist_ratio_latency"] = results["xdist_latency"]["xdist_ratio_latency"]
    if "unit" in sections:
        results["unit"] = bench_unit(REPO, logs, Path(args.unit_junit) if args.unit_junit else None)
    status = 0
    if "prowler" in sections:
        results["prowler"] = bench_prowler(ws, logs, tree_env, workdir)
        results["prowler_time_ratio"] = results["prowler"].get("prowler_time_ratio")
        if "unavailable" in results["prowler"]:
            log(f"prowler: not measured: {results['prowler']['unavailable']}")
            status = 1
    stamp = {
        "generated": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "sections_run": sections,
        "rounds": args.rounds,
        "machine": machine(),
        "load": {
            "start": [round(x, 2) for x in started_load],
            "end": [round(x, 2) for x in load_average()],
            "note": "os.getloadavg() (1, 5, 15 minutes) at the start and end of this run; each raw timing "
            "carries the 1-minute load before and after it",
        },
        "git": git_state(),
    }
    # A run of fewer sections than the file's stamp covers keeps that stamp; its sections carry their own.
    if set(sections) >= set(results.get("sections_run") or ()):
        results.update({"schema": "stackcheck.bench/1", **stamp})
    else:
        for section in sections:
            results[SECTION_KEYS[section]]["run"] = stamp
    results["targets"] = verdicts(results)
    output.write_text(json.dumps(results, indent=2, sort_keys=True) + "\n")
    from bench.report import write_plot, write_summary

    plot = write_plot(results, output.parent / PLOT.name)
    if plot is None and "scaling" not in sections and (output.parent / PLOT.name).is_file():
        plot = output.parent / PLOT.name  # the plot of the scaling data kept in the file
    summary = write_summary(results, output.parent / SUMMARY.name, plot)
    for key, verdict in results["targets"].items():
        log(
            f"{key}: {verdict['value']} (target {verdict['target']}): "
            f"{'met' if verdict['met'] else 'NOT MET' if verdict['met'] is False else 'not measured'}"
        )
    log(f"wrote {output}, {plot or '(no plot: matplotlib missing or no scaling data)'}, {summary}")
    if not args.workdir:
        shutil.rmtree(workdir / "app", ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
