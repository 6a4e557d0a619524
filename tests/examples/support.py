"""What the sample-app tests share: the notes app set up as its admin would set it up
(pool, developer provider, roles from ``examples/notes-api/policies.py``, all through the
AWS APIs), the notes API on a loopback port and the gateway in front of it.

A plain module: tests import from it, never from each other.
"""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import boto3

from idpool.developer import DeveloperIdentities
from tests.gateway.support import ACCOUNT, REGION, AsgiThread, in_process_gateway
from tests.sdk.node import unavailable
from tests.support import ROOT_KEY, ROOT_SECRET, LiveServer, client

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DEVELOPER = "login.notes.example"


def example(folder: str, module: str) -> ModuleType:
    """``examples/<folder>/<module>.py``, imported as its own script sees its folder."""
    path = str(EXAMPLES / folder)
    if path in sys.path:
        sys.path.remove(path)
    sys.path.insert(0, path)  # first: short names such as `api` exist elsewhere too (tests/api)
    sys.modules.pop(module, None)
    return importlib.import_module(module)


@dataclass
class NotesApp:
    pool_id: str
    user_role: str
    guest_role: str
    api: AsgiThread
    gateway: AsgiThread

    @property
    def base(self) -> str:
        """The API's URL through the gateway (stage ``prod``)."""
        return f"{self.gateway.url}/prod"

    def stop(self) -> None:
        self.gateway.stop()
        self.api.stop()


def notes_app(live: LiveServer, db: Path) -> NotesApp:
    """The pool, its two roles and their policies, the notes API and the gateway."""
    policies, api = example("notes-api", "policies"), example("notes-api", "api")
    cognito, iam = client(live, "cognito-identity"), client(live, "iam")
    suffix = uuid.uuid4().hex[:8]
    pool_id = cognito.create_identity_pool(IdentityPoolName=f"notes_{suffix}", AllowUnauthenticatedIdentities=True,
                                           DeveloperProviderName=DEVELOPER)["IdentityPoolId"]
    user, guest = f"notes-user-{suffix}", f"notes-guest-{suffix}"
    iam.create_role(RoleName=user, AssumeRolePolicyDocument=policies.trust_policy(pool_id, "authenticated"))
    iam.create_role(RoleName=guest, AssumeRolePolicyDocument=policies.trust_policy(pool_id, "unauthenticated"))
    iam.put_role_policy(RoleName=user, PolicyName="own-notes",
                        PolicyDocument=policies.user_policy(REGION, ACCOUNT, "api", "prod"))
    iam.put_role_policy(RoleName=guest, PolicyName="public",
                        PolicyDocument=policies.guest_policy(REGION, ACCOUNT, "api", "prod"))
    cognito.set_identity_pool_roles(IdentityPoolId=pool_id, Roles={
        "authenticated": f"arn:aws:iam::{ACCOUNT}:role/{user}", "unauthenticated": f"arn:aws:iam::{ACCOUNT}:role/{guest}"})
    server = AsgiThread(api.create_app(api.NoteStore(db))).start()
    return NotesApp(pool_id, user, guest, server, in_process_gateway(live, server.url))


def backend_app(live: LiveServer, app: NotesApp, db: Path, *, token_seconds: int = 900,
                page: Path | None = None, credentials_seconds: int | None = None) -> AsgiThread:
    """examples/backend-python for the notes pool, signing with the root keys (the
    backend-python tests cover its least-privileged keys)."""
    backend = example("backend-python", "app")
    kit = DeveloperIdentities(app.pool_id, DEVELOPER, endpoint_url=live.url, session=boto3.session.Session(
        aws_access_key_id=ROOT_KEY, aws_secret_access_key=ROOT_SECRET, region_name=REGION))
    config: dict[str, object] = {"region": REGION, "identityPoolId": app.pool_id, "cognitoEndpoint": live.url,
                                 "api": app.base}
    if credentials_seconds is not None:  # the page replaces its one-hour credentials after this long
        config["refreshBeforeSeconds"] = 3600 - credentials_seconds
    return AsgiThread(backend.create_app(kit, backend.Users(db), token_seconds=token_seconds, page=page,
                                         page_config=config)).start()


WEB = EXAMPLES / "frontend-web"


def build_page(out: Path) -> Path:
    """examples/frontend-web type-checked, then bundled as its ``npm run build`` does, into
    ``out`` (nothing generated lands in the worktree). Skips, or fails under CI, without its
    npm packages."""
    esbuild = WEB / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        unavailable(f"npm packages are not installed: run `npm ci` in {WEB}")
    subprocess.run(["npm", "run", "--silent", "check"], cwd=WEB, check=True, timeout=120)  # tsc --noEmit: it type-checks
    subprocess.run([str(esbuild), "src/app.ts", "--bundle", "--format=esm", "--platform=browser", "--target=chrome120",
                    "--external:node:*", "--log-level=warning", f"--outfile={out / 'app.js'}"],
                   cwd=WEB, check=True, timeout=120)
    shutil.copy(WEB / "index.html", out / "index.html")
    return out
