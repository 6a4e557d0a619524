// The tutorial's backend, step 2 made whole, in TypeScript for Node: the app's own login
// authenticates the user, then the backend asks the identity pool for an OpenID token
// for them (GetOpenIdTokenForDeveloperIdentity) and returns { identityId, token, expiresAt }
// to the frontend, which turns it into AWS credentials (fromCognitoIdentity).
//
//   POST /signup { username, password } -> 201
//   POST /login  { username, password } -> 200 { identityId, token, expiresAt }
//
// The same code runs against AWS and idpool: the SDK finds idpool through
// AWS_ENDPOINT_URL_COGNITO_IDENTITY, and its credentials as usual (AWS_ACCESS_KEY_ID, ...).
// Users live in memory here; examples/backend-python keeps them in SQLite with sessions.
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { randomBytes, randomUUID, scrypt, timingSafeEqual } from "node:crypto";
import { promisify } from "node:util";
import {
  CognitoIdentityClient,
  GetOpenIdTokenForDeveloperIdentityCommand,
} from "@aws-sdk/client-cognito-identity";

const poolId = setting("APP_IDENTITY_POOL_ID");
const providerName = setting("APP_DEVELOPER_PROVIDER_NAME");
const tokenSeconds = Number(process.env.APP_TOKEN_SECONDS ?? 900); // 1..86400, Cognito's default 900
const cognito = new CognitoIdentityClient({ region: poolId.split(":")[0] }); // the pool id names its region

// --- the app's own users: scrypt hashes (Node's built-in), a random stable user id ---
type User = { userId: string; salt: Buffer; hash: Buffer };
const users = new Map<string, User>();
const failures = new Map<string, number[]>(); // failed logins per username, last 15 minutes
const hashOf = promisify(scrypt) as (password: string, salt: Buffer, length: number) => Promise<Buffer>;

async function signUp(username: string, password: string): Promise<boolean> {
  if (users.has(username)) return false;
  const salt = randomBytes(16);
  users.set(username, { userId: randomUUID(), salt, hash: await hashOf(password, salt, 32) });
  return true;
}

async function authenticate(username: string, password: string): Promise<User | undefined> {
  const user = users.get(username);
  const salt = user?.salt ?? randomBytes(16); // an unknown name costs the same hash
  const hash = await hashOf(password, salt, 32);
  return user && timingSafeEqual(hash, user.hash) ? user : undefined;
}

function tooManyFailures(username: string): boolean {
  const recent = (failures.get(username) ?? []).filter((at) => at > Date.now() - 15 * 60_000);
  if (recent.length) failures.set(username, recent);
  else failures.delete(username); // nothing kept for names that stopped failing
  return recent.length >= 5;
}

// --- step 2 of the tutorial: a token for the authenticated user ---
async function tokenFor(user: User) {
  const issuedAt = Date.now();
  const answer = await cognito.send(new GetOpenIdTokenForDeveloperIdentityCommand({
    IdentityPoolId: poolId,
    Logins: { [providerName]: user.userId },
    TokenDuration: tokenSeconds,
  }));
  return {
    identityId: answer.IdentityId,
    token: answer.Token,
    expiresAt: new Date(issuedAt + tokenSeconds * 1000).toISOString(),
  };
}

// --- HTTP ---
async function handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
  if (request.method !== "POST" || (request.url !== "/signup" && request.url !== "/login")) {
    return reply(response, 404, { error: "POST /signup or /login" });
  }
  if (request.headers["content-type"]?.split(";")[0] !== "application/json") {
    return reply(response, 415, { error: "send Content-Type: application/json" });
  }
  const body = await readJson(request);
  const { username, password } = (body ?? {}) as { username?: unknown; password?: unknown };
  if (typeof username !== "string" || !/^[a-z0-9][a-z0-9_.-]{2,63}$/.test(username) ||
      typeof password !== "string" || password.length < 8 || password.length > 1024) {
    return reply(response, 400, { error: "username: 3 to 64 of a-z 0-9 _ . -; password: 8 to 1024 characters" });
  }
  if (request.url === "/signup") {
    return (await signUp(username, password))
      ? reply(response, 201, { username })
      : reply(response, 409, { error: "that username is taken" });
  }
  if (tooManyFailures(username)) return reply(response, 429, { error: "too many failed logins: wait 15 minutes" });
  const user = await authenticate(username, password);
  if (!user) {
    failures.set(username, [...(failures.get(username) ?? []), Date.now()]);
    return reply(response, 401, { error: "wrong username or password" });
  }
  try {
    return reply(response, 200, await tokenFor(user));
  } catch (error) {
    console.error(`token for ${username} failed:`, error); // the SDK's error names the cause
    return reply(response, 502, { error: "the identity pool did not issue a token; see the backend's log" });
  }
}

function reply(response: ServerResponse, status: number, body: object): void {
  response.writeHead(status, { "Content-Type": "application/json", "Cache-Control": "no-store" });
  response.end(JSON.stringify(body));
}

async function readJson(request: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of request) {
    text += chunk;
    if (text.length > 16_384) return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function setting(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`set ${name}`);
  return value;
}

const server = createServer((request, response) => {
  handle(request, response).catch((error) => {
    console.error(error);
    if (!response.headersSent) reply(response, 500, { error: "internal error" });
  });
});
server.listen(Number(process.env.APP_PORT ?? 8081), process.env.APP_HOST ?? "127.0.0.1", () => {
  const address = server.address();
  if (address && typeof address === "object") console.log(`listening on http://${address.address}:${address.port}`);
});
