"""A private Virtuoso 7 for tests and benchmarks: Debian's ``virtuoso-opensource`` started on
a temporary directory with a virtuoso.ini written here, bound to free loopback ports, with no
system service and no conductor. It gets a user with the SPARQL_UPDATE role (and dba a random
password), so it is written to exactly as README's "Running on an external engine" says."""

import secrets
import shutil
import subprocess
import time
import urllib.request
from pathlib import Path

from peerkg.graph.store.engine import free_port
from peerkg.graph.store.settings import EndpointSettings

START_TIMEOUT = 60.0
INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CheckpointInterval = 60
NumberOfBuffers = {buffers}
MaxDirtyBuffers = {dirty}
DirsAllowed = .
{parameters}

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}/www
ServerThreads = 10
MaxKeepAlives = 10
KeepAliveTimeout = 10
Charset = UTF-8

[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = {max_seconds}
MaxQueryCostEstimationTime = 3600
"""


def available() -> bool:
    return bool(shutil.which("virtuoso-t") and shutil.which("isql-vt"))


class Virtuoso:
    """A Virtuoso server process on ``directory``; :meth:`start` it, then speak to :attr:`url`
    (its ``/sparql`` endpoint) with :attr:`settings` (user ``peerkg`` and its password)."""

    def __init__(self, directory: Path, max_rows: int = 10_000_000, buffers: int = 10_000,
                 max_seconds: int = 60, parameters: dict[str, object] | None = None):
        self.directory = Path(directory)
        self.sql_port, self.http_port = free_port(), free_port()
        self.url = f"http://127.0.0.1:{self.http_port}/sparql"
        self.max_rows, self.buffers, self.max_seconds = max_rows, buffers, max_seconds
        self.parameters = parameters or {}  # more lines for [Parameters], e.g. optimiser limits
        self.settings = EndpointSettings(user="peerkg", password=secrets.token_hex(12),
                                         engine=None)
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server, wait until it answers, and make its users; RuntimeError (with its
        log) if it does not come up."""
        (self.directory / "www").mkdir(parents=True, exist_ok=True)
        ini = self.directory / "virtuoso.ini"
        ini.write_text(INI.format(d=self.directory, sql=self.sql_port, http=self.http_port,
                                  max_rows=self.max_rows, buffers=self.buffers,
                                  max_seconds=self.max_seconds,
                                  parameters="\n".join(f"{k} = {v}" for k, v in self.parameters.items()),
                                  dirty=self.buffers * 3 // 4), encoding="utf-8")
        self.process = subprocess.Popen(["virtuoso-t", "-f", "-c", str(ini)], cwd=self.directory,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + START_TIMEOUT
        while True:
            try:
                urllib.request.urlopen(self.url + "?query=ASK%7B%7D", timeout=2).close()
                break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    log = (self.directory / "virtuoso.log")
                    raise RuntimeError("Virtuoso did not start: " + (  # noqa: B904
                        log.read_text(errors="replace")[-2000:] if log.exists() else "no log"))
                time.sleep(0.1)
        self._sql("dba", f"DB.DBA.USER_CREATE('peerkg', '{self.settings.password}'); "
                         "GRANT SPARQL_UPDATE TO \"peerkg\"; "
                         f"DB.DBA.USER_SET_PASSWORD('dba', '{secrets.token_hex(12)}');")

    def _sql(self, password: str, statements: str) -> None:
        result = subprocess.run(
            ["isql-vt", f"127.0.0.1:{self.sql_port}", "dba", password, f"exec={statements}"],
            capture_output=True, text=True, timeout=60)
        if result.returncode != 0 or "Error" in result.stdout:
            raise RuntimeError(f"isql-vt failed: {result.stdout[-1000:]} {result.stderr[-1000:]}")

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None
