/**
 * Simulated boot: the real rendered bootstrap script runs under bash with stub system commands on
 * PATH (test/fixtures/boot/bin: apt-get, kubeadm, shutdown, ...), a temporary root for every file it
 * writes (KAMAJI_NODE_ROOT), and a local HTTP server standing in for IMDSv2, SSM and EC2. The server
 * checks the IMDSv2 session token and recomputes the SigV4 signature of GetParameter and
 * CreateTags, so a wrong signer fails the boot; it can fail chosen requests a number of times, and
 * hand out a different token per GetParameter (a rotation between attempts).
 */
import { execFile, execSync } from 'node:child_process';
import { createHash, createHmac } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { TaintEffect } from '../src/model/kubeadm';
import {
  BOOTSTRAP_SCRIPT_PATH,
  BOOTSTRAP_UNIT_PATH,
  NodeBootstrapInput,
  renderBootstrapScript,
  renderCloudConfig,
} from '../src/model/node-bootstrap';
import { ContainerdSource, parseVersion } from '../src/model/versions';
import { tempDir } from './support/synth';
import { hasTool, testWithTool } from './support/tools';

const TOKEN = 'k8sabc.0123456789abcdef';
const NEXT_TOKEN = 'k8sdef.fedcba9876543210';
const INSTANCE_ID = 'i-0123456789abcdef0';
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

