"""The emulator's server process: start, status, stale records, stop, the errors of a failed start, clients."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys

import pytest

from stackcheck.cli import main
from stackcheck.emulator import process
from stackcheck.emulator.process import EmulatorRecord, emulator_session, is_answering, start, status, stop
from stackcheck.errors import EmulatorError, EmulatorRecordError

pytestmark = pytest.mark.emulator


def dead_pid() -> int:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    return child.pid


def write_record(directory, **fields) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    record = {"target": "emulator", "endpoint_url": "http://127.0.0.1:9", "region": "us-east-1", "pid": 1, **fields}
    (directory / "target.json").write_text(json.dumps(record))


def test_start_records_a_server_that_answers(tmp_path):
    record, started = start(tmp_path)
    try:
        on_disk = json.loads((tmp_path / "target.json").read_text())
        assert started is True
        assert on_disk == {
            "target": "emulator",
            "endpoint_url": record.endpoint_url,
            "region": "us-east-1",
            "pid": record.pid,
        }
        assert record.endpoint_url.startswith("http://127.0.0.1:")
        assert is_answering(record.endpoint_url)
        assert status(tmp_path).state == "running"
        assert "listening on " + record.endpoint_url in (tmp_path / "emulator.log").read_text()
    finally:
        stop(tmp_path)
    assert not (tmp_path / "target.json").exists()
    assert not is_answering(record.endpoint_url, timeout=0.5)


def test_server_outlives_the_command_that_started_it(tmp_path):
    command = [sys.executable, "-m", "stackcheck", "emulator", "start", "--outputs-dir", str(tmp_path)]
    completed = subprocess.run(command, capture_output=True, text=True, timeout=60)
    try:
        assert completed.returncode == 0, completed.stderr
        assert status(tmp_path).state == "running"
    finally:
        stop(tmp_path)


def test_start_reuses_a_running_server(emulator_server, emulator_dir):
    record, started = start(emulator_dir)
    assert (record, started) == (emulator_server, False)


def test_server_runs_in_its_own_session(emulator_server):
    assert os.getsid(emulator_server.pid) == emulator_server.pid != os.getsid(0)


def test_status_of_a_dead_process_is_stale(tmp_path):
    write_record(tmp_path, pid=dead_pid())
    current = status(tmp_path)
    assert (current.state, current.exit_code) == ("stale", 1)


def test_status_of_a_live_process_that_is_not_the_server_is_stale(tmp_path):
    write_record(tmp_path, pid=os.getpid())
    assert status(tmp_path).state == "stale"


def test_status_without_record_is_absent(tmp_path):
    current = status(tmp_path)
    assert (current.state, current.exit_code, current.record) == ("absent", 3, None)


def test_start_replaces_a_stale_record(tmp_path):
    write_record(tmp_path, pid=dead_pid(), endpoint_url="http://127.0.0.1:9")
    record, started = start(tmp_path)
    try:
        assert started is True
        assert (
            json.loads((tmp_path / "target.json").read_text())["endpoint_url"]
            == record.endpoint_url
            != "http://127.0.0.1:9"
        )
    finally:
        stop(tmp_path)


def test_start_on_a_taken_port_fails_naming_the_port(tmp_path):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(EmulatorError, match=f"port {port} on 127.0.0.1 is already in use"):
            start(tmp_path, port=port)
    assert not (tmp_path / "target.json").exists()


def test_server_that_dies_at_start_shows_the_log_tail(tmp_path):
    with pytest.raises(EmulatorError) as err:
        start(tmp_path, host="256.0.0.1")
    message = str(err.value)
    assert "exited with code 3 while starting" in message
    assert "cannot listen on 256.0.0.1:0" in message
    assert not (tmp_path / "target.json").exists()


def test_server_that_does_not_answer_in_time_is_stopped(tmp_path):
    with pytest.raises(EmulatorError, match=r"did not answer within 0.01 s; it was stopped") as err:
        start(tmp_path, timeout=0.01)
    pid = int(str(err.value).split("(pid ")[1].split(")")[0])
    assert not process._is_our_server(pid)
    assert not (tmp_path / "target.json").exists()


def test_stop_without_record_returns_none(tmp_path):
    assert stop(tmp_path) is None


def test_stop_removes_a_stale_record_without_signalling(tmp_path):
    write_record(tmp_path, pid=os.getpid())
    assert stop(tmp_path) == EmulatorRecord("http://127.0.0.1:9", "us-east-1", os.getpid())
    assert not (tmp_path / "target.json").exists()


def test_malformed_record_is_an_error_naming_the_file(tmp_path):
    write_record(tmp_path)
    (tmp_path / "target.json").write_text('{"target": "emulator"}')
    with pytest.raises(EmulatorRecordError, match=r"target.json lacks endpoint_url, region, pid"):
        status(tmp_path)


def test_emulator_session_signs_with_fake_credentials_only_in_the_session(emulator_server, monkeypatch):
    monkeypatch.delenv("AWS_ACCESS_KEY_ID", raising=False)
    session = emulator_session(emulator_server)
    credentials = session.get_credentials()
    assert (credentials.access_key, credentials.secret_key, session.region_name) == ("testing", "testing", "us-east-1")
    assert "AWS_ACCESS_KEY_ID" not in os.environ


def test_client_talks_to_the_emulator_endpoint(emulator, emulator_dir):
    s3 = process.client("s3", outputs_dir=emulator_dir)
    s3.create_bucket(Bucket="stackcheck-client-test")
    assert s3.meta.endpoint_url == emulator.endpoint_url
    assert [b["Name"] for b in s3.list_buckets()["Buckets"]] == ["stackcheck-client-test"]


def test_client_without_running_emulator_says_how_to_start_it(tmp_path):
    with pytest.raises(EmulatorError, match=r"the emulator is absent .*; start it with `stackcheck emulator start`"):
        process.client("s3", outputs_dir=tmp_path)


@pytest.mark.parametrize(
    ("record_pid", "expected_code", "expected_word"),
    [("none", 3, "absent"), ("dead", 1, "stale")],
)
def test_status_command_exit_codes(tmp_path, capsys, record_pid, expected_code, expected_word):
    if record_pid == "dead":
        write_record(tmp_path, pid=dead_pid())
    assert main(["emulator", "status", "--outputs-dir", str(tmp_path)]) == expected_code
    assert capsys.readouterr().out.startswith(f"emulator {expected_word}: ")


def test_status_command_running_exits_zero(emulator_server, emulator_dir, capsys):
    assert main(["emulator", "status", "--outputs-dir", str(emulator_dir)]) == 0
    assert (
        capsys.readouterr().out
        == f"emulator running: pid {emulator_server.pid} answers at {emulator_server.endpoint_url}\n"
    )


def test_start_command_on_a_taken_port_exits_3(tmp_path, capsys):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        code = main(["emulator", "start", "--port", str(port), "--outputs-dir", str(tmp_path)])
    assert code == 3
    assert f"port {port} on 127.0.0.1 is already in use" in capsys.readouterr().err


def test_start_and_stop_commands(tmp_path, capsys):
    assert main(["emulator", "start", "--outputs-dir", str(tmp_path)]) == 0
    record = process.read_record(tmp_path)
    assert main(["emulator", "stop", "--outputs-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith(f"emulator started at {record.endpoint_url} (pid {record.pid}, region us-east-1)")
    assert out[1] == f"emulator stopped (pid {record.pid}, {record.endpoint_url}); record removed"
