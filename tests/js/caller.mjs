// The AWS SDK for JavaScript v3 configured by nothing but the environment (the testing kit's
// `env`: AWS_ENDPOINT_URL*, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION).
// stdout: {"arn": "..."} from STS GetCallerIdentity.
import { GetCallerIdentityCommand, STSClient } from "@aws-sdk/client-sts";

const sts = new STSClient({ maxAttempts: 1 });
const caller = await sts.send(new GetCallerIdentityCommand({}));
process.stdout.write(JSON.stringify({ arn: caller.Arn }));
