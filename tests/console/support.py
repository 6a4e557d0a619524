"""A console user as a browser is one, for the HTTP-level console tests: cookies kept,
forms read from the page they are on and posted with that page's CSRF token.

A plain module: console tests import from it (tests/browser drives a real Chromium instead).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import unescape
from html.parser import HTMLParser
from typing import Any

import httpx

from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer


@dataclass
class Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)


class _Forms(HTMLParser):
    """The page's POST forms with the values of their hidden fields (what a browser sends as is)."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[Form] = []
        self._open: Form | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and found.get("method") == "post":
            self._open = Form(found["action"])
            self.forms.append(self._open)
        elif tag == "input" and self._open is not None and found.get("type") == "hidden":
            self._open.fields.setdefault(found["name"], []).append(found.get("value", ""))

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None


def forms_of(html: str) -> list[Form]:
    parser = _Forms()
    parser.feed(html)
    return parser.forms


def text_of(html: str) -> str:
    """The page's text, tags removed and entities decoded, whitespace collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


class ConsoleUser:
    def __init__(self, live: LiveServer) -> None:
        self.live = live
        self.http = httpx.Client(base_url=live.url, follow_redirects=False, timeout=30)
        self.page: httpx.Response | None = None

    def get(self, path: str, **params: str) -> httpx.Response:
        self.page = self.http.get(path, params=params or None)
        return self.page

    def open(self, path: str, **params: str) -> httpx.Response:
        """GET, following redirects as a browser does."""
        self.page = self.http.get(path, params=params or None, follow_redirects=True)
        return self.page

    @property
    def csrf(self) -> str:
        assert self.page is not None, "open a page first"
        found = re.search(r'name="csrf" value="([^"]+)"', self.page.text)
        assert found, "the page has no form"
        return found.group(1)

    def submit(self, action: str, data: dict[str, Any] | None = None, *, follow: bool = True) -> httpx.Response:
        """POST one of the current page's forms (found by its action) with its hidden fields
        and ``data`` typed in, as a browser submits it."""
        assert self.page is not None, "open a page first"
        form = next((f for f in forms_of(self.page.text) if f.action == action), None)
        assert form is not None, f"no form posting to {action} on {self.page.url}"
        body: dict[str, Any] = dict(form.fields)
        body.update(data or {})
        answer = self.http.post(action, data=body)
        self.page = answer
        if follow and answer.status_code == 303:
            self.page = self.http.get(answer.headers["location"])
        return self.page

    def post(self, path: str, data: dict[str, Any]) -> httpx.Response:
        """POST exactly ``data`` (no token added): what a forged or stale form sends."""
        self.page = self.http.post(path, data=data)
        return self.page

    def sign_in(self, key: str = ROOT_KEY, secret: str = ROOT_SECRET) -> httpx.Response:
        self.get("/console")
        return self.submit("/console/sign-in", {"access_key_id": key, "secret_access_key": secret})

    def close(self) -> None:
        self.http.close()
