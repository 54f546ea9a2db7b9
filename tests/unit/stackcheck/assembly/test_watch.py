"""An app's sources are what the cdk CLI watches: `watch` include/exclude, its fixed exclusions, and never stackcheck's own outputs."""

from __future__ import annotations

import json

import pytest

from stackcheck.assembly import cache_key
from stackcheck.assembly.watch import watch_patterns, watched_files
from stackcheck.errors import AssemblyError

# What `cdk init app --language python` writes into cdk.json.
CDK_INIT_WATCH = {
    "include": ["**"],
    "exclude": [
        "README.md",
        "cdk*.json",
        "requirements*.txt",
        "source.bat",
        "**/__init__.py",
        "**/__pycache__",
        "tests",
    ],
}
TREE = [
    "app.py",
    "README.md",
    "cdk.json",
    "requirements.txt",
    "my_app/__init__.py",
    "my_app/my_app_stack.py",
    "my_app/lambda/handler.py",
    "my_app/__pycache__/my_app_stack.cpython-311.pyc",
    "tests/unit/test_my_app_stack.py",
    "cdk.out/manifest.json",
    "reports/scan.json",
    "cfn-outputs/flat-outputs.json",
    ".venv/lib/site.py",
    ".github/workflows/ci.yml",
    ".env",
    "node_modules/aws-cdk/cli.js",
    "web/node_modules/x/index.js",
]


@pytest.fixture
def app(tmp_path):
    for name in TREE:
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(f"# {name}\n")

    def sources(cdk_json):
        (tmp_path / "cdk.json").write_text(json.dumps(cdk_json))
        return [p.relative_to(tmp_path).as_posix() for p in watched_files(tmp_path, cdk_json)]

    return sources


def test_cdk_init_default_watches_the_constructs(app):
    assert app({"app": "python3 app.py", "watch": CDK_INIT_WATCH}) == [
        "app.py",
        "my_app/lambda/handler.py",
        "my_app/my_app_stack.py",
    ]


def test_no_watch_key_is_the_whole_folder_less_the_cli_and_stackcheck_exclusions(app):
    assert app({"app": "python3 app.py"}) == [
        "README.md",
        "app.py",
        "cdk.json",
        "my_app/__init__.py",
        "my_app/lambda/handler.py",
        "my_app/my_app_stack.py",
        "requirements.txt",
        "tests/unit/test_my_app_stack.py",
    ]


def test_folder_patterns_cover_their_contents_and_output_follows_cdk_json(app, tmp_path):
    (tmp_path / "build").mkdir()
    (tmp_path / "build" / "manifest.json").write_text("{}")
    cdk_json = {"app": "python3 app.py", "output": "build", "watch": {"include": ["my_app", "*.py", "build"]}}
    assert app(cdk_json) == ["app.py", "my_app/__init__.py", "my_app/lambda/handler.py", "my_app/my_app_stack.py"]


def test_brace_and_string_patterns(app):
    cdk_json = {"app": "x", "watch": {"include": "**/*.{py,json}", "exclude": "my_app/lambda"}}
    assert app(cdk_json) == [
        "app.py",
        "cdk.json",
        "my_app/__init__.py",
        "my_app/my_app_stack.py",
        "tests/unit/test_my_app_stack.py",
    ]


def test_an_edited_construct_changes_the_cache_key_with_the_cdk_init_default(app, tmp_path):
    app({"app": "python3 app.py", "watch": CDK_INIT_WATCH})
    before = cache_key(tmp_path)
    (tmp_path / "reports" / "gate.md").write_text("## Gate: PASSED\n")
    (tmp_path / "cfn-outputs" / "target.json").write_text("{}")
    (tmp_path / "my_app" / "__pycache__" / "x.pyc").write_bytes(b"\0")
    assert cache_key(tmp_path) == before
    (tmp_path / "my_app" / "my_app_stack.py").write_text("# edited\n")
    assert cache_key(tmp_path) != before


def test_the_app_command_is_part_of_the_key(app, tmp_path):
    app({"app": "python3 app.py"})
    before = cache_key(tmp_path)
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 other.py", "watch": {"include": ["app.py"]}}))
    after = cache_key(tmp_path)
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "python3 app.py", "watch": {"include": ["app.py"]}}))
    assert len({before, after, cache_key(tmp_path)}) == 3


@pytest.mark.parametrize(
    "watch, message",
    [
        ([], '"watch" must be an object with "include" and "exclude" globs'),
        ({"include": 3}, '"watch.include" must be a glob string or a list of them, got 3'),
        ({"exclude": ["a", 1]}, "\"watch.exclude\" must be a glob string or a list of them, got ['a', 1]"),
    ],
)
def test_malformed_watch_names_the_key(tmp_path, watch, message):
    with pytest.raises(AssemblyError) as err:
        watch_patterns({"app": "x", "watch": watch}, tmp_path / "cdk.json")
    assert str(err.value) == f"{tmp_path / 'cdk.json'}: {message}"
