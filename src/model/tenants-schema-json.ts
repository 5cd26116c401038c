import { toJsonSchema } from './shape';
import { TENANTS_FILE_SHAPE } from './tenants-file-shape';

/** The JSON Schema of the tenants file, as shipped in schema/tenants.schema.json. */
export function tenantsFileJsonSchema(): string {
  const schema = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://github.com/cdktf-kamaji/cdktf-kamaji/schema/tenants.schema.json',
    title: 'cdktf-kamaji tenants file',
    ...toJsonSchema(TENANTS_FILE_SHAPE),
  };
  return JSON.stringify(schema, null, 2) + '\n';
}