/** Recomputes the SigV4 signature of a request the way AWS does (service ssm or ec2). */
function sigv4Verdict(req: Seen, service = 'ssm'): string {
  const auth = String(req.headers.authorization ?? '');
  const m = new RegExp(
    `^AWS4-HMAC-SHA256 Credential=([^/]+)/(\\d{8})/([^/]+)/${service}/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$`,
  ).exec(auth);
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
  const scope = `${day}/${region}/${service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  let key: Buffer = Buffer.from(`AWS4${CREDS.SecretAccessKey}`);
  for (const part of [day, region, service, 'aws4_request']) key = createHmac('sha256', key).update(part).digest();
  const expected = createHmac('sha256', key).update(toSign).digest('hex');
  return expected === signature ? 'ok' : 'signature mismatch';
}

/** How many times the server fails a request before answering it (404 for IMDS, 500 for SSM). */
interface Failures {
  hostname?: number;
  ssm?: number;
  /** CreateTags denied (the role lacks ec2:CreateTags). */
  denyTags?: boolean;
  /** Lifecycle calls answered "no active lifecycle action" (an instance launched before the hook). */
  noLifecycleAction?: boolean;
  /** IMDS services/domain (undefined: 404). */
  domain?: string;
}

/** IMDSv2, SSM and EC2 in one server; records every request. Each GetParameter returns the next of `tokens`. */
function startServer(
  failures: Failures = {},
  tokens: string[] = [TOKEN],
): Promise<{ url: string; seen: Seen[]; close: () => Promise<void> }> {
  const seen: Seen[] = [];
  const left = { ...failures };
  let served = 0;
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
        const item = req.url!.slice('/latest/meta-data/'.length);
        if (item === 'local-hostname' && (left.hostname ?? 0) > 0) {
          left.hostname!--;
          return send(404, 'not found');
        }
        const answers: Record<string, string> = {
          'local-hostname': NODE_NAME,
          'local-ipv4': NODE_IP,
          'instance-id': INSTANCE_ID,
          'placement/region': REGION,
          ...(left.domain ? { 'services/domain': left.domain } : {}),
          'iam/security-credentials/': `${ROLE}\n`,
          [`iam/security-credentials/${ROLE}`]: JSON.stringify(CREDS),
        };
        const answer = answers[item];
        return answer === undefined ? send(404, 'not found') : send(200, answer);
      }
      if (req.method === 'POST' && req.url === '/' && req.headers['x-amz-target']) {
        r.verdict = sigv4Verdict(r);
        if (req.headers['x-amz-target'] !== 'AmazonSSM.GetParameter') return send(400, 'wrong target');
        if (r.verdict !== 'ok') return send(403, r.verdict);
        if ((left.ssm ?? 0) > 0) {
          left.ssm!--;
          return send(500, 'InternalServerError');
        }
        const { Name, WithDecryption } = JSON.parse(body);
        if (Name !== PARAMETER || WithDecryption !== true) return send(400, 'wrong parameter');
        const Value = tokens[Math.min(served++, tokens.length - 1)];
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        return res.end(JSON.stringify({ Parameter: { Name, Type: 'SecureString', Value, Version: served } }));
      }
      if (req.method === 'POST' && req.url === '/' && new URLSearchParams(body).get('Version') === '2011-01-01') {
        r.verdict = sigv4Verdict(r, 'autoscaling');
        if (r.verdict !== 'ok') return send(403, r.verdict);
        if (left.noLifecycleAction) {
          return send(
            400,
            '<ErrorResponse><Error><Code>ValidationError</Code><Message>No active Lifecycle Action found with instance ID</Message></Error></ErrorResponse>',
          );
        }
        return send(200, '<CompleteLifecycleActionResponse/>');
      }
      if (req.method === 'POST' && req.url === '/') {
        r.verdict = sigv4Verdict(r, 'ec2');
        if (r.verdict !== 'ok') return send(403, r.verdict);
        if (left.denyTags) return send(403, 'UnauthorizedOperation');
        return send(200, '<CreateTagsResponse><return>true</return></CreateTagsResponse>');
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
  console: string;
}

interface Env {
  root: string;
  stubDir: string;
  bin: string;
  script: string;
  unit: string;
}

/** Writes the cloud-config's files under a fresh root, as cloud-init would. */
function prepare(input: NodeBootstrapInput): Env {
  const root = tempDir('kamaji-boot-root-');
  const stubDir = tempDir('kamaji-boot-stubs-');
  const bin = path.join(stubDir, 'bin');
  fs.mkdirSync(bin);
  const fixtures = path.join(__dirname, 'fixtures', 'boot', 'bin');
  for (const name of ['apt-mark', 'systemctl', 'modprobe', 'sysctl', 'swapoff', 'shutdown']) {
    fs.copyFileSync(path.join(fixtures, 'record'), path.join(bin, name));
  }
  for (const name of ['apt-get', 'apt-cache', 'containerd', 'gpg', 'curl', 'kubeadm']) {
    fs.copyFileSync(path.join(fixtures, name), path.join(bin, name));
  }
  for (const f of fs.readdirSync(bin)) fs.chmodSync(path.join(bin, f), 0o755);
  fs.mkdirSync(path.join(root, 'etc', 'apt', 'sources.list.d'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc', 'fstab'), 'UUID=abc / ext4 defaults 0 1\n/swap.img none swap sw 0 0\n');
  fs.writeFileSync(path.join(root, 'etc', 'os-release'), 'NAME="Ubuntu"\nVERSION_ID="24.04"\nVERSION_CODENAME=noble\n');
  const doc = parse(renderCloudConfig(input));
  for (const f of doc.write_files) {
    const target = path.join(root, f.path);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, f.content, { mode: parseInt(f.permissions, 8) });
  }
  return {
    root,
    stubDir,
    bin,
    script: path.join(root, BOOTSTRAP_SCRIPT_PATH),
    unit: fs.readFileSync(path.join(root, BOOTSTRAP_UNIT_PATH), 'utf8'),
  };
}

interface BootOptions {
  kubeadmFailures?: number;
  attemptTimeoutSeconds?: number;
  aptFailures?: number;
  k8sVersion?: string;
  containerd?: 1 | 2;
}

/** Runs the script as its systemd unit would (no argument). */
function boot(env: Env, server: string, options: BootOptions = {}): Promise<Boot> {
  const realCurl = execSync('command -v curl', { encoding: 'utf8' }).trim();
  const log = path.join(env.stubDir, 'calls.log');
  const consoleFile = path.join(env.stubDir, 'console');
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
          KAMAJI_EC2_ENDPOINT: server,
          KAMAJI_AUTOSCALING_ENDPOINT: server,
          KAMAJI_HEARTBEAT_SECONDS: '5',
          KAMAJI_ATTEMPT_TIMEOUT_SECONDS: String(options.attemptTimeoutSeconds ?? 120),
          KAMAJI_CONSOLE: consoleFile,
          KAMAJI_JOIN_BACKOFF_SECONDS: '0',
          STUB_LOG: log,
          STUB_DIR: env.stubDir,
          STUB_K8S_VERSION: options.k8sVersion ?? '1.33.4',
          STUB_KUBEADM_FAILURES: String(options.kubeadmFailures ?? 0),
          STUB_APT_FAILURES: String(options.aptFailures ?? 0),
          STUB_CONTAINERD: String(options.containerd ?? 2),
          REAL_CURL: realCurl,
        },
      },
      (error, _stdout, stderr) => {
        const calls = fs.existsSync(log) ? fs.readFileSync(log, 'utf8').trim().split('\n') : [];
        const joinConfigs = fs
          .readdirSync(env.stubDir)
          .filter((f) => /^join-\d+\.yaml$/.test(f))
          .sort((a, b) => parseInt(a.slice(5), 10) - parseInt(b.slice(5), 10))
          .map((f) => parse(fs.readFileSync(path.join(env.stubDir, f), 'utf8')));
        const console = fs.existsSync(consoleFile) ? fs.readFileSync(consoleFile, 'utf8') : '';
        resolve({ code: error ? ((error as any).code ?? 1) : 0, stderr, calls, joinConfigs, root: env.root, console });
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

const APT = 'apt-get -q -y -o DPkg::Lock::Timeout=600 -o Acquire::Retries=3';
const attemptsOf = (b: Boot) =>
  [...b.stderr.matchAll(/kamaji-node-bootstrap: attempt (\d+)\/\d+$/gm)].map((m) => +m[1]);
const ssmCalls = (seen: Seen[]) => seen.filter((r) => r.method === 'POST' && r.headers['x-amz-target']);
const GROUP = 'kamaji-demo-default';
/** Auto Scaling Query API calls (launch hook), decoded. */
const lifecycleCalls = (seen: Seen[]) =>
  seen
    .filter((r) => r.method === 'POST' && new URLSearchParams(r.body).get('Version') === '2011-01-01')
    .map((r): Record<string, string | undefined> => ({
      verdict: r.verdict,
      ...Object.fromEntries(new URLSearchParams(r.body)),
    }));
const completions = (seen: Seen[]) => lifecycleCalls(seen).filter((c) => c.Action === 'CompleteLifecycleAction');

describe('simulated boot', () => {
  let server: Awaited<ReturnType<typeof startServer>>;
  afterEach(async () => {
    await server?.close();
  });

  bootTest(
    'SSM delivery: the whole bootstrap runs again after a failed join, the token re-read; a second run is harmless',
    async () => {
      server = await startServer();
      const env = prepare(input());
      const first = await boot(env, server.url, { kubeadmFailures: 2 });
      expect({ code: first.code, stderr: first.stderr }).toMatchObject({ code: 0 });
      expect(attemptsOf(first)).toEqual([1, 2, 3]);

      // IMDSv2: a session token first, and every metadata read carries it.
      const imds = server.seen.filter((r) => r.url.startsWith('/latest/'));
      expect(imds[0]).toMatchObject({ method: 'PUT', url: '/latest/api/token' });
      const reads = imds.filter((r) => r.method === 'GET');
      for (const r of reads) expect(r.headers['x-aws-ec2-metadata-token']).toBe(IMDS_SESSION);
      expect(reads.map((r) => r.url)).toEqual(
        expect.arrayContaining([
          '/latest/meta-data/local-hostname',
          '/latest/meta-data/local-ipv4',
          `/latest/meta-data/iam/security-credentials/${ROLE}`,
        ]),
      );

      // SSM: one GetParameter per attempt (the token is read again each time), SigV4 with the session token.
      const ssm = ssmCalls(server.seen);
      expect(ssm).toHaveLength(3);
      for (const call of ssm) expect(call.verdict).toBe('ok');
      expect(ssm[0].headers['x-amz-security-token']).toBe(CREDS.Token);
      expect(ssm[0].headers.authorization).toMatch(
        /SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target,/,
      );

      // kubeadm: one join per attempt, a reset between attempts.
      const join = 'kubeadm join --config ' + path.join(env.root, 'etc/kamaji-node/join.yaml');
      expect(first.calls.filter((c) => c.startsWith('kubeadm '))).toEqual([
        join,
        'kubeadm reset --force',
        join,
        'kubeadm reset --force',
        join,
      ]);
      expect(first.stderr).toMatch(/attempt 1\/4 failed; the whole bootstrap runs again in 0s/);
      expect(first.stderr).toMatch(/joined tenant as node ip-10-0-1-23/);
      // Every step ran in every attempt (the steps are idempotent).
      expect(first.calls.filter((c) => c === 'modprobe overlay')).toHaveLength(3);

      // The JoinConfiguration: endpoint and CA through the pinned discovery file, token, node identity.
      expect(first.joinConfigs).toHaveLength(3);
      const config = first.joinConfigs[2];
      expect(config.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
      expect(config.discovery).toEqual({
        file: { kubeConfigPath: '/etc/kamaji-node/discovery.conf' },
        tlsBootstrapToken: TOKEN,
      });
      expect(config.nodeRegistration).toMatchObject({
        name: NODE_NAME,
        criSocket: 'unix:///run/containerd/containerd.sock',
        taints: [{ key: 'dedicated', value: 'batch', effect: 'NoSchedule' }],
      });
      expect(config.nodeRegistration.kubeletExtraArgs).toEqual(
        expect.arrayContaining([
          { name: 'node-ip', value: NODE_IP },
          { name: 'node-labels', value: 'example.com/pool=default' },
        ]),
      );
      const discovery = parse(fs.readFileSync(path.join(env.root, 'etc/kamaji-node/discovery.conf'), 'utf8'));
      expect(discovery.clusters[0].cluster).toEqual({
        server: 'https://203.0.113.10:6443',
        'certificate-authority-data': CA_DATA,
      });
      // The token does not stay on disk after the join.
      expect(fs.existsSync(path.join(env.root, 'etc/kamaji-node/join.yaml'))).toBe(false);

      // Node software: swap, modules, containerd 2.x from Docker's repository with systemd cgroups,
      // kubelet/kubeadm pinned and held; every apt-get waits for the dpkg lock.
      expect(first.calls).toEqual(
        expect.arrayContaining([
          'swapoff -a',
          'modprobe overlay',
          'modprobe br_netfilter',
          'sysctl --system',
          `${APT} install --allow-change-held-packages containerd.io=2.2.1-1~ubuntu.24.04~noble`,
          'apt-mark hold containerd.io',
          `${APT} install --allow-change-held-packages kubelet=1.33.4-1.1 kubeadm=1.33.4-1.1`,
          'apt-mark hold kubelet kubeadm',
          'systemctl restart containerd',
          'systemctl enable kubelet',
        ]),
      );
      for (const c of first.calls.filter((c) => c.startsWith('apt-get'))) expect(c.startsWith(APT)).toBe(true);
      expect(first.calls.some((c) => c.includes('https://pkgs.k8s.io/core:/stable:/v1.33/deb/Release.key'))).toBe(true);
      const containerdConfig = fs.readFileSync(path.join(env.root, 'etc/containerd/config.toml'), 'utf8');
      expect(containerdConfig.match(/SystemdCgroup = true/g)).toHaveLength(1);
      expect(containerdConfig).toMatch(/runtimes\.runc\.options\]\nSystemdCgroup = true\n/);
      expect(fs.readFileSync(path.join(env.root, 'etc/apt/sources.list.d/docker.list'), 'utf8')).toBe(
        'deb [signed-by=/etc/apt/keyrings/docker.asc] https://download.docker.com/linux/ubuntu noble stable\n',
      );
      expect(fs.readFileSync(path.join(env.root, 'etc/apt/sources.list.d/kubernetes.list'), 'utf8')).toBe(
        'deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] https://pkgs.k8s.io/core:/stable:/v1.33/deb/ /\n',
      );
      expect(fs.readFileSync(path.join(env.root, 'etc/fstab'), 'utf8')).toContain('#/swap.img none swap sw 0 0');
      expect(fs.existsSync(path.join(env.root, 'pre-join-ran'))).toBe(true);
      expect(fs.existsSync(path.join(env.root, 'post-join-ran'))).toBe(true);
      for (let step = 1; step <= 6; step++) expect(first.stderr).toContain(`kamaji-node-bootstrap: step ${step}/6`);
      expect(first.calls).not.toContain('shutdown -h now kamaji-node-bootstrap gave up');

      // A second run (a unit restart, a reboot, an operator) changes nothing.
      const requestsBefore = server.seen.length;
      const second = await boot(env, server.url);
      expect(second.code).toBe(0);
      expect(second.stderr).toMatch(/already joined/);
      expect(second.calls).toEqual(first.calls);
      expect(server.seen.length).toBe(requestsBefore);
    },
  );

  bootTest('a token rotated between attempts: the next attempt joins with the new token', async () => {
    server = await startServer({}, [TOKEN, NEXT_TOKEN]);
    const result = await boot(prepare(input()), server.url, { kubeadmFailures: 1 });
    expect(result.code).toBe(0);
    expect(result.joinConfigs.map((j) => j.discovery.tlsBootstrapToken)).toEqual([TOKEN, NEXT_TOKEN]);
  });

  bootTest('apt failures: retried inside an attempt, then by the next attempt', async () => {
    server = await startServer();
    // Three failed apt-get runs use up the first attempt's tries of `apt-get update`; a fourth fails
    // once more in the second attempt, which then goes through.
    const result = await boot(prepare(input()), server.url, { aptFailures: 4 });
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(result.stderr).toMatch(/apt-get update failed \(try 3\/3\)/);
    expect(attemptsOf(result)).toEqual([1, 2]);
    expect(result.stderr).toMatch(/joined tenant/);
  });

  bootTest('the dpkg lock held by unattended-upgrades: apt waits for it (DPkg::Lock::Timeout)', async () => {
    server = await startServer();
    const env = prepare(input());
    const lock = path.join(env.stubDir, 'dpkg.lock');
    fs.writeFileSync(lock, 'unattended-upgr\n');
    // Released shortly after the first apt-get call starts waiting (not on a timer from the start: on a
    // busy machine the script may reach apt-get only after a fixed delay has passed).
    const watch = setInterval(() => {
      if (fs.existsSync(path.join(env.stubDir, 'apt-calls'))) {
        clearInterval(watch);
        setTimeout(() => fs.rmSync(lock, { force: true }), 300);
      }
    }, 50);
    const result = await boot(env, server.url);
    clearInterval(watch);
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(fs.existsSync(path.join(env.stubDir, 'apt-waited'))).toBe(true);
    expect(result.stderr).not.toMatch(/apt-get \w+ failed/);
    expect(attemptsOf(result)).toEqual([1]);
  });

  bootTest('IMDS failures, then SSM failures: each attempt fails cleanly and the next one joins', async () => {
    server = await startServer({ hostname: 2, ssm: 1 });
    const result = await boot(prepare(input()), server.url);
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(result.stderr).toMatch(/FAILED: IMDS local-hostname failed/);
    expect(result.stderr).toMatch(/FAILED: reading the SSM parameter failed/);
    expect(attemptsOf(result)).toEqual([1, 2, 3, 4]);
    expect(ssmCalls(server.seen)).toHaveLength(2);
    expect(result.calls.filter((c) => c.startsWith('kubeadm join'))).toHaveLength(1);
  });

  bootTest(
    'after the bound: the reason on the console and in an instance tag, then shutdown; a restart gives up at once',
    async () => {
      server = await startServer();
      const env = prepare(input({ joinAttempts: 2 }));
      const result = await boot(env, server.url, { kubeadmFailures: 99 });
      expect(result.code).not.toBe(0);
      expect(attemptsOf(result)).toEqual([1, 2]);
      expect(result.calls.filter((c) => c.startsWith('kubeadm join'))).toHaveLength(2);
      expect(result.stderr).toMatch(/FAILED: kubeadm join failed/);
      expect(result.console).toBe(
        'kamaji-node-bootstrap: GIVING UP: the bootstrap failed 2 times (see the log above)\n',
      );
      expect(result.calls).toContain('shutdown -h now kamaji-node-bootstrap gave up');
      // CreateTags on this instance, signed for ec2 with the role's session credentials.
      const tag = server.seen.filter((r) => r.method === 'POST' && !r.headers['x-amz-target']);
      expect(tag).toHaveLength(1);
      expect(tag[0].verdict).toBe('ok');
      expect(Object.fromEntries(new URLSearchParams(tag[0].body))).toEqual({
        Action: 'CreateTags',
        Version: '2016-11-15',
        'ResourceId.1': INSTANCE_ID,
        'Tag.1.Key': 'kamaji.io/bootstrap-failure',
        'Tag.1.Value': 'the bootstrap failed 2 times (see the log above)',
      });
      expect(result.stderr).toMatch(new RegExp(`tagged ${INSTANCE_ID} kamaji.io/bootstrap-failure`));
      expect(fs.existsSync(path.join(env.root, 'post-join-ran'))).toBe(false);
      expect(fs.existsSync(path.join(env.root, 'etc/kamaji-node/join.yaml'))).toBe(false);

      // systemd restarts the unit (Restart=on-failure): the attempt count survives, no new join.
      const again = await boot(env, server.url, { kubeadmFailures: 99 });
      expect(again.code).not.toBe(0);
      expect(attemptsOf(again)).toEqual([]);
      expect(again.calls.filter((c) => c.startsWith('kubeadm join'))).toHaveLength(2);
    },
  );

  bootTest('without ec2:CreateTags the node still shuts down, saying why the tag is missing', async () => {
    server = await startServer({ denyTags: true });
    const result = await boot(prepare(input({ joinAttempts: 1 })), server.url, { kubeadmFailures: 99 });
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/could not tag the instance \(the node role needs ec2:CreateTags\)/);
    expect(result.console).toMatch(/GIVING UP: the bootstrap failed 1 times/);
    expect(result.calls).toContain('shutdown -h now kamaji-node-bootstrap gave up');
  });

  bootTest(
    'launch hook: heartbeats while it works, CONTINUE only after kubeadm join succeeded, signed for autoscaling',
    async () => {
      server = await startServer();
      const result = await boot(prepare(input({ launchHookGroup: GROUP })), server.url, { kubeadmFailures: 1 });
      expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
      const calls = lifecycleCalls(server.seen);
      for (const c of calls) expect(c.verdict).toBe('ok');
      const hook = { Version: '2011-01-01', AutoScalingGroupName: GROUP, LifecycleHookName: 'cdktf-kamaji-join' };
      // One heartbeat at the start of each of the two attempts (the background loop may add more).
      const beats = calls.filter((c) => c.Action === 'RecordLifecycleActionHeartbeat');
      expect(beats.length).toBeGreaterThanOrEqual(2);
      for (const b of beats) expect(b).toMatchObject({ ...hook, InstanceId: INSTANCE_ID });
      expect(beats[0]).not.toHaveProperty('LifecycleActionResult');
      // Exactly one completion, CONTINUE, and it is the last call: after the successful join.
      expect(completions(server.seen)).toEqual([
        {
          verdict: 'ok',
          Action: 'CompleteLifecycleAction',
          ...hook,
          InstanceId: INSTANCE_ID,
          LifecycleActionResult: 'CONTINUE',
        },
      ]);
      expect(result.stderr).toMatch(/launch hook cdktf-kamaji-join of kamaji-demo-default: CONTINUE/);
      expect(result.stderr.indexOf('joined tenant as node')).toBeLessThan(
        result.stderr.indexOf('launch hook cdktf-kamaji-join'),
      );
    },
  );

  bootTest('launch hook: a node that gives up completes it with ABANDON (and still tags and shuts down)', async () => {
    server = await startServer();
    const env = prepare(input({ launchHookGroup: GROUP, joinAttempts: 1 }));
    const result = await boot(env, server.url, { kubeadmFailures: 99 });
    expect(result.code).not.toBe(0);
    expect(completions(server.seen).map((c) => c.LifecycleActionResult)).toEqual(['ABANDON']);
    expect(result.calls).toContain('shutdown -h now kamaji-node-bootstrap gave up');
  });

  bootTest(
    'launch hook: no lifecycle action (launched before the hook existed): retried, logged, the node stays joined',
    async () => {
      server = await startServer({ noLifecycleAction: true });
      const result = await boot(prepare(input({ launchHookGroup: GROUP })), server.url);
      expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
      expect(completions(server.seen)).toHaveLength(10);
      expect(result.stderr).toMatch(/autoscaling: HTTP 400 .*No active Lifecycle Action/);
      expect(result.stderr).toMatch(
        /could not complete launch hook cdktf-kamaji-join \(harmless if this instance launched before/,
      );
      expect(result.calls).not.toContain('shutdown -h now kamaji-node-bootstrap gave up');
    },
  );

  bootTest(
    'a hung attempt (a hook that never returns) is cut off by the attempt timeout, then the node gives up',
    async () => {
      server = await startServer();
      const env = prepare(input({ launchHookGroup: GROUP, joinAttempts: 1, preJoinScript: 'sleep 600\n' }));
      const started = Date.now();
      const result = await boot(env, server.url, { attemptTimeoutSeconds: 2 });
      expect(Date.now() - started).toBeLessThan(60_000);
      expect(result.code).not.toBe(0);
      expect(result.calls.filter((c) => c.startsWith('kubeadm join'))).toHaveLength(0);
      expect(completions(server.seen).map((c) => c.LifecycleActionResult)).toEqual(['ABANDON']);
      expect(result.console).toMatch(/GIVING UP: the bootstrap failed 1 times/);
    },
  );

  test.each([
    ['amazonaws.com.cn', 'amazonaws.com.cn'],
    [undefined, 'amazonaws.com'],
  ])('endpoints use the partition DNS suffix from IMDS services/domain (%s -> %s)', async (domain, expected) => {
    if (!hasTool('curl')) return;
    server = await startServer({ domain });
    const script = renderBootstrapScript(input({ launchHookGroup: GROUP }));
    // Every AWS endpoint is built from the suffix; none is hard-coded to amazonaws.com.
    for (const svc of ['ssm', 'ec2', 'autoscaling']) expect(script).toContain(`https://${svc}.\${`);
    expect(script).not.toMatch(/\.amazonaws\.com\}/);
    // The script's own imds/domain functions against the fake IMDS.
    const functions = script.split('\n').filter((l) => /^(imds_session|imds|domain)\(\) \{/.test(l));
    expect(functions).toHaveLength(3);
    // Asynchronously: the fake IMDS answers from this process's event loop.
    const { stdout } = await promisify(execFile)(
      'bash',
      ['-c', `set -euo pipefail\n${functions.join('\n')}\nimds_session\ndomain`],
      { env: { ...process.env, IMDS: server.url }, encoding: 'utf8' },
    );
    expect(stdout.trim()).toBe(expected);
  });

  bootTest('without a launch hook no Auto Scaling call is made', async () => {
    server = await startServer();
    const result = await boot(prepare(input()), server.url);
    expect(result.code).toBe(0);
    expect(lifecycleCalls(server.seen)).toEqual([]);
  });

  bootTest('the unit: oneshot, restarted on failure, logs to the console, not run again once joined', () => {
    const { unit } = prepare(input());
    for (const line of [
      'Type=oneshot',
      'Restart=on-failure',
      'StandardOutput=journal+console',
      'StandardError=journal+console',
      'ExecStart=/usr/local/sbin/kamaji-node-bootstrap.sh',
      'ConditionPathExists=!/etc/kubernetes/kubelet.conf',
      'After=network-online.target',
      'WantedBy=multi-user.target',
    ]) {
      expect(unit.split('\n')).toContain(line);
    }
  });

  bootTest('inline delivery on 1.31: token from user data, no SSM call', async () => {
    server = await startServer();
    const env = prepare(
      input({
        version: parseVersion('v1.31.14')!,
        token: { delivery: 'inline', token: TOKEN },
        preJoinScript: undefined,
      }),
    );
    const result = await boot(env, server.url, { k8sVersion: '1.31.14' });
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(result.calls).toContain(
      `${APT} install --allow-change-held-packages kubelet=1.31.14-1.1 kubeadm=1.31.14-1.1`,
    );
    expect(ssmCalls(server.seen)).toHaveLength(0);
    const [join] = result.joinConfigs;
    expect(join.apiVersion).toBe('kubeadm.k8s.io/v1beta4');
    expect(join.discovery.tlsBootstrapToken).toBe(TOKEN);
  });

  bootTest("containerd from Ubuntu's archive (1.7): its `SystemdCgroup = false` becomes true", async () => {
    server = await startServer();
    const env = prepare(input({ containerd: ContainerdSource.UBUNTU_ARCHIVE }));
    const result = await boot(env, server.url, { containerd: 1 });
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(result.calls).toContain(`${APT} install containerd`);
    expect(result.calls.some((c) => c.includes('containerd.io'))).toBe(false);
    expect(fs.existsSync(path.join(env.root, 'etc/apt/sources.list.d/docker.list'))).toBe(false);
    const config = fs.readFileSync(path.join(env.root, 'etc/containerd/config.toml'), 'utf8');
    expect(config).not.toMatch(/SystemdCgroup = false/);
    expect(config.match(/SystemdCgroup = true/g)).toHaveLength(1);
  });

  test.each([31, 32, 33, 34, 35, 36])('every supported minor boots: 1.%i', async (minor) => {
    if (!hasTool('python3') || !hasTool('curl')) return;
    server = await startServer();
    const env = prepare(input({ version: parseVersion(`v1.${minor}.2`)! }));
    const result = await boot(env, server.url, { k8sVersion: `1.${minor}.2` });
    expect({ code: result.code, stderr: result.stderr }).toMatchObject({ code: 0 });
    expect(result.calls).toContain(
      `${APT} install --allow-change-held-packages kubelet=1.${minor}.2-1.1 kubeadm=1.${minor}.2-1.1`,
    );
    expect(result.calls).toContain('apt-mark hold containerd.io');
    expect(result.joinConfigs[0].apiVersion).toBe('kubeadm.k8s.io/v1beta4');
  });

  bootTest('a token that is not token-shaped fails every attempt before kubeadm runs', async () => {
    server = await startServer();
    const env = prepare(input({ token: { delivery: 'inline', token: 'not-a-token' }, joinAttempts: 2 }));
    const result = await boot(env, server.url);
    expect(result.code).not.toBe(0);
    expect(result.stderr).toMatch(/no valid bootstrap token/);
    expect(result.calls.some((c) => c.startsWith('kubeadm join'))).toBe(false);
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
