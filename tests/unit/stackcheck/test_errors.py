"""Errors carry what to do next as data; it is said as a make target where the project's Makefile has one."""

from __future__ import annotations

import pytest

from stackcheck.errors import AmbiguousOutputError, BadInputError, NextStep, OutputsError


def test_next_step_is_a_make_target_where_the_makefile_defines_it(tmp_path):
    (tmp_path / "Makefile").write_text("synth: venv\n\t.venv/bin/stackcheck synth\nVAR := x\n")
    assert NextStep.SYNTH.render(tmp_path) == "synthesize first with `make synth`"
    assert NextStep.DEPLOY_LOCAL.render(tmp_path) == (
        "deploy first with `stackcheck emulator start && stackcheck deploy --target emulator`"
    )


def test_next_step_is_the_stackcheck_command_without_a_makefile(tmp_path):
    assert NextStep.RESYNTH.render(tmp_path) == "synthesize again with `stackcheck synth`"
    assert NextStep.DESTROY_LOCAL.render(tmp_path) == (
        "tear it down with `stackcheck destroy --target emulator` before deploying again"
    )


def test_str_joins_message_and_step_for_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    error = OutputsError("outputs file x.json does not exist", next_step=NextStep.SYNTH)
    assert (error.message, error.next_step) == ("outputs file x.json does not exist", NextStep.SYNTH)
    assert str(error) == "outputs file x.json does not exist; synthesize first with `stackcheck synth`"
    (tmp_path / "Makefile").write_text("synth:\n\ttrue\n")
    assert str(error) == "outputs file x.json does not exist; synthesize first with `make synth`"


def test_no_step_no_tail():
    assert str(BadInputError("bad key")) == "bad key"
    with pytest.raises(AmbiguousOutputError) as err:
        raise AmbiguousOutputError("two match", ["A", "B"])
    assert (str(err.value), err.value.candidates) == ("two match", ["A", "B"])
