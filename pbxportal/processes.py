"""`make run`'s process runner: every Procfile process, restarted when it dies.

honcho (what `make run` used before) stops every process as soon as one exits, so one
crashed worker took the whole product down; it has no option to restart one (its
``--respawn`` pull request, nickstenning/honcho#195, was closed unmerged). This runner
starts each Procfile line, prefixes its output with its name, restarts a process that
exits (after a growing pause, saying which one, its exit code and when it comes back)
and stops everything on Ctrl-C or SIGTERM.

    python -m pbxportal.processes [-f Procfile] [--banner FILE]

Production runs each process under systemd instead (docs/deploy.md).
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

# Pauses before restarting a process that keeps dying; the last one repeats.
BACKOFF = (1.0, 2.0, 5.0, 10.0, 30.0)
# A process that ran this long before dying starts again from the first pause.
STEADY_AFTER = 30.0
# How long processes get to stop after SIGTERM before SIGKILL (Celery finishes its tasks).
STOP_GRACE = 10.0
RUNNER = "runner"


@dataclass(frozen=True)
class Line:
    """One Procfile line: a name and a shell command."""

    name: str
    command: str


def read_procfile(path: Path) -> list[Line]:
    """The Procfile's processes, in order; blank lines and # comments are skipped."""
    lines = []
    for raw in path.read_text().splitlines():
        text = raw.strip()
        if not text or text.startswith("#"):
            continue
        name, sep, command = text.partition(":")
        if not sep or not name.strip() or not command.strip():
            raise ValueError(f"{path}: not a 'name: command' line: {raw!r}")
        lines.append(Line(name.strip(), command.strip()))
    return lines


def describe_exit(code: int) -> str:
    """'code 1', or 'code -9 (killed by SIGKILL)' for a signal."""
    if code < 0:
        try:
            return f"code {code} (killed by {signal.Signals(-code).name})"
        except ValueError:
            return f"code {code}"
    return f"code {code}"


@dataclass
class Child:
    """A Procfile process and the state of its restarts."""

    line: Line
    proc: subprocess.Popen | None = None
    started_at: float = 0.0
    failures: int = 0  # deaths in a row, each after less than STEADY_AFTER
    restart_at: float | None = None
    reader: threading.Thread | None = field(default=None, repr=False)


class Output:
    """One writer for every process's lines, so lines never interleave mid-line."""

    def __init__(self, stream: IO[str], names: Sequence[str]) -> None:
        self.stream = stream
        self.width = max(len(n) for n in [*names, RUNNER])
        self.lock = threading.Lock()

    def say(self, name: str, text: str) -> None:
        stamp = time.strftime("%H:%M:%S")
        with self.lock:
            self.stream.write(f"{stamp} {name:<{self.width}} | {text}\n")
            self.stream.flush()

    def block(self, text: str) -> None:
        with self.lock:
            self.stream.write(text if text.endswith("\n") else text + "\n")
            self.stream.flush()


