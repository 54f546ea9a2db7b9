"""Findings cache: same findings with and without it, invalidation by template/tool/pack, corrupt entries never trusted."""

from __future__ import annotations

import json
import os
import shutil
import time
from pathlib import Path

import pytest

from stackcheck.findings import Finding, Severity, Status
from stackcheck.scan.base import StackContext
from stackcheck.scan.cache import FindingsCache, _canonical, _sha256, scan_setup
from stackcheck.scan.runner import DeferredScanner, contexts_from_assembly, contexts_from_files, load_scanners, scan


def view(result):
    """Everything a finding says, in scan order, plus the unit order: what must not change."""
    return [f.to_dict() for f in result.findings], [(u.tool, u.stack, u.crashed) for u in result.units]


@pytest.fixture
def setup():
    return {"format": 1, "tools": {"cfn-lint": "1", "checkov": "3"}, "policies": None}


@pytest.fixture
def copies(templates, tmp_path):
    """The two S3 fixture templates copied into tmp_path (so tests may edit them)."""
    paths = []
    for name in ("s3_public_unencrypted.yaml", "s3_private_encrypted.yaml"):
        paths.append(tmp_path / name)
        shutil.copy(templates / name, paths[-1])
    return paths


def test_findings_are_identical_without_cache_on_a_miss_and_on_a_hit(scanners, copies, tmp_path, setup):
    contexts = contexts_from_files(copies)
    plain = scan(contexts, scanners)
    cache = FindingsCache(tmp_path / "cache", setup=setup)
    missed = scan(contexts, scanners, cache=cache)
    hit = scan(contexts, scanners, cache=FindingsCache(tmp_path / "cache", setup=setup))
    assert view(plain) == view(missed) == view(hit)
    assert {f.fingerprint for f in hit.findings} == {f.fingerprint for f in plain.findings}
    assert [u.cached for u in missed.units] == [False] * 4
    assert [u.cached for u in hit.units] == [True] * 4
    assert (cache.hits, cache.misses) == (0, 4)
    assert hit.timings["scan.cfn-lint"] == hit.timings["scan.checkov"] == 0
    assert hit.slowest_rules() == []
    assert (tmp_path / "cache" / ".gitignore").read_text().splitlines()[-1] == "*"


def test_editing_one_template_reruns_only_its_units(scanners, copies, tmp_path, setup):
    scan(contexts_from_files(copies), scanners, cache=FindingsCache(tmp_path / "cache", setup=setup))
    copies[1].write_text(copies[1].read_text() + "\n# edited: only the bytes change\n")
    again = scan(contexts_from_files(copies), scanners, cache=FindingsCache(tmp_path / "cache", setup=setup))
    assert [(u.stack, u.tool, u.cached) for u in again.units] == [
        ("s3_public_unencrypted", "cfn-lint", True),
        ("s3_public_unencrypted", "checkov", True),
        ("s3_private_encrypted", "cfn-lint", False),
        ("s3_private_encrypted", "checkov", False),
    ]
    assert view(again) == view(scan(contexts_from_files(copies), scanners))


def pack(root: Path) -> Path:
    (root / "pack" / "cfn_lint").mkdir(parents=True)
    (root / "pack" / "cfn_lint" / "RuleA.py").write_text("A = 1\n")
    return root / "pack"


# (what changes, how) → the unit key of cfn-lint on the template must change (True) or stay (False).
KEY_CASES = {
    "template bytes": (lambda ctx, p: ctx["template"].write_text(ctx["template"].read_text() + "\n# edit\n"), True),
    "tool version": (lambda ctx, p: ctx["tools"].update({"cfn-lint": "2"}), True),
    "pack file edited": (lambda ctx, p: (p / "cfn_lint" / "RuleA.py").write_text("A = 2\n"), True),
    "pack file added": (lambda ctx, p: (p / "cfn_lint" / "RuleB.py").write_text("B = 1\n"), True),
    "pack bytecode only": (
        lambda ctx, p: (
            (p / "cfn_lint" / "__pycache__").mkdir()
            or (p / "cfn_lint" / "__pycache__" / "RuleA.cpython-311.pyc").write_bytes(b"x")
        ),
        False,
    ),
    "regions": (lambda ctx, p: ctx.update({"regions": ["eu-west-1"]}), True),
    "construct paths": (lambda ctx, p: ctx.update({"paths": {"Bucket": "/Other/Bucket/Resource"}}), True),
    "stack id": (lambda ctx, p: ctx.update({"stack": "renamed"}), True),
    "ledger edited": (lambda ctx, p: (p.parent / "suppressions.yaml").write_text("[]\n"), False),
    "nothing": (lambda ctx, p: None, False),
}


