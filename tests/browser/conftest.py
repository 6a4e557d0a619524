"""A real Chromium and an app page on its own origin, for the browser SDK tests.

The page (page/index.html + page/app.mjs) is bundled with esbuild from the npm packages
in tests/js at test time into a temporary folder (nothing generated is committed) and
served by a small threading HTTP server on another loopback port than idpool's. Chromium
is Debian's (`apt-get install -y chromium`); Playwright never downloads a browser here.
"""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.sdk.node import JS_DIR, NODE_MODULES, require_packages, unavailable

PAGE_DIR = Path(__file__).resolve().parent / "page"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-background-networking", "--disable-component-update"]
BUILD_TIMEOUT = 120  # seconds for esbuild


@pytest.fixture(scope="session")
def page_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """index.html and app.js (the SDK bundled for browsers) in a fresh folder."""
    require_packages("esbuild", "@aws-sdk/credential-providers", "@aws-sdk/client-sts",
                     "@aws-sdk/client-cognito-identity")
    out = tmp_path_factory.mktemp("page")
    # --platform=browser picks each package's browser build (FetchHttpHandler, browser
    # runtime configs). esbuild does not apply @aws-sdk/credential-providers' browser map
    # to its extensioned "module" entry, so that package's Node-only providers get
    # resolved too; they are unused and tree-shaken, and `node:*` stays external only so
    # that resolving them does not fail. The test checks no `node:` import survives.
    subprocess.run(
        [str(NODE_MODULES / ".bin" / "esbuild"), str(PAGE_DIR / "app.mjs"), "--bundle",
         "--format=esm", "--platform=browser", "--target=chrome120", "--external:node:*",
         "--log-level=warning", f"--outfile={out / 'app.js'}"],
        cwd=JS_DIR, env={**os.environ, "NODE_PATH": str(NODE_MODULES)}, check=True, timeout=BUILD_TIMEOUT,
    )
    shutil.copy(PAGE_DIR / "index.html", out / "index.html")
    return out


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="session")
def page_origin(page_bundle: Path) -> Iterator[str]:
    """The app's origin: another host name and port than idpool's 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(page_bundle)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://localhost:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    if not CHROMIUM.exists():
        unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("the playwright Python package is missing from the virtualenv")

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, timeout=60_000)
        yield browser
        browser.close()
