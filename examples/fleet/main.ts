import { App } from 'cdktf';
import { formatProblem, ValidationError } from '../../src/model/errors';
import { buildFleetApp, loadFleetFile, tenantsFilePath } from './app';

// Validate first and stop before anything is written: a bad file leaves cdktf.out as it was.
const file = tenantsFilePath();
const loaded = loadFleetFile(file);
try {
  const app = new App();
  buildFleetApp(app, file, loaded);
  app.synth();
} catch (e) {
  if (!(e instanceof ValidationError)) throw e;
  process.stderr.write(`${file}: ${e.problems.length} problem(s); nothing was synthesized\n`);
  for (const p of e.problems) process.stderr.write(`  - ${formatProblem(p)}\n`);
  process.exit(1);
}
