"""The fleet file: validated entries (errors naming entry, line and key) and the GitHub Actions matrix."""

from __future__ import annotations

import json
import textwrap

import pytest

from stackcheck.cli import main
from stackcheck.fleet import FleetError, FleetTarget, load_fleet

GOOD = """\
- name: prod-eu
  account: '111111111111'
  region: eu-west-1
  role_arn: arn:aws:iam::111111111111:role/stackcheck-nightly
  environment_suffix: prod
- name: gov
  account: '222222222222'
  region: us-gov-west-1
  role_arn: arn:aws-us-gov:iam::222222222222:role/ci/stackcheck
"""


def write(tmp_path, text):
    path = tmp_path / "fleet.yaml"
    path.write_text(textwrap.dedent(text))
    return path


def test_a_fleet_loads_in_file_order_with_defaults(tmp_path):
    assert load_fleet(write(tmp_path, GOOD)) == (
        FleetTarget(
            "prod-eu", "111111111111", "eu-west-1", "arn:aws:iam::111111111111:role/stackcheck-nightly", "prod"
        ),
        FleetTarget("gov", "222222222222", "us-gov-west-1", "arn:aws-us-gov:iam::222222222222:role/ci/stackcheck"),
    )


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        (
            "- name: a\n  region: eu-west-1\n  role_arn: arn:aws:iam::111111111111:role/r\n",
            "entry 1 (line 1) 'a': account is missing",
        ),
        (
            "- name: a\n  account: 1234\n  region: eu-west-1\n  role_arn: arn:aws:iam::111111111111:role/r\n",
            "entry 1 (line 1) 'a': account must be a string (got int)",
        ),
        (
            "- name: a\n  account: '12'\n  region: eu-west-1\n  role_arn: arn:aws:iam::111111111111:role/r\n",
            "entry 1 (line 1) 'a': account '12' must be 12 digits (quote it in YAML: '012345678901')",
        ),
        (
            "- name: a\n  account: '111111111111'\n  region: europe\n  role_arn: arn:aws:iam::111111111111:role/r\n",
            "entry 1 (line 1) 'a': region 'europe' is not an AWS region name (like us-east-1)",
        ),
        (
            "- name: a\n  account: '111111111111'\n  region: eu-west-1\n  role_arn: arn:aws:iam::999999999999:role/r\n",
            "entry 1 (line 1) 'a': role_arn arn:aws:iam::999999999999:role/r is in account 999999999999, not 111111111111",
        ),
        (
            "- name: a\n  account: '111111111111'\n  region: eu-west-1\n  role_arn: arn:aws:iam::111111111111:role/r\n"
            "  regoin: x\n",
            "entry 1 (line 1) 'a': unknown key(s) regoin; valid keys: account, assembly, environment_suffix, name, "
            "region, role_arn",
        ),
        ("- just a string\n", "entry 1 (line 1): the entry must be a mapping of keys (got str)"),
    ],
)
def test_a_bad_entry_is_exit_2_naming_entry_line_and_key(tmp_path, entry, problem):
    path = write(tmp_path, entry)
    with pytest.raises(FleetError) as err:
        load_fleet(path)
    assert err.value.message == f"fleet file {path}: {problem}"
    assert err.value.exit_code == 2


def test_a_repeated_name_is_refused(tmp_path):
    path = write(tmp_path, GOOD + GOOD.replace("prod-eu", "other"))
    with pytest.raises(FleetError, match=r"entry 4 \(line 15\) 'gov': name 'gov' is already used by entry 2"):
        load_fleet(path)


def test_an_empty_fleet_is_refused(tmp_path):
    with pytest.raises(FleetError, match="lists no target"):
        load_fleet(write(tmp_path, "[]\n"))


def test_fleet_matrix_prints_one_job_per_target(tmp_path, capsys):
    assert main(["fleet", "matrix", "--fleet", str(write(tmp_path, GOOD))]) == 0
    out = capsys.readouterr().out
    assert out.count("\n") == 1  # one line, for $GITHUB_OUTPUT
    assert json.loads(out) == {
        "include": [
            {
                "name": "prod-eu",
                "account": "111111111111",
                "region": "eu-west-1",
                "role_arn": "arn:aws:iam::111111111111:role/stackcheck-nightly",
                "environment_suffix": "prod",
                "assembly": "cdk.out",
            },
            {
                "name": "gov",
                "account": "222222222222",
                "region": "us-gov-west-1",
                "role_arn": "arn:aws-us-gov:iam::222222222222:role/ci/stackcheck",
                "environment_suffix": "dev",
                "assembly": "cdk.out",
            },
        ]
    }


def test_fleet_matrix_of_a_missing_file_exits_2(tmp_path, capsys):
    assert main(["fleet", "matrix", "--fleet", str(tmp_path / "nowhere.yaml")]) == 2
    assert "fleet file" in capsys.readouterr().err
