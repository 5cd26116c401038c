/**
 * Creates the bring-your-own CA of the fleet example (examples/fleet/pki/bravo) when it is missing.
 * Private keys are never committed, so a fresh clone makes its own at `npm ci` (the prepare script).
 * Uses the model directly (what `cdktf-kamaji pki init` uses), not the CLI.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { generateCa } from '../src/model/pki';

const dir = path.join('examples', 'fleet', 'pki', 'bravo');
const certFile = path.join(dir, 'ca.crt');
const keyFile = path.join(dir, 'ca.key');
if (!fs.existsSync(certFile) && !fs.existsSync(keyFile)) {
  const ca = generateCa({ commonName: 'bravo-ca' });
  fs.mkdirSync(dir, { recursive: true });
  // Mode 0600 from the start; "wx" refuses to follow or overwrite a file that appeared since.
  fs.writeFileSync(keyFile, ca.keyPem, { mode: 0o600, flag: 'wx' });
  fs.chmodSync(keyFile, 0o600);
  fs.writeFileSync(certFile, ca.certificatePem, { mode: 0o644, flag: 'wx' });
  process.stdout.write(`wrote ${certFile} and ${keyFile} (mode 0600)\n`);
}
