"""stackcheck's pytest fixtures: settings a conftest.py can override, stack outputs, the resolver, AWS clients, the cloud assembly."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import pytest

from stackcheck.errors import NextStep

if TYPE_CHECKING:
    from stackcheck.assembly import CloudAssembly
    from stackcheck.aws.clients import ClientFactory
    from stackcheck.aws.retry import RetryLog, RetryProfile
    from stackcheck.emulator.record import EmulatorRecord
    from stackcheck.outputs import KindSpec, NestedStackOutputs, OutputMatch, OutputResolver
    from stackcheck.plugin import StackcheckSettings

__all__ = [
    "StackOutputs",
    "aws_client",
    "aws_endpoint_url",
    "aws_region",
    "aws_retry_profile",
    "cloud_assembly",
    "cloud_assembly_dir",
    "emulator_record",
    "output_kinds",
    "output_resolver",
    "output_roles",
    "outputs",
    "outputs_file",
    "retry_log",
    "stack_outputs",
    "stackcheck_settings",
    "strict_outputs",
]


def missing(message: str, *, strict: bool) -> NoReturn:
    """Skip the running test with ``message``, or fail it (no traceback) when ``strict``."""
    __tracebackhide__ = True
    if strict:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def nothing_deployed(outputs_file: Path) -> bool:
    """True when nothing is deployed: neither the outputs file nor an emulator record beside it
    exists. Only then may a non-strict run skip; a broken input fails whatever the mode."""
    from stackcheck.files import EMULATOR_RECORD_FILE

    where = Path(outputs_file)
    return not where.exists() and not (where.parent / EMULATOR_RECORD_FILE).exists()


# -- settings (override any of these in a conftest.py) -----------------------------------------


@pytest.fixture(scope="session")
def stackcheck_settings(pytestconfig: pytest.Config) -> StackcheckSettings:
    """Every stackcheck setting with where it came from (CLI > environment > ini > default)."""
    from stackcheck.plugin import SETTINGS_KEY

    return pytestconfig.stash[SETTINGS_KEY]


@pytest.fixture(scope="session")
def outputs_file(stackcheck_settings: StackcheckSettings) -> Path:
    """Path of the stack outputs file (flat or cdk ``--outputs-file`` shape)."""
    return Path(stackcheck_settings.outputs_file.value)


@pytest.fixture(scope="session")
def emulator_record(outputs_file: Path, stackcheck_settings: StackcheckSettings) -> EmulatorRecord | None:
    """The emulator record (``target.json``) beside ``outputs_file``, or None when there is none.

    Beside the ``outputs_file`` fixture, so a conftest.py that points ``outputs_file`` at its own
    project's folder finds that project's emulator too. An unreadable record fails the test.
    """
    from stackcheck.emulator.record import read_emulator_record
    from stackcheck.errors import BadInputError
    from stackcheck.files import EMULATOR_RECORD_FILE

    path = Path(outputs_file).parent / EMULATOR_RECORD_FILE
    known = stackcheck_settings.emulator_record_path
    if known is not None and known.resolve() == path.resolve():
        return stackcheck_settings.emulator_record
    if not path.is_file():
        return None
    try:
        return read_emulator_record(path)
    except BadInputError as exc:
        pytest.fail(str(exc), pytrace=False)


def _from_emulator(source: str) -> bool:
    """True for a setting nobody gave (its default, or the record the plugin found beside its own outputs setting)."""
    return source == "default" or source.startswith("emulator record")


@pytest.fixture(scope="session")
def aws_region(stackcheck_settings: StackcheckSettings, emulator_record: EmulatorRecord | None) -> str | None:
    """Region for every AWS client: the command line's, environment's or ini's, else the emulator
    record's (``emulator_record``); None leaves it to the AWS config chain."""
    setting = stackcheck_settings.aws_region
    if _from_emulator(setting.source):
        return emulator_record.region if emulator_record is not None and emulator_record.region else None
    return setting.value


@pytest.fixture(scope="session")
def aws_endpoint_url(stackcheck_settings: StackcheckSettings, emulator_record: EmulatorRecord | None) -> str | None:
    """Endpoint URL for every AWS client: the command line's, environment's or ini's, else the
    emulator record's (``emulator_record``); None for AWS itself."""
    setting = stackcheck_settings.aws_endpoint_url
    if _from_emulator(setting.source):
        return emulator_record.endpoint_url if emulator_record is not None else None
    return setting.value


@pytest.fixture(scope="session")
def strict_outputs(stackcheck_settings: StackcheckSettings) -> bool:
    """True: a missing output, outputs file or cloud assembly fails the check instead of skipping it."""
    return bool(stackcheck_settings.strict.value)


