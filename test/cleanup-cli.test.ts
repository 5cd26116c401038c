/**
 * `cdktf-kamaji cleanup`: the logic against an in-memory tenant whose controllers take a few polls to
 * delete load balancers and volumes, and the whole command (with @kubernetes/client-node) against a
 * local fake API server.
 */
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { CleanupApi, CleanupRef, EbsVolume, runCleanup } from '../src/cli/cleanup';
import { cli } from './support/cli';
import { tempDir } from './support/synth';

// The real client through plain Node require(esm), as in test/kubeconfig-cli.test.ts (jest's registry
// cannot require this ES module on Node 20).
jest.mock('@kubernetes/client-node', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Module } = require('node:module');
  return new Module(__filename).require(require.resolve('@kubernetes/client-node'));
});

interface Obj {
  namespace: string;
  name: string;
  deleting: boolean;
  /** Polls left before the controller finishes the deletion (Infinity: never, e.g. a mounted claim). */
  left: number;
}

/** A tenant: LoadBalancer Services, claims and EBS volumes, deleted by "controllers" over polls. */
class FakeTenant implements CleanupApi {
  services: Obj[] = [];
  claims_: Obj[] = [];
  volumes: (EbsVolume & { left?: number })[] = [];
  deleted: string[] = [];
  /** Called at each listing of Services (an operator recreating one, for example). */
  onList?: (t: FakeTenant) => void;

  private tick(list: Obj[]): Obj[] {
    return list.filter((o) => !(o.deleting && --o.left < 0));
  }
  async loadBalancerServices(): Promise<CleanupRef[]> {
    this.onList?.(this);
    this.services = this.tick(this.services);
    return this.services.map((s) => ({ ...s, detail: `${s.name}.elb.amazonaws.com` }));
  }
  async claims(): Promise<CleanupRef[]> {
    const before = this.claims_.map((c) => `${c.namespace}/${c.name}`);
    this.claims_ = this.tick(this.claims_);
    const gone = before.filter((k) => !this.claims_.some((c) => `${c.namespace}/${c.name}` === k));
    // A deleted claim releases its volume; a Delete volume then goes after a poll.
    for (const v of this.volumes) {
      if (v.claim && gone.includes(v.claim)) Object.assign(v, { claim: undefined, left: 1 });
    }
    return this.claims_.map((c) => ({ ...c }));
  }
  async ebsVolumes(): Promise<EbsVolume[]> {
    this.volumes = this.volumes.filter(
      (v) => v.claim || v.reclaimPolicy !== 'Delete' || v.left === undefined || v.left-- > 0,
    );
    return this.volumes.map(({ left: _left, ...v }) => v);
  }
  async deleteService(r: CleanupRef) {
    this.deleted.push(`svc ${r.namespace}/${r.name}`);
    this.services.find((s) => s.name === r.name && s.namespace === r.namespace)!.deleting = true;
  }
  async deleteClaim(r: CleanupRef) {
    this.deleted.push(`pvc ${r.namespace}/${r.name}`);
    this.claims_.find((c) => c.name === r.name && c.namespace === r.namespace)!.deleting = true;
  }
}

function options(overrides: Partial<Parameters<typeof runCleanup>[1]> = {}) {
  const lines: string[] = [];
  let clock = 0;
  return {
    lines,
    o: {
      volumes: false,
      dryRun: false,
      timeoutSeconds: 60,
      pollSeconds: 5,
      log: (l: string) => lines.push(l),
      sleep: async (s: number) => void (clock += s * 1000),
      now: () => clock,
      ...overrides,
    },
  };
}

const svc = (name: string, left = 2): Obj => ({ namespace: 'web', name, deleting: false, left });

