import fc from 'fast-check';
import { MIN_WORKER_MINOR } from '../../src/model/versions';

/**
 * Arbitrary valid tenants files: distinct names, versions in range (from 1.31 for a tenant with pools:
 * kubeadm workers start there), consistent pool sizes.
 */
const tenantName = fc.stringMatching(/^[a-z][a-z0-9]{0,10}$/);
const version = fc.record({ minor: fc.integer({ min: 30, max: 36 }), patch: fc.integer({ min: 0, max: 12 }) });
const pool = fc
  .record({
    name: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}[a-z0-9]$/),
    min: fc.integer({ min: 0, max: 5 }),
    extra: fc.integer({ min: 0, max: 5 }),
    delivery: fc.constantFrom('ssm', 'inline'),
    labels: fc.dictionary(fc.stringMatching(/^[a-z]{1,8}$/), fc.stringMatching(/^[a-z0-9]{0,8}$/), { maxKeys: 2 }),
  })
  .map((p) => ({
    name: p.name,
    minSize: p.min,
    maxSize: Math.max(1, p.min + p.extra),
    desiredSize: p.min,
    tokenDelivery: p.delivery,
    labels: p.labels,
  }));

export const validFile = fc
  .uniqueArray(
    fc.record({ name: tenantName, v: version, pools: fc.uniqueArray(pool, { selector: (p) => p.name, maxLength: 2 }) }),
    {
      selector: (t) => t.name,
      minLength: 1,
      maxLength: 4,
    },
  )
  .map((tenants) => ({
    defaults: {
      awsRegion: 'eu-west-1',
      workers: { instanceType: 'm7i.large', subnetIds: ['subnet-0a1b2c3d4e5f60718'] },
    },
    tenants: tenants.map((t) => ({
      name: t.name,
      kubernetesVersion: `v1.${t.pools.length > 0 ? Math.max(t.v.minor, MIN_WORKER_MINOR) : t.v.minor}.${t.v.patch}`,
      workers: t.pools,
    })),
  }));
