"""Kinds and roles from ``stackcheck.output_kinds`` entry points, and a malformed registry failing only the tests that use outputs."""

from __future__ import annotations

import json
import re
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

from stackcheck.outputs import KINDS, ROLE_WORDS, OutputResolver, RegistryError
from stackcheck.outputs.registry import ENTRY_POINT_GROUP, entry_point_registries, project_registry

pytest_plugins = ["pytester"]

# SQS queue URL form: https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-queue-message-identifiers.html
PLUGIN_MODULE = """
QUEUES = {
    "roles": {"blue": ["blue"]},
    "kinds": {
        "queue": {
            "label": "SQS queue",
            "words": [["queue"]],
            "attrs": {"url": {"shape": r"https://sqs\\.[a-z0-9-]+\\.amazonaws\\.com/\\d{12}/[A-Za-z0-9_-]{1,80}"}},
        }
    },
}

def topics():
    return {"kinds": {"topic": {"label": "SNS topic", "words": [["topic"]],
                                "attrs": {"arn": {"shape": r"arn:aws:sns:[a-z0-9-]+:\\d{12}:[A-Za-z0-9_-]+"}}}}}

BROKEN = {"roles": {"blue": "blue"}}
SAME_ROLE = {"roles": {"blue": ["azure"]}}
"""
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-blue"
TOPIC_ARN = "arn:aws:sns:eu-west-1:123456789012:alerts"


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Install entry points ``(name, "module:attr")`` of the test module ``sc_kinds_plugin`` in the group."""
    (tmp_path / "sc_kinds_plugin.py").write_text(PLUGIN_MODULE)
    monkeypatch.syspath_prepend(str(tmp_path))
    real = metadata.entry_points

    def install(*points: tuple[str, str]) -> None:
        eps = metadata.EntryPoints(metadata.EntryPoint(n, v, ENTRY_POINT_GROUP) for n, v in points)

        def entry_points(**params):
            return eps.select(**params) if params.get("group") == ENTRY_POINT_GROUP else real(**params)

        monkeypatch.setattr(metadata, "entry_points", entry_points)

    return install


def test_entry_points_add_kinds_and_roles(installed, tmp_path: Path) -> None:
    installed(("topics", "sc_kinds_plugin:topics"), ("queues", "sc_kinds_plugin:QUEUES"))
    assert [where for where, _, _ in entry_point_registries()] == [
        f"entry point queues = 'sc_kinds_plugin:QUEUES' (group {ENTRY_POINT_GROUP})",
        f"entry point topics = 'sc_kinds_plugin:topics' (group {ENTRY_POINT_GROUP})",
    ]
    kinds, roles = project_registry(tmp_path / "absent.toml")
    assert set(kinds) == set(KINDS) | {"queue", "topic"}
    assert roles == {**ROLE_WORDS, "blue": ("blue",)}
    resolver = OutputResolver({"BlueQueueUrl": QUEUE_URL, "AlertsTopicArn": TOPIC_ARN}, kinds=kinds, roles=roles)
    assert resolver.get(role="blue", kind="queue", attr="url") == QUEUE_URL
    assert resolver.get(role=None, kind="topic", attr="arn") == TOPIC_ARN


def test_the_pyproject_table_wins_over_an_entry_point(installed, tmp_path: Path) -> None:
    installed(("queues", "sc_kinds_plugin:QUEUES"))
    path = tmp_path / "pyproject.toml"
    path.write_text('[tool.stackcheck.outputs]\nroles = {blue = ["cobalt"]}\n')
    assert project_registry(path)[1] == {**ROLE_WORDS, "blue": ("cobalt",)}


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ([("broken", "sc_kinds_plugin:BROKEN")],
         f"entry point broken = 'sc_kinds_plugin:BROKEN' (group {ENTRY_POINT_GROUP}): [tool.stackcheck.outputs] "
         "roles.blue: expected a non-empty list of words, got 'blue'"),
        ([("gone", "sc_kinds_plugin:NOPE")],
         f"entry point gone = 'sc_kinds_plugin:NOPE' (group {ENTRY_POINT_GROUP}): cannot be loaded "
         "(AttributeError: module 'sc_kinds_plugin' has no attribute 'NOPE')"),
        ([("queues", "sc_kinds_plugin:QUEUES"), ("same", "sc_kinds_plugin:SAME_ROLE")],
         f"entry point same = 'sc_kinds_plugin:SAME_ROLE' (group {ENTRY_POINT_GROUP}): [tool.stackcheck.outputs] "
         f"roles.blue: also declared by entry point queues = 'sc_kinds_plugin:QUEUES' (group {ENTRY_POINT_GROUP}); "
         "rename one"),
    ],
)  # fmt: skip
def test_a_bad_entry_point_is_named(installed, tmp_path: Path, points: list, message: str) -> None:
    installed(*points)
    with pytest.raises(RegistryError) as err:
        project_registry(tmp_path / "absent.toml")
    assert str(err.value) == message


# -- through the pytest plugin --------------------------------------------------------------------


@pytest.fixture
def pt(pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch) -> pytest.Pytester:
    for name in ("AWS_ENDPOINT_URL", "STACKCHECK_STRICT", "STACKCHECK_OUTPUTS_FILE", "PYTEST_ADDOPTS"):
        monkeypatch.delenv(name, raising=False)
    (pytester.path / "cfn-outputs").mkdir()
    (pytester.path / "cfn-outputs" / "flat-outputs.json").write_text(json.dumps({"BlueQueueUrl": QUEUE_URL}))
    return pytester


def test_entry_point_kinds_reach_the_outputs_fixture(pt: pytest.Pytester, installed) -> None:
    installed(("queues", "sc_kinds_plugin:QUEUES"))
    pt.makepyfile(f"""
        def test_blue_queue(outputs):
            assert outputs.get(role="blue", kind="queue", attr="url") == {QUEUE_URL!r}
    """)
    pt.runpytest_inprocess("-p", "no:xdist", "-p", "no:cacheprovider").assert_outcomes(passed=1)


TESTS_USING_OUTPUTS_AND_NOT = """
    def test_one(outputs):
        pass

    def test_two(output_resolver):
        pass

    def test_without_outputs():
        assert 1 + 1 == 2
