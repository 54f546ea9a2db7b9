r"""pytest plugin: stackcheck's options, ini settings, markers, report header; retries and INCONCLUSIVE outcomes (stackcheck.plugin.outcome).

The fixtures (``stackcheck.plugin.fixtures``) include ``outputs``, which finds a stack output by role,
kind and attribute: ``outputs.get(role="green", kind="queue", attr="url")``. A project adds its own
kinds and roles without forking, in a ``[tool.stackcheck.outputs]`` table of its pyproject.toml::

    [tool.stackcheck.outputs]
    roles = {blue = ["blue"], green = ["green"]}    # role -> key words naming it

    [tool.stackcheck.outputs.kinds.queue]
    label = "SQS queue"
    words = [["queue"], ["sqs", "queue"]]           # a key naming all words of one list names the kind
    [tool.stackcheck.outputs.kinds.queue.attrs.url]
    shape = 'https://sqs\.[a-z0-9-]+\.amazonaws\.com/\d{12}/[\w-]{1,80}'   # the whole value must match

or, from an installed package, through an entry point of the ``stackcheck.output_kinds`` group that
loads a mapping of the same shape (or a callable returning one)::

    [project.entry-points."stackcheck.output_kinds"]
    queues = "acme_checks.kinds:QUEUES"   # QUEUES = {"roles": {...}, "kinds": {"queue": {...}}}

The project's table wins over entry points, which win over the built-in kinds and roles
(``stackcheck.outputs.registry.project_registry``). A malformed table or entry point fails each test
that uses ``outputs`` (``output_kinds``, ``output_roles``), naming the file or entry point and the key;
a conftest.py may instead override ``output_kinds`` / ``output_roles`` to build them in code.
"""

from __future__ import annotations

import gc
import os
import sys
from collections.abc import Generator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from stackcheck.files import DEFAULT_OUTPUTS_FILE, EMULATOR_RECORD_FILE

__all__ = [
    "ENV_ENDPOINT",
    "ENV_OUTPUTS_FILE",
    "ENV_REGION",
    "ENV_STRICT",
    "SETTINGS_KEY",
    "Setting",
    "StackcheckSettings",
    "resolve_settings",
]

# Fixtures live in stackcheck.plugin.fixtures and stackcheck.plugin.live; pytest registers them with this module.
pytest_plugins = ["stackcheck.plugin.fixtures", "stackcheck.plugin.live"]

ENV_OUTPUTS_FILE = "STACKCHECK_OUTPUTS_FILE"
ENV_ENDPOINT = ("AWS_ENDPOINT_URL",)
ENV_REGION = ("AWS_REGION", "AWS_DEFAULT_REGION")
ENV_STRICT = "STACKCHECK_STRICT"
ENV_ASSEMBLY_DIR = "STACKCHECK_ASSEMBLY_DIR"

INI_OUTPUTS_FILE = "stackcheck_outputs_file"
INI_ENDPOINT = "stackcheck_aws_endpoint_url"
INI_REGION = "stackcheck_aws_region"
INI_STRICT = "stackcheck_strict"
INI_ASSEMBLY_DIR = "stackcheck_assembly_dir"

DEFAULT_ASSEMBLY_DIR = "cdk.out"
_FALSE = {"", "0", "false", "no", "off"}

MARKERS = {
    "integration": "post-deploy check; runs against the deployment the outputs file describes",
}


@dataclass(frozen=True)
class Setting:
    """One resolved setting: its ``value`` and where it came from (``source``), e.g.
    ``command line --aws-region``, ``environment AWS_REGION``, ``ini stackcheck_aws_region``,
    ``emulator record <path>`` or ``default``."""

    value: Any
    source: str


