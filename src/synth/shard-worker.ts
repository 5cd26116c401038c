/**
 * A shard of a fleet synth, in a process of its own: src/synth/fleet-synth.ts starts this module with
 * the path of a JSON {@link ShardTask} and reads back the exit code and one JSON line of statistics (the
 * chunk folders it writes are the result). The coordinator checked the tenants file before starting any worker.
 */
import * as fs from 'node:fs';
import { synthChunk } from './chunk';
import { loadFleetTenants, ShardTask } from './fleet-synth';

function main(taskFile: string | undefined): void {
  if (!taskFile) throw new Error('usage: shard-worker <task file>');
  const task = JSON.parse(fs.readFileSync(taskFile, 'utf8')) as ShardTask;
  const loaded = loadFleetTenants(task.file);
  for (const chunk of task.chunks) synthChunk(loaded, task.file, chunk.outdir, chunk.tenants);
  // The coordinator reports each process's peak memory (maxRSS is in kilobytes).
  process.stdout.write(`${JSON.stringify({ peakRssMb: process.resourceUsage().maxRSS / 1024 })}\n`);
}

if (require.main === module) main(process.argv[2]);
