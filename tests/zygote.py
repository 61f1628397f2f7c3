"""Starts ``peerkg`` commands in a fraction of a second, for tests that start many and kill them.

Run as a process, this module imports the command line once, then for each JSON line
``{"argv": [...], "log": PATH}`` read from standard input forks a child that runs
``peerkg.api.cli.main`` with those arguments (exactly what the ``peerkg`` console script runs),
its output going to ``log``, and prints the child's pid. Children are reaped as they end.
"""

import json
import os
import signal
import sys

from peerkg.api import cli
from peerkg.graph import loader  # noqa: F401 (imported here so that children need not)
from peerkg.ontology.shacl import check_shapes  # noqa: F401


def main() -> None:
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
            os._exit(code)
        print(pid, flush=True)


if __name__ == "__main__":
    main()