describe('cleanup logic', () => {
  test('deletes LoadBalancer Services and waits until the controller removed them', async () => {
    const t = new FakeTenant();
    t.services = [svc('shop'), svc('api', 0)];
    t.claims_ = [{ namespace: 'db', name: 'data', deleting: false, left: 0 }];
    t.volumes = [{ name: 'pv-1', reclaimPolicy: 'Delete', volumeHandle: 'vol-1', claim: 'db/data' }];
    const { lines, o } = options();
    const result = await runCleanup(t, o);
    expect(result).toEqual({ remaining: [], retained: [] });
    expect(t.deleted).toEqual(['svc web/shop', 'svc web/api']);
    expect(lines[0]).toBe('2 LoadBalancer Service(s) (volumes left alone: --volumes deletes claims on EBS)');
    expect(lines).toContain('  Service web/shop (load balancer shop.elb.amazonaws.com)');
    expect(lines[lines.length - 1]).toMatch(/^nothing left: the tenant holds no load balancer$/);
    // Without --volumes claims are never touched.
    expect(t.claims_).toHaveLength(1);
  });

  test('--volumes: claims on EBS are deleted and their volumes waited for; Retain volumes are kept and reported', async () => {
    const t = new FakeTenant();
    t.claims_ = [
      { namespace: 'db', name: 'data', deleting: false, left: 1 },
      { namespace: 'db', name: 'keep', deleting: false, left: 0 },
      { namespace: 'misc', name: 'nfs', deleting: false, left: 0 },
    ];
    t.volumes = [
      { name: 'pv-data', reclaimPolicy: 'Delete', volumeHandle: 'vol-0a', claim: 'db/data' },
      { name: 'pv-keep', reclaimPolicy: 'Retain', volumeHandle: 'vol-0b', claim: 'db/keep' },
    ];
    const { lines, o } = options({ volumes: true });
    const result = await runCleanup(t, o);
    expect(result.remaining).toEqual([]);
    expect(result.retained).toEqual(['PersistentVolume pv-keep (EBS vol-0b, reclaimPolicy Retain)']);
    // The claim not on EBS (misc/nfs) is left alone.
    expect(t.deleted).toEqual(['pvc db/data', 'pvc db/keep']);
    expect(lines).toContain('  PersistentVolumeClaim db/data (EBS vol-0a)');
    expect(lines).toContain(
      '  kept: PersistentVolume pv-keep (EBS vol-0b, reclaimPolicy Retain): its volume stays in EC2',
    );
    expect(t.volumes.map((v) => v.name)).toEqual(['pv-keep']);
  });

  test('--dry-run lists and deletes nothing', async () => {
    const t = new FakeTenant();
    t.services = [svc('shop')];
    const { lines, o } = options({ dryRun: true });
    expect(await runCleanup(t, o)).toEqual({ remaining: [], retained: [] });
    expect(t.deleted).toEqual([]);
    expect(lines).toEqual([
      '1 LoadBalancer Service(s) (volumes left alone: --volumes deletes claims on EBS)',
      '  Service web/shop (load balancer shop.elb.amazonaws.com)',
    ]);
  });

  test('timeout: what is left, and why, for a stuck Service and a mounted claim', async () => {
    const t = new FakeTenant();
    t.services = [svc('stuck', Infinity)];
    t.claims_ = [{ namespace: 'db', name: 'mounted', deleting: false, left: Infinity }];
    t.volumes = [{ name: 'pv-m', reclaimPolicy: 'Delete', volumeHandle: 'vol-0c', claim: 'db/mounted' }];
    const { lines, o } = options({ volumes: true, timeoutSeconds: 20 });
    const result = await runCleanup(t, o);
    expect(result.remaining).toEqual(['Service web/stuck', 'PersistentVolumeClaim db/mounted']);
    expect(lines).toContain('timed out after 20s; still there:');
    expect(lines.join('\n')).toMatch(/Service web\/stuck: the cloud-controller-manager removes its finalizer/);
    expect(lines.join('\n')).toMatch(/PersistentVolumeClaim db\/mounted: still mounted by a pod/);
    // Each object is asked to go once, not at every poll.
    expect(t.deleted).toEqual(['svc web/stuck', 'pvc db/mounted']);
  });

  test('a Service created meanwhile (an operator) is deleted too', async () => {
    const t = new FakeTenant();
    t.services = [svc('shop', 0)];
    let recreated = false;
    t.onList = (tenant) => {
      if (!recreated && tenant.deleted.length === 1) {
        recreated = true;
        tenant.services.push(svc('shop-v2', 0));
      }
    };
    const { o } = options();
    expect((await runCleanup(t, o)).remaining).toEqual([]);
    expect(t.deleted).toEqual(['svc web/shop', 'svc web/shop-v2']);
  });
});

