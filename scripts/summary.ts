import * as fs from 'node:fs';
import * as path from 'node:path';

/** A table of the stacks in a synth output and their resources, by type. */
export function summarizeSynth(outdir: string): string {
  const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8')) as {
    stacks: Record<string, { synthesizedStackPath: string; dependencies?: string[] }>;
  };
  const lines = [`\nSynthesized ${Object.keys(manifest.stacks).length} stack(s) into ${outdir}/:`];
  for (const [name, stack] of Object.entries(manifest.stacks).sort(([a], [b]) => a.localeCompare(b))) {
    const tf = JSON.parse(fs.readFileSync(path.join(outdir, stack.synthesizedStackPath), 'utf8')) as {
      resource?: Record<string, Record<string, unknown>>;
      data?: Record<string, Record<string, unknown>>;
    };
    const counts = Object.entries(tf.resource ?? {}).map(([type, byId]) => [type, Object.keys(byId).length] as const);
    const total = counts.reduce((n, [, c]) => n + c, 0);
    const deps = stack.dependencies?.length ? ` (after ${stack.dependencies.join(', ')})` : '';
    lines.push(`  ${name}: ${total} resource(s)${deps}`);
    for (const [type, count] of counts.sort(([a], [b]) => a.localeCompare(b))) lines.push(`    ${count} x ${type}`);
  }
  return lines.join('\n') + '\n';
}