@pytest.mark.parametrize("case", sorted(KEY_CASES))
def test_unit_key_changes_exactly_when_what_decides_the_findings_changes(case, copies, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = pack(tmp_path)

    def key(ctx):
        setup = scan_setup(["cfn-lint", "checkov"], regions=ctx["regions"], policies=folder)
        setup["tools"].update(ctx["tools"])
        context = StackContext(stack=ctx["stack"], template_file=ctx["template"], construct_paths=ctx["paths"])
        return FindingsCache(tmp_path / "cache", setup=setup).unit_key("cfn-lint", context)

    ctx = {"template": copies[0], "tools": {}, "regions": ["us-east-1"], "paths": {}, "stack": "s3_public_unencrypted"}
    before = key(ctx)
    change, changes_key = KEY_CASES[case]
    change(ctx, folder)
    assert (key(ctx) != before) is changes_key


def test_setup_reads_tool_versions_without_importing_the_tools(tmp_path, monkeypatch):
    from importlib import metadata

    monkeypatch.chdir(tmp_path)
    setup = scan_setup(["cfn-lint", "checkov", "cdk-nag", "stackcheck-assembly"], policies=None)
    assert setup["tools"] == {
        "cfn-lint": metadata.version("cfn-lint"),
        "checkov": metadata.version("checkov"),
        "cdk-nag": metadata.version("cdk-nag"),
        "stackcheck-assembly": metadata.version("stackcheck"),
    }
    (tmp_path / ".cfnlintrc").write_text("regions: [eu-west-1]\n")
    assert scan_setup(["cfn-lint"], policies=None)["cfn_lint_settings"] != setup["cfn_lint_settings"]


def test_assembly_scoped_tools_are_keyed_on_every_stack_of_the_assembly(templates, tmp_path, setup):
    shutil.copytree(templates / "assembly", tmp_path / "assembly")
    source, target = contexts_from_assembly(tmp_path / "assembly")

    def keys():
        cache = FindingsCache(tmp_path / "cache", setup=setup)
        return {
            tool: cache.unit_key(tool, source) for tool in ("cfn-lint", "checkov", "cdk-nag", "stackcheck-assembly")
        }

    before = keys()
    template = Path(target.template_file)
    template.write_text(template.read_text().replace("{", '{"Description": "edited",', 1))
    after = keys()
    assert {tool for tool in before if before[tool] != after[tool]} == {"cdk-nag", "stackcheck-assembly"}
    (tmp_path / "assembly" / "AwsSolutions-TapStackTestSource-NagReport.json").write_text('{"lines": []}')
    assert {tool for tool, k in keys().items() if k != after[tool]} == {"cdk-nag", "stackcheck-assembly"}


def entry_path(cache: FindingsCache, key: str) -> Path:
    return cache.directory / "units" / key[:2] / f"{key}.json"


def tamper_digest(path: Path) -> None:
    entry = json.loads(path.read_text())
    entry["body"]["findings"][0]["message"] = "forged"
    path.write_text(json.dumps(entry))


def set_field(field, value):
    def change(path: Path) -> None:
        entry = json.loads(path.read_text())
        entry[field] = value
        path.write_text(json.dumps(entry))

    return change


def bad_status(path: Path) -> None:
    entry = json.loads(path.read_text())
    entry["body"]["findings"][0]["status"] = "MAYBE"
    entry["digest"] = _sha256(_canonical(entry["body"]))  # a well-formed entry holding a bad finding
    path.write_text(json.dumps(entry))


CORRUPTIONS = {
    "truncated": lambda path: path.write_bytes(path.read_bytes()[: len(path.read_bytes()) // 2]),
    "not json": lambda path: path.write_bytes(b"\x00\xff garbage"),
    "empty": lambda path: path.write_bytes(b""),
    "a list": lambda path: path.write_text("[1, 2]"),
    "content edited, digest kept": tamper_digest,
    "other key": set_field("key", "0" * 64),
    "other format": set_field("format", 999),
    "body not an object": set_field("body", [1]),
    "valid digest, invalid finding": bad_status,
}


@pytest.mark.parametrize("case", sorted(CORRUPTIONS))
def test_a_corrupt_entry_is_ignored_deleted_and_written_again(case, scanners, copies, tmp_path, setup):
    contexts = contexts_from_files(copies[:1])
    clean = scan(contexts, scanners, cache=FindingsCache(tmp_path / "cache", setup=setup))
    cache = FindingsCache(tmp_path / "cache", setup=setup)
    key = cache.unit_key("checkov", contexts[0])
    CORRUPTIONS[case](entry_path(cache, key))
    again = scan(contexts, scanners, cache=cache)
    assert view(again) == view(clean)
    assert [(u.tool, u.cached) for u in again.units] == [("cfn-lint", True), ("checkov", False)]
    assert (cache.hits, cache.misses, cache.rejected) == (1, 1, 1)
    rewritten = FindingsCache(tmp_path / "cache", setup=setup)
    assert rewritten.get(key) is not None and rewritten.rejected == 0


class Crashing:
    tool = "crashy"
    reports_passes = False
    version = "0"

    def rule_ids(self):
        return frozenset()

    def scan_template(self, template_path, stack_context):
        raise RuntimeError("boom")


def test_crashed_units_are_never_stored(copies, tmp_path, setup):
    contexts = contexts_from_files(copies[:1])
    cache = FindingsCache(tmp_path / "cache", setup=setup)
    first = scan(contexts, [Crashing()], cache=cache)
    second = scan(contexts, [Crashing()], cache=cache)
    assert [(u.crashed, u.cached) for u in first.units + second.units] == [(True, False), (True, False)]
    assert not (tmp_path / "cache" / "units").exists()


def test_registry_lets_a_warm_scan_skip_loading_the_tools(scanners, copies, tmp_path):
    from stackcheck.scan.runner import findings_cache

    cache = findings_cache(tmp_path / "cache", policies=None)
    loaded = load_scanners(policies=None, cache=cache)
    assert loaded == scanners  # no registry yet: the real adapters, and the registry is stored
    deferred = load_scanners(policies=None, cache=findings_cache(tmp_path / "cache", policies=None))
    assert all(isinstance(s, DeferredScanner) for s in deferred)
    assert [(d.tool, d.version, d.reports_passes, d.rule_ids()) for d in deferred] == [
        (s.tool, s.version, s.reports_passes, s.rule_ids()) for s in scanners
    ]
    contexts = contexts_from_files(copies)
    scan(contexts, scanners, cache=cache)
    warm = scan(contexts, deferred, cache=findings_cache(tmp_path / "cache", policies=None))
    assert all(u.cached for u in warm.units)
    assert all(d._scanner is None for d in deferred)  # nothing loaded
    assert view(warm) == view(scan(contexts, scanners))


def test_deferred_scanner_loads_the_real_one_on_a_miss(scanners, copies, tmp_path):
    from stackcheck.scan.runner import findings_cache

    load_scanners(policies=None, cache=findings_cache(tmp_path / "cache", policies=None))
    deferred = load_scanners(policies=None, cache=findings_cache(tmp_path / "cache", policies=None))
    result = scan(contexts_from_files(copies[:1]), deferred, cache=findings_cache(tmp_path / "cache", policies=None))
    assert [d.load() for d in deferred] == list(scanners)
    assert view(result) == view(scan(contexts_from_files(copies[:1]), scanners))


@pytest.mark.parametrize(
    "registry",
    [
        [{"tool": "cfn-lint"}],
        [
            {"tool": "cfn-lint", "version": "1", "reports_passes": "no", "rule_ids": []},
            {"tool": "checkov", "version": "3", "reports_passes": True, "rule_ids": []},
        ],
        [
            {"tool": "checkov", "version": "3", "reports_passes": True, "rule_ids": []},
            {"tool": "cfn-lint", "version": "1", "reports_passes": False, "rule_ids": []},
        ],
    ],
)
def test_a_registry_that_does_not_fit_is_not_used(registry, scanners, tmp_path):
    from stackcheck.scan.runner import findings_cache

    cache = findings_cache(tmp_path / "cache", policies=None)
    cache.put_registry(registry)
    assert load_scanners(policies=None, cache=cache) == scanners


def test_prune_removes_entries_unused_for_max_age(tmp_path, setup):
    cache = FindingsCache(tmp_path / "cache", setup=setup)
    finding = Finding(
        rule_id="E1",
        severity=Severity.ERROR,
        tool="cfn-lint",
        stack="S",
        message="m",
        status=Status.FAILED,
        template_file="t.json",
    )
    cache.put("a" * 64, [finding], {}, 0.1)
    cache.put("b" * 64, [finding], {}, 0.1)
    old = time.time() - 20 * 86400
    os.utime(entry_path(cache, "a" * 64), (old, old))
    assert cache.prune(14) == 1
    assert cache.get("a" * 64) is None
    assert cache.get("b" * 64).findings == (finding,)
