import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Evaluates a Terraform expression with the real `terraform console`, which needs no providers for a
 * configuration of `locals` only. `locals` become `local.<name>` (written as JSON, so plain data);
 * `dir` is the working directory when the expression reads files (`file(...)` paths are relative to it).
 * Returns the value, decoded from `jsonencode(...)`.
 */
export function terraformEval(expression: string, locals: Record<string, unknown> = {}, dir?: string): unknown {
  const cwd = dir ?? fs.mkdtempSync(path.join(os.tmpdir(), 'tf-eval-'));
  fs.writeFileSync(path.join(cwd, 'locals.tf.json'), JSON.stringify({ locals: { _unused: null, ...locals } }));
  const config = path.join(cwd, '.terraformrc.empty');
  fs.writeFileSync(config, '');
  const result = spawnSync('terraform', ['console'], {
    cwd,
    input: `jsonencode(${expression})\n`,
    encoding: 'utf8',
    env: { ...process.env, CHECKPOINT_DISABLE: '1', TF_IN_AUTOMATION: '1', TF_CLI_CONFIG_FILE: config },
  });
  fs.rmSync(config);
  if (!dir) fs.rmSync(cwd, { recursive: true, force: true });
  // `terraform console` exits 0 on a configuration it cannot parse: an error shows on stderr only.
  if (result.status !== 0 || result.stderr.trim() !== '') {
    throw new Error(`terraform console failed on ${expression}:\n${result.stderr}`);
  }
  return JSON.parse(JSON.parse(result.stdout.trim()));
}

/** A reference in a synthesized expression (`data.kubernetes_nodes.X.nodes`) swapped for a local. */
export function withLocal(expression: string, reference: RegExp, local: string): string {
  const replaced = expression.replace(reference, `local.${local}`);
  if (replaced === expression) throw new Error(`${reference} does not occur in ${expression}`);
  return replaced;
}

/** `${expr}` (a synthesized Terraform string that is one interpolation) -> `expr`. */
export function unwrap(synthesized: string): string {
  const m = /^\$\{([\s\S]*)\}$/.exec(synthesized);
  if (!m) throw new Error(`not a single interpolation: ${synthesized}`);
  return m[1];
}
