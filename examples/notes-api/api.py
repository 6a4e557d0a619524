"""The sample app's protected API: each user's notes, behind ``idpool gateway``.

The gateway has already checked the SigV4 signature and the caller's role policy
(``execute-api:Invoke`` on ``.../notes/${cognito-identity.amazonaws.com:sub}/*``) before a
request gets here; it tells this service who the caller is in one header,
``X-Idpool-Request-Context`` (API Gateway's ``requestContext.identity`` names). The API
still compares the path's identity with that header: a policy written too wide by mistake
must not open another user's notes.

    GET  /notes/<identity id>              -> 200 {"notes": [{"id", "text"}, ...]}
    PUT  /notes/<identity id>/<note id>    {"text"} -> 200 {"id", "text"}
    GET  /notes/<identity id>/<note id>    -> 200 {"id", "text"} | 404
    GET  /public/welcome                   -> 200 {"text"}  (what guests may read)

Notes are stored under the key ``notes/<identity id>/<note id>`` in one SQLite file.

Run it (then ``idpool gateway --upstream http://127.0.0.1:8081`` in front of it):

    NOTES_DB=notes.db NOTES_PORT=8081 python examples/notes-api/api.py
"""

from __future__ import annotations

import json
import os
import re
import sqlite3
import threading
from pathlib import Path

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

CONTEXT = "x-idpool-request-context"
NOTE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
MAX_TEXT = 10_000
WELCOME = "Welcome! Sign in to keep your own notes; guests can read only this page."


class NoteStore:
    """Notes under ``notes/<identity id>/<note id>``, one SQLite file, one lock (a sample's load)."""

    def __init__(self, path: Path) -> None:
        self.db = sqlite3.connect(str(path), check_same_thread=False)
        self.db.execute("CREATE TABLE IF NOT EXISTS notes (key TEXT PRIMARY KEY, text TEXT NOT NULL)")
        self.lock = threading.Lock()

    def put(self, identity_id: str, note_id: str, text: str) -> None:
        with self.lock, self.db:
            self.db.execute("INSERT INTO notes VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET text = excluded.text",
                            (f"notes/{identity_id}/{note_id}", text))

    def get(self, identity_id: str, note_id: str) -> str | None:
        with self.lock:
            row = self.db.execute("SELECT text FROM notes WHERE key = ?", (f"notes/{identity_id}/{note_id}",)).fetchone()
        return None if row is None else str(row[0])

    def list(self, identity_id: str) -> list[dict[str, str]]:
        prefix = f"notes/{identity_id}/"
        with self.lock:
            rows = self.db.execute("SELECT key, text FROM notes WHERE substr(key, 1, ?) = ? ORDER BY key",
                                   (len(prefix), prefix)).fetchall()
        return [{"id": key[len(prefix):], "text": text} for key, text in rows]


def create_app(store: NoteStore) -> Starlette:
    async def list_notes(request: Request) -> Response:
        owner = owner_of(request)
        if isinstance(owner, Response):
            return owner
        return JSONResponse({"notes": await run_in_threadpool(store.list, owner)})

    async def read_note(request: Request) -> Response:
        owner = owner_of(request)
        if isinstance(owner, Response):
            return owner
        note_id = request.path_params["note"]
        text = await run_in_threadpool(store.get, owner, note_id)
        if text is None:
            return error(404, f"no note {note_id}")
        return JSONResponse({"id": note_id, "text": text})

    async def write_note(request: Request) -> Response:
        owner = owner_of(request)
        if isinstance(owner, Response):
            return owner
        note_id = request.path_params["note"]
        if not NOTE_ID.fullmatch(note_id):
            return error(400, "note id: 1 to 64 of A-Z a-z 0-9 _ -")
        try:
            body = json.loads(await request.body())
        except ValueError:
            return error(400, "the body is not JSON")
        text = body.get("text") if isinstance(body, dict) else None
        if not isinstance(text, str) or len(text) > MAX_TEXT:
            return error(400, f"text: a string of at most {MAX_TEXT} characters")
        await run_in_threadpool(store.put, owner, note_id, text)
        return JSONResponse({"id": note_id, "text": text})

    async def welcome(_: Request) -> Response:
        return JSONResponse({"text": WELCOME})

    return Starlette(routes=[
        Route("/notes/{identity}", list_notes, methods=["GET"]),
        Route("/notes/{identity}/{note}", read_note, methods=["GET"]),
        Route("/notes/{identity}/{note}", write_note, methods=["PUT"]),
        Route("/public/welcome", welcome, methods=["GET"]),
    ])


def owner_of(request: Request) -> str | Response:
    """The identity whose notes the path names, if it is the caller's own: the gateway's
    context must name an authenticated Cognito identity equal to the path's."""
    try:
        context = json.loads(request.headers.get(CONTEXT, "null"))
    except ValueError:
        context = None
    caller = context.get("cognitoIdentityId") if isinstance(context, dict) else None
    if caller is None or context.get("cognitoAuthenticationType") != "authenticated":
        return error(403, "only a signed-in user's own notes are served here")
    if caller != request.path_params["identity"]:
        return error(403, "these are not your notes")
    return str(caller)


def error(status: int, message: str) -> Response:
    return JSONResponse({"error": message}, status)


def main() -> None:
    import uvicorn

    store = NoteStore(Path(os.environ.get("NOTES_DB", "notes.db")))
    uvicorn.run(create_app(store), host=os.environ.get("NOTES_HOST", "127.0.0.1"),
                port=int(os.environ.get("NOTES_PORT", "8081")))


if __name__ == "__main__":
    main()
