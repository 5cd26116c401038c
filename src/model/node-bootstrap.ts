/**
 * What a worker receives as EC2 user data: a cloud-config that writes a few files and runs one bash
 * script, which installs the node software and runs `kubeadm join`.
 *
 * Pure text rendering (cluster-api's `bootstrap/kubeadm/pkg/cloudinit` plays the same role there).
 * Values known only at apply time (the tenant endpoint, its CA, an inline token) arrive as opaque
 * strings and are copied verbatim, each on a line of its own inside a double-quoted scalar, so a
 * Terraform reference stays intact and the real value (base64, a URL, `[a-z0-9.]`) needs no escaping.
 *
 * Facts (DESIGN.md section 5): raw user data must stay <= 16,384 bytes (EC2 limit, before base64);
 * pkgs.k8s.io has one apt repository per minor; containerd must use `SystemdCgroup = true` (Kamaji
 * makes the kubelet use the systemd cgroup driver); modules overlay and br_netfilter; ip_forward=1.
 *
 * Token from SSM: the script signs `GetParameter` with SigV4 in a short python3 standard-library
 * signer rather than `curl --aws-sigv4`. curl's SigV4 support has had header bugs across the versions
 * Ubuntu ships (x-amz-security-token named as signed but missing, curl/curl#11007, left in
 * KNOWN_BUGS; a duplicated x-amz-date, curl/curl#11738), and instance-role credentials are always
 * session credentials, which need exactly that header signed. python3 is
 * on every Ubuntu cloud image (cloud-init is written in it).
 */
import { createHash } from 'node:crypto';
import {
  DISCOVERY_KUBECONFIG_PATH,
  NODE_IP_PLACEHOLDER,
  NODE_NAME_PLACEHOLDER,
  NodeTaint,
  renderDiscoveryKubeconfig,
  renderJoinConfiguration,
  TOKEN_PLACEHOLDER,
} from './kubeadm';
import { formatVersion, KubernetesVersion, minorString } from './versions';

/** EC2's limit on raw user data, before base64. */
export const USER_DATA_LIMIT_BYTES = 16384;

/**
 * Worst-case lengths of apply-time values, used for the synth-time size check:
 * - endpoint: `https://` + a 253-character DNS name + `:65535` = 267;
 * - CA: `certificate-authority-data` of one PEM certificate up to 3,072 bytes (a 4096-bit RSA CA
 *   with a long subject is about 2 KB; Kamaji's own is about 1.1 KB) = 4,096 base64 characters;
 * - token: `[a-z0-9]{6}.[a-z0-9]{16}` = 23.
 */
export const WORST_CASE_ENDPOINT_CHARS = 267;
export const WORST_CASE_CA_DATA_CHARS = 4096;
export const TOKEN_CHARS = 23;

export const BOOTSTRAP_SCRIPT_PATH = '/usr/local/sbin/kamaji-node-bootstrap.sh';
export const CONFIG_DIR = '/etc/kamaji-node';
export const INLINE_TOKEN_PATH = `${CONFIG_DIR}/bootstrap-token`;
export const JOIN_TEMPLATE_PATH = `${CONFIG_DIR}/join.yaml.tmpl`;
export const PRE_JOIN_HOOK_PATH = `${CONFIG_DIR}/pre-join.sh`;
export const POST_JOIN_HOOK_PATH = `${CONFIG_DIR}/post-join.sh`;

/** Where the node gets its bootstrap token. */
export type TokenSource =
  | { readonly delivery: 'ssm'; readonly parameterName: string; readonly region: string }
  | { readonly delivery: 'inline'; readonly token: string };