@dataclass(frozen=True)
class StackcheckSettings:
    """Settings resolved once per session: CLI option > environment variable > ini > emulator
    record (endpoint and region only) > default.

    ``emulator_record`` is the parsed record (``stackcheck.emulator.record.EmulatorRecord``) found next
    to the outputs file, or None, and ``emulator_record_path`` the file it was read from; ``problems`` lists what could not be read (reported in the
    header and raised only by the fixtures that need it).
    """

    outputs_file: Setting
    aws_endpoint_url: Setting
    aws_region: Setting
    strict: Setting
    assembly_dir: Setting
    emulator_record: Any = None
    problems: tuple[str, ...] = ()
    emulator_record_path: Path | None = None

    @property
    def emulator(self) -> bool:
        """True when the endpoint is the one the emulator record names."""
        record = self.emulator_record
        return record is not None and self.aws_endpoint_url.value == record.endpoint_url


SETTINGS_KEY: pytest.StashKey[StackcheckSettings] = pytest.StashKey()


def _strict(text: str) -> bool:
    return text.strip().lower() not in _FALSE


def resolve_settings(
    *,
    options: Mapping[str, Any],
    env: Mapping[str, str],
    ini: Mapping[str, Any],
    invocation_dir: Path,
    ini_dir: Path,
    rootdir: Path,
) -> StackcheckSettings:
    """Resolve every setting once, recording where each value came from.

    ``options`` maps option names (``outputs_file``, ``aws_endpoint_url``, ``aws_region``,
    ``strict``, ``assembly_dir``) to their command-line values (None when not given); ``ini``
    maps the ``stackcheck_*`` ini names that are set. Relative paths resolve against the
    invocation directory (CLI, environment), the ini file's directory (ini) or the rootdir
    (defaults). Never raises: an unreadable emulator record is listed in ``problems``.
    """

    def pick(
        name: str, flag: str, env_names: tuple[str, ...], ini_name: str, default: Any, is_path: bool = False
    ) -> Setting:
        def value_at(base: Path, value: Any) -> Any:
            return base / value if is_path and value is not None else value

        if options.get(name) is not None:
            return Setting(value_at(invocation_dir, options[name]), f"command line {flag}")
        for env_name in env_names:
            if env.get(env_name):
                return Setting(value_at(invocation_dir, env[env_name]), f"environment {env_name}")
        if ini.get(ini_name) not in (None, ""):
            return Setting(value_at(ini_dir, ini[ini_name]), f"ini {ini_name}")
        return Setting(value_at(rootdir, default), "default")

    outputs_file = pick(
        "outputs_file", "--outputs-file", (ENV_OUTPUTS_FILE,), INI_OUTPUTS_FILE, DEFAULT_OUTPUTS_FILE, is_path=True
    )
    assembly_dir = pick(
        "assembly_dir", "--assembly-dir", (ENV_ASSEMBLY_DIR,), INI_ASSEMBLY_DIR, DEFAULT_ASSEMBLY_DIR, is_path=True
    )
    endpoint = pick("aws_endpoint_url", "--aws-endpoint-url", ENV_ENDPOINT, INI_ENDPOINT, None)
    region = pick("aws_region", "--aws-region", ENV_REGION, INI_REGION, None)

    if options.get("strict") is not None:
        strict = Setting(bool(options["strict"]), "command line --strict-outputs")
    elif ENV_STRICT in env:
        strict = Setting(_strict(env[ENV_STRICT]), f"environment {ENV_STRICT}")
    elif ini.get(INI_STRICT) not in (None, ""):
        raw = ini[INI_STRICT]
        strict = Setting(raw if isinstance(raw, bool) else _strict(str(raw)), f"ini {INI_STRICT}")
    else:
        strict = Setting(False, "default")

    record, problems = None, []
    record_path = Path(outputs_file.value).parent / EMULATOR_RECORD_FILE
    if record_path.exists():
        from stackcheck.emulator.record import read_emulator_record
        from stackcheck.errors import BadInputError

        try:
            record = read_emulator_record(record_path)
        except BadInputError as exc:  # a bad record must not break runs that never use AWS
            problems.append(str(exc))
    if record is not None:
        shown = _display(record_path, rootdir)
        if endpoint.source == "default":
            endpoint = Setting(record.endpoint_url, f"emulator record {shown}")
        if region.source == "default" and record.region:
            region = Setting(record.region, f"emulator record {shown}")
    return StackcheckSettings(
        outputs_file,
        endpoint,
        region,
        strict,
        assembly_dir,
        record,
        tuple(problems),
        record_path if record is not None else None,
    )


