"""The server started as the README says makes no request to any outside host.

Streamlit asks checkip.amazonaws.com for the machine's external address when it runs
headless (it always does on a server without a display) unless ``browser.serverAddress``
is set; .streamlit/config.toml sets it. Every outside request the server could make goes
through the proxy named in its environment (``requests`` honours ``HTTP(S)_PROXY``), so a
local listener in that role sees any attempt.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

from browser_support import APP_ROOT, _wait_healthy, free_port, stop_streamlit_app


class _Listener:
    """A TCP listener on 127.0.0.1 that records the first bytes of every connection."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.sock.settimeout(0.2)
        self.port = int(self.sock.getsockname()[1])
        self.seen: list[bytes] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            with conn:
                conn.settimeout(1.0)
                try:
                    self.seen.append(conn.recv(200))
                except OSError:
                    self.seen.append(b"")

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self.sock.close()


def test_the_readme_command_starts_a_server_that_calls_no_outside_host(tmp_path: Path) -> None:
    proxy = _Listener()
    port = free_port()
    env = {
        k: v
        for k, v in os.environ.items()
        if k.lower() not in {"no_proxy", "all_proxy", "http_proxy", "https_proxy"}
    }
    address = f"http://127.0.0.1:{proxy.port}"
    env.update(
        http_proxy=address,
        HTTP_PROXY=address,
        https_proxy=address,
        HTTPS_PROXY=address,
        RISKMAP_APP_REGISTER=str(tmp_path / "hazards.sqlite"),
        PYTHONPATH=str(APP_ROOT),
    )
    log = tmp_path / "streamlit.log"
    # The README's command, on a free port: the shipped .streamlit/config.toml applies.
    cmd = [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port)]
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, cwd=APP_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_healthy(f"http://127.0.0.1:{port}", proc, 120.0)
        deadline = time.monotonic() + 30
        while "You can now view" not in log.read_text(errors="replace"):
            assert time.monotonic() < deadline, log.read_text(errors="replace")
            time.sleep(0.2)
        time.sleep(3.0)  # the external address is asked for as the URLs are printed
    finally:
        stop_streamlit_app(proc)
        proxy.close()
    text = log.read_text(errors="replace")
    assert proxy.seen == [], (proxy.seen, text)
    assert "external IP" not in text, text
    assert "External URL" not in text, text
    assert f"http://localhost:{port}" in text, text
