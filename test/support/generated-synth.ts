import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from './synth';

/**
 * A cdktf.out of a fleet of `tenants` tenants written directly (manifest.json and one small
 * cdk.tf.json per stack, with the same ids, dependencies, backend and decommission local as the fleet
 * app), for tests of what reads synth outputs at sizes a real synth would take minutes for.
 */
export function generatedSynthOutput(
  tenants: number,
  options: { decommissioned?: readonly number[]; backend?: 'local' | 's3'; datastores?: boolean } = {},
): string {
  const dir = tempDir('cdktf-kamaji-gen-');
  const stacks: Record<string, { synthesizedStackPath: string; dependencies: string[] }> = {};
  const write = (id: string, dependencies: string[], decommission = false) => {
    const backend =
      (options.backend ?? 's3') === 's3'
        ? { s3: { bucket: 'b', key: `${id}.tfstate`, region: 'eu-west-1' } }
        : { local: { path: `../../../terraform.${id}.tfstate` } };
    const tf = { terraform: { backend }, ...(decommission ? { locals: { kamaji_decommission: true } } : {}) };
    fs.mkdirSync(path.join(dir, 'stacks', id), { recursive: true });
    fs.writeFileSync(path.join(dir, 'stacks', id, 'cdk.tf.json'), JSON.stringify(tf));
    stacks[id] = { synthesizedStackPath: `stacks/${id}/cdk.tf.json`, dependencies };
  };
  write('platform', []);
  const ds = options.datastores ?? true;
  if (ds) write('datastores', ['platform']);
  const width = String(tenants).length;
  for (let i = 0; i < tenants; i++) {
    const name = `t${String(i).padStart(width, '0')}`;
    const gone = options.decommissioned?.includes(i) ?? false;
    write(`tenant-${name}-control-plane`, ds ? ['platform', 'datastores'] : ['platform'], gone);
    write(`tenant-${name}-nodes`, [`tenant-${name}-control-plane`], gone);
  }
  fs.writeFileSync(path.join(dir, 'manifest.json'), JSON.stringify({ version: '0.21.0', stacks }));
  return dir;
}
