/**
 * One chunk of a fleet synth: the platform stacks and a few tenants' stacks, built into a fresh cdktf
 * App and synthesized into a folder of their own. A fleet synth is any number of chunks, run in this
 * process or in worker processes (src/synth/shard-worker.ts), whose folders src/synth/fleet-synth.ts
 * merges into one `cdktf.out`. This works because each tenant's stacks hold only that tenant's
 * resources and read nothing of other tenants (docs/scale.md, "tenants are independent"): a stack's
 * bytes do not depend on which other tenants were built next to it, which the byte-identity tests
 * (test/fleet-synth.test.ts) prove against one single-process synth of the whole fleet.
 */
import * as path from 'node:path';
import { App } from 'cdktf';
import { LoadedTenantsFile } from '../model/tenants-file';
import { buildFleet } from '../../stacks/fleet';

/** Builds and synthesizes `tenants` (names; all when undefined) of a valid tenants file into `outdir`. */
export function synthChunk(
  loaded: LoadedTenantsFile,
  file: string,
  outdir: string,
  tenants: readonly string[] | undefined,
): void {
  const only = tenants ? new Set(tenants) : undefined;
  const subset: LoadedTenantsFile = only
    ? { ...loaded, tenants: loaded.tenants?.filter((t) => only.has(t.name)) }
    : loaded;
  const mark = tokenMark();
  // The same App a single-process synth makes (examples/fleet/app.ts: `new App({ outdir })`).
  const app = new App({ outdir });
  buildFleet(app, subset, path.dirname(file));
  app.synth();
  releaseTokens(mark);
}

/**
 * cdktf keeps every token it ever registered in one process-wide map (`global.__cdktfTokenMap`,
 * node_modules/cdktf/lib/tokens/private/token-map.js: "All instances of TokenStringMap share the same
 * storage"), each with the JavaScript stack trace of its creation: about 1 MB per tenant that stays
 * after the App is gone. Once a chunk is synthesized its tokens are resolved and written, so the ones
 * it registered are dropped here, and memory stays bounded by the chunk, not the fleet. Only keys
 * numbered from the chunk's start are removed (tokens made at module load stay), and the counter keeps
 * counting, so a token kept by mistake fails loudly ("Unrecognized token key"), never resolves to
 * another. When the map does not look as expected nothing is touched (memory is then not bounded).
 */
interface CdktfTokenMap {
  stringTokenMap: Map<string, unknown>;
  numberTokenMap: Map<number, unknown>;
  tokenCounter: number;
}

function tokenMap(): CdktfTokenMap | undefined {
  const map = (globalThis as { __cdktfTokenMap?: Partial<CdktfTokenMap> }).__cdktfTokenMap;
  if (
    map &&
    map.stringTokenMap instanceof Map &&
    map.numberTokenMap instanceof Map &&
    typeof map.tokenCounter === 'number'
  ) {
    return map as CdktfTokenMap;
  }
  return undefined;
}

function tokenMark(): number | undefined {
  return tokenMap()?.tokenCounter;
}

function releaseTokens(mark: number | undefined): void {
  const map = tokenMap();
  if (mark === undefined || !map) return;
  for (const key of map.stringTokenMap.keys()) {
    const counter = Number(key.slice(key.lastIndexOf('.') + 1));
    if (Number.isInteger(counter) && counter >= mark) map.stringTokenMap.delete(key);
  }
  for (const counter of map.numberTokenMap.keys()) {
    if (counter >= mark) map.numberTokenMap.delete(counter);
  }
}
