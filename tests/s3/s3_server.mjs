// An S3-compatible store for the tests: s3rver on 127.0.0.1 and an ephemeral port, holding the
// objects a manifest names, written with the AWS SDK for JavaScript (as users' other tools write
// them). Usage: node s3_server.mjs MANIFEST.json PORT_FILE
//   MANIFEST: {"buckets": ["sales"], "objects": [{"bucket", "key", "file" | "content"}]}
// Writes {"port": N} to PORT_FILE once every object is in place, then serves until SIGTERM or
// its parent exits. AbortMultipartUpload is added (see below), and each aborted upload's id
// appended to DIRECTORY/aborted. s3rver does not check secrets, ignores If-Match and mishandles
// bytes=0-0 and bytes=-N; the tests do not rely on those. Run it with --openssl-legacy-provider: its
// continuation tokens are DES-encrypted, which Node's OpenSSL 3 has only there.
import { appendFile, readFile, writeFile, rename, mkdtemp, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import S3rver from "s3rver";
import { S3Client, CreateBucketCommand, PutObjectCommand } from "@aws-sdk/client-s3";

const [manifestPath, portFile] = process.argv.slice(2);
const manifest = JSON.parse(await readFile(manifestPath, "utf8"));
const directory = await mkdtemp(join(tmpdir(), "s3rver-"));
const server = new S3rver({ address: "127.0.0.1", port: 0, silent: true, directory });
// s3rver answers AbortMultipartUpload (DELETE ?uploadId=) with 405: done here, in front of its
// routes, as S3 does it: the upload's parts are gone and the upload is no more (204), or
// NoSuchUpload (404). Koa composes its middleware at listen(), so this one runs first.
server.middleware.unshift(async (ctx, next) => {
  const uploadId = ctx.query.uploadId;
  if (ctx.method !== "DELETE" || typeof uploadId !== "string" || !/^[0-9a-f]+$/.test(uploadId))
    return next();
  const bucket = decodeURIComponent(ctx.path.split("/")[1] ?? "");
  const uploads = server.store.getResourcePath(bucket, undefined, "uploads");
  try {
    await stat(join(uploads, uploadId));
  } catch {
    ctx.status = 404;
    ctx.type = "application/xml";
    ctx.body = "<Error><Code>NoSuchUpload</Code><Message>The specified upload does not exist" +
      "</Message></Error>";
    return;
  }
  await rm(join(uploads, uploadId), { recursive: true, force: true });
  await appendFile(join(directory, "aborted"), `${uploadId}\n`);
  ctx.status = 204;
});
const { port } = await server.run();

const client = new S3Client({
  endpoint: `http://127.0.0.1:${port}`,
  region: "us-east-1",
  forcePathStyle: true,
  credentials: { accessKeyId: "S3RVER", secretAccessKey: "S3RVER" },
});
for (const bucket of manifest.buckets) await client.send(new CreateBucketCommand({ Bucket: bucket }));
const objects = manifest.objects;
// A few at a time: s3rver is single-threaded, and 1000+ puts one by one take long.
for (let i = 0; i < objects.length; i += 32) {
  await Promise.all(objects.slice(i, i + 32).map(async (o) => {
    const body = o.file !== undefined ? await readFile(o.file) : Buffer.from(o.content, "utf8");
    await client.send(new PutObjectCommand({ Bucket: o.bucket, Key: o.key, Body: body }));
  }));
}
// Whole or not at all: the test reads the file as soon as it exists.
await writeFile(`${portFile}.tmp`, JSON.stringify({ port, directory }));
await rename(`${portFile}.tmp`, portFile);

const stop = async () => {
  await server.close();
  await rm(directory, { recursive: true, force: true });
  process.exit(0);
};
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
// A test that died without stopping it must not leave it behind.
// (process.ppid is read once at start, so ask whether the parent is still there.)
const parent = process.ppid;
setInterval(() => {
  try {
    process.kill(parent, 0);
  } catch {
    stop();
  }
}, 500);
