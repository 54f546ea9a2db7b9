"""`stackcheck outputs flatten FILE`: the cdk CLI's nested outputs file → flat-outputs.json beside it."""

from __future__ import annotations

import json

import pytest

from stackcheck.cli import main
from stackcheck.errors import OutputCollisionError, OutputsError
from stackcheck.outputs.command import flatten_file

# What `cdk deploy --all --outputs-file` writes: stack name → output key → value (numbers stay numbers).
CDK_CLI_OUTPUTS = {
    "TapStackdevSource": {"SourceVpcId": "vpc-0a1b2c3d", "SourceDbEndpointPort": 5432},
    "TapStackdevRoute53": {"HostedZoneId": "Z0123456789ABCDEFGHIJ"},
}


def test_flatten_writes_flat_outputs_beside_the_file(tmp_path):
    source = tmp_path / "all-outputs.json"
    source.write_text(json.dumps(CDK_CLI_OUTPUTS))
    written = flatten_file(source)
    assert written == tmp_path / "flat-outputs.json"
    assert json.loads(written.read_text()) == {
        "SourceVpcId": "vpc-0a1b2c3d",
        "SourceDbEndpointPort": "5432",
        "HostedZoneId": "Z0123456789ABCDEFGHIJ",
    }


def test_flatten_refuses_a_key_two_stacks_declare_and_writes_nothing(tmp_path):
    source = tmp_path / "all-outputs.json"
    source.write_text(json.dumps({"A": {"VpcId": "vpc-1"}, "B": {"VpcId": "vpc-2"}}))
    with pytest.raises(OutputCollisionError, match="'VpcId' is declared by both stack 'A' and stack 'B'"):
        flatten_file(source)
    assert not (tmp_path / "flat-outputs.json").exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "does not exist"),
        ("", "is empty"),
        ("{", "is not valid JSON"),
        ('{"VpcId": "vpc-1"}', "is not the cdk CLI's nested shape"),
    ],
)
def test_flatten_refuses_a_bad_file(tmp_path, content, message):
    source = tmp_path / "all-outputs.json"
    if content is not None:
        source.write_text(content)
    with pytest.raises(OutputsError, match=message):
        flatten_file(source)


def test_outputs_flatten_command(tmp_path, capsys):
    source = tmp_path / "all-outputs.json"
    source.write_text(json.dumps(CDK_CLI_OUTPUTS))
    assert main(["outputs", "flatten", str(source)]) == 0
    assert capsys.readouterr().out == f"{tmp_path / 'flat-outputs.json'}: 3 outputs\n"


def test_outputs_flatten_command_exits_2_on_collision(tmp_path, capsys):
    source = tmp_path / "all-outputs.json"
    source.write_text(json.dumps({"A": {"VpcId": "vpc-1"}, "B": {"VpcId": "vpc-2"}}))
    assert main(["outputs", "flatten", str(source)]) == 2
    assert "declared by both stack 'A' and stack 'B'" in capsys.readouterr().err


NOT_UTF8 = b'{"SourceVpcId": "vpc-\xff"}'
DEPLOY_LOCAL_AGAIN = "deploy again with `make deploy-local`"


@pytest.mark.parametrize(
    ("argv", "name", "what", "next_step"),
    [
        (
            ["outputs", "flatten", "{dir}/all-outputs.json"],
            "all-outputs.json",
            "outputs file",
            "deploy first with `make deploy`, which writes it; did the deploy fail?",
        ),
        (["emulator", "stop", "--outputs-dir", "{dir}"], "target.json", "emulator record", DEPLOY_LOCAL_AGAIN),
        (["destroy", "--outputs-dir", "{dir}"], "target.json", "emulator record", DEPLOY_LOCAL_AGAIN),
    ],
)
def test_non_utf8_outputs_files_exit_2_naming_the_file(tmp_path, capsys, argv, name, what, next_step):
    (tmp_path / name).write_bytes(NOT_UTF8)
    assert main([part.format(dir=tmp_path) for part in argv]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err == (
        f"stackcheck {argv[0]}: error: {what} {tmp_path / name} is not UTF-8 text (byte 21: invalid start byte); "
        f"{next_step}\n"
    )
    assert not (tmp_path / "flat-outputs.json").exists()


def test_non_utf8_flat_outputs_file_raises_outputs_error_for_checks(tmp_path):
    from stackcheck.outputs import load_outputs
    from stackcheck.outputs.resolver import OutputResolver

    path = tmp_path / "flat-outputs.json"
    path.write_bytes(NOT_UTF8)
    message = (
        f"outputs file {path} is not UTF-8 text (byte 21: invalid start byte); deploy first with `make deploy-local`"
    )
    for read in (load_outputs, OutputResolver.from_file):
        with pytest.raises(OutputsError) as err:
            read(path)
        assert str(err.value) == message
        assert err.value.exit_code == 2
