import * as fs from 'node:fs';
import * as path from 'node:path';
import Ajv from 'ajv';
import { parse } from 'yaml';
import { SHARED_REFERENCE } from './tools';

type Schema = Record<string, any>;

/** Turns a Kubernetes structural schema into plain JSON Schema that ajv accepts. */
export function toJsonSchema(node: Schema): Schema {
  if (Array.isArray(node)) return node.map(toJsonSchema) as unknown as Schema;
  if (typeof node !== 'object' || node === null) return node;
  const out: Schema = {};
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('x-kubernetes-') || key === 'format' || key === 'description') continue;
    if (key === 'properties') {
      out.properties = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, toJsonSchema(v)]));
    } else if (
      typeof value === 'object' &&
      value !== null &&
      key !== 'enum' &&
      key !== 'required' &&
      key !== 'default'
    ) {
      out[key] = toJsonSchema(value);
    } else {
      out[key] = value;
    }
  }
  if (node['x-kubernetes-int-or-string']) out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  // Structural schemas prune unknown fields; here they are errors, unless the schema keeps them.
  if (
    out.type === 'object' &&
    out.properties &&
    !node['x-kubernetes-preserve-unknown-fields'] &&
    out.additionalProperties === undefined
  ) {
    out.additionalProperties = false;
  }
  return out;
}

/**
 * An ajv validator for the v1alpha1 schema of a Kamaji CRD in ../shared/reference/kamaji/crds.
 * Unknown fields are errors (the API server would prune them and Terraform would show drift).
 */
export function crdValidator(file: string): ReturnType<Ajv['compile']> {
  const crd = parse(fs.readFileSync(path.join(SHARED_REFERENCE, 'kamaji', 'crds', file), 'utf8'));
  const version = crd.spec.versions.find((v: Schema) => v.name === 'v1alpha1');
  const schema = toJsonSchema(version.schema.openAPIV3Schema);
  // metadata is validated by the API server, not the CRD schema.
  schema.properties.metadata = { type: 'object' };
  return new Ajv({ allErrors: true, strict: false }).compile(schema);
}
