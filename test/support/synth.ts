import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { App } from 'cdktf';

/** A synthesized app: every stack's cdk.tf.json as text and as parsed JSON. */
export interface SynthOutput {
  readonly outdir: string;
  readonly texts: Record<string, string>;
  readonly stacks: Record<string, TfJson>;
}

export interface TfJson {
  resource?: Record<string, Record<string, Record<string, any>>>;
  data?: Record<string, Record<string, Record<string, any>>>;
  provider?: Record<string, any[]>;
  output?: Record<string, any>;
  terraform?: Record<string, any>;
  variable?: Record<string, any>;
  locals?: Record<string, any>;
  [key: string]: any;
}

export function tempDir(prefix = 'cdktf-kamaji-'): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Builds an app with `build`, synthesizes it into a fresh folder (or `outdir`) and reads the stacks back. */
export function synthApp(build: (app: App) => void, outdir = tempDir()): SynthOutput {
  const app = new App({ outdir, skipValidation: false });
  build(app);
  app.synth();
  return readSynth(outdir);
}

export function readSynth(outdir: string): SynthOutput {
  const stacksDir = path.join(outdir, 'stacks');
  const texts: Record<string, string> = {};
  const stacks: Record<string, TfJson> = {};
  for (const name of fs.readdirSync(stacksDir).sort()) {
    const file = path.join(stacksDir, name, 'cdk.tf.json');
    if (!fs.existsSync(file)) continue;
    texts[name] = fs.readFileSync(file, 'utf8');
    stacks[name] = JSON.parse(texts[name]);
  }
  return { outdir, texts, stacks };
}

/** All resources of one type in a stack, by logical id. */
export function resourcesOf(stack: TfJson, type: string): Record<string, Record<string, any>> {
  return stack.resource?.[type] ?? {};
}

/** The single resource of a type in a stack (fails the test when there is not exactly one). */
export function onlyResource(stack: TfJson, type: string): Record<string, any> {
  const all = Object.values(resourcesOf(stack, type));
  if (all.length !== 1) throw new Error(`expected exactly one ${type}, found ${all.length}`);
  return all[0];
}
