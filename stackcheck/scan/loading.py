"""Loading scanners (cfn-lint, checkov, cdk-nag, the organisation's policies) once per process, or deferred to the worker processes that run them."""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from stackcheck.errors import ScannerError
from stackcheck.findings import Finding, RuleDoc
from stackcheck.scan.base import Scanner, StackContext

if TYPE_CHECKING:  # pragma: no cover
    from stackcheck.scan.cache import FindingsCache


def scanner_tools(*, cdk_nag: bool = False, policies: str | os.PathLike[str] | None = "policies") -> tuple[str, ...]:
    """Tool names ``load_scanners`` gives for these arguments, in its order, without loading anything."""
    tools = ("cfn-lint", "checkov") + (("stackcheck-assembly",) if policies is not None else ())
    return tools + (("cdk-nag",) if cdk_nag else ())


def findings_cache(
    directory: str | os.PathLike[str] | None = None,
    regions: Sequence[str] | None = None,
    *,
    cdk_nag: bool = False,
    policies: str | os.PathLike[str] | None = "policies",
) -> FindingsCache:
    """The findings cache in ``directory`` (default ``.stackcheck/cache``) for the scanners ``load_scanners`` gives.

    Reads tool versions and hashes the policy pack; imports no scanner.
    """
    from stackcheck.scan.cache import DEFAULT_CACHE_DIR, FindingsCache, scan_setup

    setup = scan_setup(
        scanner_tools(cdk_nag=cdk_nag, policies=policies), regions=tuple(regions or ()), policies=policies
    )
    return FindingsCache(DEFAULT_CACHE_DIR if directory is None else directory, setup=setup)


ASSEMBLY_ONLY_TOOLS = frozenset({"cdk-nag"})
"""Tools with nothing to say about a template outside a cloud assembly (``--template`` scans leave them out)."""


def load_scanners(
    regions: Sequence[str] | None = None,
    *,
    cdk_nag: bool = False,
    policies: str | os.PathLike[str] | None = "policies",
    cache: FindingsCache | None = None,
    defer: bool = False,
) -> tuple[Scanner, ...]:
    """cfn-lint and checkov adapters, each loading its tool and registry once (the slow part).

    ``cdk_nag=True`` appends the cdk-nag adapter, which reads the reports cdk-nag wrote into a
    cloud assembly at synthesis (it has nothing to say about a lone template).
    ``policies`` is the policy pack folder (relative to the working directory): its
    ``cfn_lint/`` rules are appended to cfn-lint, its ``checkov/`` checks loaded into checkov
    (for the rest of the process: checkov's registry is global), and its ``assembly/`` rules
    run as one more scanner (see stackcheck.scan.custom and stackcheck.scan.assembly_rules);
    None leaves the pack out.
    Adapters are reusable, so each is cached per arguments for the life of the process.
    With ``cache`` (made by ``findings_cache`` for the same arguments) holding what the
    scanners told about themselves last time (tool, version, rule ids), the result is
    DeferredScanners, which load a tool only when a template has to be scanned; with
    ``defer=True`` they are DeferredScanners even without it (they learn it from the worker
    processes that load them, or load here when asked first). Otherwise the tools load here,
    and ``cache`` gets their registry.
    Raises ScannerError (exit code 3) when a scanner cannot be imported or loaded at all.
    """
    pack = str(Path(policies).resolve()) if policies is not None else None
    tools = scanner_tools(cdk_nag=cdk_nag, policies=policies)
    loaders = [functools.partial(_load_tool, tool, tuple(regions or ()), pack) for tool in tools]
    if cache is not None:
        registry = cache.get_registry()
        if registry is not None and tuple(info.get("tool") for info in registry) == tools:
            try:
                return tuple(
                    DeferredScanner(tool, load, info, remembered=True)
                    for tool, load, info in zip(tools, loaders, registry, strict=False)
                )
            except (KeyError, TypeError, ValueError):
                pass  # a registry that does not fit: as if there were none
    if defer:
        return tuple(DeferredScanner(tool, load) for tool, load in zip(tools, loaders, strict=False))
    scanners = tuple(load() for load in loaders)
    if cache is not None:
        cache.put_registry([describe_scanner(s) for s in scanners])
    return scanners


