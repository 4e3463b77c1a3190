/**
 * `npm run keys -- --out <dir> [--alg RS384,ES384]`
 *
 * Generates client keys (RS384 on RSA-2048, ES384 on P-384, kid = RFC 7638 thumbprint), writes
 * <dir>/private.jwks.json (keep it secret; the suite signs with it) and <dir>/public.jwks.json (register it
 * with the server, or serve it at the client's JWKS URL), and prints what to register.
 */
import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { generateClientKey, isSigningAlg, publicPart, type SigningAlg } from "../keys.ts";

const HELP = `Usage: npm run keys -- --out <dir> [--alg RS384,ES384]

Writes <dir>/private.jwks.json (private keys: never share, never commit) and
<dir>/public.jwks.json (register these public keys with the authorization server).`;

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      out: { type: "string" },
      alg: { type: "string", default: "RS384,ES384" },
      help: { type: "boolean", short: "h" },
    },
  });
  if (values.help) {
    console.log(HELP);
    return 0;
  }
  if (!values.out) {
    console.error(`--out is required\n\n${HELP}`);
    return 2;
  }
  const algs = values.alg.split(",").map((a) => a.trim());
  const bad = algs.find((a) => !isSigningAlg(a));
  if (bad !== undefined) {
    console.error(`--alg: "${bad}" is not supported; use RS384 and/or ES384`);
    return 2;
  }
  const dir = resolve(values.out);
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const generated = await Promise.all((algs as SigningAlg[]).map((alg) => generateClientKey(alg)));
  const privatePath = join(dir, "private.jwks.json");
  const publicPath = join(dir, "public.jwks.json");
  await writeFile(privatePath, `${JSON.stringify({ keys: generated.map((g) => g.privateJwk) }, null, 2)}\n`, {
    mode: 0o600,
  });
  await chmod(privatePath, 0o600);
  const publicJwks = { keys: generated.map((g) => publicPart(g.privateJwk)) };
  await writeFile(publicPath, `${JSON.stringify(publicJwks, null, 2)}\n`);
  console.log(`Private keys: ${privatePath}  (mode 600; point client.privateJwksPath at it)`);
  console.log(`Public keys:  ${publicPath}\n`);
  console.log(
    "Register this JWK Set with your authorization server (inline), or serve it at the client's JWKS URL:",
  );
  console.log(JSON.stringify(publicJwks, null, 2));
  for (const g of generated) console.log(`  kid ${g.key.kid}  alg ${g.key.alg}`);
  return 0;
}

process.exitCode = await main();
