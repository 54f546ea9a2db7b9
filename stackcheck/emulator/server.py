"""The emulator's server process: moto's HTTP server, with the project's CloudFormation extension installed first.

Run as ``python -m stackcheck.emulator.server --host H --port P --ready-file F`` (``process.start``
does). Once the socket is bound it writes ``{"port": N, "pid": N}`` to the ready file, so port 0
(any free port) needs no guess-and-retry; it serves until SIGTERM/SIGINT.
"""

from __future__ import annotations

import argparse
import html
import json
import logging
import os
import signal
import sys
import threading
from typing import Any

from stackcheck.emulator.capabilities import NATIVE_TYPES_PATH
from stackcheck.emulator.cfn._registry import relies_on
from stackcheck.emulator.latency import Latency, LatencyMiddleware, parse_latency

__all__ = ["PREWARMED_SERVICES", "NativeTypesMiddleware", "main", "make_server", "prewarm"]

PREWARMED_SERVICES = (
    "cloudformation", "ec2", "elbv2", "ecs", "iam", "kms", "logs", "rds", "route53", "s3", "secretsmanager", "sns",
    "ssm", "sts",
)  # fmt: skip
"""moto backends made for the default account and the server's region as soon as it serves: the services a CDK
app's stacks most often create through CloudFormation."""

relies_on("moto.moto_server.werkzeug_app", "DomainDispatcherApplication")
relies_on("moto.moto_server.werkzeug_app", "MotoRequestHandler")
relies_on("moto.moto_server.werkzeug_app", "create_backend_app")
relies_on("moto.backends", "get_backend")
relies_on("moto.utilities.utils", "get_partition")


class NativeTypesMiddleware:
    """WSGI middleware: ``GET /_stackcheck/native-types`` answers ``cfn.moto_native_types()`` of this
    process as JSON (type → ``module.Class``), so a deploy plans against the moto this server runs
    without importing moto's models itself (``capabilities.served_native_types``); every other
    request goes to ``app``."""

    def __init__(self, app: Any):
        self.app = app
        self._body: bytes | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != NATIVE_TYPES_PATH or environ.get("REQUEST_METHOD") != "GET":
            return self.app(environ, start_response)
        if self._body is None:
            from stackcheck.emulator import cfn

            self._body = json.dumps(cfn.moto_native_types(), sort_keys=True).encode("utf-8")
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(self._body)))])
        return [self._body]


def prewarm(region: str) -> None:
    """Do now the one-off work moto and the extension would otherwise do inside the first deployment's
    CreateStack: each PREWARMED_SERVICES backend of the default account in ``region`` (botocore's region
    lists, moto's defaults such as the default VPC) and the RDS engine-version tables
    (``cfn.rds_versions``, read from cfn-lint's files without importing cfn-lint). Run in a thread beside
    the serving one: moto creates backends under its ``backend_lock``, so a request that needs one
    meanwhile gets the same backend. Never raises: a failure only means that work is done later, on
    demand, as it was before."""
    try:
        from moto.backends import get_backend
        from moto.core import DEFAULT_ACCOUNT_ID
        from moto.utilities.utils import get_partition

        from stackcheck.emulator.cfn import rds_versions

        rds_versions.load_tables()
        for service in PREWARMED_SERVICES:
            backends = get_backend(service)[DEFAULT_ACCOUNT_ID]  # type: ignore[call-overload]
            backends[region if region in backends.regions else get_partition(region)]  # global: by partition
    except Exception as exc:
        print(f"stackcheck emulator: prewarm stopped ({type(exc).__name__}: {exc}); continuing", flush=True)


def _not_implemented_answer(exc: NotImplementedError) -> Any:
    """Flask error handler: an operation moto lacks answers HTTP 501 with an AWS-shaped error (code
    ``NotImplemented``; JSON for a JSON-protocol request, else the query/REST-XML ``ErrorResponse``) and
    one log line, instead of a 500 HTML page and a traceback in the log the start-up errors are read for.
    botocore does not retry 501 (https://docs.aws.amazon.com/sdkref/latest/guide/feature-retry-behavior.html)."""
    from flask import Response, request

    message = f"moto {_moto_version()}: {exc}"
    print(f"stackcheck emulator: {request.method} {request.path}: {exc} (answered 501 NotImplemented)", flush=True)
    if "json" in (request.content_type or ""):
        body, kind = json.dumps({"__type": "NotImplemented", "message": message}), "application/x-amz-json-1.1"
    else:
        body = (
            "<ErrorResponse><Error><Type>Sender</Type><Code>NotImplemented</Code>"
            f"<Message>{html.escape(message)}</Message></Error><RequestId>stackcheck-emulator</RequestId>"
            "</ErrorResponse>"
        )
        kind = "text/xml"
    return Response(body, status=501, content_type=kind)


