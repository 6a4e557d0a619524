"""The notes app from a terminal: sign in to the app's backend, turn its token into AWS
credentials with idpool.credentials, and call the notes API through the gateway with SigV4.

    python notes.py APP_URL API_URL USERNAME PASSWORD list | read NOTE | write NOTE TEXT

API_URL is the gateway's stage URL (http://127.0.0.1:8750/prod, or API Gateway's
https://<api-id>.execute-api.<region>.amazonaws.com/prod). The Cognito endpoint is boto3's:
AWS_ENDPOINT_URL for idpool, nothing for AWS.
"""

import json
import sys

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest

from idpool.credentials import CognitoIdentityCredentials


def main(app_url: str, api_url: str, username: str, password: str, command: str, *args: str) -> None:
    backend = httpx.Client(base_url=app_url)  # keeps the session cookie
    signed_in = backend.post("/signin", json={"username": username, "password": password}).raise_for_status()
    csrf = signed_in.json()["csrfToken"]
    def token() -> dict[str, str]:  # the backend's token endpoint, asked again whenever the token runs out
        return backend.post("/token", headers={"X-CSRF-Token": csrf}).raise_for_status().json()

    first = token()  # the identity id names the region: us-east-1:<guid>
    creds = CognitoIdentityCredentials(identity_id=first["identityId"], token=first["token"], token_supplier=token)

    def call(method: str, path: str, body: dict[str, str] | None = None) -> object:
        frozen = creds.credentials.get_frozen_credentials()  # refreshed before expiry
        data = json.dumps(body).encode() if body is not None else b""
        request = AWSRequest(method, f"{api_url}/notes/{creds.identity_id}{path}", data=data,
                             headers={"Content-Type": "application/json"} if body is not None else {})
        SigV4Auth(frozen, "execute-api", creds.region_name).add_auth(request)
        return httpx.request(method, request.url, headers=dict(request.headers), content=data).raise_for_status().json()

    commands = {"list": lambda: call("GET", ""), "read": lambda: call("GET", f"/{args[0]}"),
                "write": lambda: call("PUT", f"/{args[0]}", {"text": " ".join(args[1:])})}
    print(json.dumps(commands[command](), indent=2))  # noqa: T201


if __name__ == "__main__":
    main(*sys.argv[1:])
