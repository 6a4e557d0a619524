// The AWS SDK for JavaScript v3 against idpool, as an app's code would use it.
// stdin: {"endpoint": "http://..." | null, "region": "...", "identityPoolId": "...",
//         "identityId": "...", "token": "..."}
// With "endpoint": null the clients get no endpoint setting at all, so only the standard
// AWS_ENDPOINT_URL* environment variables can send them to idpool.
// stdout: {"developer": {...}, "guest": {...}, "badToken": {...}}: what each step returned
// (caller identity, allowed and denied calls, error names), for the Python test to check.
import { CognitoIdentityClient, DescribeIdentityPoolCommand, ListIdentityPoolsCommand }
  from "@aws-sdk/client-cognito-identity";
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromCognitoIdentity, fromCognitoIdentityPool } from "@aws-sdk/credential-providers";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));

// One attempt per call: a retry would hide a first answer that was wrong.
const config = { region: input.region, maxAttempts: 1 };
if (input.endpoint) config.endpoint = input.endpoint;

async function outcome(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
  }
}

async function describeCredentials(provider) {
  const credentials = await provider();
  const sts = new STSClient({ ...config, credentials: provider });
  const caller = await sts.send(new GetCallerIdentityCommand({}));
  const cognito = new CognitoIdentityClient({ ...config, credentials: provider });
  const describe = await outcome(cognito.send(new DescribeIdentityPoolCommand({ IdentityPoolId: input.identityPoolId })));
  const list = await outcome(cognito.send(new ListIdentityPoolsCommand({ MaxResults: 10 })));
  return {
    identityId: credentials.identityId,
    accessKeyId: credentials.accessKeyId,
    hasSecret: typeof credentials.secretAccessKey === "string" && credentials.secretAccessKey.length > 0,
    hasSessionToken: typeof credentials.sessionToken === "string" && credentials.sessionToken.length > 0,
    expiration: credentials.expiration?.toISOString() ?? null,
    caller: { Arn: caller.Arn, UserId: caller.UserId, Account: caller.Account },
    describe: describe.ok ? { ok: true, IdentityPoolId: describe.value.IdentityPoolId } : describe,
    list: list.ok ? { ok: true } : list,
  };
}

// Developer-authenticated identity, enhanced flow: the backend's token goes to
// GetCredentialsForIdentity under the "cognito-identity.amazonaws.com" login.
const developer = await describeCredentials(fromCognitoIdentity({
  identityId: input.identityId,
  logins: { "cognito-identity.amazonaws.com": input.token },
  clientConfig: config,
}));

// Guest: GetId without logins, then GetCredentialsForIdentity.
const guest = await describeCredentials(fromCognitoIdentityPool({
  identityPoolId: input.identityPoolId,
  clientConfig: config,
}));

// A token that is not the backend's: the service's error must reach the caller by name.
const badToken = await outcome(fromCognitoIdentity({
  identityId: input.identityId,
  logins: { "cognito-identity.amazonaws.com": input.token.slice(0, -8) + "AAAAAAAA" },
  clientConfig: config,
})());

process.stdout.write(JSON.stringify({ developer, guest, badToken: badToken.ok ? { ok: true } : badToken }));