"""


@pytest.mark.parametrize(
    ("pyproject", "problem"),
    [
        ('[tool.stackcheck.outputs]\nroles = {blue = "blue"}\n',
         r"\[tool.stackcheck.outputs\] roles.blue: expected a non-empty list of words, got 'blue'"),
        ('[tool.stackcheck.outputs.kinds.queue]\nlabel = "Q"\nwords = [["queue"]]\n[tool.stackcheck.outputs.kinds.queue.attrs.url]\nshape = "(x"\n',
         r"\[tool.stackcheck.outputs\] kinds.queue.attrs.url.shape: not a valid regular expression .*"),
        ("[tool.stackcheck]\noutputs = 3\n", r"\[tool.stackcheck.outputs\] must be a table"),
    ],
)  # fmt: skip
def test_a_malformed_pyproject_table_fails_each_test_using_outputs_only(
    pt: pytest.Pytester, pyproject: str, problem: str
) -> None:
    (pt.path / "pyproject.toml").write_text(pyproject)
    pt.makepyfile(textwrap.dedent(TESTS_USING_OUTPUTS_AND_NOT))
    result = pt.runpytest_inprocess("-p", "no:xdist", "-p", "no:cacheprovider", "-rE")
    result.assert_outcomes(passed=1, errors=2)
    where = re.escape(str(pt.path / "pyproject.toml"))
    result.stdout.re_match_lines(
        [r"_+ ERROR at setup of test_one _+", rf"{where}: {problem}$",
         r"_+ ERROR at setup of test_two _+", rf"{where}: {problem}$"]
    )  # fmt: skip
    assert "During handling" not in result.stdout.str()


README = Path(__file__).resolve().parents[3] / "README.md"


def readme_block(after: str) -> str:
    """The body of the first fenced block of README.md that follows the line ``after``."""
    text = README.read_text(encoding="utf-8")
    match = re.search(
        re.escape(after) + r"\n(.*?)```", text[text.index("## Post-deploy checks and the pytest plugin") :], re.S
    )
    assert match, f"README.md: no block after {after!r}"
    return match.group(1)


def test_the_readme_examples_add_the_queue_kind_both_ways() -> None:
    import tomllib

    from stackcheck.outputs import parse_registry

    table = tomllib.loads("[tool.stackcheck.outputs]\n" + readme_block("[tool.stackcheck.outputs]"))
    namespace: dict = {}
    exec(readme_block("# acme_checks/kinds.py"), namespace)  # the README's entry-point module, run as written
    outputs = {
        "GreenQueueUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/jobs-green",
        "BlueQueueUrl": QUEUE_URL,
    }
    for where, source in (
        ("README table", table["tool"]["stackcheck"]["outputs"]),
        ("README entry point", namespace["QUEUES"]),
    ):
        kinds, roles = parse_registry(source, where=where)
        resolver = OutputResolver(outputs, kinds={**KINDS, **kinds}, roles={**ROLE_WORDS, **roles})
        assert resolver.get(role="green", kind="queue", attr="url") == outputs["GreenQueueUrl"], where
        assert resolver.get(role="blue", kind="queue", attr="url") == QUEUE_URL, where
    assert 'queues = "acme_checks.kinds:QUEUES"' in readme_block('[project.entry-points."stackcheck.output_kinds"]')