def _display(path: Any, rootdir: Path) -> str:
    try:
        return str(Path(path).resolve().relative_to(rootdir.resolve()))
    except ValueError:
        return str(path)


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("stackcheck", "stackcheck post-deploy checks")
    group.addoption(
        "--outputs-file",
        dest="stackcheck_outputs_file",
        default=None,
        metavar="PATH",
        help=f"stack outputs file, flat or cdk --outputs-file shape (env {ENV_OUTPUTS_FILE}, "
        f"ini {INI_OUTPUTS_FILE}; default {DEFAULT_OUTPUTS_FILE})",
    )
    group.addoption(
        "--aws-endpoint-url",
        dest="stackcheck_aws_endpoint_url",
        default=None,
        metavar="URL",
        help=f"endpoint for every AWS client (env {ENV_ENDPOINT[0]}, ini {INI_ENDPOINT}; default: "
        "the emulator record next to the outputs file, else AWS)",
    )
    group.addoption(
        "--aws-region",
        dest="stackcheck_aws_region",
        default=None,
        metavar="REGION",
        help=f"region for every AWS client (env {' or '.join(ENV_REGION)}, ini {INI_REGION})",
    )
    group.addoption(
        "--strict-outputs",
        dest="stackcheck_strict",
        action="store_const",
        const=True,
        default=None,
        help="fail, instead of skip, checks whose stack outputs are missing or when nothing is deployed "
        f"(env {ENV_STRICT}=1, ini {INI_STRICT}); unreadable input fails either way",
    )
    group.addoption(
        "--assembly-dir",
        dest="stackcheck_assembly_dir",
        default=None,
        metavar="DIR",
        help=f"cloud assembly for the cloud_assembly fixture (env {ENV_ASSEMBLY_DIR}, "
        f"ini {INI_ASSEMBLY_DIR}; default {DEFAULT_ASSEMBLY_DIR})",
    )
    parser.addini(INI_OUTPUTS_FILE, "stack outputs file (relative to the ini file)")
    parser.addini(INI_ENDPOINT, "endpoint URL for every AWS client")
    parser.addini(INI_REGION, "region for every AWS client")
    parser.addini(INI_STRICT, "fail, instead of skip, checks whose stack outputs are missing", type="bool")
    parser.addini(INI_ASSEMBLY_DIR, "cloud assembly directory (relative to the ini file)")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    global _OUTERMOST
    if _OUTERMOST is None:
        _OUTERMOST = config

    from stackcheck.assembly import JSII_QUIET
    from stackcheck.aws.secrets import install_log_redaction

    install_log_redaction()  # before any check or fixture sends a secret through botocore
    for flag, value in JSII_QUIET.items():  # before any test module starts the jsii kernel
        os.environ.setdefault(flag, value)
    registered = {line.split(":", 1)[0].split("(", 1)[0].strip() for line in config.getini("markers")}
    for name, text in MARKERS.items():
        if name not in registered:
            config.addinivalue_line("markers", f"{name}: {text}")
    ini_names = (INI_OUTPUTS_FILE, INI_ENDPOINT, INI_REGION, INI_STRICT, INI_ASSEMBLY_DIR)
    ini = {name: config.getini(name) for name in ini_names if name in config.inicfg}
    config.stash[SETTINGS_KEY] = resolve_settings(
        options={
            "outputs_file": config.getoption("stackcheck_outputs_file"),
            "aws_endpoint_url": config.getoption("stackcheck_aws_endpoint_url"),
            "aws_region": config.getoption("stackcheck_aws_region"),
            "strict": config.getoption("stackcheck_strict"),
            "assembly_dir": config.getoption("stackcheck_assembly_dir"),
        },
        env=os.environ,
        ini=ini,
        invocation_dir=Path(config.invocation_params.dir),
        ini_dir=config.inipath.parent if config.inipath else config.rootpath,
        rootdir=config.rootpath,
    )
    from stackcheck.plugin.outcome import CheckOutcomes, RetrySummary

    config.pluginmanager.register(RetrySummary(), "stackcheck-retry-summary")
    config.pluginmanager.register(CheckOutcomes(config), "stackcheck-outcomes")
    from stackcheck.plugin.endpoint import WATCH_KEY, EndpointWatch

    watch = EndpointWatch(emulator=config.stash[SETTINGS_KEY].emulator)
    config.stash[WATCH_KEY] = watch
    config.pluginmanager.register(watch, "stackcheck-endpoint-watch")