def _answering_not_implemented(create_backend_app: Any) -> Any:
    """``create_backend_app`` whose per-service Flask apps answer moto's NotImplementedError with ``_not_implemented_answer``."""

    def create(service: Any) -> Any:
        backend_app = create_backend_app(service)
        backend_app.register_error_handler(NotImplementedError, _not_implemented_answer)
        return backend_app

    return create


def make_server(host: str, port: int, latency: Latency | None = None) -> Any:
    """A bound (not yet serving) werkzeug server running moto's app with the extension installed.

    This is what ``moto.server.ThreadedMotoServer`` builds, minus its thread: binding here, in
    the caller's thread, makes "address in use" an exception instead of a thread that dies while
    ``start()`` waits forever. Raises OSError (or werkzeug's SystemExit, after printing why) when
    the address cannot be bound. ``latency``: a simulated delay before each API answer
    (``stackcheck.emulator.latency``), None for none.
    """
    from stackcheck.emulator import cfn

    cfn.install()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server as werkzeug_make_server

    app: Any = DomainDispatcherApplication(_answering_not_implemented(create_backend_app))
    if latency is not None:
        app = LatencyMiddleware(app, latency)
    app = NativeTypesMiddleware(app)  # outermost: a deploy's planning is not an AWS call, never delayed
    return werkzeug_make_server(host, port, app, threaded=True, request_handler=MotoRequestHandler)


def _write_ready(path: str, port: int) -> None:
    tmp = f"{path}.tmp"
    with open(tmp, "w", encoding="utf-8") as handle:
        json.dump({"port": port, "pid": os.getpid()}, handle)
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    """Entry point of the server process; returns only on SIGTERM/SIGINT (exit 0) or a bind error (exit 3)."""
    parser = argparse.ArgumentParser(prog="python -m stackcheck.emulator.server", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--ready-file", required=True)
    parser.add_argument("--latency", default=None, help="simulated per-call latency, LOW-HIGH[@SEED] ms")
    parser.add_argument("--region", default=None, help="region whose moto backends are made at start (prewarm)")
    args = parser.parse_args(argv)
    latency = parse_latency(args.latency) if args.latency else None
    try:
        server = make_server(args.host, args.port, latency)
    except (OSError, SystemExit) as exc:
        # werkzeug prints the bind error (strerror) and exits 1 itself; say what we tried, exit 3.
        reason = f": {exc}" if isinstance(exc, OSError) else " (reason above)"
        print(f"stackcheck emulator: cannot listen on {args.host}:{args.port}{reason}", file=sys.stderr, flush=True)
        return 3

    def stop(signum: int, frame: Any) -> None:
        raise SystemExit(0)

    # One line per request would bury the errors the log is read for (start-up failures, tracebacks).
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    port = server.server_address[1]
    from stackcheck.emulator.cfn.framework import set_endpoint

    set_endpoint(f"http://{'127.0.0.1' if args.host in ('0.0.0.0', '') else args.host}:{port}")
    print(
        f"stackcheck emulator: moto {_moto_version()} listening on http://{args.host}:{port} (pid {os.getpid()})"
        + (f"; {latency.describe()}" if latency else ""),
        flush=True,
    )
    _write_ready(args.ready_file, port)
    if args.region:
        threading.Thread(target=prewarm, args=(args.region,), name="prewarm", daemon=True).start()
    try:
        server.serve_forever()
    except SystemExit:
        pass
    finally:
        server.server_close()
    print("stackcheck emulator: stopped", flush=True)
    return 0


def _moto_version() -> str:
    from importlib import metadata

    return metadata.version("moto")


if __name__ == "__main__":
    code = main()
    sys.stdout.flush()
    sys.stderr.flush()
    # All state is in memory and the socket is closed: skip the interpreter's teardown of moto's module
    # graph (0.6 s of every `stackcheck destroy`, whose caller waits for this process to exit).
    os._exit(code)
