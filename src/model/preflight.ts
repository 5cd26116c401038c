/**
 * What a CI deploy checks on a synth output before it applies anything:
 *
 * - every stack keeps its state in a shared backend: local state on a throwaway runner is lost when
 *   the job ends, and the next deploy would create every resource again;
 * - no stack reads a file at apply time (`file()`, `filebase64()`, ...) from outside the synth output:
 *   the wave jobs have `cdktf.out` (the artifact) and nothing else, no checkout.
 */
import * as path from 'node:path';
import { Problems } from './errors';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** The backend type of a stack's cdk.tf.json (`local` when none is set: Terraform's default). */
export function backendOf(tf: Json): string {
  const terraform = isObject(tf) ? tf.terraform : undefined;
  const backend = isObject(terraform) ? terraform.backend : undefined;
  if (isObject(terraform) && isObject(terraform.cloud)) return 'cloud';
  const types = isObject(backend) ? Object.keys(backend) : [];
  return types[0] ?? 'local';
}

// Terraform's filesystem functions that read a path (developer.hashicorp.com/terraform/language/functions:
// file, filebase64, filebase64sha256, filebase64sha512, filemd5, filesha1, filesha256, filesha512,
// templatefile, fileexists, fileset).
const FILE_FUNCTION =
  /\b(file|filebase64|filebase64sha256|filebase64sha512|filemd5|filesha1|filesha256|filesha512|templatefile|fileexists|fileset)\(\s*"((?:[^"\\]|\\.)*)"/g;

/** The literal paths a stack reads with Terraform's file functions, as written. */
export function fileReads(tf: Json): string[] {
  const out = new Set<string>();
  const walk = (v: Json) => {
    if (typeof v === 'string') {
      for (const m of v.matchAll(FILE_FUNCTION)) out.add(m[2].replace(/\\(.)/g, '$1'));
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (isObject(v)) Object.values(v).forEach(walk);
  };
  walk(tf);
  return [...out].sort();
}

/**
 * Problems of one stack for a CI deploy. `stackDir` is the stack's folder inside `outDir` (Terraform
 * runs there, so relative paths resolve from it).
 */
export function preflightProblems(
  stackId: string,
  tf: Json,
  stackDir: string,
  outDir: string,
  problems: Problems,
  options: { allowLocalState?: boolean } = {},
): void {
  const backend = backendOf(tf);
  if (backend === 'local' && !options.allowLocalState) {
    problems.add(
      `stacks.${stackId}.terraform.backend`,
      'local',
      "must be a shared backend for a CI deploy: local state dies with the runner. Set the tenants file's `state:` section (backend s3 or remote)",
    );
  }
  const root = path.resolve(outDir);
  for (const file of fileReads(tf)) {
    // A path with an interpolation (`${path.module}`) is left to Terraform; the synthesized ones are literal.
    if (file.includes('${')) continue;
    const resolved = path.resolve(stackDir, file);
    const inside = resolved === root || resolved.startsWith(root + path.sep);
    if (!inside) {
      problems.add(
        `stacks.${stackId}`,
        file,
        'is read at apply time (Terraform file function) from outside the synth output; the wave jobs only have cdktf.out. ' +
          'Use a source that needs no local file (e.g. a generated CA) or ship the file inside the synth output',
      );
    }
  }
}

function isObject(v: unknown): v is { [key: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
