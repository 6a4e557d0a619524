// The notes app's page: the tutorial's step 3 in TypeScript. The user signs in to the app's
// own backend; the backend's /token endpoint vouches for them (GetOpenIdTokenForDeveloperIdentity);
// fromCognitoIdentity turns IdentityId + token into AWS credentials (GetCredentialsForIdentity);
// @smithy/signature-v4 signs each call to the notes API behind the gateway (API Gateway's
// AWS_IAM authorization); STS GetCallerIdentity shows who the user is.
//
// Against AWS, /config.json leaves out cognitoEndpoint and names the API Gateway stage URL.
import { Sha256 } from "@aws-crypto/sha256-js";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromCognitoIdentity, fromCognitoIdentityPool } from "@aws-sdk/credential-providers";
import { SignatureV4 } from "@smithy/signature-v4";

interface Config {
  region: string; identityPoolId: string; cognitoEndpoint?: string; api: string;
  refreshBeforeSeconds?: number; // how long before their expiry credentials are replaced [300]
}
interface Credentials { accessKeyId: string; secretAccessKey: string; sessionToken?: string; expiration?: Date }
type Provider = () => Promise<Credentials>;

const $ = (id: string) => document.getElementById(id) as HTMLInputElement;

let csrfToken = "";
let identityId = "";
let config: Config;

async function backend(path: string, body?: unknown): Promise<any> {
  const response = await fetch(path, {
    method: "POST", credentials: "same-origin",
    headers: { "content-type": "application/json", "x-csrf-token": csrfToken },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = await response.json();
  if (!response.ok) throw new Error(answer.error ?? `HTTP ${response.status}`);
  return answer;
}

// The credentials, kept until close to their expiry; each refresh asks the backend for a
// fresh token first, so an expired OpenID token never stops the page.
function cached(fetchCredentials: Provider): Provider {
  let current: Promise<Credentials> | undefined;
  return async () => {
    const held = current && (await current.catch(() => undefined));
    const before = (config.refreshBeforeSeconds ?? 300) * 1000; // 5 minutes, as the SDK's own cache
    if (!held || !held.expiration || held.expiration.getTime() - Date.now() < before) {
      current = fetchCredentials();
    }
    return current!;
  };
}

function userCredentials(): Provider {
  const clientConfig = { region: config.region, endpoint: config.cognitoEndpoint };
  return cached(async () => {
    const { token } = await backend("/token");
    return fromCognitoIdentity({ identityId, logins: { "cognito-identity.amazonaws.com": token }, clientConfig })();
  });
}

function guestCredentials(): Provider {
  const clientConfig = { region: config.region, endpoint: config.cognitoEndpoint };
  const provider = fromCognitoIdentityPool({ identityPoolId: config.identityPoolId, clientConfig });
  return cached(() => provider());
}

function signedFetch(credentials: Provider) {
  const signer = new SignatureV4({ service: "execute-api", region: config.region, credentials, sha256: Sha256 });
  return async (method: string, path: string, body?: unknown): Promise<Response> => {
    const url = new URL(config.api + path);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const signed = await signer.sign({
      method, protocol: url.protocol, hostname: url.hostname, port: url.port ? Number(url.port) : undefined,
      path: url.pathname, query: Object.fromEntries(url.searchParams), body: payload,
      headers: { host: url.host, ...(payload ? { "content-type": "application/json" } : {}) },
    });
    const { host, ...headers } = signed.headers; // the browser sets Host itself
    return fetch(url, { method, headers, body: payload });
  };
}

function show(status: number | string, body: unknown): void {
  $("status").textContent = `${status}\n${JSON.stringify(body, null, 2)}`;
}

async function shown(response: Response): Promise<any> {
  const body = await response.json().catch(() => null);
  show(response.status, body);
  return response.ok ? body : undefined;
}

async function start(credentials: Provider): Promise<void> {
  const call = signedFetch(credentials);
  const sts = new STSClient({ region: config.region, endpoint: config.cognitoEndpoint, credentials });
  $("who").textContent = (await sts.send(new GetCallerIdentityCommand({}))).Arn ?? "";
  $("identity").textContent = identityId;
  $("owner").value = identityId;
  $("signin").hidden = true;
  $("app").hidden = false;

  const list = async (quiet = false) => {
    const response = await call("GET", `/notes/${identityId}`);
    const answer = quiet ? (response.ok ? await response.json() : undefined) : await shown(response);
    const items = (answer?.notes ?? []) as { id: string; text: string }[];
    $("notes").replaceChildren(...items.map((note) => {
      const item = document.createElement("li");
      item.textContent = `${note.id}: ${note.text}`;
      return item;
    }));
  };
  const note = () => `/notes/${$("owner").value}/${encodeURIComponent($("note-id").value)}`;
  $("list-button").onclick = () => void list();
  $("save-button").onclick = async () => {
    await shown(await call("PUT", note(), { text: $("note-text").value }));
    await list(true);
  };
  $("read-button").onclick = async () => {
    const answer = await shown(await call("GET", note()));
    if (answer) $("note-text").value = answer.text;
  };
  $("public-button").onclick = async () => void shown(await call("GET", "/public/welcome"));
  document.body.dataset.ready = "true";
}

async function signIn(path: "/signup" | "/signin"): Promise<void> {
  try {
    const session = await backend(path, { username: $("username").value, password: $("password").value });
    csrfToken = session.csrfToken;
    identityId = (await backend("/token")).identityId;
    await start(userCredentials());
  } catch (error) {
    show("error", String(error));
  }
}

async function asGuest(): Promise<void> {
  try {
    const credentials = guestCredentials();
    await credentials();
    identityId = "(guest)";
    await start(credentials);
  } catch (error) {
    show("error", String(error));
  }
}

async function main(): Promise<void> {
  config = await (await fetch("/config.json")).json();
  $("signup-button").onclick = () => void signIn("/signup");
  $("signin-button").onclick = () => void signIn("/signin");
  $("guest-button").onclick = () => void asGuest();
}

void main();