@pytest.fixture(scope="session")
def cloud_assembly_dir(stackcheck_settings: StackcheckSettings) -> Path:
    """Directory of the cloud assembly (``cdk.out``)."""
    return Path(stackcheck_settings.assembly_dir.value)


@pytest.fixture(scope="session")
def aws_retry_profile() -> RetryProfile:
    """RetryProfile every ``aws_client`` call runs under (stackcheck.aws.retry.THROTTLING)."""
    from stackcheck.aws.retry import THROTTLING

    return THROTTLING


# -- stack outputs -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def stack_outputs(outputs_file: Path, strict_outputs: bool) -> dict[str, str]:
    """The stack outputs as ``{output key: value}``, loaded once per session (of a per-stack file, the
    keys one stack declares; ``outputs.value(key, stack=...)`` reaches a key several stacks declare).

    No outputs file at all (nothing deployed) skips (strict: fails) every test that uses it; an
    outputs file that is unreadable, not UTF-8, not JSON or of the wrong shape fails them, strict
    or not. Either way the message names the file and what to do next.
    """
    from stackcheck.errors import OutputsError
    from stackcheck.outputs import read_outputs

    try:
        return read_outputs(outputs_file, repeated_keys=True)[0]
    except OutputsError as exc:
        missing(str(exc), strict=strict_outputs or Path(outputs_file).exists())


def pyproject_path(config: pytest.Config) -> Path:
    """The project's pyproject.toml: pytest's ini file when that is one, else the one in the rootdir."""
    if config.inipath is not None and config.inipath.name == "pyproject.toml":
        return config.inipath
    return config.rootpath / "pyproject.toml"


def _registry(config: pytest.Config) -> tuple[dict[str, KindSpec], dict[str, tuple[str, ...]]]:
    from stackcheck.outputs.registry import RegistryError, project_registry

    try:
        return project_registry(pyproject_path(config))
    except RegistryError as exc:
        problem = str(exc)
    pytest.fail(problem, pytrace=False)  # outside the except: no "during handling" chain in the report


@pytest.fixture(scope="session")
def output_kinds(pytestconfig: pytest.Config) -> dict[str, KindSpec]:
    """The resource kinds ``outputs.get(kind=...)`` knows, ``{name: KindSpec}``: the built-in KINDS merged
    with the ``[tool.stackcheck.outputs.kinds]`` table of the project's pyproject.toml (see
    ``stackcheck.outputs.registry.parse_registry``) and the ``stackcheck.output_kinds`` entry points of
    installed packages (``entry_point_registries``). A malformed table or entry point fails every test
    that uses it (never the session), naming the file or entry point and the key. Override in a conftest.py to build the registry in code."""
    return _registry(pytestconfig)[0]


@pytest.fixture(scope="session")
def output_roles(pytestconfig: pytest.Config) -> dict[str, tuple[str, ...]]:
    """The roles ``outputs.get(role=...)`` knows, ``{role: key words naming it}``: the built-in ROLE_WORDS
    (source, target) merged with ``[tool.stackcheck.outputs] roles`` of the project's pyproject.toml.
    Override in a conftest.py to build them in code."""
    return _registry(pytestconfig)[1]


@pytest.fixture(scope="session")
def output_resolver(
    outputs_file: Path,
    pytestconfig: pytest.Config,
    output_kinds: dict[str, KindSpec],
    output_roles: dict[str, tuple[str, ...]],
    aws_endpoint_url: str | None,
    request: pytest.FixtureRequest,
) -> OutputResolver:
    """The session's OutputResolver over the outputs file (every stack's outputs of a per-stack file,
    a key several stacks declare included) with ``output_kinds`` and ``output_roles``; messages name
    the file relative to the rootdir when it lies inside it. Reads only after ``stack_outputs`` has
    (so the same skip or failure applies), except that with no outputs file but an AWS endpoint it
    starts empty: the ``outputs`` fixture then reads each stack a lookup names with DescribeStacks."""
    from stackcheck.outputs import OutputResolver, read_outputs

    if not Path(outputs_file).exists() and aws_endpoint_url:
        where = f"DescribeStacks at {aws_endpoint_url}"
        return OutputResolver({}, source=where, kinds=output_kinds, roles=output_roles)
    request.getfixturevalue("stack_outputs")
    try:
        shown = str(Path(outputs_file).resolve().relative_to(pytestconfig.rootpath.resolve()))
    except ValueError:
        shown = str(outputs_file)
    flat, nested = read_outputs(outputs_file, repeated_keys=True)
    if nested is not None:
        return OutputResolver({}, source=shown, nested=nested, kinds=output_kinds, roles=output_roles)
    return OutputResolver(flat, source=shown, kinds=output_kinds, roles=output_roles)


