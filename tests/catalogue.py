"""The security and reliability catalogue: every case idpool is tested against, by id.

docs/SECURITY.md says what idpool does for each hostile input; this module is the list
the tests answer to. A test covering a case carries ``@pytest.mark.catalogue("J07", ...)``
(tests/conftest.py refuses an id that is not here), and ``scripts/gen_reliability.py``
writes docs/reliability.md from these cases and the collected markers, so the table
cannot drift from the tests.

A case is declared ``HOLDS`` only when some test carries its id (the generator refuses
otherwise). A case that idpool does not meet, or does not have yet, says so with the
reason: ``PARTLY`` (some of it is tested and holds, the note says what does not),
``NOT_BUILT`` (the feature is not there yet; no test may claim it), ``DOES_NOT_HOLD``
(a deliberate difference, explained).

A plain module: the conftest, the tests and the generator import it.
"""

from __future__ import annotations

from dataclasses import dataclass

HOLDS = "holds"
PARTLY = "partly"
NOT_BUILT = "not built"
DOES_NOT_HOLD = "does not hold"
STATES = (HOLDS, PARTLY, NOT_BUILT, DOES_NOT_HOLD)


@dataclass(frozen=True)
class Case:
    id: str
    case: str  # the input, attack or fault
    expected: str  # what must happen for the case to hold
    state: str = HOLDS
    note: str = ""  # why a case does not (fully) hold, or how it is tested


AREAS = {
    "J": "OpenID tokens",
    "S": "SigV4",
    "A": "Authorization",
    "D": "Developer identities",
    "R": "Resources and abuse",
    "I": "Injection and hostile text",
    "K": "Secrets at rest and in logs",
    "KR": "Signing-key rotation",
    "F": "Faults",
    "P": "Protocol conformance and generated input",
}

