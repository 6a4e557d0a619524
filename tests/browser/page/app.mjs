// The browser side of tests/browser/test_browser_sdk.py: the AWS SDK for JavaScript v3,
// bundled for the browser, calling idpool from another origin. The test calls
// window.runFlow(input) and waits for window.flowResult; input is the same JSON the Node
// scripts read (endpoint, region, identityPoolId, identityId, token).
import { CognitoIdentityClient, DescribeIdentityPoolCommand, ListIdentityPoolsCommand }
  from "@aws-sdk/client-cognito-identity";
import { AssumeRoleWithWebIdentityCommand, GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";
import { fromCognitoIdentity, fromCognitoIdentityPool } from "@aws-sdk/credential-providers";

async function outcome(promise) {
  try {
    return { ok: true, value: await promise };
  } catch (error) {
    return { ok: false, name: error.name, message: error.message, status: error.$metadata?.httpStatusCode };
  }
}

async function callerOf(config, credentials) {
  const sts = new STSClient({ ...config, credentials });
  const caller = await sts.send(new GetCallerIdentityCommand({}));
  return { Arn: caller.Arn, UserId: caller.UserId, Account: caller.Account };
}

async function flow(input) {
  const config = { region: input.region, endpoint: input.endpoint, maxAttempts: 1 };
  const logins = { "cognito-identity.amazonaws.com": input.token };
  const credentials = fromCognitoIdentity({ identityId: input.identityId, logins, clientConfig: config });
  const cognito = new CognitoIdentityClient({ ...config, credentials });
  const describe = await outcome(cognito.send(new DescribeIdentityPoolCommand({ IdentityPoolId: input.identityPoolId })));
  const guest = fromCognitoIdentityPool({ identityPoolId: input.identityPoolId, clientConfig: config });
  const forged = fromCognitoIdentity({
    identityId: input.identityId, clientConfig: config,
    logins: { "cognito-identity.amazonaws.com": input.token.slice(0, -8) + "AAAAAAAA" },
  });
  const sts = new STSClient(config);
  return {
    origin: window.location.origin,
    caller: await callerOf(config, credentials),
    describe: describe.ok ? { ok: true, IdentityPoolId: describe.value.IdentityPoolId } : describe,
    // Errors of each kind must reach the page with their code: a signed JSON call IAM
    // denies, an unsigned JSON call Cognito refuses, an unsigned Query call STS refuses.
    list: await outcome(cognito.send(new ListIdentityPoolsCommand({ MaxResults: 10 }))),
    forged: await outcome(forged()),
    stsError: await outcome(sts.send(new AssumeRoleWithWebIdentityCommand({
      RoleArn: input.roleArn, RoleSessionName: "page", WebIdentityToken: "not-a-token",
    }))),
    guest: { identityId: (await guest()).identityId, caller: await callerOf(config, guest) },
  };
}

window.runFlow = (input) => {
  flow(input).then(
    (result) => { window.flowResult = result; },
    (error) => { window.flowResult = { failed: `${error.name}: ${error.message}` }; },
  ).finally(() => {
    document.getElementById("result").textContent = JSON.stringify(window.flowResult, null, 2);
  });
};
