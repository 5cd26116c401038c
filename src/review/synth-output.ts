/**
 * Reading a `cdktf.out` folder: `manifest.json` names the stacks and their dependencies, each stack's
 * `cdk.tf.json` holds its resources. Only what the review needs is kept: resources keyed by
 * `type.logicalId` (the address Terraform plans with) and the declared stack dependencies.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Problems } from '../model/errors';

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

/** One resource of a synthesized stack. */
export interface SynthResource {
  /** `aws_launch_template.LaunchTemplate`: the Terraform address, unique within the stack. */
  readonly address: string;
  readonly type: string;
  readonly logicalId: string;
  /** The resource's configuration as synthesized (cdktf's `//` metadata included; the diff skips it). */
  readonly config: JsonObject;
}

export interface SynthStack {
  readonly id: string;
  /** Ids of the stacks this one depends on (cdktf deploys them first). */
  readonly dependencies: readonly string[];
  /** Resources by address, in sorted order. */
  readonly resources: ReadonlyMap<string, SynthResource>;
  /** The stack's `locals` (constructs keep large texts such as user data there). */
  readonly locals: JsonObject;
}

export interface SynthOutput {
  /** Stacks by id, in sorted order. */
  readonly stacks: ReadonlyMap<string, SynthStack>;
}

export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const NOT_SYNTH_OUTPUT = 'must be a cdktf.out folder (the output of `cdktf synth`) containing manifest.json';

/** Reads a synth output folder; every problem found (missing files, bad JSON) is reported at once. */
export function readSynthOutput(dir: string, label = dir): SynthOutput {
  const problems = new Problems(label);
  const manifestFile = path.join(dir, 'manifest.json');
  const manifest = readJson(manifestFile, problems, 'manifest.json', NOT_SYNTH_OUTPUT);
  if (manifest === undefined) problems.throwIfAny();
  const declared = isObject(manifest) ? manifest.stacks : undefined;
  if (!isObject(declared)) {
    problems.add('manifest.json#stacks', declared, 'must be an object of stacks (cdktf 0.21 manifest format)');
    problems.throwIfAny();
  }
  const stacks = new Map<string, SynthStack>();
  for (const id of Object.keys(declared as JsonObject).sort()) {
    const entry = (declared as JsonObject)[id];
    const field = `manifest.json#stacks.${id}`;
    const relative = isObject(entry) ? entry.synthesizedStackPath : undefined;
    if (typeof relative !== 'string') {
      problems.add(`${field}.synthesizedStackPath`, relative, "must be the path of the stack's cdk.tf.json");
      continue;
    }
    const tf = readJson(path.join(dir, relative), problems, relative, "must exist and hold the stack's JSON");
    if (tf === undefined) continue;
    const deps = isObject(entry) && Array.isArray(entry.dependencies) ? entry.dependencies : [];
    stacks.set(id, {
      id,
      dependencies: deps.filter((d): d is string => typeof d === 'string').sort(),
      resources: resourcesOf(tf),
      locals: isObject(tf) && isObject(tf.locals) ? tf.locals : {},
    });
  }
  problems.throwIfAny();
  return { stacks };
}

function readJson(file: string, problems: Problems, field: string, rule: string): Json | undefined {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    problems.add(field, file, rule);
    return undefined;
  }
  try {
    return JSON.parse(text) as Json;
  } catch (e) {
    problems.add(field, file, `must be valid JSON (${e instanceof Error ? e.message : String(e)})`);
    return undefined;
  }
}

function resourcesOf(tf: Json): Map<string, SynthResource> {
  const out = new Map<string, SynthResource>();
  const byType = isObject(tf) && isObject(tf.resource) ? tf.resource : {};
  const addresses: SynthResource[] = [];
  for (const [type, byId] of Object.entries(byType)) {
    if (!isObject(byId)) continue;
    for (const [logicalId, config] of Object.entries(byId)) {
      if (isObject(config)) addresses.push({ address: `${type}.${logicalId}`, type, logicalId, config });
    }
  }
  for (const r of addresses.sort((a, b) => compareText(a.address, b.address))) out.set(r.address, r);
  return out;
}

/** Byte-order comparison: the same result on every machine and locale (unlike localeCompare). */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
