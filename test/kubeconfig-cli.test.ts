import { generateKeyPairSync } from 'node:crypto';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as net from 'node:net';
import * as path from 'node:path';
import forge from 'node-forge';
import { parse, stringify } from 'yaml';
import { main } from '../src/cli';
import { tempDir } from './support/synth';

// @kubernetes/client-node is an ES module. Jest's module registry require()s ES modules only on
// Node >= 24.9 (and its `createRequire` is its own), so the CLI gets the library through a plain Node
// module's `require` (require(esm), Node >= 20.19), as it does outside jest: the real client, not a fake.
jest.mock('@kubernetes/client-node', () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { Module } = require('node:module');
  return new Module(__filename).require(require.resolve('@kubernetes/client-node'));
});

const TOKEN = 'test-management-token';
const b64 = (text: string) => Buffer.from(text).toString('base64');

/** Dummy credential material: unique strings so a test can prove they never reach an error message. */
const CREDS = {
  ca: b64('dummy tenant CA certificate'),
  cert: b64('dummy tenant admin client certificate'),
  key: b64('dummy tenant admin client key'),
};

/** The admin kubeconfig as Kamaji writes it: names differ from the tenant's. */
function adminConf(tenant: string): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: tenant,
        cluster: { server: `https://${tenant}.example.test:6443`, 'certificate-authority-data': CREDS.ca },
      },
    ],
    users: [
      { name: 'kubernetes-admin', user: { 'client-certificate-data': CREDS.cert, 'client-key-data': CREDS.key } },
    ],
    contexts: [{ name: `kubernetes-admin@${tenant}`, context: { cluster: tenant, user: 'kubernetes-admin' } }],
    'current-context': `kubernetes-admin@${tenant}`,
    preferences: {},
  });
}

function secret(namespace: string, name: string, data: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'Secret', metadata: { name, namespace }, type: 'Opaque', data };
}

/** Secrets the fake API server holds, by `namespace/name`. */
const SECRETS: Record<string, object> = {
  'tenant-demo/demo-admin-kubeconfig': secret('tenant-demo', 'demo-admin-kubeconfig', {
    'admin.conf': b64(adminConf('demo')),
  }),
  'kamaji/custom-secret': secret('kamaji', 'custom-secret', { 'admin.conf': b64(adminConf('custom')) }),
  'tenant-nokey/nokey-admin-kubeconfig': secret('tenant-nokey', 'nokey-admin-kubeconfig', {
    'super-admin.conf': b64(adminConf('nokey')),
  }),
  'tenant-junk/junk-admin-kubeconfig': secret('tenant-junk', 'junk-admin-kubeconfig', {
    'admin.conf': b64(`just: some\nyaml: [${CREDS.key}]\n`),
  }),
};

function status(code: number, reason: string, message: string) {
  return { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message, reason, code };
}

/** A self-signed server certificate for 127.0.0.1 (node-forge signs, node:crypto makes the key fast). */
function serverCertificate() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const keyPem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const key = forge.pki.privateKeyFromPem(keyPem) as forge.pki.rsa.PrivateKey;
  const cert = forge.pki.createCertificate();
  cert.publicKey = forge.pki.setRsaPublicKey(key.n, key.e);
  cert.serialNumber = '01';
  cert.validity.notBefore = new Date(Date.now() - 60_000);
  cert.validity.notAfter = new Date(Date.now() + 86_400_000);
  const subject = [{ name: 'commonName', value: 'fake-kube-apiserver' }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true },
    { name: 'subjectAltName', altNames: [{ type: 7, ip: '127.0.0.1' }] },
  ]);
  cert.sign(key, forge.md.sha256.create());
  return { keyPem, certPem: forge.pki.certificateToPem(cert) };
}

interface Seen {
  method?: string;
  url?: string;
  authorization?: string;
}

let server: https.Server;
let serverUrl: string;
let closedUrl: string;
let caPem: string;
const requests: Seen[] = [];

