// The AWS SDK for JavaScript v2 (`aws-sdk`) against idpool: AWS.CognitoIdentityCredentials
// as the Cognito Developer Guide shows it for developer-authenticated identities.
// stdin: {"endpoint": "...", "region": "...", "identityPoolId": "...", "identityId": "...",
//         "token": "...", "roleArn": "..."}
// stdout: {"enhanced": {...}, "basic": {...}, "guest": {...}}: what each flow returned.
// v2 reads no AWS_ENDPOINT_URL* variables: the endpoint goes in the clientConfig
// (second constructor argument), which v2 hands to its CognitoIdentity and STS clients.
import AWS from "aws-sdk";

const chunks = [];
for await (const chunk of process.stdin) chunks.push(chunk);
const input = JSON.parse(Buffer.concat(chunks).toString("utf8"));

// One attempt per call, bounded: a retry would hide a first answer that was wrong.
const clientConfig = {
  endpoint: input.endpoint, region: input.region, maxRetries: 0,
  httpOptions: { connectTimeout: 5000, timeout: 15000 },
};

async function outcome(request) {
  try {
    return { ok: true, value: await request.promise() };
  } catch (error) {
    return { ok: false, code: error.code, message: error.message, status: error.statusCode };
  }
}

async function describeCredentials(credentials) {
  await credentials.getPromise();
  const sts = new AWS.STS({ ...clientConfig, credentials });
  const caller = await sts.getCallerIdentity({}).promise();
  const cognito = new AWS.CognitoIdentity({ ...clientConfig, credentials });
  const describe = await outcome(cognito.describeIdentityPool({ IdentityPoolId: input.identityPoolId }));
  const list = await outcome(cognito.listIdentityPools({ MaxResults: 10 }));
  return {
    identityId: credentials.identityId ?? null,
    accessKeyId: credentials.accessKeyId,
    hasSessionToken: typeof credentials.sessionToken === "string" && credentials.sessionToken.length > 0,
    expireTime: credentials.expireTime ? credentials.expireTime.toISOString() : null,
    // Set by the basic flow: the AssumeRoleWithWebIdentity response as v2 saw it.
    assumed: credentials.data?.AssumedRoleUser ?? null,
    subject: credentials.data?.SubjectFromWebIdentityToken ?? null,
    caller: { Arn: caller.Arn, UserId: caller.UserId, Account: caller.Account },
    describe: describe.ok ? { ok: true, IdentityPoolId: describe.value.IdentityPoolId } : describe,
    list: list.ok ? { ok: true } : list,
  };
}

const developerLogin = { "cognito-identity.amazonaws.com": input.token };

// Enhanced flow: one unsigned GetCredentialsForIdentity.
const enhanced = await describeCredentials(new AWS.CognitoIdentityCredentials(
  { IdentityPoolId: input.identityPoolId, IdentityId: input.identityId, Logins: developerLogin }, clientConfig));

// Basic (classic) flow: GetOpenIdToken, then STS AssumeRoleWithWebIdentity into RoleArn.
const basic = await describeCredentials(new AWS.CognitoIdentityCredentials(
  { IdentityPoolId: input.identityPoolId, IdentityId: input.identityId, Logins: developerLogin,
    RoleArn: input.roleArn }, clientConfig));

// Guest: GetId, then GetCredentialsForIdentity.
const guest = await describeCredentials(new AWS.CognitoIdentityCredentials(
  { IdentityPoolId: input.identityPoolId }, clientConfig));

process.stdout.write(JSON.stringify({ enhanced, basic, guest }));
