"""Rules over the whole cloud assembly (exports, imports, stack dependencies), run as one more scanner.

A rule file in ``policies/assembly/`` holds one ``AssemblyRule`` subclass (file name = class
name) whose ``evaluate(assembly)`` yields ``(stack artifact id, Verdict)`` pairs. The scanner
fits the runner's one-template-at-a-time model: the first template of an assembly makes it
read the assembly (``stackcheck.assembly.read_assembly``) and run every rule once; each
template then gets the findings about its own stack.
"""

from __future__ import annotations

import importlib.util
import inspect
import sys
from collections.abc import Iterable
from importlib import metadata
from pathlib import Path
from typing import Any

from stackcheck.errors import ScannerError
from stackcheck.findings import Finding, RuleDoc, Severity, Status
from stackcheck.scan.base import StackContext
from stackcheck.scan.policy import Outcome, Verdict

__all__ = ["TOOL", "AssemblyRule", "AssemblyRuleScanner", "load_rules", "template_line"]

TOOL = "stackcheck-assembly"
_UNRESOLVED_SEVERITY = Severity.WARNING  # as stackcheck.scan.custom.UNRESOLVED_SEVERITY
_STATUS = {Outcome.PASSED: Status.PASSED, Outcome.FAILED: Status.FAILED, Outcome.UNKNOWN: Status.UNKNOWN}


class AssemblyRule:
    """Base of a rule over the cloud assembly.

    Subclasses set ``id`` (E9xxx/W9xxx), ``outcome`` (the one-line "Ensure ..."),
    ``description`` (why), ``source_url``, ``severity`` and, optionally, ``fix`` (how to make a
    stack pass, for reports), and ``evaluate``: a function
    ``(CloudAssembly) -> Iterable[tuple[str, Verdict]]`` (stack artifact id, verdict with
    logical ID) kept at module level so other stages can call it. ``file`` is set on loading.
    """

    id: str = ""
    outcome: str = ""
    description: str = ""
    source_url: str = ""
    severity: Severity = Severity.ERROR
    fix: str = ""
    evaluate: Any = None
    file: Path = Path()


def import_rule_file(path: Path) -> Any:
    """Import a policy-pack file as module ``stackcheck_pack_<folder>_<stem>`` (registered in sys.modules).

    Raises ScannerError naming the file when it cannot be imported.
    """
    name = f"stackcheck_pack_{path.parent.name}_{path.stem}"
    spec = importlib.util.spec_from_file_location(name, path)
    if spec is None or spec.loader is None:
        raise ScannerError(f"cannot import rule file {path}")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[name]
        raise ScannerError(f"rule file {path} cannot be imported: {type(exc).__name__}: {exc}") from exc
    return module


def load_rules(directory: str | Path) -> tuple[AssemblyRule, ...]:
    """One instance of each AssemblyRule subclass defined in ``directory``'s ``*.py`` files, by id.

    Raises ScannerError naming the file when the folder is missing, a file cannot be imported,
    defines no rule, more than one, or a rule whose class name is not the file name, or when
    two rules share an id.
    """
    root = Path(directory).resolve()
    if not root.is_dir():
        raise ScannerError(f"assembly rules folder {root} does not exist")
    rules: dict[str, AssemblyRule] = {}
    for path in sorted(root.glob("[A-Za-z]*.py")):
        module = import_rule_file(path)
        name = module.__name__
        classes = [
            c
            for _, c in inspect.getmembers(module, inspect.isclass)
            if issubclass(c, AssemblyRule) and c is not AssemblyRule and c.__module__ == name
        ]
        if [c.__name__ for c in classes] != [path.stem]:
            raise ScannerError(
                f"assembly rule file {path} must define exactly one AssemblyRule subclass named "
                f"{path.stem}; found {[c.__name__ for c in classes]}"
            )
        rule = classes[0]()
        rule.file = path
        if rule.id in rules:
            raise ScannerError(f"assembly rules {rules[rule.id].file} and {path} share the id {rule.id}")
        rules[rule.id] = rule
    return tuple(rules[i] for i in sorted(rules))


