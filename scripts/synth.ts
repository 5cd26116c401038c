/**
 * `npm run synth`: the cdktf CLI synth of the app in cdktf.json, then a short summary of what it
 * wrote (stacks and resource counts). Runs compiled JavaScript, so no type-checker sits in this path.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { summarizeSynth } from './summary';

const outdir = process.env.CDKTF_OUTDIR ?? 'cdktf.out';
const cli = path.join('node_modules', '.bin', 'cdktf');
const env: NodeJS.ProcessEnv = { ...process.env, CHECKPOINT_DISABLE: '1' };
// Synth never runs terraform; without a CLI config file the cdktf CLI prints a scary warning.
const configFile = env.TF_CLI_CONFIG_FILE || path.join(os.homedir(), '.terraformrc');
if (!fs.existsSync(configFile)) {
  env.TF_CLI_CONFIG_FILE = os.devNull;
}
const run = spawnSync(cli, ['synth', '--output', outdir, ...process.argv.slice(2)], { stdio: 'inherit', env });
if (run.status !== 0) process.exit(run.status ?? 1);
process.stdout.write(summarizeSynth(outdir));