beforeAll(async () => {
  const { keyPem, certPem } = serverCertificate();
  caPem = certPem;
  server = https.createServer({ key: keyPem, cert: certPem }, (req, res) => {
    requests.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    const reply = (code: number, body: object) => {
      res.writeHead(code, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      reply(401, status(401, 'Unauthorized', 'Unauthorized'));
      return;
    }
    const m = /^\/api\/v1\/namespaces\/([^/]+)\/secrets\/([^/?]+)(\?.*)?$/.exec(req.url ?? '');
    if (req.method !== 'GET' || !m) {
      reply(404, status(404, 'NotFound', 'the server could not find the requested resource'));
      return;
    }
    const [, namespace, name] = m;
    if (namespace === 'tenant-slow') return; // never answers
    if (namespace === 'tenant-forbidden') {
      reply(
        403,
        status(
          403,
          'Forbidden',
          `secrets "${name}" is forbidden: User "dev" cannot get resource "secrets" in API group "" in the namespace "${namespace}"`,
        ),
      );
      return;
    }
    const found = SECRETS[`${namespace}/${name}`];
    if (found) reply(200, found);
    else reply(404, status(404, 'NotFound', `secrets "${name}" not found`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  serverUrl = `https://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  // A port that was just free: nothing listens there.
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedUrl = `https://127.0.0.1:${(probe.address() as net.AddressInfo).port}`;
  await new Promise((resolve) => probe.close(resolve));
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

beforeEach(() => {
  requests.length = 0;
});

/** A management kubeconfig with contexts: mgmt (current), bad-token, down (closed port). */
function managementKubeconfig(dir: string, contextNames = { mgmt: 'mgmt' }): string {
  const file = path.join(dir, 'management.kubeconfig');
  const ca = b64(caPem);
  fs.writeFileSync(
    file,
    stringify({
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [
        { name: 'management', cluster: { server: serverUrl, 'certificate-authority-data': ca } },
        { name: 'down', cluster: { server: closedUrl, 'certificate-authority-data': ca } },
      ],
      users: [
        { name: 'admin', user: { token: TOKEN } },
        { name: 'expired', user: { token: 'expired-token' } },
      ],
      contexts: [
        { name: contextNames.mgmt, context: { cluster: 'management', user: 'admin' } },
        { name: 'bad-token', context: { cluster: 'management', user: 'expired' } },
        { name: 'down', context: { cluster: 'down', user: 'admin' } },
      ],
      'current-context': contextNames.mgmt,
    }),
    { mode: 0o600 },
  );
  return file;
}

async function cli(args: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => (out.push(String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => (err.push(String(s)), true));
  try {
    const code = await main(['kubeconfig', ...args]);
    return { code, stdout: out.join(''), stderr: err.join('') };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

const mode = (file: string) => fs.statSync(file).mode & 0o777;

/** The renamed tenant kubeconfig the command must produce for `tenant`. */
function expectTenantKubeconfig(config: any, tenant: string, server = `https://${tenant}.example.test:6443`) {
  expect(config).toEqual({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: tenant, cluster: { server, 'certificate-authority-data': CREDS.ca } }],
    users: [{ name: tenant, user: { 'client-certificate-data': CREDS.cert, 'client-key-data': CREDS.key } }],
    contexts: [{ name: tenant, context: { cluster: tenant, user: tenant } }],
    'current-context': tenant,
    preferences: {},
  });
}

/** An expected failure: exit 1, one line on stderr, no stack, no credential material. */
function expectFailure(result: { code: number; stdout: string; stderr: string }, ...parts: string[]) {
  expect(result.code).toBe(1);
  expect(result.stdout).toBe('');
  expect(result.stderr.startsWith('cdktf-kamaji kubeconfig: ')).toBe(true);
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).not.toMatch(/\n\s+at /);
  for (const secretValue of [...Object.values(CREDS), TOKEN, b64(caPem)])
    expect(result.stderr).not.toContain(secretValue);
  for (const part of parts) expect(result.stderr).toContain(part);
}

describe('kubeconfig TENANT', () => {
  test('is listed by help', async () => {
    const out: string[] = [];
    const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: any) => (out.push(String(s)), true));
    try {
      expect(await main(['--help'])).toBe(0);
    } finally {
      o.mockRestore();
    }
    expect(out.join('')).toMatch(/^ {2}kubeconfig {8}a tenant's admin kubeconfig/m);
  });

  test('writes the renamed kubeconfig to --out FILE with mode 0600', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'demo.yaml');
    const result = await cli(['demo', '--kubeconfig', managementKubeconfig(dir), '--out', file]);
    expect(result).toEqual({ code: 0, stdout: expect.stringContaining(`wrote ${file} (mode 0600)`), stderr: '' });
    expect(mode(file)).toBe(0o600);
    expectTenantKubeconfig(parse(fs.readFileSync(file, 'utf8')), 'demo');
    // One GET of the Secret, authenticated with the management context's token.
    expect(requests).toEqual([
      {
        method: 'GET',
        url: '/api/v1/namespaces/tenant-demo/secrets/demo-admin-kubeconfig',
        authorization: `Bearer ${TOKEN}`,
      },
    ]);
  });

  test('defaults to ./TENANT.kubeconfig and to $KUBECONFIG (first path)', async () => {
    const dir = tempDir();
    const management = managementKubeconfig(dir);
    const cwd = process.cwd();
    const env = process.env.KUBECONFIG;
    process.chdir(dir);
    process.env.KUBECONFIG = [management, path.join(dir, 'missing-second')].join(path.delimiter);
    try {
      const result = await cli(['demo']);
      expect(result.code).toBe(0);
    } finally {
      process.chdir(cwd);
      if (env === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = env;
    }
    expect(mode(path.join(dir, 'demo.kubeconfig'))).toBe(0o600);
    expectTenantKubeconfig(parse(fs.readFileSync(path.join(dir, 'demo.kubeconfig'), 'utf8')), 'demo');
  });

  test('--out - prints the kubeconfig and writes no file', async () => {
    const dir = tempDir();
    const management = managementKubeconfig(dir);
    const result = await cli(['demo', '--kubeconfig', management, '--out', '-']);
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    expectTenantKubeconfig(parse(result.stdout), 'demo');
    expect(fs.readdirSync(dir)).toEqual(['management.kubeconfig']);
  });

  test('--namespace and --secret override where the Secret is read', async () => {
    const dir = tempDir();
    const args = ['custom', '--kubeconfig', managementKubeconfig(dir), '--out', '-'];
    const result = await cli([...args, '--namespace', 'kamaji', '--secret', 'custom-secret']);
    expect(result.code).toBe(0);
    expectTenantKubeconfig(parse(result.stdout), 'custom');
    expect(requests.map((r) => r.url)).toEqual(['/api/v1/namespaces/kamaji/secrets/custom-secret']);
  });

  test('refuses to overwrite an existing file before asking the cluster; --force replaces it with mode 0600', async () => {
    const dir = tempDir();
    const management = managementKubeconfig(dir);
    const file = path.join(dir, 'demo.kubeconfig');
    fs.writeFileSync(file, 'keep me\n', { mode: 0o644 });
    const refused = await cli(['demo', '--kubeconfig', management, '--out', file]);
    expectFailure(refused, `${file} already exists; pass --force`);
    expect(fs.readFileSync(file, 'utf8')).toBe('keep me\n');
    expect(requests).toEqual([]);

    const forced = await cli(['demo', '--kubeconfig', management, '--out', file, '--force']);
    expect(forced.code).toBe(0);
    expect(mode(file)).toBe(0o600);
    expectTenantKubeconfig(parse(fs.readFileSync(file, 'utf8')), 'demo');
    expect(fs.readdirSync(dir).sort()).toEqual(['demo.kubeconfig', 'management.kubeconfig']);
  });

  test('--merge replaces the tenant entries only, keeps everything else and the current-context', async () => {
    const dir = tempDir();
    const management = managementKubeconfig(dir);
    const target = path.join(dir, 'config');
    const other = {
      cluster: {
        name: 'prod',
        cluster: { server: 'https://prod.example.test', 'certificate-authority-data': 'UFJPRA==' },
      },
      user: { name: 'prod-admin', user: { token: 'prod-token' } },
      context: { name: 'prod', context: { cluster: 'prod', user: 'prod-admin', namespace: 'apps' } },
    };
    const stale = {
      cluster: { name: 'demo', cluster: { server: 'https://old-demo.example.test:6443' } },
      user: { name: 'demo', user: { token: 'old-demo-token' } },
      context: { name: 'demo', context: { cluster: 'demo', user: 'demo' } },
    };
    const before = [
      '# my clusters',
      stringify({
        apiVersion: 'v1',
        kind: 'Config',
        clusters: [other.cluster, stale.cluster],
        users: [stale.user, other.user],
        contexts: [other.context, stale.context],
        'current-context': 'prod',
        preferences: {},
      }),
    ].join('\n');
    fs.writeFileSync(target, before, { mode: 0o644 });

    const result = await cli(['demo', '--kubeconfig', management, '--merge', '--merge-into', target]);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(
      `merged cluster, user and context "demo" into ${target} (replaced the previous ones`,
    );
    expect(mode(target)).toBe(0o600);
    const text = fs.readFileSync(target, 'utf8');
    expect(text.startsWith('# my clusters\n')).toBe(true);
    const merged = parse(text);
    const renamed = parse((await cli(['demo', '--kubeconfig', management, '--out', '-'])).stdout) as Record<
      string,
      any[]
    >;
    // Same positions, the other entries untouched, the tenant's replaced.
    expect(merged.clusters).toEqual([other.cluster, renamed.clusters[0]]);
    expect(merged.users).toEqual([renamed.users[0], other.user]);
    expect(merged.contexts).toEqual([other.context, renamed.contexts[0]]);
    expect(merged['current-context']).toBe('prod');
    expect(merged.preferences).toEqual({});
    // No temp or lock file is left behind.
    expect(fs.readdirSync(dir).sort()).toEqual(['config', 'management.kubeconfig']);

    // Again, with --use-context: same entries, and current-context switches.
    const again = await cli(['demo', '--kubeconfig', management, '--merge-into', target, '--use-context']);
    expect(again.code).toBe(0);
    const switched = parse(fs.readFileSync(target, 'utf8'));
    expect(switched).toEqual({ ...merged, 'current-context': 'demo' });
  });

  test('--merge creates a missing kubeconfig (and folder) with mode 0600', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'home', '.kube', 'config');
    const result = await cli(['demo', '--kubeconfig', managementKubeconfig(dir), '--merge-into', target]);
    expect(result.code).toBe(0);
    expect(mode(target)).toBe(0o600);
    const config = parse(fs.readFileSync(target, 'utf8'));
    expect(config.clusters.map((c: any) => c.name)).toEqual(['demo']);
    expect(config.contexts).toEqual([{ name: 'demo', context: { cluster: 'demo', user: 'demo' } }]);
    expect(config['current-context']).toBeUndefined();
  });

  test('--merge fills empty lists as kubectl leaves them (`[]`, null)', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'config');
    fs.writeFileSync(
      target,
      'apiVersion: v1\nkind: Config\nclusters: []\nusers:\ncontexts: null\ncurrent-context: ""\n',
    );
    const result = await cli(['demo', '--kubeconfig', managementKubeconfig(dir), '--merge-into', target]);
    expect(result.code).toBe(0);
    const text = fs.readFileSync(target, 'utf8');
    expect(text).toMatch(/^clusters:\n {2}- name: demo\n/m);
    const config = parse(text);
    expect([config.clusters, config.users, config.contexts].map((l: any[]) => l.map((e) => e.name))).toEqual([
      ['demo'],
      ['demo'],
      ['demo'],
    ]);
    expect(config['current-context']).toBe('');
  });

  test('--merge into the management kubeconfig adds the tenant next to the management context', async () => {
    const dir = tempDir();
    const management = managementKubeconfig(dir);
    const env = process.env.KUBECONFIG;
    process.env.KUBECONFIG = management;
    try {
      expect((await cli(['demo', '--merge'])).code).toBe(0);
    } finally {
      if (env === undefined) delete process.env.KUBECONFIG;
      else process.env.KUBECONFIG = env;
    }
    const config = parse(fs.readFileSync(management, 'utf8'));
    expect(config.contexts.map((c: any) => c.name)).toEqual(['mgmt', 'bad-token', 'down', 'demo']);
    expect(config['current-context']).toBe('mgmt');
  });

  test('refuses to merge over the management entries of the same name, before any request', async () => {
    const dir = tempDir();
    const management = managementKubeconfig(dir, { mgmt: 'demo' });
    const before = fs.readFileSync(management, 'utf8');
    const result = await cli(['demo', '--kubeconfig', management, '--merge-into', management]);
    expectFailure(result, `refusing to merge into ${management}: its management context "demo"`);
    expect(fs.readFileSync(management, 'utf8')).toBe(before);
    expect(requests).toEqual([]);
  });

  test('--merge refuses a target that is not a kubeconfig', async () => {
    const dir = tempDir();
    const target = path.join(dir, 'config');
    fs.writeFileSync(target, '- just\n- a list\n');
    const result = await cli(['demo', '--kubeconfig', managementKubeconfig(dir), '--merge-into', target]);
    expectFailure(result, `${target} is not a kubeconfig (not a YAML mapping); not changing it`);
    expect(fs.readFileSync(target, 'utf8')).toBe('- just\n- a list\n');
    expect(fs.readdirSync(dir).sort()).toEqual(['config', 'management.kubeconfig']);
  });

  test('a bad tenant name is rejected before any request', async () => {
    const dir = tempDir();
    const result = await cli(['Demo_1', '--kubeconfig', managementKubeconfig(dir)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('kubeconfig: TENANT: "Demo_1": must be a DNS-1035 label');
    expect(requests).toEqual([]);
  });

  test('usage errors exit 2', async () => {
    expect((await cli([])).code).toBe(2);
    expect((await cli(['demo', '--merge', '--out', 'x'])).stderr).toContain('--out and --merge exclude each other');
    expect((await cli(['demo', '--use-context'])).code).toBe(2);
    expect((await cli(['demo', '--bogus'])).code).toBe(2);
    expect(requests).toEqual([]);
  });

  test('a missing Secret says the tenant is not deployed', async () => {
    const dir = tempDir();
    const result = await cli(['ghost', '--kubeconfig', managementKubeconfig(dir)]);
    expectFailure(
      result,
      'tenant ghost not found: no Secret tenant-ghost/ghost-admin-kubeconfig on the management cluster (context mgmt); ' +
        'is the tenant deployed? (cdktf deploy tenant-ghost-control-plane)',
    );
    expect(fs.existsSync(path.join(dir, 'ghost.kubeconfig'))).toBe(false);
  });

  test('403 names the permission that is missing', async () => {
    const dir = tempDir();
    const result = await cli(['forbidden', '--kubeconfig', managementKubeconfig(dir)]);
    expectFailure(
      result,
      'forbidden: context mgmt (user admin) may not read Secret tenant-forbidden/forbidden-admin-kubeconfig',
      'needs RBAC permission to "get" "secrets" in namespace tenant-forbidden',
      'User "dev" cannot get resource "secrets"',
    );
  });

  test('401 says the credentials were rejected', async () => {
    const dir = tempDir();
    const result = await cli(['demo', '--kubeconfig', managementKubeconfig(dir), '--context', 'bad-token']);
    expectFailure(
      result,
      `unauthorized: the management cluster at ${serverUrl} rejected the credentials of context bad-token`,
    );
  });

  test('an unreachable cluster is named by its server URL', async () => {
    const dir = tempDir();
    const result = await cli(['demo', '--kubeconfig', managementKubeconfig(dir), '--context', 'down']);
    expectFailure(result, `cannot reach the management cluster at ${closedUrl} (context down): connection refused`);
  });

  test('a cluster that does not answer times out', async () => {
    const dir = tempDir();
    const result = await cli(['slow', '--kubeconfig', managementKubeconfig(dir), '--timeout', '0.5']);
    expectFailure(result, `no answer from the management cluster at ${serverUrl} (context mgmt) within 0.5s`);
  });

  test('a Secret without admin.conf lists its keys', async () => {
    const dir = tempDir();
    const result = await cli(['nokey', '--kubeconfig', managementKubeconfig(dir)]);
    expectFailure(
      result,
      'Secret tenant-nokey/nokey-admin-kubeconfig has no key "admin.conf" (keys: super-admin.conf)',
    );
  });

  test('admin.conf that is not a kubeconfig is refused without echoing it', async () => {
    const dir = tempDir();
    const result = await cli(['junk', '--kubeconfig', managementKubeconfig(dir)]);
    expectFailure(result, 'Secret tenant-junk/junk-admin-kubeconfig key admin.conf is not a kubeconfig: no clusters');
    expect(fs.existsSync(path.join(dir, 'junk.kubeconfig'))).toBe(false);
  });

  test('a missing management kubeconfig', async () => {
    const dir = tempDir();
    const missing = path.join(dir, 'nope');
    const result = await cli(['demo', '--kubeconfig', missing]);
    expectFailure(result, `management kubeconfig ${missing} not found; pass --kubeconfig PATH or set KUBECONFIG`);
  });

  test('a management kubeconfig that is not YAML is reported without its text', async () => {
    const dir = tempDir();
    const file = path.join(dir, 'broken');
    fs.writeFileSync(file, `users:\n  - name: x\n    user: {token: ${CREDS.key}\n`);
    const result = await cli(['demo', '--kubeconfig', file]);
    expectFailure(result, `management kubeconfig ${file} could not be loaded: not valid YAML`);
  });

  test('an unknown context lists the available ones', async () => {
    const dir = tempDir();
    const management = managementKubeconfig(dir);
    const result = await cli(['demo', '--kubeconfig', management, '--context', 'nope']);
    expectFailure(result, `context "nope" not found in ${management} (available: mgmt, bad-token, down)`);
    expect(requests).toEqual([]);
  });
});
