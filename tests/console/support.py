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
from urllib.parse import unquote

import httpx

from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer


@dataclass
class Form:
    action: str
    fields: dict[str, list[str]] = field(default_factory=dict)


class _Forms(HTMLParser):
    """The page's POST forms with what a browser would send untouched: hidden and text
    inputs, ticked boxes and radios, textareas, the selected option of each select."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.forms: list[Form] = []
        self._open: Form | None = None
        self._textarea: str | None = None
        self._select: tuple[str, list[tuple[str, bool]]] | None = None
        self._option: tuple[str | None, bool, list[str]] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {name: value or "" for name, value in attrs}
        if tag == "form" and found.get("method") == "post":
            self._open = Form(found["action"])
            self.forms.append(self._open)
        if self._open is None or ("name" not in found and tag != "option"):
            return
        if tag == "input":
            kind = found.get("type", "text")
            if kind in ("checkbox", "radio") and "checked" not in found:
                return
            self._open.fields.setdefault(found["name"], []).append(found.get("value", "on" if kind == "checkbox" else ""))
        elif tag == "textarea":
            self._textarea = found["name"]
            self._open.fields.setdefault(found["name"], []).append("")
        elif tag == "select":
            self._select = (found["name"], [])
        elif tag == "option" and self._select is not None:
            self._option = (found.get("value"), "selected" in found, [])

    def handle_data(self, data: str) -> None:
        if self._textarea is not None and self._open is not None:
            self._open.fields[self._textarea][-1] += data
        if self._option is not None:
            self._option[2].append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._open = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "option" and self._option is not None and self._select is not None:
            value, selected, text = self._option
            self._select[1].append((value if value is not None else "".join(text), selected))
            self._option = None
        elif tag == "select" and self._select is not None and self._open is not None:
            name, options = self._select
            chosen = next((value for value, selected in options if selected), options[0][0] if options else None)
            if chosen is not None:
                self._open.fields.setdefault(name, []).append(chosen)
            self._select = None


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
        """POST one of the current page's forms (found by its action) as a browser submits it:
        what the page filled in, with the fields in ``data`` changed (a checkbox left out of
        ``data`` keeps its state; give it ``None`` to untick it)."""
        assert self.page is not None, "open a page first"
        form = next((f for f in forms_of(self.page.text) if f.action == action), None)
        assert form is not None, f"no form posting to {action} on {self.page.url}"
        body: dict[str, Any] = dict(form.fields)
        for name, value in (data or {}).items():
            if value is None:
                body.pop(name, None)
            else:
                body[name] = value
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


def create_pool(user: ConsoleUser, name: str, *, developer: str = "login.myapp", guests: bool = False,
                tags: str = "") -> str:
    """The tutorial's form, filled in and sent; returns the new pool's id (from the roles step's URL)."""
    user.get("/console/pools/new")
    form = {"name": name, "developer": developer, "tags": tags}
    if guests:
        form["allow_unauthenticated"] = "on"
    answer = user.submit("/console/pools/new", form, follow=False)
    assert answer.status_code == 303, text_of(answer.text)
    location = unquote(answer.headers["location"])
    assert location.endswith("/roles/setup")
    return location.split("/")[3]
