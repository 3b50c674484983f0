"""VoipCenter's live channel: a Socket.IO server (python-socketio 4.x: Socket.IO protocol 4,
Engine.IO 3, what VoipCenter's server speaks to voipcenter-hacs) on its own port.

A client gets a key from ``get.php m=wskey&id=<ws_user>``, connects, receives
``serveroutput``, emits ``register`` with ``{username, wskey}`` (a wrong pair is
disconnected at once), then receives one ``notify`` per step of its account's calls.
The notify payload is the sandbox's own guess (VoipCenter publishes none); see
docs/sandbox.md. ``drop_all(refuse_for)`` closes every connection and refuses new
ones for a while, so a call can end while a client is away.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import socket
import threading
import time
from typing import Any

import socketio
import uvicorn
from socketio.packet import EVENT, Packet

log = logging.getLogger("sandbox.voipcenter_stream")
# engineio logs every packet at INFO, register keys with them: only its warnings.
_engineio_log = logging.getLogger("sandbox.voipcenter_stream.engineio")
_engineio_log.setLevel(logging.WARNING)

HANGUP_STATUS = {
    "completed": "ANSWER",
    "no_answer": "NOANSWER",
    "busy": "BUSY",
    "canceled": "CANCEL",
    "failed": "FAILED",
}
# Sandbox step (event, leg) -> notify state word; inbound calls ring and answer the agent.
OUTBOUND_STATES = {
    ("dial-in", "agent"): "ringing",
    ("answer", "agent"): "pickup",
    ("dial-out", "customer"): "dialing",
    ("answer", "customer"): "answered",
}
INBOUND_STATES = {("dial-in", "agent"): "ringing", ("answer", "agent"): "answered"}


def render_notify(call: Any, step: dict[str, Any]) -> dict[str, Any] | None:
    """One step of a call as a notify message; None for a step VoipCenter would not show."""
    outbound = call.direction == "outbound"
    key = (step["event"], step["leg"])
    state = (
        "hangup"
        if step["event"] == "hangup"
        else ((OUTBOUND_STATES if outbound else INBOUND_STATES).get(key))
    )
    if state is None:
        return None
    info = call.info
    message = {
        "event": state,
        "callid": call.id,
        "direction": "out" if outbound else "in",
        "sipacc": str(info.get("agent", "")),
        "caller": str(info.get("from", "")),
        "callee": str(info.get("to", "")),
        "timestamp": round(step["time"], 3),
    }
    if state == "hangup":
        message["status"] = HANGUP_STATUS.get(step.get("status", ""), "FAILED")
        answered = call.legs.get("customer" if outbound else "agent", {}).get("answered_at")
        message["billsec"] = round(step["time"] - answered) if answered else 0
    return message


class StreamServer:
    """The Socket.IO server, run by uvicorn on a thread with its own event loop."""

    def __init__(self, host: str, port: int) -> None:
        self.sio = socketio.AsyncServer(
            async_mode="asgi", logger=log, engineio_logger=_engineio_log
        )
        self._keys: dict[str, tuple[str, str]] = {}  # key -> (account name, ws user)
        self._connected: set[str] = set()
        self._registered: dict[str, set[str]] = {}  # account name -> its clients
        self._lock = threading.Lock()
        self._refuse_until = 0.0
        self.sent = 0
        self._handlers()
        self._sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._sock.bind((host, port))
        self._sock.listen(128)  # connections wait in the backlog until uvicorn serves
        self.host, self.port = self._sock.getsockname()[:2]
        config = uvicorn.Config(
            socketio.ASGIApp(self.sio), log_level="warning", lifespan="off", ws="websockets-sansio"
        )
        self._server = uvicorn.Server(config)
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._run, daemon=True, name="voipcenter-stream")

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> StreamServer:
        self._thread.start()
        return self

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)
        self.loop.run_until_complete(self._server.serve(sockets=[self._sock]))

    def close(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=5)

    def issue_key(self, account: str, ws_user: str) -> str:
        """get.php m=wskey: a fresh key for this account's websocket user."""
        key = secrets.token_hex(16)
        with self._lock:
            self._keys[key] = (account, ws_user)
        return key

    def _handlers(self) -> None:
        sio = self.sio

        @sio.event
        async def connect(sid: str, environ: dict) -> bool:
            if time.time() < self._refuse_until:
                return False
            # After the handler returns: Socket.IO 2 sends the CONNECT packet only then.
            with self._lock:
                self._connected.add(sid)
            sio.start_background_task(self._greet, sid)
            return True

        @sio.event
        async def disconnect(sid: str) -> None:
            with self._lock:
                self._connected.discard(sid)
                for clients in self._registered.values():
                    clients.discard(sid)

        @sio.event
        async def register(sid: str, data: Any) -> None:
            data = data if isinstance(data, dict) else {}
            with self._lock:
                owner = self._keys.get(str(data.get("wskey", "")))
            if owner is None or owner[1] != str(data.get("username", "")):
                log.info("register refused for %s", str(data.get("username", ""))[:40])
                await sio.disconnect(sid)
                return
            with self._lock:
                self._registered.setdefault(owner[0], set()).add(sid)
            log.info("stream client registered for account %s", owner[0])

    async def _greet(self, sid: str) -> None:
        await asyncio.sleep(0.05)
        await self._emit(sid, "serveroutput", {"message": "Welcome to the sandbox stream"})

    async def _emit(self, sid: str, event: str, data: Any) -> None:
        """One event to one client through Engine.IO's send: python-socketio 4.6.1's emit
        hands bare coroutines to asyncio.wait(), which Python 3.11 refuses (and 4.6.1 is
        the last release speaking VoipCenter's protocol)."""
        await self.sio.eio.send(sid, Packet(EVENT, data=[event, data]).encode())

    async def _emit_to_account(self, account: str, event: str, data: Any) -> None:
        with self._lock:
            clients = list(self._registered.get(account, ()))
        await asyncio.gather(*(self._emit(sid, event, data) for sid in clients))

    @property
    def connections(self) -> int:
        with self._lock:
            return len(self._connected)

    def notify(self, call: Any, step: dict[str, Any]) -> dict[str, Any] | None:
        """Send a call step to the clients registered for its account (any thread)."""
        message = render_notify(call, step)
        if message is not None:
            sending = self._emit_to_account(call.account["name"], "notify", message)
            asyncio.run_coroutine_threadsafe(sending, self.loop)
            self.sent += 1
        return message

    def drop_all(self, refuse_for: float = 0.0) -> int:
        """Close every stream connection; refuse new ones for ``refuse_for`` seconds."""
        self._refuse_until = time.time() + max(refuse_for, 0.0)
        future = asyncio.run_coroutine_threadsafe(self._drop(), self.loop)
        return future.result(timeout=5)

    async def _drop(self) -> int:
        with self._lock:
            sids = list(self._connected)
        for sid in sids:
            await self.sio.disconnect(sid)
        return len(sids)


def handle_control(server: StreamServer | None, request: Any) -> Any:
    """``POST /_sandbox/voipcenter/stream/drop`` ``{"refuse_for": seconds}``: drop every
    stream connection (the resume test); ``GET /_sandbox/voipcenter/stream``: its state."""
    from sandbox.web import json_response

    if server is None:
        return json_response(404, {"error": "the VoipCenter stream is not running"})
    path = request.path.rstrip("/")
    if request.method == "POST" and path.endswith("/stream/drop"):
        try:
            body = request.json() if request.body else {}
        except ValueError:
            body = {}
        refuse_for = float((body or {}).get("refuse_for", 0) or 0)
        return json_response(200, {"dropped": server.drop_all(refuse_for)})
    if request.method == "GET" and path.endswith("/stream"):
        return json_response(
            200,
            {"url": server.url, "connections": server.connections, "sent": server.sent},
        )
    return json_response(404, {"error": "unknown control endpoint"})