class StackOutputs:
    """The ``outputs`` fixture: OutputResolver lookups that skip the test (strict: fail it) when
    no output matches, and fail it when several do.

    ``read_stack(name)`` gives ``{output key: value}`` of a stack the resolver lacks (DescribeStacks);
    a lookup with ``stack=`` naming such a stack reads it once and adds it to the resolver.
    ``read_nested(name)`` gives the NestedStackOutputs of the stacks nested in stack ``name``
    (``describe_nested_stack_outputs``): a lookup no known output matches reads, once each, the nested
    stacks of the stack it names (without ``stack=``: of every known stack), adds them under their own
    names and looks again; when they cannot be read the not-found message says why.
    """

    def __init__(
        self,
        resolver: OutputResolver,
        *,
        strict: bool,
        read_stack: Callable[[str], Mapping[str, str]] | None = None,
        read_nested: Callable[[str], Sequence[NestedStackOutputs]] | None = None,
    ):
        self.resolver = resolver
        self.strict = strict
        self.read_stack = read_stack
        self.read_nested = read_nested
        self.expanded: dict[str, str | None] = {}
        """``{stack: None once its nested stacks were read, else why they could not be}``."""

    def _expand(self, stack: str | None) -> bool:
        """Read the nested stacks of ``stack`` (None: of every known stack) not read yet; True when any was added."""
        if self.read_nested is None:
            return False
        added = False
        for name in [stack] if stack is not None else list(self.resolver.stacks):
            if name in self.expanded:
                continue
            try:
                nested = self.read_nested(name)
            except (Exception, pytest.skip.Exception, pytest.fail.Exception) as exc:
                self.expanded[name] = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
                continue
            self.expanded[name] = None
            for child in nested:
                self.expanded.setdefault(child.name, None)  # read_nested went to every depth already
                if child.name not in self.resolver.stacks:
                    self.resolver.add_stack(child.name, child.outputs, parent=child.parent)
                    added = True
        return added

    def _not_found(self, exc: Exception) -> NoReturn:
        __tracebackhide__ = True
        why = "; ".join(f"{s}: {w}" for s, w in sorted(self.expanded.items()) if w)
        missing(f"{exc} (nested stacks not read: {why})" if why else str(exc), strict=self.strict)

    def _fetch(self, stack: str | None) -> None:
        __tracebackhide__ = True
        from stackcheck.errors import OutputsError

        if stack is None or stack in self.resolver.stacks or self.read_stack is None:
            return
        try:
            values = self.read_stack(stack)
        except OutputsError as exc:
            missing(
                f"stack {stack!r} is not in {self.resolver.source} nor found by DescribeStacks: {exc}",
                strict=self.strict,
            )
        self.resolver.add_stack(stack, values)

    def resolve(
        self, *, role: str | None, kind: str, attr: str, qualifier: str | None = None, stack: str | None = None
    ) -> OutputMatch:
        """The matching OutputMatch (key, value, derived_from); see ``OutputResolver.resolve``."""
        __tracebackhide__ = True
        from stackcheck.errors import AmbiguousOutputError, OutputNotFoundError

        self._fetch(stack)
        while True:
            try:
                return self.resolver.resolve(role=role, kind=kind, attr=attr, qualifier=qualifier, stack=stack)
            except OutputNotFoundError as exc:
                if not self._expand(stack):
                    self._not_found(exc)
            except AmbiguousOutputError as exc:
                pytest.fail(str(exc), pytrace=False)

    def get(
        self, *, role: str | None, kind: str, attr: str, qualifier: str | None = None, stack: str | None = None
    ) -> str:
        """The matching output's value, e.g. ``outputs.get(role="source", kind="bucket", attr="name")``."""
        __tracebackhide__ = True
        return self.resolve(role=role, kind=kind, attr=attr, qualifier=qualifier, stack=stack).value

    def value(self, key: str, *, stack: str | None = None) -> str:
        """Output ``key`` exactly (of ``stack`` when given); skips (strict: fails) when it is not there,
        fails when several stacks declare it and no ``stack`` is given. See ``OutputResolver.value``."""
        __tracebackhide__ = True
        from stackcheck.errors import AmbiguousOutputError, OutputNotFoundError

        self._fetch(stack)
        while True:
            try:
                return self.resolver.value(key, stack=stack)
            except OutputNotFoundError as exc:
                if not self._expand(stack):
                    self._not_found(exc)
            except AmbiguousOutputError as exc:
                pytest.fail(str(exc), pytrace=False)

    def __repr__(self) -> str:
        return f"StackOutputs({self.resolver.source}, {len(self.resolver.outputs)} outputs, strict={self.strict})"


