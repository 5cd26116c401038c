/**
 * Creates the bring-your-own CA of the fleet example (examples/fleet/pki/bravo) when it is missing.
 * Private keys are never committed, so a fresh clone makes its own at `npm ci` (the prepare script).
 */
import * as fs from 'node:fs';
import { main } from '../src/cli';

const dir = 'examples/fleet/pki/bravo';
if (!fs.existsSync(`${dir}/ca.crt`) && !fs.existsSync(`${dir}/ca.key`)) {
  main(['pki', 'init', '--out', dir, '--cn', 'bravo-ca']).then((code) => process.exit(code));
}