class Runner:
    def __init__(
        self,
        lines: Sequence[Line],
        output: Output,
        *,
        backoff: Sequence[float] = BACKOFF,
        steady_after: float = STEADY_AFTER,
        stop_grace: float = STOP_GRACE,
        banner: Path | None = None,
        banner_after: float = 8.0,
    ) -> None:
        self.children = [Child(line) for line in lines]
        self.out = output
        self.backoff = tuple(backoff)
        self.steady_after = steady_after
        self.stop_grace = stop_grace
        self.banner = banner
        self.banner_after = banner_after
        self.stopping = threading.Event()

    def run(self) -> int:
        """Start everything, keep it up until asked to stop; 0 on a clean stop."""
        for child in self.children:
            self._start(child)
        banner_due = time.monotonic() + self.banner_after if self.banner else None
        while not self.stopping.wait(0.1):
            for child in self.children:
                self._look_after(child)
            if banner_due is not None and time.monotonic() >= banner_due:
                self._print_banner()
                banner_due = None
        self._stop_all()
        return 0

    def stop(self, *_: object) -> None:
        self.stopping.set()

    def _start(self, child: Child) -> None:
        # exec: the pid we report is the process itself, so `kill <pid>` reaches it.
        # Its own session: Ctrl-C reaches only the runner, which stops the rest in order.
        child.proc = subprocess.Popen(  # noqa: S603 - the Procfile is ours, as honcho read it
            ["/bin/sh", "-c", "exec " + child.line.command],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            text=True,
            errors="replace",
        )
        child.started_at = time.monotonic()
        child.restart_at = None
        self.out.say(RUNNER, f"{child.line.name} started (pid {child.proc.pid})")
        child.reader = threading.Thread(target=self._relay, args=(child,), daemon=True)
        child.reader.start()

    def _relay(self, child: Child) -> None:
        assert child.proc is not None and child.proc.stdout is not None
        for text in child.proc.stdout:
            self.out.say(child.line.name, text.rstrip("\n"))

    def _look_after(self, child: Child) -> None:
        now = time.monotonic()
        if child.restart_at is not None:
            if now >= child.restart_at:
                self._start(child)
            return
        assert child.proc is not None
        code = child.proc.poll()
        if code is None:
            return
        # what it started may outlive it (a Celery pool's children): they go with it
        _signal_group(child.proc, signal.SIGKILL)
        if child.reader is not None:
            child.reader.join(timeout=1)  # its last words come before the runner's
        ran = now - child.started_at
        child.failures = 1 if ran >= self.steady_after else child.failures + 1
        pause = self.backoff[min(child.failures, len(self.backoff)) - 1]
        child.restart_at = now + pause
        self.out.say(
            RUNNER,
            f"{child.line.name} (pid {child.proc.pid}) exited with {describe_exit(code)} "
            f"after {ran:.0f} s; restarting in {pause:g} s "
            f"(at {time.strftime('%H:%M:%S', time.localtime(time.time() + pause))})",
        )

    def _stop_all(self) -> None:
        running = [c for c in self.children if c.proc is not None and c.proc.poll() is None]
        self.out.say(RUNNER, "stopping " + ", ".join(c.line.name for c in running))
        # SIGTERM to each process alone, as systemd's KillMode=mixed: a Celery worker
        # whose pool children are signalled too does not finish its warm shutdown
        for child in running:
            child.proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + self.stop_grace
        for child in running:
            try:
                child.proc.wait(timeout=max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                self.out.say(RUNNER, f"{child.line.name} did not stop in time: killed")
                _signal_group(child.proc, signal.SIGKILL)
                child.proc.wait()
            _signal_group(child.proc, signal.SIGKILL)  # anything it left behind
        for child in running:
            if child.reader is not None:
                child.reader.join(timeout=1)
        self.out.say(RUNNER, "all processes stopped")

    def _print_banner(self) -> None:
        try:
            text = self.banner.read_text()
        except OSError:
            return
        rule = "-" * 72
        self.out.block(f"{rule}\n{text.rstrip()}\n{rule}")


def _signal_group(proc: subprocess.Popen, sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)  # the process and anything it started
    except ProcessLookupError:
        pass


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-f", "--procfile", type=Path, default=Path("Procfile"))
    parser.add_argument(
        "--banner", type=Path, help="a file printed once the processes have started"
    )
    parser.add_argument("--banner-after", type=float, default=8.0)
    args = parser.parse_args(argv)
    lines = read_procfile(args.procfile)
    runner = Runner(
        lines,
        Output(sys.stdout, [line.name for line in lines]),
        banner=args.banner,
        banner_after=args.banner_after,
    )
    signal.signal(signal.SIGINT, runner.stop)
    signal.signal(signal.SIGTERM, runner.stop)
    return runner.run()


if __name__ == "__main__":
    sys.exit(main())
