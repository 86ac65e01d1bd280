// SigV4 by the AWS SDK for JavaScript's own signer (@smithy/signature-v4), to cross-check
// salesproc's. Reads one JSON request on stdin:
//   {"method", "host", "path" (encoded, as sent), "query": {name: value} (decoded),
//    "region", "time" (Unix seconds), "access_key_id", "secret_access_key", "session_token"}
// and prints the signed request's headers as JSON. S3's rules: the path is used as given
// (uriEscapePath: false), and x-amz-content-sha256 is UNSIGNED-PAYLOAD.
import { SignatureV4 } from "@smithy/signature-v4";
import { HttpRequest } from "@smithy/protocol-http";
import { Sha256 } from "@aws-crypto/sha256-js";

let input = "";
for await (const chunk of process.stdin) input += chunk;
const r = JSON.parse(input);
const signer = new SignatureV4({
  credentials: {
    accessKeyId: r.access_key_id,
    secretAccessKey: r.secret_access_key,
    sessionToken: r.session_token || undefined,
  },
  region: r.region,
  service: "s3",
  sha256: Sha256,
  uriEscapePath: false,
  applyChecksum: false,
});
const request = new HttpRequest({
  method: r.method,
  protocol: "https:",
  hostname: r.host,
  path: r.path,
  query: r.query,
  headers: { host: r.host, "x-amz-content-sha256": "UNSIGNED-PAYLOAD" },
});
const signed = await signer.sign(request, { signingDate: new Date(r.time * 1000) });
process.stdout.write(JSON.stringify(signed.headers));