def remember_scanners(cache: FindingsCache, scanners: Sequence[Scanner]) -> None:
    """Store what ``scanners`` told about themselves in ``cache``, unless it came from there.

    Call after a scan with DeferredScanners made with ``defer=True``: by then they know.
    """
    if not all(isinstance(s, DeferredScanner) and s.remembered for s in scanners):
        cache.put_registry([describe_scanner(s) for s in scanners])


def describe_scanner(scanner: Scanner) -> dict[str, Any]:
    """What a DeferredScanner needs to stand in for ``scanner``: tool, version, reports_passes, rule_ids, ... (JSON-ready)."""
    if isinstance(scanner, DeferredScanner):
        return scanner.info()
    info: dict[str, Any] = {
        "tool": scanner.tool,
        "version": str(scanner.version),
        "reports_passes": bool(scanner.reports_passes),
        "rule_ids": sorted(scanner.rule_ids()),
        "assembly_only": bool(getattr(scanner, "assembly_only", False)),
    }
    describe = getattr(scanner, "rule_description", None)
    if describe is not None:
        info["descriptions"] = {rule_id: describe(rule_id) for rule_id in info["rule_ids"]}
    document = getattr(scanner, "rule_doc", None)
    if document is not None:
        docs = {rule_id: document(rule_id) for rule_id in info["rule_ids"]}
        info["docs"] = {rule_id: doc.to_dict() for rule_id, doc in docs.items() if doc is not None}
    return info


class DeferredScanner:
    """A scanner whose tool loads only when a template has to be scanned (or its registry is asked for and unknown).

    ``info`` is what ``describe_scanner`` said about the real one (from the findings cache, or
    learned from a worker process with ``learn``); while it is unknown, ``version``,
    ``reports_passes`` and ``rule_ids()`` load the tool here. ``load()`` returns the real adapter
    (once per process); ``rule_description`` answers from ``info``, so reports never need the tool.
    Raises ValueError from the constructor or ``learn`` when ``info`` is malformed.
    """

    def __init__(
        self, tool: str, load: Callable[[], Scanner], info: Mapping[str, Any] | None = None, *, remembered: bool = False
    ):
        self.tool = tool
        self.assembly_only = tool in ASSEMBLY_ONLY_TOOLS
        self.remembered = remembered
        self._load = load
        self._scanner: Scanner | None = None
        self._info: dict[str, Any] | None = None
        if info is not None:
            self.learn(info)

    def learn(self, info: Mapping[str, Any]) -> None:
        """Take ``info`` (``describe_scanner`` of the real scanner) as this scanner's registry."""
        ids, descriptions = info["rule_ids"], info.get("descriptions") or {}
        if (
            info["tool"] != self.tool
            or not isinstance(info["version"], str)
            or not isinstance(info["reports_passes"], bool)
            or not isinstance(ids, list)
            or not all(isinstance(i, str) for i in ids)
            or not isinstance(descriptions, dict)
            or not isinstance(info.get("docs") or {}, dict)
        ):
            raise ValueError(f"malformed registry entry for {self.tool}")
        try:
            docs = {rule_id: RuleDoc.from_dict(doc) for rule_id, doc in (info.get("docs") or {}).items()}
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"malformed rule documentation in the registry entry for {self.tool}: {exc}") from None
        self._docs = docs
        self._info = {**info, "rule_ids": sorted(ids), "descriptions": dict(descriptions)}
        self._rule_ids = frozenset(ids)

    @property
    def known(self) -> bool:
        """True once the registry is known (stored, learned, or loaded here)."""
        return self._info is not None

    def info(self) -> dict[str, Any]:
        """``describe_scanner`` of the real scanner (loading it here if nothing told it yet)."""
        if self._info is None:
            self.learn(describe_scanner(self.load()))
        assert self._info is not None
        return dict(self._info)

    @property
    def version(self) -> str:
        """The tool's version."""
        return self.info()["version"]

    @property
    def reports_passes(self) -> bool:
        """Whether the tool reports passed checks."""
        return self.info()["reports_passes"]

    def rule_ids(self) -> frozenset[str]:
        """Every rule id the tool can report."""
        self.info()
        return self._rule_ids

    def rule_description(self, rule_id: str) -> str | None:
        """The tool's own description of ``rule_id`` when it gives one (cdk-nag does), else None."""
        return self.info().get("descriptions", {}).get(rule_id)

    def rule_doc(self, rule_id: str) -> RuleDoc | None:
        """What the real scanner's ``rule_doc`` said about ``rule_id`` (None when it has none)."""
        self.info()
        return self._docs.get(rule_id)

    def load(self) -> Scanner:
        """The real adapter; ScannerError when it cannot load."""
        if self._scanner is None:
            self._scanner = self._load()
        return self._scanner

    def scan_template(self, template_path: Path, stack_context: StackContext) -> list[Finding]:
        """Load the tool if needed, then scan as the real adapter does."""
        return self.load().scan_template(template_path, stack_context)


