"""Starts ``peerkg`` commands in a fraction of a second, for tests that start many (and kill them).

Run as a process, this module imports the command line once (and parses the ontology and the
shapes, which are cached), then for each JSON line ``{"argv": [...], "log": PATH}`` read from
standard input forks a child that runs ``peerkg.api.cli.main`` with those arguments, exactly what
the ``peerkg`` console script runs, its output going to ``log`` and its exit code to
``log.exit``, and prints the child's pid.
Children are reaped as they end. :class:`Zygote` drives it from a test.
"""

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path


class Zygote:
    """The process above, started from a test."""

    def __init__(self):
        self.process = subprocess.Popen([sys.executable, __file__], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, text=True,
                                        cwd=Path(__file__).parent.parent)
        self.lock = threading.Lock()

    def start(self, argv: list[str], log: Path) -> int:
        """Start ``peerkg ARGV`` with its output going to ``log``; returns its pid."""
        with self.lock:
            self.process.stdin.write(json.dumps({"argv": argv, "log": str(log)}) + "\n")
            self.process.stdin.flush()
            return int(self.process.stdout.readline())

    def wait(self, pid: int, log: Path, timeout: float = 120) -> tuple[int, str]:
        """Wait for the command ``pid`` to end; returns its exit code and its output (stdout
        and stderr together)."""
        deadline = time.monotonic() + timeout
        while Path(f"/proc/{pid}").exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"peerkg (pid {pid}) did not end")
            time.sleep(0.02)
        code = Path(f"{log}.exit")
        return int(code.read_text()) if code.exists() else -9, log.read_text(encoding="utf-8")

    def close(self):
        self.process.stdin.close()
        self.process.wait(timeout=10)


def main() -> None:
    from peerkg.api import cli
    from peerkg.ontology import ontology_graph, shapes_graph, shim_graph

    ontology_graph(), shapes_graph(), shim_graph()  # parsed once, here, for every child
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # the kernel reaps the children
    for line in sys.stdin:
        order = json.loads(line)
        pid = os.fork()
        if pid == 0:
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            os.setsid()
            log = os.open(order["log"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
            os.dup2(log, 1)
            os.dup2(log, 2)
            sys.argv = ["peerkg", *order["argv"]]
            code = 0
            try:
                cli.main()
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else 0
            sys.stdout.flush()
            sys.stderr.flush()
            Path(f"{order['log']}.exit").write_text(str(code))
            os._exit(code)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