_CASES = (
    # --- OpenID tokens -------------------------------------------------------------------------
    Case("J01", "token with `alg: none` or an empty signature", "refused with the service's 4xx code"),
    Case("J02", "HMAC `alg` keyed with idpool's public key (key confusion)", "refused: only RS512 under idpool's RSA keys"),
    Case("J03", "a valid signature by idpool's key under another algorithm", "refused: the algorithm is pinned to RS512"),
    Case("J04", "unknown `kid`, or one holding `../`, quotes or SQL", "refused; the kid is only looked up in the key ring, never echoed"),
    Case("J05", "`jku`, `x5u`, `jwk`, `x5c` headers", "ignored, never fetched; only idpool's keys verify"),
    Case("J06", "`crit` naming an extension", "refused"),
    Case("J07", "tampered, truncated, 2 or 4 segments, bad base64url, duplicate JSON members (also fuzzed)", "a 4xx, never a 500"),
    Case("J08", "expired `exp`, `iat` or `nbf` in the future", "refused beyond the 60 s leeway, accepted within it"),
    Case("J09", "another issuer", "refused"),
    Case("J10", "a token whose `aud` is another pool", "Cognito `NotAuthorizedException`; STS trust condition fails"),
    Case("J11", "token `sub` other than the `IdentityId` it comes with", "`NotAuthorizedException`"),
    Case("J12", "token of an identity deleted or unlinked after issue", "refused by Cognito and (stricter than AWS) by STS"),
    Case("J13", "oversized token", "a validation error before any decoding or cryptography"),
    Case("J14", "a guest token for the authenticated role (`amr` swap)", "refused: the role follows `amr`"),
    Case("J15", "tokens checked by independent verifiers (PyJWT, joserfc, Node `jose`)", "each accepts ours and refuses the J01-J09 forgeries; `typ` is checked"),
    # --- SigV4 ---------------------------------------------------------------------------------
    Case("S01", "a signed-only operation sent unsigned", "`MissingAuthenticationToken(Exception)`"),
    Case("S02", "unknown access key id", "`InvalidClientTokenId` / `UnrecognizedClientException`"),
    Case("S03", "right key, wrong secret", "`SignatureDoesNotMatch` / `InvalidSignatureException`"),
    Case("S04", "request time 5 min +- 1 s from the server's clock", "accepted within 5 min, refused beyond, both ways"),
    Case("S05", "replay inside the window; replay with another body, query, host or target", "the first accepted (as by AWS), the others refused"),
    Case("S06", "credential scope for another region or service", "refused, naming the expected scope"),
    Case("S07", "scope date not the request's day, malformed credential, other algorithms", "refused"),
    Case("S08", "`host`, the date or `x-amz-target` not signed; a signed header absent", "refused"),
    Case("S09", "`X-Amz-Content-SHA256` not the body's hash, or `UNSIGNED-PAYLOAD`", "refused"),
    Case("S10", "body swapped under a valid signature", "refused"),
    Case("S11", "header whitespace, order, repeats, two `Authorization` headers; every botocore-signed request", "botocore's signatures verify, any changed byte fails, two Authorization headers refused"),
    Case("S12", "session token missing, another session's, or on a long-term key", "refused as an unknown key"),
    Case("S13", "temporary credentials past `Expiration`", "`ExpiredToken` / `ExpiredTokenException`"),
    Case("S14", "temporary credentials after their role's policy changed, or a `aws:TokenIssueTime` Deny", "the next request is judged by the new policy"),
    Case("S15", "temporary credentials after their identity was deleted", "valid until they expire, as on AWS; the TokenIssueTime Deny stops them"),
    Case("S16", "an access key set Inactive or deleted", "refused from the next request, on every node"),
    Case("S17", "timing side channels on signatures, tokens and secrets", "constant-time comparisons; no `==` on secrets (static check)"),
    # --- Authorization ---------------------------------------------------------------------------
    Case("A01", "a caller no policy allows", "`AccessDenied` / `AccessDeniedException`, 403"),
    Case("A02", "Deny vs Allow, NotAction/NotResource, wildcards, case, every condition operator", "every row of the evaluation tables agrees with IAM's documented logic"),
    Case("A03", "policy-variable values holding `*`; generated policies", "substituted literally; adding an Allow never removes access, a Deny never adds it, order does not matter"),
    Case("A04", "a role trusting `cognito-identity.amazonaws.com` without pinning `aud`", "`MalformedPolicyDocument`; stored ones admit no web identity"),
    Case("A05", "a `CustomRoleArn` the identity may not use", "refused"),
    Case("A06", "`sts:GetCallerIdentity` under an explicit Deny", "still answers"),
    # --- Developer identities --------------------------------------------------------------------
    Case("D01", "a developer user linked to identity A, sent with `IdentityId` B", "`DeveloperUserAlreadyRegisteredException`; A and B unchanged"),
    Case("D02", "a login already linked to another identity", "`ResourceConflictException`, nothing changed",
         note="idpool links developer logins only (federated providers are not served yet): the rule is tested on the "
              "store and through LookupDeveloperIdentity"),
    Case("D03", "an identity of one pool used with another pool", "refused; nothing links across pools"),
    Case("D04", "merges across providers or pools, past 20 logins, or onto the same identity",
         "the first refused with nothing half-merged; onto the same identity, nothing changes"),
    Case("D05", "a `Logins` key other than the pool's developer provider", "an error; no identity created"),
    Case("D06", "a client naming a developer user in a public operation's `Logins`", "`NotAuthorizedException`"),
    Case("D07", "an identity with logins used later without them", "`NotAuthorizedException`"),
    Case("D08", "`GetId` without `Logins` on a pool without guests", "`NotAuthorizedException`"),
    Case("D09", "`GetOpenIdToken` on a pool without the classic flow (absent counts as off)", "`InvalidParameterException`"),
    # --- Resources ---------------------------------------------------------------------------------
    Case("R01", "floods of guest identities (`GetId` without logins), from one address or many", "`TooManyRequestsException` past the per-source quota, nothing created; guests capped per pool and cleaned up"),
    Case("R02", "slow clients, idle sockets, header floods", "cut off at the header and body deadlines; others still served"),
    Case("R03", "a body above the cap, with or without Content-Length", "413 before the whole body is held"),
    Case("R04", "JSON bombs: depth, huge numbers, NaN, duplicate keys, bad UTF-8", "a 400, never a 500"),
    Case("R05", "Query bombs: thousands of fields, huge member indexes", "a 400, work bounded by the keys sent"),
    Case("R06", "pathological policies (`*a*a*...b`, huge documents)", "refused by IAM's size limits, or matched in linear time"),
    # --- Injection ---------------------------------------------------------------------------------
    Case("I01", "SQL metacharacters and LIKE wildcards in names, ids, descriptions, tags, path prefixes", "stored and returned byte for byte; wildcards match literally"),
    Case("I02", "XML-hostile text in Query answers", "escaped; botocore parses every answer"),
    Case("I03", "`Admin` vs `admin`", "IAM names unique case-insensitively"),
    Case("I04", "CR/LF and terminal escapes in logged fields", "every log line stays one JSON object"),
    Case("I05", "markup in names, tags, developer user ids shown by the console", "shown as text; CSP forbids inline script"),
    Case("I06", "CSRF, clickjacking, open redirects in the console", "refused"),
    Case("I07", "a forged `Host` header", "the issuer and every printed URL come from the configuration"),
    Case("I08", "guessing a secret through the console's sign-in form (added by idpool)", "one message for every failure; failures limited per address"),
    # --- Secrets ---------------------------------------------------------------------------------------
    Case("K01", "a stolen database file: IAM secret access keys", "not in it in clear (sealed with AES-256-GCM)"),
    Case("K02", "a stolen database file: session tokens and temporary secrets", "not in it at all (sessions travel sealed in the token)"),
    Case("K03", "a stolen database file: signing keys and the root secret; the JWKS", "sealed; the JWKS has public members only"),
    Case("K04", "secrets in logs and error messages", "never written"),
    Case("K05", "loose file permissions", "data dir 0700, files 0600; a master key file others can read is refused"),
    # --- Key rotation ------------------------------------------------------------------------------------
    Case("KR01", "rotation while tokens are in flight", "the previous key stays in the JWKS longer than the longest token"),
    Case("KR02", "a new key used before verifiers' JWKS caches refresh", "the next key is published before it signs",
         state=DOES_NOT_HOLD, note="a rotated-in key signs at once; the JWKS is cacheable for 60 s, so a verifier "
                                   "must fetch again on an unknown kid (PyJWT, joserfc and jose do; idpool's own "
                                   "nodes do, rate-limited)"),
    Case("KR03", "nodes starting or rotating at once", "exactly one active key"),
    Case("KR04", "emergency removal of a compromised key", "its tokens refused on every node within the 5 s refresh"),
    # --- Faults ------------------------------------------------------------------------------------------
    Case("F01", "`kill -9` during writes, SQLite", "every acknowledged write survives; `integrity_check` ok"),
    Case("F02", "`kill -9` of a node during writes, PostgreSQL", "every acknowledged write survives"),
    Case("F03", "the database goes away while serving", "5xx in the service's shape, `/health` 503, recovery without restart"),
    Case("F04", "processes racing on one developer user id", "exactly one identity"),
    Case("F05", "disk full under SQLite", "5xx in the service's shape, no corruption, writes resume once there is space"),
    Case("F06", "clocks of nodes apart", "tokens and credentials from one node work on another within the 60 s token leeway",
         state=PARTLY, note="tolerance is the fixed 60 s leeway on `iat`: with nodes further apart, a token is refused "
                            "(4xx, not 500) by a node whose clock is behind until its clock catches up; run NTP"),
    Case("F07", "key rotation during traffic", "no valid token fails verification"),
    Case("F08", "nodes starting at once on an empty database", "one migration, one root key, one active signing key"),
    Case("F09", "SIGTERM under load", "requests in flight answered (503 at the drain deadline); exit 0; no torn write"),
    Case("F10", "upgrade from every earlier schema version and from a database the previous release made", "all data readable and usable; migrations forward only"),
    Case("F11", "`kill -9` of one worker of `--workers N` under load (added by idpool)", "the other workers keep serving, the dead one is replaced, acknowledged writes survive"),
    # --- Protocol --------------------------------------------------------------------------------------
    Case("P01", "botocore's serializer into idpool's parser, every operation in scope (generated)", "the same parameters"),
    Case("P02", "idpool's serializer into botocore's parser, every output and error shape (generated)", "the same data; the modelled exception class"),
    Case("P03", "the AWS SDK for JavaScript v3 (and v2) in Node and in Chromium", "credentials obtained and used; CORS preflights pass"),
    Case("P04", "which operations are public", "exactly those the models mark unsigned"),
    Case("P05", "requests generated from the botocore models for every operation, valid and mutated, against a server (added by idpool)", "never a 5xx; every error a well-formed AWS error of the service"),
    Case("P06", "coverage-guided fuzzing of the JSON and Query codecs, SigV4 parsing, JWT parsing and policy documents (added by idpool)", "only the documented errors; every crash found kept as a regression input"),
)

CASES: dict[str, Case] = {case.id: case for case in _CASES}


def area_of(case_id: str) -> str:
    """The area prefix of an id: ``KR03`` -> ``KR``, ``J07`` -> ``J``."""
    return case_id.rstrip("0123456789")
