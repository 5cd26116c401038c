/** Writes schema/tenants.schema.json from the tenants-file description (`npm run gen:schema`). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tenantsFileJsonSchema } from '../src/model/tenants-schema-json';

const out = path.join(__dirname, '..', '..', 'schema', 'tenants.schema.json');
fs.writeFileSync(out, tenantsFileJsonSchema());
process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
