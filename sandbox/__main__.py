"""``python -m sandbox``: run the sandbox PBX on loopback.

Every option has a ``SANDBOX_*`` environment twin (the flag wins). With ``--port 0``
the OS picks a free port; the first stdout line always says where it listens.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys
import threading
from pathlib import Path
from typing import Any

from sandbox.accounts import TIMING_KEYS
from sandbox.server import Sandbox, make_server

log = logging.getLogger("sandbox")


def _loopback(host: str) -> str:
    """The sandbox has no real security: refuse to listen beyond this machine."""
    if host == "localhost":
        return host
    try:
        if ipaddress.ip_address(host).is_loopback:
            return host
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"{host} is not a loopback address; use 127.0.0.1")


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    env = os.environ
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", type=_loopback, default=env.get("SANDBOX_HOST", "127.0.0.1"))
    parser.add_argument("--port", type=int, default=int(env.get("SANDBOX_PORT", "8010")))
    parser.add_argument(
        "--config",
        default=env.get("SANDBOX_CONFIG", ""),
        help="JSON accounts file, re-read when it changes (missing: no accounts)",
    )
    parser.add_argument("--log-level", default=env.get("SANDBOX_LOG_LEVEL", "INFO"))
    parser.add_argument(
        "--ws-port",
        type=int,
        default=_env_int("SANDBOX_WS_PORT"),
        help="VoipCenter's Socket.IO stream (default: --port + 1; 0 with --port 0)",
    )
    for key in TIMING_KEYS:
        name = key.replace("_", "-")
        parser.add_argument(
            f"--{name}",
            type=float,
            dest=key,
            default=_env_float(f"SANDBOX_{key.upper()}"),
            help=f"seconds (env SANDBOX_{key.upper()})",
        )
    args = parser.parse_args(argv)
    args.host = _loopback(args.host)  # the env default skipped argparse's type check
    return args


def _env_int(name: str) -> int | None:
    value = os.environ.get(name, "").strip()
    return int(value) if value else None


def _env_float(name: str) -> float | None:
    value = os.environ.get(name, "").strip()
    return float(value) if value else None


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    logging.basicConfig(
        level=args.log_level.upper(),
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    overrides: dict[str, Any] = {
        k: getattr(args, k) for k in TIMING_KEYS if getattr(args, k) is not None
    }
    sandbox = Sandbox(Path(args.config) if args.config else None, overrides)
    server = make_server(args.host, args.port, sandbox)
    host, port = server.server_address[:2]
    print(f"sandbox PBX listening on http://{host}:{port}", flush=True)
    ws_port = args.ws_port if args.ws_port is not None else (args.port + 1 if args.port else 0)
    stream = sandbox.start_voipcenter_stream(args.host, ws_port)
    log.info("VoipCenter stream (Socket.IO) listening on %s", stream.url)

    def stop(_signum: int, _frame: Any) -> None:
        # shutdown() waits for serve_forever to return, so it must not run on its thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        sandbox.close()
        server.server_close()
        log.info("sandbox PBX stopped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