def pytest_report_header(config: pytest.Config) -> list[str]:
    settings = config.stash.get(SETTINGS_KEY, None)
    if settings is None:
        return []
    root = config.rootpath

    def show(setting: Setting, empty: str) -> str:
        value = setting.value
        if isinstance(value, Path):
            value = _display(value, root)
        elif isinstance(value, bool):
            value = "on" if value else "off"
        return f"{value if value is not None else empty} ({setting.source})"

    lines = [
        f"stackcheck: outputs file {show(settings.outputs_file, '-')}",
        f"stackcheck: aws endpoint url {show(settings.aws_endpoint_url, 'none, so AWS itself')}",
        f"stackcheck: aws region {show(settings.aws_region, 'from the AWS config chain')}",
        f"stackcheck: strict outputs {show(settings.strict, '-')}",
        f"stackcheck: cloud assembly {show(settings.assembly_dir, '-')}",
    ]
    lines += [f"stackcheck: problem: {p}" for p in settings.problems]
    return lines


_OUTERMOST: pytest.Config | None = None
"""The first pytest configuration of this process: that of the ``pytest`` command, of a pytest-xdist worker, or of a
program's one ``pytest.main`` (``stackcheck gate``); the process ends soon after its session."""


@pytest.hookimpl(trylast=True)
def pytest_unconfigure(config: pytest.Config) -> None:
    """At the end of the process's own session, collect until nothing is left to collect, then freeze the heap.

    pytest's own cleanup then collects five more times (to surface exceptions from finalizers) and
    the interpreter's teardown once more: with the heap frozen they skip what outlives every test
    (modules, botocore's service models, moto's backends), which is most of the heap. Garbage is
    collected first, so no finalizer is skipped; what becomes garbage after the freeze stays in
    memory until the process exits (a program running ``pytest.main`` again and again in one
    process, ipytest say, keeps each run's leftover cycles; unfreezing at the next run measured
    0.6 s slower out-of-band stages in the gate, which freezes on purpose, so it is not done). Only the outermost configuration (``_OUTERMOST``) does this; a
    nested ``pytest.main`` (pytester's in-process runs) does not. Measured on the post-deploy suite:
    7.9 s to 6.9 s serial, 4.9 s to 4.2 s with ``-n 2`` (medians of 3, simulated latency). See https://docs.python.org/3/library/gc.html#gc.freeze.
    """
    global _OUTERMOST
    if config is not _OUTERMOST:
        return
    _OUTERMOST = None
    for _ in range(5):
        if not gc.collect():
            break
    gc.freeze()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_protocol(item: pytest.Item) -> Generator[None, None, None]:
    from stackcheck.aws.retry import node_context

    with node_context(item.nodeid):
        yield


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
    outcome = yield
    report = outcome.get_result()
    from stackcheck.plugin.outcome import annotate_report, record_line

    retry = sys.modules.get("stackcheck.aws.retry")
    records = [r.as_dict() for r in retry.RETRY_LOG.drain(item.nodeid)] if retry is not None else []
    if records:
        # A plain attribute survives pytest-xdist's report serialization to the controller.
        report.stackcheck_retries = records
        report.sections.append(("stackcheck retries", "\n".join(record_line(r) for r in records)))
    retries = getattr(item, "stackcheck_retry_count", 0) + len(records)
    item.stackcheck_retry_count = retries  # type: ignore[attr-defined]
    annotate_report(item, call, report, retries)
    if "aws_client" in getattr(item, "fixturenames", ()):
        report.stackcheck_aws = True