/** A fake tenant API server: lists and deletes; a deleted object disappears from the next list. */
function startApi(): Promise<{ url: string; requests: string[]; close: () => Promise<void> }> {
  const requests: string[] = [];
  const services = [
    {
      metadata: { namespace: 'web', name: 'shop' },
      spec: { type: 'LoadBalancer' },
      status: { loadBalancer: { ingress: [{ hostname: 'a1.elb.amazonaws.com' }] } },
    },
    { metadata: { namespace: 'web', name: 'internal' }, spec: { type: 'ClusterIP' } },
  ];
  const claims = [{ metadata: { namespace: 'db', name: 'data' } }];
  const volumes = [
    {
      metadata: { name: 'pv-1' },
      spec: {
        csi: { driver: 'ebs.csi.aws.com', volumeHandle: 'vol-1' },
        persistentVolumeReclaimPolicy: 'Delete',
        claimRef: { namespace: 'db', name: 'data' },
      },
      status: { phase: 'Bound' },
    },
  ];
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url} ${req.headers.authorization ?? ''}`);
    const send = (code: number, body: unknown) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = req.url!.split('?')[0];
    if (req.headers.authorization !== 'Bearer tenant-token') return send(401, { kind: 'Status', code: 401 });
    if (req.method === 'GET' && url === '/api/v1/services') return send(200, { kind: 'ServiceList', items: services });
    if (req.method === 'GET' && url === '/api/v1/persistentvolumeclaims')
      return send(200, { kind: 'PersistentVolumeClaimList', items: claims });
    if (req.method === 'GET' && url === '/api/v1/persistentvolumes')
      return send(200, { kind: 'PersistentVolumeList', items: volumes });
    const del = /^\/api\/v1\/namespaces\/([^/]+)\/(services|persistentvolumeclaims)\/([^/]+)$/.exec(url);
    if (req.method === 'DELETE' && del) {
      const list: any[] = del[2] === 'services' ? services : claims;
      const i = list.findIndex((o) => o.metadata.namespace === del[1] && o.metadata.name === del[3]);
      if (i < 0) return send(404, { kind: 'Status', code: 404 });
      const [gone] = list.splice(i, 1);
      if (del[2] === 'persistentvolumeclaims') volumes.splice(0, volumes.length);
      return send(200, gone);
    }
    send(404, { kind: 'Status', code: 404 });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () => new Promise((done) => server.close(() => done())),
      });
    }),
  );
}

function tenantKubeconfig(dir: string, server: string): string {
  const file = path.join(dir, 'tenant.kubeconfig');
  fs.writeFileSync(
    file,
    [
      'apiVersion: v1',
      'kind: Config',
      `clusters: [{ name: t, cluster: { server: "${server}", insecure-skip-tls-verify: true } }]`,
      'users: [{ name: t, user: { token: tenant-token } }]',
      'contexts: [{ name: t, context: { cluster: t, user: t } }]',
      'current-context: t',
      '',
    ].join('\n'),
  );
  return file;
}

describe('cdktf-kamaji cleanup', () => {
  let api: Awaited<ReturnType<typeof startApi>>;
  beforeEach(async () => {
    api = await startApi();
    process.env.KAMAJI_CLEANUP_POLL_SECONDS = '0';
  });
  afterEach(async () => {
    delete process.env.KAMAJI_CLEANUP_POLL_SECONDS;
    await api.close();
  });

  test('deletes the LoadBalancer Service and, with --volumes, the claim on EBS, through the tenant API', async () => {
    const file = tenantKubeconfig(tempDir(), api.url);
    const result = await cli(['cleanup', '--kubeconfig', file, '--volumes']);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('1 LoadBalancer Service(s), 1 claim(s) on EBS volumes');
    expect(result.stdout).toContain('deleted Service web/shop');
    expect(result.stdout).toContain('deleted PersistentVolumeClaim db/data');
    expect(api.requests.filter((r) => r.startsWith('DELETE'))).toEqual([
      'DELETE /api/v1/namespaces/web/services/shop Bearer tenant-token',
      'DELETE /api/v1/namespaces/db/persistentvolumeclaims/data Bearer tenant-token',
    ]);
  });

  test('--dry-run sends no DELETE', async () => {
    const file = tenantKubeconfig(tempDir(), api.url);
    const result = await cli(['cleanup', '--kubeconfig', file, '--dry-run']);
    expect(result.code).toBe(0);
    expect(api.requests.some((r) => r.startsWith('DELETE'))).toBe(false);
  });

  test('bad usage and an API error are clear', async () => {
    expect((await cli(['cleanup'])).stderr).toMatch(/needs --kubeconfig PATH/);
    expect((await cli(['cleanup', '--kubeconfig', '/nope/k'])).stderr).toMatch(/--kubeconfig \/nope\/k: no such file/);
    const kubeconfig = tenantKubeconfig(tempDir(), api.url);
    expect((await cli(['cleanup', '--kubeconfig', kubeconfig, '--timeout', 'soon'])).stderr).toMatch(
      /--timeout must be a whole number/,
    );
    const dir = tempDir();
    const file = tenantKubeconfig(dir, api.url);
    fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace('tenant-token', 'wrong'));
    const denied = await cli(['cleanup', '--kubeconfig', file]);
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/^cdktf-kamaji cleanup: the tenant API server answered 401/);
    const ctx = await cli(['cleanup', '--kubeconfig', tenantKubeconfig(dir, api.url), '--context', 'other']);
    expect(ctx.stderr).toMatch(/--context other: no such context/);
  });
});
