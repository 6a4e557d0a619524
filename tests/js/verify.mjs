// Verifies idpool OpenID tokens with the `jose` package, as a relying party would:
// algorithms pinned to RS512, keys from the issuer's JWKS, issuer and audience checked.
// stdin: {"jwks": {...}, "issuer": "...", "audience": "...", "now": <epoch seconds>, "tokens": ["..."]}
// stdout: one result per token: {"ok": true, "header": {...}, "payload": {...}} or {"ok": false, "code": "..."}
import { createLocalJWKSet, jwtVerify } from "jose";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));
const keys = createLocalJWKSet(input.jwks);

const results = [];
for (const token of input.tokens) {
  try {
    const { payload, protectedHeader } = await jwtVerify(token, keys, {
      algorithms: ["RS512"],
      issuer: input.issuer,
      audience: input.audience,
      currentDate: new Date(input.now * 1000),
      requiredClaims: ["exp", "iat"],
    });
    results.push({ ok: true, header: protectedHeader, payload });
  } catch (error) {
    results.push({ ok: false, code: error.code ?? error.name });
  }
}
process.stdout.write(JSON.stringify(results));