export interface NodeBootstrapInput {
  readonly tenantName: string;
  readonly poolName: string;
  /** The kubelet/kubeadm version (validated against the control plane by the pool model). */
  readonly version: KubernetesVersion;
  /** The tenant API server URL, `https://host:port` (apply-time in the construct). */
  readonly endpoint: string;
  /** The tenant CA as base64 PEM (apply-time in the construct). */
  readonly caData: string;
  readonly token: TokenSource;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly NodeTaint[];
  /** bash run before anything else, as root. */
  readonly preJoinScript?: string;
  /** bash run after a successful join, as root. */
  readonly postJoinScript?: string;
  /** How many times `kubeadm join` runs before the script gives up. */
  readonly joinAttempts: number;
}

const q = (s: string): string => JSON.stringify(s);

/** A bash single-quoted word (only used for values known at synth). */
function sh(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

/** The bash bootstrap script (see docs/workers.md for the steps and the test-only variables). */
export function renderBootstrapScript(input: NodeBootstrapInput): string {
  const version = formatVersion(input.version).slice(1);
  const ssm = input.token.delivery === 'ssm' ? input.token : undefined;
  const lines = [
    '#!/usr/bin/env bash',
    '# cdktf-kamaji worker bootstrap (docs/workers.md). KAMAJI_* variables are for tests only.',
    'set -euo pipefail',
    'ROOT="${KAMAJI_NODE_ROOT:-}"',
    'IMDS="${KAMAJI_IMDS_ENDPOINT:-http://169.254.169.254}"',
    `K8S_VERSION=${sh(version)}`,
    `K8S_MINOR=${sh(minorString(input.version))}`,
    `JOIN_ATTEMPTS=${input.joinAttempts}`,
    'BACKOFF="${KAMAJI_JOIN_BACKOFF_SECONDS:-10}"',
    `CONF="\${ROOT}${CONFIG_DIR}"`,
    'log() { printf \'%s kamaji-node-bootstrap: %s\\n\' "$(date -u +%Y-%m-%dT%H:%M:%SZ)" "$*" >&2; }',
    'fail() { log "FAILED: $*"; exit 1; }',
    'run_hook() {',
    '  if [ -f "${CONF}/$1.sh" ]; then',
    '    log "running the $1 hook"',
    '    bash "${CONF}/$1.sh" || fail "the $1 hook exited with status $?"',
    '  fi',
    '}',
    'if [ -f "${ROOT}/etc/kubernetes/kubelet.conf" ]; then',
    '  log "already joined (/etc/kubernetes/kubelet.conf exists); nothing to do"',
    '  exit 0',
    'fi',
    'run_hook pre-join',
    'log "step 1/6: swap off, kernel modules, sysctls"',
    'swapoff -a',
    'if [ -f "${ROOT}/etc/fstab" ]; then sed -i -E \'/^[^#].*[[:space:]]swap[[:space:]]/s/^/#/\' "${ROOT}/etc/fstab"; fi',
    'modprobe overlay',
    'modprobe br_netfilter',
    'sysctl --system >/dev/null',
    'log "step 2/6: containerd with the systemd cgroup driver"',
    'export DEBIAN_FRONTEND=noninteractive',
    'apt-get update -q',
    // conntrack: kubeadm before 1.32 fails its preflight without it ([ERROR FileExisting-conntrack],
    // check removed by kubernetes/kubernetes#126953), and pkgs.k8s.io kubelet packages stopped
    // depending on it from v1.31.14 (kubernetes/kubernetes#135306); Ubuntu's image lacks it.
    'apt-get install -y -q apt-transport-https ca-certificates curl gpg containerd conntrack',
    'install -d -m 0755 "${ROOT}/etc/apt/keyrings" "${ROOT}/etc/containerd"',
    'containerd config default | sed -e \'s/SystemdCgroup = false/SystemdCgroup = true/\' >"${ROOT}/etc/containerd/config.toml"',
    'grep -q "SystemdCgroup = true" "${ROOT}/etc/containerd/config.toml" || fail "containerd config has no SystemdCgroup = true"',
    'systemctl enable containerd',
    'systemctl restart containerd',
    'log "step 3/6: kubelet and kubeadm ${K8S_VERSION} from pkgs.k8s.io ${K8S_MINOR}"',
    'REPO="https://pkgs.k8s.io/core:/stable:/${K8S_MINOR}/deb/"',
    'curl -fsSL --retry 5 "${REPO}Release.key" | gpg --batch --yes --dearmor -o "${ROOT}/etc/apt/keyrings/kubernetes-apt-keyring.gpg"',
    'echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ${REPO} /" >"${ROOT}/etc/apt/sources.list.d/kubernetes.list"',
    'apt-get update -q',
    'PKG="$(apt-cache madison kubeadm | awk -v v="${K8S_VERSION}-" \'index($3, v) == 1 { print $3; exit }\')"',
    '[ -n "${PKG}" ] || fail "kubeadm ${K8S_VERSION} is not in ${REPO}"',
    'apt-get install -y -q --allow-change-held-packages "kubelet=${PKG}" "kubeadm=${PKG}"',
    'apt-mark hold kubelet kubeadm',
    'systemctl enable kubelet',
    'log "step 4/6: node name and IP from IMDSv2"',
    'IMDS_TOKEN="$(curl -fsS --retry 5 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" "${IMDS}/latest/api/token")"',
    'imds() { curl -fsS --retry 5 -H "X-aws-ec2-metadata-token: ${IMDS_TOKEN}" "${IMDS}/latest/meta-data/$1"; }',
    'NODE_NAME="$(imds local-hostname)"',
    'NODE_IP="$(imds local-ipv4)"',
    '[[ "${NODE_NAME}" =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] || fail "IMDS local-hostname \\"${NODE_NAME}\\" is not a valid node name"',
    '[[ "${NODE_IP}" =~ ^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$ ]] || fail "IMDS local-ipv4 \\"${NODE_IP}\\" is not an IPv4 address"',
    'log "node ${NODE_NAME} (${NODE_IP})"',
  ];
  if (ssm) {
    lines.push(
      `SSM_PARAMETER=${sh(ssm.parameterName)}`,
      `SSM_REGION=${sh(ssm.region)}`,
      'SSM="${KAMAJI_SSM_ENDPOINT:-https://ssm.${SSM_REGION}.amazonaws.com}"',
      'log "step 5/6: bootstrap token from SSM parameter ${SSM_PARAMETER} (${SSM_REGION})"',
      'ROLE="$(imds iam/security-credentials/ | head -n 1)"',
      '[ -n "${ROLE}" ] || fail "no instance profile role in IMDS; the node cannot read its token"',
      'TOKEN=""',
      'for i in 1 2 3 4 5; do',
      '  CREDS="$(imds "iam/security-credentials/${ROLE}")"',
      '  if TOKEN="$(CREDS="${CREDS}" python3 - "${SSM}" "${SSM_REGION}" "${SSM_PARAMETER}" <<\'PY\'',
      ...SIGV4_SIGNER,
      'PY',
      '  )"; then break; fi',
      '  log "reading the SSM parameter failed (attempt ${i}/5)"',
      '  sleep "${BACKOFF}"',
      'done',
    );
  } else {
    lines.push('log "step 5/6: bootstrap token from user data"', `TOKEN="$(cat "\${ROOT}${INLINE_TOKEN_PATH}")"`);
  }
  lines.push(
    '[[ "${TOKEN}" =~ ^[a-z0-9]{6}\\.[a-z0-9]{16}$ ]] || fail "no valid bootstrap token (expected [a-z0-9]{6}.[a-z0-9]{16})"',
    'JOIN="${CONF}/join.yaml"',
    'trap \'rm -f "${JOIN}"\' EXIT',
    '(umask 077; sed -e "s/' +
      NODE_NAME_PLACEHOLDER +
      '/${NODE_NAME}/" -e "s/' +
      NODE_IP_PLACEHOLDER +
      '/${NODE_IP}/" -e "s/' +
      TOKEN_PLACEHOLDER +
      '/${TOKEN}/" "${CONF}/join.yaml.tmpl" >"${JOIN}")',
    'log "step 6/6: kubeadm join ${K8S_VERSION} (at most ${JOIN_ATTEMPTS} attempts)"',
    'attempt=1',
    'delay="${BACKOFF}"',
    'until kubeadm join --config "${JOIN}"; do',
    '  if [ "${attempt}" -ge "${JOIN_ATTEMPTS}" ]; then',
    '    fail "kubeadm join failed ${attempt} times; giving up (see the kubeadm output above)"',
    '  fi',
    '  log "kubeadm join attempt ${attempt}/${JOIN_ATTEMPTS} failed; kubeadm reset, then retry in ${delay}s"',
    '  kubeadm reset --force >/dev/null 2>&1 || true',
    '  sleep "${delay}"',
    '  delay=$((delay * 2))',
    '  attempt=$((attempt + 1))',
    'done',
    'run_hook post-join',
    'log "joined tenant as node ${NODE_NAME}"',
  );
  return lines.join('\n') + '\n';
}

/**
 * SigV4 for `AmazonSSM.GetParameter` with instance-role (session) credentials: the session token is
 * sent as `X-Amz-Security-Token` and is one of the signed headers.
 */
const SIGV4_SIGNER = [
  'import datetime, hashlib, hmac, json, os, sys, urllib.parse, urllib.request',
  'endpoint, region, name = sys.argv[1:4]',
  'creds = json.loads(os.environ["CREDS"])',
  'body = json.dumps({"Name": name, "WithDecryption": True}).encode()',
  'stamp = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")',
  'h = {"content-type": "application/x-amz-json-1.1", "host": urllib.parse.urlsplit(endpoint).netloc,',
  '     "x-amz-date": stamp, "x-amz-security-token": creds["Token"], "x-amz-target": "AmazonSSM.GetParameter"}',
  'signed = ";".join(sorted(h))',
  'canon = "\\n".join(["POST", "/", ""] + [k + ":" + h[k] for k in sorted(h)] + ["", signed, hashlib.sha256(body).hexdigest()])',
  'scope = stamp[:8] + "/" + region + "/ssm/aws4_request"',
  'key = ("AWS4" + creds["SecretAccessKey"]).encode()',
  'for part in (stamp[:8], region, "ssm", "aws4_request"):',
  '    key = hmac.new(key, part.encode(), hashlib.sha256).digest()',
  'text = "AWS4-HMAC-SHA256\\n" + stamp + "\\n" + scope + "\\n" + hashlib.sha256(canon.encode()).hexdigest()',
  'sig = hmac.new(key, text.encode(), hashlib.sha256).hexdigest()',
  'h["authorization"] = ("AWS4-HMAC-SHA256 Credential=" + creds["AccessKeyId"] + "/" + scope',
  '                      + ", SignedHeaders=" + signed + ", Signature=" + sig)',
  'req = urllib.request.Request(endpoint.rstrip("/") + "/", data=body, headers=h, method="POST")',
  'with urllib.request.urlopen(req, timeout=10) as resp:',
  '    print(json.load(resp)["Parameter"]["Value"])',
];

interface WriteFile {
  readonly path: string;
  readonly permissions: string;
  readonly content: string;
}

/** A YAML literal block, indented under a `write_files` item. */
function block(content: string): string {
  let text = content.endsWith('\n') ? content : `${content}\n`;
  // A literal block takes its indentation from its first line; a first line that starts with a space
  // would shift it, so such content gets a leading comment line.
  if (/^[ \t]/.test(text)) text = `#\n${text}`;
  return text
    .split('\n')
    .slice(0, -1)
    .map((line) => (line === '' ? '' : `    ${line}`))
    .join('\n');
}

function hookScript(body: string): string {
  return body.startsWith('#!') ? body : `#!/usr/bin/env bash\nset -euo pipefail\n${body}`;
}

/** The cloud-config a worker receives. */
export function renderCloudConfig(input: NodeBootstrapInput): string {
  const files: WriteFile[] = [
    { path: '/etc/modules-load.d/kamaji-node.conf', permissions: '0644', content: 'overlay\nbr_netfilter\n' },
    {
      path: '/etc/sysctl.d/99-kamaji-node.conf',
      permissions: '0644',
      content:
        'net.bridge.bridge-nf-call-iptables = 1\nnet.bridge.bridge-nf-call-ip6tables = 1\nnet.ipv4.ip_forward = 1\n',
    },
    {
      path: DISCOVERY_KUBECONFIG_PATH,
      permissions: '0644',
      content: renderDiscoveryKubeconfig(input.endpoint, input.caData),
    },
    {
      path: JOIN_TEMPLATE_PATH,
      permissions: '0600',
      content: renderJoinConfiguration({ version: input.version, labels: input.labels, taints: input.taints }),
    },
  ];
  if (input.token.delivery === 'inline') {
    files.push({ path: INLINE_TOKEN_PATH, permissions: '0600', content: `${input.token.token}\n` });
  }
  if (input.preJoinScript) {
    files.push({ path: PRE_JOIN_HOOK_PATH, permissions: '0700', content: hookScript(input.preJoinScript) });
  }
  if (input.postJoinScript) {
    files.push({ path: POST_JOIN_HOOK_PATH, permissions: '0700', content: hookScript(input.postJoinScript) });
  }
  files.push({ path: BOOTSTRAP_SCRIPT_PATH, permissions: '0700', content: renderBootstrapScript(input) });

  const lines = [
    '#cloud-config',
    `# cdktf-kamaji worker: tenant ${input.tenantName}, pool ${input.poolName}, Kubernetes ${formatVersion(input.version)}`,
    'write_files:',
  ];
  for (const f of files) {
    // owner is cloud-init's default, root:root.
    lines.push(`- path: ${q(f.path)}`, `  permissions: ${q(f.permissions)}`, '  content: |', block(f.content));
  }
  lines.push('runcmd:', `- [${q(BOOTSTRAP_SCRIPT_PATH)}]`);
  return lines.join('\n') + '\n';
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/** The input with every apply-time value replaced by its worst-case length (or kept, if longer). */
export function worstCaseInput(input: NodeBootstrapInput): NodeBootstrapInput {
  const pad = (value: string, chars: number) => 'x'.repeat(Math.max(value.length, chars));
  return {
    ...input,
    endpoint: pad(input.endpoint, WORST_CASE_ENDPOINT_CHARS),
    caData: pad(input.caData, WORST_CASE_CA_DATA_CHARS),
    token:
      input.token.delivery === 'inline'
        ? { delivery: 'inline', token: pad(input.token.token, TOKEN_CHARS) }
        : input.token,
  };
}

/** Raw user-data bytes with worst-case apply-time values: what the synth-time limit check compares. */
export function worstCaseUserDataBytes(input: NodeBootstrapInput): number {
  return byteLength(renderCloudConfig(worstCaseInput(input)));
}

/**
 * A hash of the node configuration without the token (and without the apply-time endpoint and CA,
 * which the construct mixes in at apply time). Inline delivery tags the ASG with it, so a token
 * rotation rolls no node while a real configuration change starts an instance refresh.
 */
export function nodeConfigHash(input: NodeBootstrapInput): string {
  const neutral: NodeBootstrapInput = {
    ...input,
    endpoint: '<endpoint>',
    caData: '<ca>',
    token: input.token.delivery === 'inline' ? { delivery: 'inline', token: '<token>' } : input.token,
  };
  return createHash('sha256').update(renderCloudConfig(neutral)).digest('hex');
}
