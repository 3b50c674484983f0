"""`make run` stays up when one of its processes dies (pbxportal/processes.py)."""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from pbxportal.processes import describe_exit, read_procfile
from tests.processes import ROOT

SLEEPER = f"{sys.executable} -c \"import time; print('%s up', flush=True); time.sleep(600)\""


class Console:
    """The runner's output, line by line, as a person at the terminal sees it."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, args=(proc,), daemon=True).start()

    def _read(self, proc: subprocess.Popen) -> None:
        for line in proc.stdout:
            self.lines.put(line.rstrip("\n"))

    def wait_for(self, pattern: str, timeout: float = 15.0) -> re.Match:
        for line in self.seen:
            if found := re.search(pattern, line):
                self.seen.remove(line)
                return found
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.1)
            except queue.Empty:
                continue
            if found := re.search(pattern, line):
                return found
            self.seen.append(line)
        raise AssertionError(f"no line matching {pattern!r}; saw:\n" + "\n".join(self.seen))


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie is dead too: read its state
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split(") ", 1)[1][0] != "Z"


@pytest.mark.slow
def test_a_killed_process_comes_back_while_the_others_stay_up(tmp_path: Path) -> None:
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"calls: {SLEEPER % 'calls'}\nweb: {SLEEPER % 'web'}\n")
    banner = tmp_path / "logins.txt"
    banner.write_text("Log in as ana with password: demo\n")
    args = ["-f", str(procfile), "--banner", str(banner), "--banner-after", "0.5"]
    runner = subprocess.Popen(
        [sys.executable, "-m", "pbxportal.processes", *args],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    console = Console(runner)
    try:
        calls = int(console.wait_for(r"runner \| calls started \(pid (\d+)\)")[1])
        web = int(console.wait_for(r"runner \| web started \(pid (\d+)\)")[1])
        console.wait_for(r"calls +\| calls up")
        console.wait_for(r"Log in as ana")  # the logins, after the processes' banners

        os.kill(calls, signal.SIGKILL)

        console.wait_for(
            rf"calls \(pid {calls}\) exited with code -9 \(killed by SIGKILL\) after \d+ s; "
            r"restarting in 1 s \(at \d\d:\d\d:\d\d\)"
        )
        again = int(console.wait_for(r"runner \| calls started \(pid (\d+)\)")[1])
        assert again != calls and alive(again)
        console.wait_for(r"calls +\| calls up")
        assert alive(web)
        assert not any("web (pid" in line for line in console.seen)  # never restarted

        runner.send_signal(signal.SIGINT)  # Ctrl-C
        assert runner.wait(timeout=20) == 0
        console.wait_for(r"runner \| all processes stopped")
        assert not alive(again) and not alive(web)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()


PARENT = (
    f"{sys.executable} -c \"import subprocess, time; c = subprocess.Popen(['sleep', '600']); "
    "print('child', c.pid, flush=True); time.sleep(600)\""
)


@pytest.mark.slow
def test_what_a_dead_process_started_goes_with_it(tmp_path: Path) -> None:
    """A Celery worker killed with SIGKILL leaves its pool's children: not twice the pool."""
    procfile = tmp_path / "Procfile"
    procfile.write_text(f"worker: {PARENT}\n")
    runner = subprocess.Popen(
        [sys.executable, "-m", "pbxportal.processes", "-f", str(procfile)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    console = Console(runner)
    try:
        parent = int(console.wait_for(r"worker started \(pid (\d+)\)")[1])
        child = int(console.wait_for(r"worker +\| child (\d+)")[1])
        os.kill(parent, signal.SIGKILL)
        console.wait_for(r"worker started \(pid (\d+)\)")
        assert not alive(child)
        second = int(console.wait_for(r"worker +\| child (\d+)")[1])
        runner.send_signal(signal.SIGTERM)
        assert runner.wait(timeout=20) == 0
        assert not alive(second)
    finally:
        if runner.poll() is None:
            runner.kill()
            runner.wait()


def test_the_runner_reads_every_process_of_the_real_procfile() -> None:
    names = [line.name for line in read_procfile(ROOT / "Procfile")]
    assert {"web", "events", "voipcenter", "calls", "worker", "beat", "sandbox"} <= set(names)


def test_make_run_starts_the_procfile_through_the_runner() -> None:
    run = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "pbxportal.processes" in run and "honcho" not in run


def test_exit_codes_say_which_signal_killed_a_process() -> None:
    assert describe_exit(-9) == "code -9 (killed by SIGKILL)"
    assert describe_exit(1) == "code 1"