class AssemblyRuleScanner:
    """The assembly rules in ``directory`` as a Scanner (tool ``stackcheck-assembly``).

    A template that is not a stack of a cloud assembly (``--template`` scans) gets no finding:
    these rules need the assembly. A rule that raises gives one UNKNOWN ERROR finding per stack.
    """

    tool = TOOL
    reports_passes = True

    def __init__(self, directory: str | Path):
        self.rules = load_rules(directory)
        try:
            self.version = metadata.version("stackcheck")
        except metadata.PackageNotFoundError:  # pragma: no cover - running from a source tree
            self.version = "unknown"
        self._cache: tuple[tuple[Any, ...], dict[str, list[Finding]]] | None = None

    def rule_ids(self) -> frozenset[str]:
        """Ids of the loaded assembly rules."""
        return frozenset(rule.id for rule in self.rules)

    def rule_doc(self, rule_id: str) -> RuleDoc | None:
        """The rule's outcome, description, source_url, severity and fix; None for an unknown id."""
        for rule in self.rules:
            if rule.id == rule_id:
                return RuleDoc(
                    rule_id=rule.id,
                    outcome=rule.outcome or rule.id,
                    description=rule.description,
                    help_url=rule.source_url or None,
                    tags=(TOOL,),
                    severity=rule.severity,
                    fix=rule.fix,
                )
        return None

    def scan_template(self, template_path: Path, stack_context: StackContext) -> list[Finding]:
        """Findings of every assembly rule about ``stack_context.stack`` (``[]`` outside an assembly).

        Raises AssemblyError when the assembly around the template is malformed.
        """
        directory = Path(template_path).resolve().parent
        if not (directory / "manifest.json").is_file():
            return []
        key = self._key(directory)
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, self._evaluate(directory))
        return list(self._cache[1].get(stack_context.stack, []))

    @staticmethod
    def _key(directory: Path) -> tuple[Any, ...]:
        stats = [(p.name, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(directory.glob("*.json"))]
        return (str(directory), tuple(stats))

    def _evaluate(self, directory: Path) -> dict[str, list[Finding]]:
        from stackcheck.assembly import read_assembly

        assembly = read_assembly(directory)
        contexts = {sid: StackContext.from_artifact(artifact) for sid, artifact in assembly.stacks.items()}
        found: dict[str, list[Finding]] = {sid: [] for sid in assembly.stacks}
        for rule in self.rules:
            try:
                verdicts = list(type(rule).evaluate(assembly))
            except Exception as exc:
                from stackcheck.scan.policy import crash_message

                for sid, context in contexts.items():
                    found[sid].append(
                        Finding(
                            rule_id=rule.id,
                            severity=Severity.ERROR,
                            tool=self.tool,
                            stack=sid,
                            message=crash_message(rule.id, exc),
                            status=Status.UNKNOWN,
                            template_file=str(context.template_file),
                            help_url=rule.source_url or None,
                        )
                    )
                continue
            for sid, verdict in verdicts:
                if verdict.outcome is Outcome.NOT_APPLICABLE or sid not in contexts:
                    continue
                found[sid].append(self._finding(rule, contexts[sid], verdict))
        return found

    def _finding(self, rule: AssemblyRule, context: StackContext, verdict: Verdict) -> Finding:
        lid = verdict.logical_id
        template_path = ("Resources", lid, *verdict.path) if lid else verdict.path
        unknown = verdict.outcome is Outcome.UNKNOWN
        return Finding(
            rule_id=rule.id,
            severity=_UNRESOLVED_SEVERITY if unknown else rule.severity,
            tool=self.tool,
            stack=context.stack,
            logical_id=lid,
            resource_type=context.resource_type(lid),
            construct_path=context.construct_path(lid),
            template_file=str(context.template_file),
            line=template_line(context.template_file, template_path),
            property_path=verdict.path,
            message=verdict.message,
            status=_STATUS[verdict.outcome],
            help_url=rule.source_url or None,
        )


def template_line(template_file: str | Path, path: Iterable[str | int]) -> int | None:
    """1-based line of ``path`` (``("Resources", "Db", "Properties", "Port")``) in a template, or of its deepest parent.

    Uses cfn-lint's decoder (JSON or YAML, with positions); the last few parsed templates are
    kept while their files are unchanged. None when the file cannot be parsed.
    """
    from cfnlint.decode import decode
    from cfnlint.template import Template

    key = Path(template_file)
    if not key.is_file():
        return None
    stat = key.stat()
    stamp = (str(key), stat.st_mtime_ns, stat.st_size)
    if stamp not in _PARSED:
        parsed, errors = decode(str(key))
        if len(_PARSED) >= 8:
            _PARSED.pop(next(iter(_PARSED)))
        _PARSED[stamp] = Template(str(key), parsed) if parsed and not errors else None
    template = _PARSED[stamp]
    if template is None:
        return None
    # cfn-lint's lookup falls back to the parent for a missing key but raises for a list index out of
    # range (a live finding's path into a list the template holds fewer items of): cut the path there.
    found: list[str | int] = []
    node: Any = template.template
    for step in path:
        if isinstance(node, list):
            if not (isinstance(step, int) and 0 <= step < len(node)):
                break
            node = node[step]
        else:
            node = node.get(step) if isinstance(node, dict) else None
        found.append(step)
    location = template.get_location_yaml(template.template, found)
    return location[0] + 1 if location else None


_PARSED: dict[tuple[str, int, int], Any] = {}
