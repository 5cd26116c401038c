/**
 * Simulated boot: the real rendered bootstrap script runs under bash with stub system commands on
 * PATH (test/fixtures/boot/bin), a temporary root for every file it writes (KAMAJI_NODE_ROOT), and a
 * local HTTP server standing in for IMDSv2 and SSM. The server checks the IMDSv2 session token and
 * recomputes the SigV4 signature of GetParameter, so a wrong signer fails the boot.
 */
import { execFile, execSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { parse } from 'yaml';
import { TaintEffect } from '../src/model/kubeadm';
import { NodeBootstrapInput, renderCloudConfig } from '../src/model/node-bootstrap';
import { parseVersion } from '../src/model/versions';
import { tempDir } from './support/synth';
import { hasTool, testWithTool } from './support/tools';

const TOKEN = 'k8sabc.0123456789abcdef';
const IMDS_SESSION = 'imds-session-AQAEAFx';
const CREDS = {
  Code: 'Success',
  AccessKeyId: 'ASIAEXAMPLEEXAMPLE12',
  SecretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  Token: 'IQoJb3JpZ2luX2VjEXAMPLE//session+token==',
  Expiration: '2099-01-01T00:00:00Z',
};
const ROLE = 'demo-default-role';
const NODE_NAME = 'ip-10-0-1-23.eu-west-1.compute.internal';
const NODE_IP = '10.0.1.23';
const PARAMETER = '/kamaji/demo/bootstrap-token';
const REGION = 'eu-west-1';
const CA_DATA = Buffer.from('-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n').toString('base64');

interface Seen {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  verdict?: string;
}

/** Recomputes the SigV4 signature of a request the way AWS does (service ssm). */
function sigv4Verdict(req: Seen): string {
  const auth = String(req.headers.authorization ?? '');
  const m =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/ssm\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      auth,
    );
  if (!m) return `malformed Authorization: ${auth}`;
  const [, keyId, day, region, signedHeaders, signature] = m;
  if (keyId !== CREDS.AccessKeyId) return `wrong key id ${keyId}`;
  if (region !== REGION) return `wrong region ${region}`;
  const names = signedHeaders.split(';');
  if (!names.includes('x-amz-security-token')) return 'x-amz-security-token is not signed';
  if (req.headers['x-amz-security-token'] !== CREDS.Token) return 'x-amz-security-token header missing or wrong';
  const amzDate = String(req.headers['x-amz-date']);
  const canonical = [
    req.method,
    '/',
    '',
    ...names.map((n) => `${n}:${String(req.headers[n]).trim()}`),
    '',
    signedHeaders,
    createHash('sha256').update(req.body).digest('hex'),
  ].join('\n');
  const scope = `${day}/${region}/ssm/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = Buffer.from(`AWS4${CREDS.SecretAccessKey}`);
  for (const part of [day, region, 'ssm', 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const expected = createHmac('sha256', key).update(toSign).digest('hex');
  return expected === signature ? 'ok' : 'signature mismatch';
}

/** IMDSv2 and SSM in one server; records every request. */
function startServer(): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const r: Seen = { method: req.method!, url: req.url!, headers: req.headers, body };
      seen.push(r);
      const send = (code: number, text: string) => {
        res.writeHead(code, { 'content-type': 'text/plain' });
        res.end(text);
      };
      if (req.method === 'PUT' && req.url === '/latest/api/token') {
        return req.headers['x-aws-ec2-metadata-token-ttl-seconds'] ? send(200, IMDS_SESSION) : send(400, 'no ttl');
      }
      if (req.method === 'GET' && req.url!.startsWith('/latest/meta-data/')) {
        if (req.headers['x-aws-ec2-metadata-token'] !== IMDS_SESSION) return send(401, 'IMDSv2 token required');
        const answers: Record<string, string> = {
          'local-hostname': NODE_NAME,
          'local-ipv4': NODE_IP,
          'iam/security-credentials/': `${ROLE}\n`,
          [`iam/security-credentials/${ROLE}`]: JSON.stringify(CREDS),
        };
        const answer = answers[req.url!.slice('/latest/meta-data/'.length)];
        return answer === undefined ? send(404, 'not found') : send(200, answer);
      }
      if (req.method === 'POST' && req.url === '/') {
        r.verdict = sigv4Verdict(r);
        if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter') return send(400, 'wrong target');
        if (r.verdict !== 'ok') return send(403, r.verdict);
        const { Name, WithDecryption } = JSON.parse(body);
        if (Name !== PARAMETER || WithDecryption !== true) return send(400, 'wrong parameter');
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        return res.end(JSON.stringify({ Parameter: { Name, Type: 'SecureString', Value: TOKEN, Version: 3 } }));
      }
      send(404, 'unexpected');
    });
  });
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        seen,
        close: () => new Promise((done) => server.close(() => done())),
      });
    }),
  );
}

interface Boot {
  code: number;
  stderr: string;
  calls: string[];
  joinConfigs: any[];
  root: string;
}

/** Writes the cloud-config's files under a fresh root, as cloud-init would, and runs the script. */
function prepare(input: NodeBootstrapInput) {
  const root = tempDir('kamaji-boot-root-');
  const stubDir = tempDir('kamaji-boot-stubs-');
  const bin = path.join(stubDir, 'bin');
  fs.mkdirSync(bin);
  const fixtures = path.join(__dirname, 'fixtures', 'boot', 'bin');
  for (const name of ['apt-get', 'apt-mark', 'systemctl', 'modprobe', 'sysctl', 'swapoff']) {
    fs.copyFileSync(path.join(fixtures, 'record'), path.join(bin, name));
  }
  for (const name of ['apt-cache', 'containerd', 'gpg', 'curl', 'kubeadm']) {
    fs.copyFileSync(path.join(fixtures, name), path.join(bin, name));
  }
  for (const f of fs.readdirSync(bin)) fs.chmodSync(path.join(bin, f), 0o755);
  fs.mkdirSync(path.join(root, 'etc', 'apt', 'sources.list.d'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc', 'fstab'), 'UUID=abc / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n');
  const doc = parse(renderCloudConfig(input));
  for (const f of doc.write_files) {
    const target = path.join(root, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.content, { mode: parseInt(f.permissions, 8) });
  }
  return { root, stubDir, bin, script: path.join(root, doc.runcmd[0][0]) };
}

function boot(
  env: { root: string; stubDir: string; bin: string; script: string },
  server: string,
  failures: number,
  k8sVersion = '1.33.4',
): Promise<Boot> {
  const realCurl = execSync('command -v curl', { encoding: 'utf8' }).trim();
  const log = path.join(env.stubDir, 'calls.log');
  return new Promise((resolve) => {
    execFile(
      'bash',
      [env.script],
      {
        env: {
          PATH: `${env.bin}:${process.env.PATH}`,
          HOME: env.stubDir,
          KAMAJI_NODE_ROOT: env.root,
          KAMAJI_IMDS_ENDPOINT: server,
          KAMAJI_SSM_ENDPOINT: server,
          KAMAJI_JOIN_BACKOFF_SECONDS: '0',
          STUB_LOG: log,
          STUB_DIR: env.stubDir,
          STUB_K8S_VERSION: k8sVersion,
          STUB_KUBEADM_FAILURES: String(failures),
          REAL_CURL: realCurl,
        },
      },
      (error, _stdout, stderr) => {
        const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
        const joinConfigs = fs
          .readdirSync(env.stubDir)
          .filter((f) => /^join-\d+\.yaml$/.test(f))
          .sort()
          .map((f) => parse(fs.readFileSync(path.join(env.stubDir, f), 'utf8')));
        resolve({ code: error ? ((error as any).code ?? 1) : 0, stderr, calls, joinConfigs, root: env.root });
      },
    );
  });
}

function input(overrides: Partial<NodeBootstrapInput> = {}): NodeBootstrapInput {
  return {
    tenantName: 'demo',
    poolName: 'default',
    version: parseVersion('v1.33.4')!,
    endpoint: 'https://203.0.113.10:6443',
    caData: CA_DATA,
    token: { delivery: 'ssm', parameterName: PARAMETER, region: REGION },
    labels: { 'example.com/pool': 'default' },
    taints: [{ key: 'dedicated', value: 'batch', effect: TaintEffect.NO_SCHEDULE }],
    preJoinScript: 'touch "${KAMAJI_NODE_ROOT:-}/pre-join-ran"\n',
    postJoinScript: 'touch "${KAMAJI_NODE_ROOT:-}/post-join-ran"\n',
    joinAttempts: 4,
    ...overrides,
  };
}

/** The script needs python3 (the SigV4 signer) and curl, as on Ubuntu; skip (or fail in CI) without them. */
const bootTest = hasTool('python3') ? testWithTool('curl') : testWithTool('python3');

describe('simulated boot', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.close();
  });

  bootTest('SSM delivery: IMDSv2 + SigV4, kubeadm retried after transient failures, second run harmless', async () => {
    const env = prepare(input());
    const first = await boot(env, server.url, 2);
    expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });

    // IMDSv2: a session token first, and every metadata read carries it.
    const imds = server.seen.filter((r) => r.url.startsWith('/latest/'));
    expect(imds[0]).toMatchObject({ method: 'PUT', url: '/latest/api/token' });
    const reads = imds.filter((r) => r.method === 'GET');
    expect(reads.length).toBeGreaterThanOrEqual(4);
    for (const r of reads) expect(r.headers['x-aws-ec2-metadata-token']).toBe(IMDS_SESSION);
    expect(reads.map((r) => r.url)).toEqual(
      expect.arrayContaining([
        '/latest/meta-data/local-hostname',
        '/latest/meta-data/local-ipv4',
        `/latest/meta-data/iam/security-credentials/${ROLE}`,
      ]),
    );

    // SSM: one GetParameter, SigV4-signed with the role's session credentials.
    const ssm = server.seen.filter((r) => r.method === 'POST');
    expect(ssm).toHaveLength(1);
    expect(ssm[0].verdict).toBe('ok');
    expect(ssm[0].headers['x-amz-security-token']).toBe(CREDS.Token);
    expect(ssm[0].headers.authorization).toMatch(
      /SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,/,
    );

    // kubeadm join: three attempts (two transient failures), a reset between attempts.
    const kubeadm = first.calls.filter((c) => c.startsWith('kubeadm '));
    expect(kubeadm).toEqual([
      'kubeadm join --config ' + path.join(env.root, 'etc/kamaji-node/join.yaml'),
      'kubeadm reset --force',
      'kubeadm join --config ' + path.join(env.root, 'etc/kamaji-node/join.yaml'),
      'kubeadm reset --force',
      'kubeadm join --config ' + path.join(env.root, 'etc/kamaji-node/join.yaml'),
    ]);
    expect(first.stderr).toMatch(/kubeadm join attempt 1\/4 failed; kubeadm reset, then retry in 0s/);
    expect(first.stderr).toMatch(/joined tenant as node ip-10-0-1-23/);

    // The JoinConfiguration: endpoint and CA through the pinned discovery file, token, node identity.
    expect(first.joinConfigs).toHaveLength(3);
    const join = first.joinConfigs[2];
    expect(join.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(join.discovery).toEqual({
      file: { kubeConfigPath: '/etc/kamaji-node/discovery.conf' },
      tlsBootstrapToken: TOKEN,
    });
    expect(join.nodeRegistration).toEqual({
      name: NODE_NAME,
      criSocket: 'unix:///run/containerd/containerd.sock',
      kubeletExtraArgs: [
        { name: 'node-ip', value: NODE_IP },
        { name: 'node-labels', value: 'example.com/pool=default' },
      ],
      taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
    });
    const discovery = parse(fs.readFileSync(path.join(env.root, 'etc/kamaji-node/discovery.conf'), 'utf8'));
    expect(discovery.clusters[0].cluster).toEqual({
      server: 'https://203.0.113.10:6443',
      'certificate-authority-data': CA_DATA,
    });
    // The token does not stay on disk after the join.
    expect(fs.existsSync(path.join(env.root, 'etc/kamaji-node/join.yaml'))).toBe(false);

    // Node software: swap, modules, containerd with systemd cgroups, pinned and held packages.
    expect(first.calls).toEqual(
      expect.arrayContaining([
        'swapoff -a',
        'modprobe overlay',
        'modprobe br_netfilter',
        'sysctl --system',
        'apt-get install -y -q --allow-change-held-packages kubelet=1.33.4-1.1 kubeadm=1.33.4-1.1',
        'apt-mark hold kubelet kubeadm',
        'systemctl restart containerd',
        'systemctl enable kubelet',
      ]),
    );
    expect(first.calls.some((c) => c.includes('https://pkgs.k8s.io/core:/stable:/v1.33/deb/Release.key'))).toBe(true);
    expect(fs.readFileSync(path.join(env.root, 'etc/containerd/config.toml'), 'utf8')).toContain(
      'SystemdCgroup = true',
    );
    expect(fs.readFileSync(path.join(env.root, 'etc/apt/sources.list.d/kubernetes.list'), 'utf8')).toBe(
      'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.33/deb/ /\n',
    );
    expect(fs.readFileSync(path.join(env.root, 'etc/fstab'), 'utf8')).toContain('#/swap.img none swap sw 0 0');
    expect(fs.existsSync(path.join(env.root, 'pre-join-ran'))).toBe(true);
    expect(fs.existsSync(path.join(env.root, 'post-join-ran'))).toBe(true);
    // Clear log lines, step by step.
    for (let step = 1; step <= 6; step++) expect(first.stderr).toContain(`kamaji-node-bootstrap: step ${step}/6`);

    // A second run (cloud-init runs runcmd again, or an operator does) changes nothing.
    const requestsBefore = server.seen.length;
    const second = await boot(env, server.url, 0);
    expect(second.code).toBe(0);
    expect(second.stderr).toMatch(/already joined/);
    expect(second.calls).toEqual(first.calls);
    expect(server.seen.length).toBe(requestsBefore);
  });

  bootTest('gives up after the bound with a clear message and a non-zero exit', async () => {
    const env = prepare(input({ joinAttempts: 3 }));
    const result = await boot(env, server.url, 99);
    expect(result.code).not.toBe(0);
    expect(result.calls.filter((c) => c.startsWith('kubeadm join'))).toHaveLength(3);
    expect(result.stderr).toMatch(/FAILED: kubeadm join failed 3 times; giving up/);
    expect(fs.existsSync(path.join(env.root, 'post-join-ran'))).toBe(false);
    expect(fs.existsSync(path.join(env.root, 'etc/kamaji-node/join.yaml'))).toBe(false);
  });

  bootTest('inline delivery on 1.30: token from user data, kubeadm v1beta3, no SSM call', async () => {
    const env = prepare(
      input({
        version: parseVersion('v1.30.14')!,
        token: { delivery: 'inline', token: TOKEN },
        preJoinScript: undefined,
      }),
    );
    const result = await boot(env, server.url, 0, '1.30.14');
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(result.calls).toContain(
      'apt-get install -y -q --allow-change-held-packages kubelet=1.30.14-1.1 kubeadm=1.30.14-1.1',
    );
    expect(server.seen.filter((r) => r.method === 'POST')).toHaveLength(0);
    const [join] = result.joinConfigs;
    expect(join.apiVersion).toBe('kubeadm.k8s.io/v1beta3');
    expect(join.discovery.tlsBootstrapToken).toBe(TOKEN);
    expect(join.nodeRegistration.kubeletExtraArgs).toEqual({
      'node-ip': NODE_IP,
      'node-labels': 'example.com/pool=default',
    });
  });

  bootTest('a token that is not token-shaped stops the boot before kubeadm runs', async () => {
    const env = prepare(input({ token: { delivery: 'inline', token: 'not-a-token' } }));
    const result = await boot(env, server.url, 0);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no valid bootstrap token/);
    expect(result.calls.some((c) => c.startsWith('kubeadm'))).toBe(false);
  });

  test('the verifier rejects a signature made with the wrong secret (so the SigV4 check can fail)', () => {
    const body = JSON.stringify({ Name: PARAMETER, WithDecryption: true });
    const headers: Record<string, string> = {
      'content-type': 'application/x-amz-json-1.1',
      host: '127.0.0.1:1',
      'x-amz-date': '20260101T000000Z',
      'x-amz-security-token': CREDS.Token,
      'x-amz-target': 'AmazonSSM.GetParameter',
    };
    headers.authorization = `AWS4-HMAC-SHA256 Credential=${CREDS.AccessKeyId}/20260101/${REGION}/ssm/aws4_request, SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target, Signature=${'0'.repeat(64)}`;
    expect(sigv4Verdict({ method: 'POST', url: '/', headers, body })).toBe('signature mismatch');
  });
});
