"""idpool served from a thread of this process, on a loopback port of its own: the testing
kit's in-process server, and the private server ``idpool serve --bootstrap`` applies its
file through before the public port answers.

The same ASGI app and HTTP edge as ``idpool serve`` (header and body deadlines, the drain),
so clients see exactly what they would see from the command.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

from idpool.app import Services
from idpool.web.edge import uvicorn_config
from idpool.web.server import create_app

START_SECONDS = 10.0
STOP_SECONDS = 5.0  # requests still running then are answered 503 by the drain


class ThreadedServer:
    """``make_services(port)`` builds the services once the port is known (the default
    issuer names it); ``start()`` returns when uvicorn accepts, ``stop()`` when it is gone."""

    def __init__(self, make_services: Callable[[int], Services], host: str = "127.0.0.1",
                 drain_seconds: float = STOP_SECONDS) -> None:
        import uvicorn

        self._sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
        self._sock.bind((host, 0))
        self.port: int = self._sock.getsockname()[1]
        self.url = f"http://{f'[{host}]' if ':' in host else host}:{self.port}"
        try:
            self.services = make_services(self.port)
        except BaseException:
            self._sock.close()
            raise
        self._drain_seconds = drain_seconds
        config = uvicorn_config(create_app(self.services), header_timeout=10, drain_seconds=drain_seconds, lifespan="off")
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, kwargs={"sockets": [self._sock]},
                                        name=f"idpool-{self.port}", daemon=True)

    def start(self) -> ThreadedServer:
        self._thread.start()
        deadline = time.monotonic() + START_SECONDS
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"idpool did not start serving on {self.url}")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout=self._drain_seconds * 2)
        self._sock.close()
        self.services.close()
