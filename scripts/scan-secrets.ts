/**
 * `npm run scan-secrets [folder]`: scans a reports folder (default reports/) for private key material and
 * whole signed JWTs; exits 1 and lists the files when it finds any.
 */
import { resolve } from "node:path";
import { scanForSecrets } from "../harness/secret-scan.ts";

const dir = resolve(process.argv[2] ?? "reports");
const findings = scanForSecrets(dir);
for (const f of findings) console.log(`${f.file}: ${f.kind} (${f.excerpt})`);
console.log(findings.length ? `${findings.length} secrets found in ${dir}` : `no secrets found in ${dir}`);
process.exitCode = findings.length ? 1 : 0;
