/**
 * A shard of a fleet synth, in a process of its own: src/synth/fleet-synth.ts starts this module with
 * the path of a JSON {@link ShardTask} (the tenants file already checked and resolved) and reads back
 * the exit code and one JSON line of statistics (the chunk folders it writes are the result).
 */
import * as fs from 'node:fs';
import { synthChunk } from './chunk';
import { shallowStack, ShardTask } from './fleet-synth';

async function main(taskFile: string | undefined): Promise<void> {
  if (!taskFile) throw new Error('usage: shard-worker <task file>');
  const task = JSON.parse(fs.readFileSync(taskFile, 'utf8')) as ShardTask;
  await shallowStack();
  for (const chunk of task.chunks) synthChunk(task.loaded, task.file, chunk.outdir, chunk.tenants);
  // The coordinator reports each process's peak memory (maxRSS is in kilobytes).
  process.stdout.write(`${JSON.stringify({ peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

if (require.main === module) {
  main(process.argv[2]).catch((e: unknown) => {
    process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    process.exitCode = 1;
  });
}