def loaded(scanner: Scanner) -> Scanner:
    """The scanner itself: a DeferredScanner loaded (in this process), any other scanner as it is."""
    return scanner.load() if isinstance(scanner, DeferredScanner) else scanner


def _load_tool(tool: str, regions: tuple[str, ...], policies: str | None) -> Scanner:
    # cfn-lint's registry depends on the regions; the other tools' do not (and checkov's is global).
    return _load_tool_cached(tool, regions if tool == "cfn-lint" else (), policies)


@functools.lru_cache(maxsize=16)
def _load_tool_cached(tool: str, regions: tuple[str, ...], policies: str | None) -> Scanner:
    try:
        if tool == "cdk-nag":
            from stackcheck.scan.cdk_nag import CdkNagScanner

            return CdkNagScanner()
        if tool == "stackcheck-assembly" and policies is not None:
            from stackcheck.scan.assembly_rules import AssemblyRuleScanner

            return AssemblyRuleScanner(Path(policies) / "assembly")
        if tool == "cfn-lint":
            from stackcheck.scan.cfn_lint import CfnLintScanner

            # No regions given: the project's .cfnlintrc regions, else cfn_lint.DEFAULT_REGIONS.
            if policies is None:
                return CfnLintScanner(regions or None)
            from stackcheck.scan.custom import PolicyCfnLintScanner

            return PolicyCfnLintScanner(regions or None, policies)
        if tool == "checkov":
            from stackcheck.scan.checkov import CheckovScanner

            _sequential_checkov_parsing()
            if policies is None:
                return CheckovScanner()
            from stackcheck.scan.custom import PolicyCheckovScanner

            return PolicyCheckovScanner(policies)
    except ScannerError:
        raise
    except Exception as exc:
        raise ScannerError(f"cannot load the scanners: {type(exc).__name__}: {exc}") from exc
    raise ScannerError(f"no scanner {tool!r} (policies {policies!r})")


def _sequential_checkov_parsing() -> None:
    """Have checkov parse in this process: the adapter hands it one template per run.

    By default checkov forks worker processes to parse the files of a run; for one file the
    fork and the pickling of the parsed template back cost more than parsing (about a third
    of checkov's time per template here). Parallelism across templates is the runner's job.
    """
    from checkov.common.models.enums import ParallelizationType
    from checkov.common.parallelizer.parallel_runner import parallel_runner

    parallel_runner.type = ParallelizationType.NONE
