// The frontend side of tests/gateway/test_gateway_node.py: requests to an idpool gateway,
// signed in Node by @smithy/signature-v4 (the AWS SDK's own signer) with credentials from
// @aws-sdk/credential-providers.
// stdin: {"module": "<the README's api.ts, bundled>", "endpoint": idpool, "gateway": "http://.../prod",
//         "region", "identityPoolId", "identityId", "token", "otherId"}
// stdout: what each call answered (status, body), for the Python test to check.
import { pathToFileURL } from "node:url";
import { Sha256 } from "@aws-crypto/sha256-js";
import { fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { SignatureV4 } from "@smithy/signature-v4";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));

async function answer(response) {
  const text = await response.text();
  let body = text;
  try { body = JSON.parse(text); } catch { /* not JSON */ }
  return { status: response.status, errorType: response.headers.get("x-amzn-errortype"), body };
}

// The README's frontend, as written: notesApi(identityId, token) -> call(method, path, body).
const frontend = await import(pathToFileURL(input.module).href); // bundled as CommonJS
const { notesApi } = frontend.default ?? frontend;
const call = notesApi(input.identityId, input.token);
const own = await answer(await call("POST", `/notes/${input.identityId}/today`, { text: "from node" }));
const other = await answer(await call("GET", `/notes/${input.otherId}/today`));

// A guest, with the unauthenticated role's credentials (fromCognitoIdentityPool).
const guestCredentials = fromCognitoIdentityPool({
  identityPoolId: input.identityPoolId, clientConfig: { region: input.region, endpoint: input.endpoint },
});
const signer = new SignatureV4({ service: "execute-api", region: input.region, credentials: guestCredentials, sha256: Sha256 });
async function guestGet(path) {
  const url = new URL(input.gateway + path);
  const signed = await signer.sign({
    method: "GET", protocol: url.protocol, hostname: url.hostname, port: Number(url.port), path: url.pathname,
    query: Object.fromEntries(url.searchParams), headers: { host: url.host },
  });
  const { host, ...headers } = signed.headers;
  return answer(await fetch(url, { headers }));
}
const guestPublic = await guestGet("/public/about?lang=en");
const guestNotes = await guestGet(`/notes/${input.identityId}/today`);
const unsigned = await answer(await fetch(`${input.gateway}/notes/${input.identityId}/today`));

process.stdout.write(JSON.stringify({ own, other, guestPublic, guestNotes, unsigned }));
