import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseDocument } from 'yaml';
import { buildFleetApp } from '../../examples/fleet/app';
import { synthApp, SynthOutput, tempDir } from './synth';

export const EXAMPLE_FLEET = path.join(__dirname, '..', '..', 'examples', 'fleet', 'tenants.yaml');
const EXAMPLE_DIR = path.dirname(EXAMPLE_FLEET);

/**
 * A copy of the example tenants file, edited by `edit` (a yaml Document), written next to the
 * example so its relative CA paths still resolve. Returns the file's path; the caller removes it.
 */
export function editedFleetFile(edit: (doc: ReturnType<typeof parseDocument>) => void): string {
  const doc = parseDocument(fs.readFileSync(EXAMPLE_FLEET, 'utf8'));
  edit(doc);
  const file = path.join(EXAMPLE_DIR, `.test-${process.pid}-${Math.random().toString(36).slice(2)}.yaml`);
  fs.writeFileSync(file, doc.toString());
  return file;
}

/** Synthesizes the fleet app for a tenants file into a fresh folder. */
export function synthFleetFile(file: string, outdir = tempDir()): SynthOutput {
  return synthApp((app) => buildFleetApp(app, path.relative(process.cwd(), file)), outdir);
}

/** Synthesizes the example edited by `edit`. */
export function synthEditedFleet(
  edit: (doc: ReturnType<typeof parseDocument>) => void,
  outdir = tempDir(),
): SynthOutput {
  const file = editedFleetFile(edit);
  try {
    return synthFleetFile(file, outdir);
  } finally {
    fs.rmSync(file, { force: true });
  }
}

/**
 * A local files CA at examples/fleet/pki/bravo (git-ignored), for the tests that switch a tenant of
 * the example to `source: files`. The shipped example needs none (bravo's key is in a secret store,
 * its certificate committed), and `npm ci` creates none.
 */
export function ensureExamplePki(): void {
  const dir = path.join(EXAMPLE_DIR, 'pki', 'bravo');
  if (fs.existsSync(path.join(dir, 'ca.crt'))) return;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { generateCa } = require('../../src/model/pki') as typeof import('../../src/model/pki');
  const ca = generateCa({ commonName: 'bravo-ca' });
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, 'ca.key'), ca.keyPem, { mode: 0o600 });
  fs.writeFileSync(path.join(dir, 'ca.crt'), ca.certificatePem);
}
