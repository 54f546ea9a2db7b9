"""stackcheck.assembly: in-process synthesis, its cache, and reading a cloud assembly."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from stackcheck.assembly import VALIDATION_CONTEXT_KEY, cache_key, is_current, read_assembly, synthesize
from stackcheck.errors import AssemblyError, SynthesisError

TINY_APP = """
import aws_cdk as cdk
from aws_cdk import aws_sns as sns

app = cdk.App()
first = cdk.Stack(app, "First")
sns.Topic(first, "Topic", display_name=app.node.try_get_context("name") or "{name}")
second = cdk.Stack(app, "Second")
sns.Topic(second, "Other")
second.add_stack_dependency(first)
app.synth()
"""


def write_app(root: Path, name: str = "one", app: str = TINY_APP) -> Path:
    (root / "tinyapp").mkdir(parents=True, exist_ok=True)
    (root / "tinyapp" / "__init__.py").write_text("")
    (root / "tinyapp" / "main.py").write_text(app.replace("{name}", name))
    (root / "cdk.json").write_text(
        json.dumps(
            {
                "app": "python -m tinyapp.main",
                "watch": {"include": ["tinyapp/**/*.py", "cdk.json"]},
                "context": {"aws:cdk:version-reporting": False},
            }
        )
    )
    return root


def test_synthesize_writes_assembly_with_dependency_order(tmp_path):
    result = synthesize(write_app(tmp_path))
    assert result.cached is False
    assert [a.artifact_id for a in result.assembly.dependency_order()] == ["First", "Second"]
    assert result.assembly.stack("Second").dependencies == ("First",)
    (logical_id,) = result.assembly.stack("First").resources
    assert result.assembly.stack("First").construct_path(logical_id) == "/First/Topic/Resource"


def test_second_synthesis_reuses_the_cache(tmp_path):
    write_app(tmp_path)
    first = synthesize(tmp_path)
    second = synthesize(tmp_path)
    assert (first.cached, second.cached) == (False, True)
    assert first.key == second.key
    assert is_current(tmp_path)


def test_an_assembly_synthesized_with_extra_context_is_current_without_it_being_repeated(tmp_path):
    write_app(tmp_path)
    synthesize(tmp_path, context={"name": "from-context"})  # as `stackcheck synth -c name=... / --no-nag`
    assert is_current(tmp_path)  # what `stackcheck deploy` asks, knowing no context
    assert not is_current(tmp_path, context={"name": "other"})
    write_app(tmp_path, name="two")
    assert not is_current(tmp_path)


@pytest.mark.parametrize("change", ["source", "context", "cdk_json"])
def test_cache_is_invalidated_by_what_changes_synthesis(tmp_path, change):
    write_app(tmp_path)
    synthesize(tmp_path)
    context = None
    if change == "source":
        # another length: rewritten within the second at the same size, Python would reuse the first bytecode
        write_app(tmp_path, name="second")
    elif change == "context":
        context = {"name": "from-context"}
    else:
        data = json.loads((tmp_path / "cdk.json").read_text())
        data["context"]["extra"] = 1
        (tmp_path / "cdk.json").write_text(json.dumps(data))
    assert not is_current(tmp_path, context=context)
    result = synthesize(tmp_path, context=context)
    assert result.cached is False
    topic = next(iter(result.assembly.stack("First").resources.values()))
    expected = {"source": "second", "context": "from-context", "cdk_json": "one"}[change]
    assert topic["Properties"]["DisplayName"] == expected


def test_files_outside_the_watch_list_do_not_invalidate(tmp_path):
    write_app(tmp_path)
    key = cache_key(tmp_path)
    (tmp_path / "notes.txt").write_text("unrelated")
    assert cache_key(tmp_path) == key


def test_failing_app_raises_and_keeps_the_previous_assembly(tmp_path):
    write_app(tmp_path)
    synthesize(tmp_path)
    before = (tmp_path / "cdk.out" / "First.template.json").read_text()
    write_app(tmp_path, app="raise ValueError('broken app')\n")
    with pytest.raises(SynthesisError, match="ValueError: broken app"):
        synthesize(tmp_path)
    assert (tmp_path / "cdk.out" / "First.template.json").read_text() == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".cdk.out.")] == [".cdk.out.lock"]


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        (lambda d: None, "does not exist; synthesize first"),
        (lambda d: (d.mkdir(), (d / "manifest.json").write_text("{not json")), "is not valid JSON"),
        (lambda d: (d.mkdir(), (d / "manifest.json").write_text("[]")), "has no 'artifacts' object"),
        (
            lambda d: (d.mkdir(), (d / "manifest.json").write_text(json.dumps({"artifacts": {}}))),
            "holds no CloudFormation stack",
        ),
        (
            lambda d: (
                d.mkdir(),
                (d / "manifest.json").write_text(
                    json.dumps(
                        {
                            "artifacts": {
                                "S": {
                                    "type": "aws:cloudformation:stack",
                                    "properties": {"templateFile": "S.template.json"},
                                }
                            }
                        }
                    )
                ),
            ),
            "S.template.json of stack S does not exist",
        ),
    ],
)
def test_read_assembly_errors_name_the_file(tmp_path, setup, message):
    directory = tmp_path / "cdk.out"
    setup(directory)
    with pytest.raises(AssemblyError, match=message):
        read_assembly(directory)


def test_dependency_cycle_is_an_error(tmp_path):
    directory = tmp_path / "cdk.out"
    directory.mkdir()
    artifacts = {}
    for name, dep in (("A", "B"), ("B", "A")):
        (directory / f"{name}.template.json").write_text("{}")
        artifacts[name] = {
            "type": "aws:cloudformation:stack",
            "dependencies": [dep],
            "properties": {"templateFile": f"{name}.template.json"},
        }
    (directory / "manifest.json").write_text(json.dumps({"artifacts": artifacts}))
    with pytest.raises(AssemblyError, match="a dependency cycle"):
        read_assembly(directory).deployment_waves()


def test_bad_cdk_json_app_command(tmp_path):
    (tmp_path / "cdk.json").write_text(json.dumps({"app": "node bin/app.js"}))
    with pytest.raises(AssemblyError, match=r"needs `python -m MODULE` or `python FILE.py`"):
        synthesize(tmp_path)


def test_cdk_builtin_validation_is_off_unless_context_turns_it_on(tmp_path):
    write_app(tmp_path)
    off = synthesize(tmp_path, force=True)
    assert not (off.assembly.directory / "validation-report.json").exists()
    on = synthesize(tmp_path, context={VALIDATION_CONTEXT_KEY: True})
    assert on.cached is False and on.key != off.key
    # The CDK writes this report only when its validation ran (with violations, when any: none here).
    report = json.loads((on.assembly.directory / "validation-report.json").read_text())
    assert (report["title"], report["pluginReports"]) == ("Validation Report", [])


def test_an_app_that_sets_cdk_validation_itself_keeps_its_choice(tmp_path):
    write_app(tmp_path, app=TINY_APP.replace("cdk.App()", "cdk.App(builtin_cloud_formation_validation=True)"))
    result = synthesize(tmp_path)
    assert (result.assembly.directory / "validation-report.json").is_file()


def test_cdk_validation_context_value_must_be_a_bool(tmp_path):
    write_app(tmp_path)
    with pytest.raises(AssemblyError, match=r"context stackcheck:cdk-validation='sometimes' must be true or false"):
        synthesize(tmp_path, context={VALIDATION_CONTEXT_KEY: "sometimes"})


def test_an_interrupted_synthesis_leaves_no_staging_folder_and_the_old_assembly_whole(tmp_path):
    write_app(tmp_path)
    first = synthesize(tmp_path)
    write_app(tmp_path, app="raise KeyboardInterrupt\n")  # as Ctrl-C while the app runs
    with pytest.raises(KeyboardInterrupt):
        synthesize(tmp_path)
    assert [p.name for p in tmp_path.iterdir() if p.is_dir() and p.name.startswith(".cdk.out.")] == []
    assert list(read_assembly(tmp_path / "cdk.out").stacks) == list(first.assembly.stacks) == ["First", "Second"]


def test_synth_of_an_app_in_another_folder_writes_a_relative_output_under_the_current_directory(
    tmp_path, monkeypatch, capsys
):
    # as is_current, deploy, scan and the gate read --assembly; `gate --app-dir app` passes `-o cdk.out`
    from stackcheck.cli import main

    write_app(tmp_path / "app")
    monkeypatch.chdir(tmp_path)
    assert main(["synth", "--app-dir", "app", "--output", "cdk.out"]) == 0
    assert (tmp_path / "cdk.out" / "First.template.json").is_file()
    assert not (tmp_path / "app" / "cdk.out").exists()
    assert is_current("app", "cdk.out")
    assert capsys.readouterr().out.startswith(f"cloud assembly {tmp_path / 'cdk.out'}: synthesized in ")


def test_synth_outside_the_app_folder_says_where_to_run_it(tmp_path, monkeypatch, capsys):
    from stackcheck.cli import main

    monkeypatch.chdir(tmp_path)
    assert main(["synth"]) == 2
    assert capsys.readouterr().err == (
        f"stackcheck synth: error: CDK settings file {tmp_path.resolve() / 'cdk.json'} does not exist; run this in the "
        "folder holding the app's cdk.json, or name that folder with --app-dir DIR "
        "(scan: --synth-arg=--app-dir --synth-arg=DIR)\n"
    )


def test_stale_reasons_name_the_source_files_that_changed_since_the_synthesis(tmp_path):
    from stackcheck.assembly import stale_reasons

    app = tmp_path / "app"
    write_app(app)
    (app / "cdk.json").write_text(json.dumps({"app": "python -m tinyapp.main"}))  # no watch: the whole folder
    (app / "notes.txt").write_text("kept")
    synthesize(app)
    assert stale_reasons(app) == []
    (app / "reports-qs").mkdir()
    (app / "reports-qs" / "compliance.json").write_text("{}")  # a report folder the defaults do not know
    (app / "tinyapp" / "main.py").write_text((app / "tinyapp" / "main.py").read_text() + "\n")
    (app / "notes.txt").unlink()
    assert stale_reasons(app) == ["notes.txt removed", "reports-qs/compliance.json added", "tinyapp/main.py changed"]
    assert stale_reasons(app, limit=1) == ["notes.txt removed", "and 2 more"]


def test_stale_reasons_without_changed_files_blame_cdk_json_or_say_there_is_no_record(tmp_path):
    from stackcheck.assembly import CACHE_RECORD, stale_reasons

    synthesize(write_app(tmp_path))
    assert stale_reasons(tmp_path, context={"stage": "qa"}) == [
        "cdk.json's app command or context, or the CDK package versions, changed"
    ]
    cdk_json = json.loads((tmp_path / "cdk.json").read_text())
    cdk_json["context"]["stage"] = "qa"
    (tmp_path / "cdk.json").write_text(json.dumps(cdk_json))
    assert stale_reasons(tmp_path) == ["cdk.json changed"]  # cdk.json is a watched file too
    (tmp_path / "cdk.out" / CACHE_RECORD).unlink()
    assert stale_reasons(tmp_path) == [
        "no record of its sources (synthesized by another tool, or before stackcheck kept one)"
    ]


def test_a_stale_assembly_refused_by_deploy_names_what_changed(tmp_path):
    from stackcheck.emulator.command import check_current

    synthesize(write_app(tmp_path))
    (tmp_path / "tinyapp" / "extra.py").write_text("")
    with pytest.raises(AssemblyError) as err:
        check_current(str(tmp_path), str(tmp_path / "cdk.out"), allow_stale=False)
    assert str(err.value).startswith(
        f"cloud assembly {tmp_path / 'cdk.out'} is stale: since it was synthesized, tinyapp/extra.py added (the "
        "sources are the files of cdk.json's watch; a folder of outputs belongs in its watch.exclude)"
    )
