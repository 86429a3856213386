"""Helpers shared by test modules."""

from __future__ import annotations


class LiveServer:
    """A real uvicorn server on 127.0.0.1 in a background thread, for clients that speak HTTP."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        import socket
        import threading

        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                access_log=False, lifespan="on")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> "LiveServer":
        import time

        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)



class OxigraphServer:
    """`oxigraph serve` (the `oxigraph` package of the test dependencies) on a free 127.0.0.1
    port, over a store in `location`, stopped by its PID. A missing binary is an error, never a
    skip: the project installs it."""

    def __init__(self, location, *, union_default_graph: bool = True,  # type: ignore[no-untyped-def]
                 timeout_s: int | None = 60) -> None:
        import shutil
        import socket
        import sys
        from pathlib import Path

        binary = Path(sys.executable).parent / "oxigraph"
        found = str(binary) if binary.exists() else shutil.which("oxigraph")
        if found is None:
            raise RuntimeError("the `oxigraph` binary is missing: install the test dependencies "
                               "(pip install -e '.[test]')")
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.query_url = self.url + "/query"
        self.location = Path(location)
        self.command = [found, "serve", "--location", str(self.location),
                        "--bind", f"127.0.0.1:{self.port}"]
        if union_default_graph:
            self.command.append("--union-default-graph")
        if timeout_s:
            self.command += ["--timeout-s", str(timeout_s)]
        self.process = None

    def __enter__(self) -> "OxigraphServer":
        import subprocess
        import time
        import urllib.error
        import urllib.request

        self.log = open(self.location.parent / f"{self.location.name}.oxigraph.log", "wb")
        self.process = subprocess.Popen(self.command, stdout=self.log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"oxigraph serve exited with {self.process.returncode}; see "
                                   f"{self.log.name}")
            try:
                with urllib.request.urlopen(self.query_url + "?query=ASK%7B%7D", timeout=2):
                    return self
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    self.__exit__()
                    raise RuntimeError("oxigraph serve did not start within 30 s") from None
                time.sleep(0.1)

    def __exit__(self, *exc: object) -> None:
        import os
        import signal
        import subprocess

        if self.process is not None and self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.kill(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=20)
        self.log.close()