@pytest.fixture
def outputs(output_resolver: OutputResolver, strict_outputs: bool, request: pytest.FixtureRequest) -> StackOutputs:
    """Find outputs by intent: ``outputs.get(role="source", kind="bucket", attr="name")``.

    A lookup with ``stack=`` naming a stack the outputs file lacks (or with no outputs file but an AWS
    endpoint) reads that stack's outputs with DescribeStacks through the ``aws_client`` fixture
    (``stackcheck.outputs.describe_stack_outputs``); a stack DescribeStacks does not find either
    skips the test (strict: fails it), naming the stack. A lookup no output matches then reads the
    nested stacks (CDK NestedStacks, whose outputs the cdk CLI's file lacks) of the stack it names, or of
    every known stack, with ``stackcheck.outputs.describe_nested_stack_outputs``; their matches name the
    nested stack.
    """

    def read_stack(name: str) -> Mapping[str, str]:
        from stackcheck.outputs import describe_stack_outputs

        client = request.getfixturevalue("aws_client")("cloudformation")
        return describe_stack_outputs(client, [name]).get(name, {})

    def read_nested(name: str) -> list[NestedStackOutputs]:
        from stackcheck.outputs import describe_nested_stack_outputs

        return describe_nested_stack_outputs(request.getfixturevalue("aws_client")("cloudformation"), name)

    return StackOutputs(output_resolver, strict=strict_outputs, read_stack=read_stack, read_nested=read_nested)


# -- AWS -------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def aws_client(
    aws_region: str | None,
    aws_endpoint_url: str | None,
    aws_retry_profile: RetryProfile,
    stackcheck_settings: StackcheckSettings,
    strict_outputs: bool,
    outputs_file: Path,
    pytestconfig: pytest.Config,
    emulator_record: EmulatorRecord | None,
) -> ClientFactory:
    """Client factory: ``aws_client("s3")`` is a boto3 client sharing one botocore Config
    (standard retries, timeouts), the endpoint and the region, whose calls are retried on
    throttling under ``aws_retry_profile`` and recorded for the retry summary.

    Fake credentials are used only when the endpoint is the one in the emulator record. An
    unreadable emulator record fails every test that uses it; an endpoint that does not answer
    fails them too and ends the session with exit 3 (stackcheck.plugin.endpoint); missing
    credentials or region skip them (strict: fail) only when nothing is deployed.
    """
    from stackcheck.aws.clients import ClientFactory
    from stackcheck.plugin.endpoint import WATCH_KEY, answers

    fail = strict_outputs or not nothing_deployed(outputs_file)
    if stackcheck_settings.problems and aws_endpoint_url is None:
        pytest.fail("; ".join(stackcheck_settings.problems), pytrace=False)
    record = emulator_record
    emulator = record is not None and aws_endpoint_url == record.endpoint_url
    factory = ClientFactory(
        region=aws_region, endpoint_url=aws_endpoint_url, emulator=emulator, profile=aws_retry_profile
    )
    if aws_endpoint_url and not answers(aws_endpoint_url):
        hint = (
            f"the emulator record is stale; {NextStep.REDEPLOY_LOCAL.render()}"
            if emulator
            else "check --aws-endpoint-url / AWS_ENDPOINT_URL"
        )
        watch = pytestconfig.stash.get(WATCH_KEY, None)
        if watch is not None:
            watch.mark_down(aws_endpoint_url, "the aws_client fixture", "it does not accept connections")
        pytest.fail(f"the AWS endpoint {aws_endpoint_url} does not answer; {hint}", pytrace=False)
    if not emulator:  # real AWS (or another endpoint): say what is missing before any call fails deep inside
        session = factory.session
        where = f"no emulator record beside {outputs_file}"
        if session.get_credentials() is None:
            missing(
                f"no AWS credentials found for {aws_endpoint_url or 'AWS'} ({where}); "
                f"{NextStep.DEPLOY_LOCAL.render()}, or configure credentials (AWS_PROFILE, AWS_ACCESS_KEY_ID, ...)",
                strict=fail,
            )
        if not (aws_region or session.region_name):
            missing(f"no AWS region set ({where}); pass --aws-region or set AWS_REGION", strict=fail)
    return factory


@pytest.fixture
def retry_log() -> RetryLog:
    """The process-wide RetryLog (``retry_log.records(request.node.nodeid)`` for this test's)."""
    from stackcheck.aws.retry import RETRY_LOG

    return RETRY_LOG


# -- cloud assembly ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def cloud_assembly(cloud_assembly_dir: Path, strict_outputs: bool) -> CloudAssembly:
    """The cloud assembly read with ``stackcheck.assembly.read_assembly``; skips (strict: fails)
    with what to do next (synthesize) when the directory does not exist, and fails when it
    exists but cannot be read (no or a malformed manifest, a missing template)."""
    from stackcheck.assembly import read_assembly
    from stackcheck.errors import AssemblyError

    try:
        return read_assembly(cloud_assembly_dir)
    except AssemblyError as exc:
        missing(str(exc), strict=strict_outputs or Path(cloud_assembly_dir).exists())
