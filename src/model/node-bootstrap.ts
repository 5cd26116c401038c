/**
 * What a worker receives as EC2 user data: a cloud-config that writes a few files and a systemd unit
 * (`kamaji-node-bootstrap.service`) that runs one bash script, which installs the node software and
 * runs `kubeadm join`.
 *
 * Self-healing boot (issue 13): the script retries the WHOLE bootstrap (each attempt a fresh
 * `bash script attempt`, so `set -e` ends only that attempt) with doubling backoff, reading the token
 * again each time; apt waits for the dpkg lock (`DPkg::Lock::Timeout`, unattended-upgrades holds it
 * on first boot) and is retried; after `joinAttempts` attempts (counted in /var/lib/kamaji-node, so a
 * unit restart or reboot continues the count) it writes the reason to the console, tags the instance
 * `kamaji.io/bootstrap-failure` (best effort, ec2:CreateTags) and shuts down: the Auto Scaling group's
 * EC2 health check replaces a stopped instance. Shutdown rather than `autoscaling:SetInstanceHealth`:
 * no AWS CLI (not on Ubuntu's image), and it works with the AWS API down.
 *
 * Launch lifecycle hook (`launchHook`): the pool's Auto Scaling group holds each new instance in
 * `Pending:Wait` until the script completes the hook with CONTINUE after `kubeadm join` succeeded,
 * so an instance refresh counts (and terminates an old node for) only a node that joined. The script
 * records a heartbeat at every attempt and every {@link LAUNCH_HOOK_HEARTBEAT_INTERVAL_SECONDS} while
 * it runs; every attempt is bounded ({@link ATTEMPT_TIMEOUT_SECONDS}), so the heartbeats end with the
 * last attempt; a node that dies stops them and the group ABANDONs it (terminates it) after
 * {@link LAUNCH_HOOK_HEARTBEAT_TIMEOUT_SECONDS}; a node that gives up completes with ABANDON itself.
 * Endpoints use the partition's DNS suffix from IMDS (`services/domain`: amazonaws.com.cn in China).
 * AWS: "Amazon EC2 Auto Scaling lifecycle hooks" (user guide: Pending:Wait, heartbeat, global timeout
 * of 48 hours or 100 heartbeat timeouts, default result ABANDON for launch hooks terminates) and the
 * Query API actions CompleteLifecycleAction / RecordLifecycleActionHeartbeat (Version 2011-01-01).
 *
 * Pure text rendering (cluster-api's `bootstrap/kubeadm/pkg/cloudinit` plays the same role there).
 * Values known only at apply time (the tenant endpoint, its CA, an inline token) arrive as opaque
 * strings and are copied verbatim, each on a line of its own inside a double-quoted scalar, so a
 * Terraform reference stays intact and the real value (base64, a URL, `[a-z0-9.]`) needs no escaping.
 *
 * Facts (DESIGN.md section 5): raw user data must stay <= 16,384 bytes (EC2 limit, before base64; the
 * pool sends it gzipped, see {@link gzippedBytes});
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
import { gzipSync } from 'node:zlib';
import {
  DISCOVERY_KUBECONFIG_PATH,
  NODE_IP_PLACEHOLDER,
  NODE_NAME_PLACEHOLDER,
  NodeTaint,
  renderDiscoveryKubeconfig,
  renderJoinConfiguration,
  TOKEN_PLACEHOLDER,
} from './kubeadm';
import { ContainerdSource, containerdFor, formatVersion, KubernetesVersion, minorString } from './versions';

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
/** Where the script counts attempts (kept across unit restarts and reboots). */
export const STATE_DIR = '/var/lib/kamaji-node';
export const BOOTSTRAP_UNIT = 'kamaji-node-bootstrap.service';
export const BOOTSTRAP_UNIT_PATH = `/etc/systemd/system/${BOOTSTRAP_UNIT}`;
/** How long apt waits for the dpkg lock (unattended-upgrades holds it on first boot). */
export const APT_LOCK_TIMEOUT_SECONDS = 600;
/**
 * One attempt ends after this long (coreutils `timeout`): the dpkg lock wait (600 s), downloads and
 * installs, the hooks and the join. A hung step fails the attempt instead of holding the node.
 */
export const ATTEMPT_TIMEOUT_SECONDS = 1800;
/** The backoff between attempts doubles from 15 s up to this. */
export const MAX_BACKOFF_SECONDS = 300;
/** The instance tag that carries the reason when a node gives up. */
export const FAILURE_TAG_KEY = 'kamaji.io/bootstrap-failure';
/** The pool group's launch lifecycle hook, completed by the node once it joined. */
export const LAUNCH_HOOK_NAME = 'cdktf-kamaji-join';
/**
 * Without a heartbeat for this long the group abandons (terminates) the new instance. One attempt
 * can wait 600 s for the dpkg lock alone, so the script does not rely on per-attempt heartbeats:
 * a background loop sends one every {@link LAUNCH_HOOK_HEARTBEAT_INTERVAL_SECONDS}.
 */
export const LAUNCH_HOOK_HEARTBEAT_TIMEOUT_SECONDS = 600;
export const LAUNCH_HOOK_HEARTBEAT_INTERVAL_SECONDS = 120;

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
  /**
   * How many times the whole bootstrap runs (with backoff) before the instance gives up and shuts
   * down so its Auto Scaling group replaces it.
   */
  readonly joinAttempts: number;
  /** @default containerdFor(version) */
  readonly containerd?: ContainerdSource;
  /**
   * kubelet `--cloud-provider=external` (the tenant runs the AWS cloud-controller-manager).
   * @default false
   */
  readonly cloudProviderExternal?: boolean;
  /**
   * The Auto Scaling group whose launch lifecycle hook ({@link LAUNCH_HOOK_NAME}) the node completes
   * once it joined; undefined renders no hook calls.
   */
  readonly launchHookGroup?: string;
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
  const containerd = input.containerd ?? containerdFor(input.version);
  const docker = containerd === ContainerdSource.DOCKER_2;
  const hook = input.launchHookGroup;
  const lines = [
    '#!/usr/bin/env bash',
    `# cdktf-kamaji worker bootstrap (docs/workers.md), run by ${BOOTSTRAP_UNIT}. KAMAJI_*: tests only.`,
    'set -euo pipefail',
    'ROOT="${KAMAJI_NODE_ROOT:-}"',
    'IMDS="${KAMAJI_IMDS_ENDPOINT:-http://169.254.169.254}"',
    `K8S_VERSION=${sh(version)}`,
    `K8S_MINOR=${sh(minorString(input.version))}`,
    `ATTEMPTS=${input.joinAttempts}`,
    'BACKOFF="${KAMAJI_JOIN_BACKOFF_SECONDS:-15}"',
    `CONF="\${ROOT}${CONFIG_DIR}"`,
    `STATE="\${ROOT}${STATE_DIR}"`,
    'log() { printf \'%s kamaji-node-bootstrap: %s\\n\' "$(date -u +%FT%TZ)" "$*" >&2; }',
    'fail() { log "FAILED: $*"; exit 1; }',
    // unattended-upgrades holds the dpkg lock on first boot: apt waits for it, and a failed apt run
    // (mirror hiccup) is tried again before the attempt fails.
    `APT=(apt-get -q -y -o DPkg::Lock::Timeout=${APT_LOCK_TIMEOUT_SECONDS} -o Acquire::Retries=3)`,
    'apt_() {',
    '  local i',
    '  for i in 1 2 3; do',
    '    "${APT[@]}" "$@" && return 0',
    '    log "apt-get $1 failed (try ${i}/3)"',
    '    sleep "${BACKOFF}"',
    '  done',
    '  return 1',
    '}',
    'imds_session() { IMDS_TOKEN="$(curl -fsS --retry 3 --max-time 10 -X PUT -H "X-aws-ec2-metadata-token-ttl-seconds: 300" "${IMDS}/latest/api/token")"; }',
    'imds() { curl -fsS --retry 3 --max-time 10 -H "X-aws-ec2-metadata-token: ${IMDS_TOKEN}" "${IMDS}/latest/meta-data/$1"; }',
    // The partition's DNS suffix (amazonaws.com, amazonaws.com.cn): endpoints work in every partition.
    'domain() { imds services/domain || echo amazonaws.com; }',
    '# aws ssm|ec2 ENDPOINT REGION ARG: SigV4 call with the instance role',
    'aws() {',
    '  local role creds',
    '  role="$(imds iam/security-credentials/ | head -n 1)" || return 1',
    '  [ -n "${role}" ] || { log "no instance profile role in IMDS"; return 1; }',
    '  creds="$(imds "iam/security-credentials/${role}")" || return 1',
    '  CREDS="${creds}" python3 - "$@" <<\'PY\'',
    ...SIGV4_CLIENT,
    'PY',
    '}',
    ...(hook ? launchHookFunctions(hook) : []),
    // The reason goes to the console (EC2 get-console-output) and, best effort, to an instance tag.
    'give_up() {',
    '  log "GIVING UP: $1. Shutting down so the Auto Scaling group replaces this instance."',
    '  printf \'kamaji-node-bootstrap: GIVING UP: %s\\n\' "$1" >"${KAMAJI_CONSOLE:-/dev/console}" 2>/dev/null || true',
    '  local id region',
    '  if imds_session && id="$(imds instance-id)" && region="$(imds placement/region)" &&',
    `    INSTANCE_ID="\${id}" aws ec2 "\${KAMAJI_EC2_ENDPOINT:-https://ec2.\${region}.$(domain)}" "\${region}" "$1"; then`,
    `    log "tagged \${id} ${FAILURE_TAG_KEY}"`,
    '  else',
    '    log "could not tag the instance (the node role needs ec2:CreateTags)"',
    '  fi',
    ...(hook ? ['  lifecycle CompleteLifecycleAction ABANDON || log "could not abandon the launch hook"'] : []),
    '  shutdown -h now "kamaji-node-bootstrap gave up"',
    '  exit 1',
    '}',
    'if [ "${1:-}" != attempt ]; then',
    '  if [ -f "${ROOT}/etc/kubernetes/kubelet.conf" ]; then',
    '    log "already joined (/etc/kubernetes/kubelet.conf exists); nothing to do"',
    '    exit 0',
    '  fi',
    '  install -d -m 0700 "${STATE}"',
    '  n="$(cat "${STATE}/attempts" 2>/dev/null || echo 0)"',
    '  delay="${BACKOFF}"',
    ...(hook
      ? [
          // Heartbeats while the bootstrap runs (the loop is killed when this process exits).
          `  ( while sleep "\${KAMAJI_HEARTBEAT_SECONDS:-${LAUNCH_HOOK_HEARTBEAT_INTERVAL_SECONDS}}"; do lifecycle RecordLifecycleActionHeartbeat >/dev/null 2>&1 || :; done ) &`,
          '  HEARTBEATS=$!',
          '  trap \'kill "${HEARTBEATS}" 2>/dev/null || :\' EXIT',
        ]
      : []),
    '  while :; do',
    '    [ "${n}" -lt "${ATTEMPTS}" ] || give_up "the bootstrap failed ${n} times (see the log above)"',
    '    n=$((n + 1))',
    '    echo "${n}" >"${STATE}/attempts"',
    '    log "attempt ${n}/${ATTEMPTS}"',
    ...(hook ? ['    lifecycle RecordLifecycleActionHeartbeat >/dev/null 2>&1 || :'] : []),
    // Each attempt is bounded, so a hung download or hook ends the attempt (and, with the launch hook,
    // the heartbeats end with the last attempt instead of holding the instance for hours).
    `    if timeout "\${KAMAJI_ATTEMPT_TIMEOUT_SECONDS:-${ATTEMPT_TIMEOUT_SECONDS}}" bash "$0" attempt; then`,
    '      log "joined the tenant"',
    ...(hook ? ['      launch_done'] : []),
    '      exit 0',
    '    fi',
    '    if command -v kubeadm >/dev/null; then kubeadm reset --force >/dev/null 2>&1 || true; fi',
    '    if [ "${n}" -lt "${ATTEMPTS}" ]; then',
    '      log "attempt ${n}/${ATTEMPTS} failed; the whole bootstrap runs again in ${delay}s"',
    '      sleep "${delay}"',
    `      delay=$((delay * 2 > ${MAX_BACKOFF_SECONDS} ? ${MAX_BACKOFF_SECONDS} : delay * 2))`,
    '    fi',
    '  done',
    'fi',
    'if [ -f "${CONF}/pre-join.sh" ]; then',
    '  log "running the pre-join hook"',
    '  bash "${CONF}/pre-join.sh" || fail "the pre-join hook exited with status $?"',
    'fi',
    'log "step 1/6: swap off, kernel modules, sysctls"',
    'swapoff -a',
    'if [ -f "${ROOT}/etc/fstab" ]; then sed -i -E \'/^[^#].*[[:space:]]swap[[:space:]]/s/^/#/\' "${ROOT}/etc/fstab"; fi',
    'modprobe overlay',
    'modprobe br_netfilter',
    'sysctl --system >/dev/null',
    `log "step 2/6: containerd (${docker ? "2.x from Docker's apt repository" : "Ubuntu's archive"})"`,
    'export DEBIAN_FRONTEND=noninteractive',
    'apt_ update',
    // conntrack: kubeadm before 1.32 fails its preflight without it ([ERROR FileExisting-conntrack],
    // check removed by kubernetes/kubernetes#126953), and pkgs.k8s.io kubelet packages stopped
    // depending on it from v1.31.14 (kubernetes/kubernetes#135306); Ubuntu's image lacks it.
    'apt_ install apt-transport-https ca-certificates curl gpg conntrack',
    'install -d -m 0755 "${ROOT}/etc/apt/keyrings" "${ROOT}/etc/containerd"',
  ];
  if (docker) {
    lines.push(
      'DOCKER=https://download.docker.com/linux/ubuntu',
      'curl -fsSL --retry 5 --max-time 120 "${DOCKER}/gpg" -o "${ROOT}/etc/apt/keyrings/docker.asc"',
      'echo "deb [signed-by=/etc/apt/keyrings/docker.asc] ${DOCKER} $(sed -n \'s/^VERSION_CODENAME=//p\' "${ROOT}/etc/os-release") stable" >"${ROOT}/etc/apt/sources.list.d/docker.list"',
    );
  }
  lines.push(
    'REPO="https://pkgs.k8s.io/core:/stable:/${K8S_MINOR}/deb/"',
    'curl -fsSL --retry 5 --max-time 120 "${REPO}Release.key" | gpg --batch --yes --dearmor -o "${ROOT}/etc/apt/keyrings/kubernetes-apt-keyring.gpg"',
    'echo "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.gpg] ${REPO} /" >"${ROOT}/etc/apt/sources.list.d/kubernetes.list"',
    'apt_ update',
  );
  if (docker) {
    lines.push(
      'CTRD="$(apt-cache madison containerd.io | awk \'index($3, "2.") == 1 { print $3; exit }\')"',
      '[ -n "${CTRD}" ] || fail "no containerd.io 2.x in ${DOCKER}"',
      'apt_ install --allow-change-held-packages "containerd.io=${CTRD}"',
      'apt-mark hold containerd.io',
    );
  } else {
    lines.push('apt_ install containerd');
  }
  lines.push(
    // One `SystemdCgroup = true` under the runc options: 1.7 prints `= false` there, 2.x may not print it.
    "containerd config default | sed -e '/SystemdCgroup/d' -e '/runtimes\\.runc\\.options\\]/a SystemdCgroup = true' >\"${ROOT}/etc/containerd/config.toml\"",
    'grep -q "SystemdCgroup = true" "${ROOT}/etc/containerd/config.toml" || fail "containerd config has no SystemdCgroup = true"',
    'systemctl enable containerd',
    'systemctl restart containerd',
    'log "step 3/6: kubelet and kubeadm ${K8S_VERSION} from pkgs.k8s.io ${K8S_MINOR}"',
    'PKG="$(apt-cache madison kubeadm | awk -v v="${K8S_VERSION}-" \'index($3, v) == 1 { print $3; exit }\')"',
    '[ -n "${PKG}" ] || fail "kubeadm ${K8S_VERSION} is not in ${REPO}"',
    'apt_ install --allow-change-held-packages "kubelet=${PKG}" "kubeadm=${PKG}"',
    'apt-mark hold kubelet kubeadm',
    'systemctl enable kubelet',
    'log "step 4/6: node name and IP from IMDSv2"',
    'imds_session || fail "no IMDSv2 session token"',
    'NODE_NAME="$(imds local-hostname)" || fail "IMDS local-hostname failed"',
    'NODE_IP="$(imds local-ipv4)" || fail "IMDS local-ipv4 failed"',
    '[[ "${NODE_NAME}" =~ ^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$ ]] || fail "IMDS local-hostname \\"${NODE_NAME}\\" is not a valid node name"',
    '[[ "${NODE_IP}" =~ ^[0-9]+\\.[0-9]+\\.[0-9]+\\.[0-9]+$ ]] || fail "IMDS local-ipv4 \\"${NODE_IP}\\" is not an IPv4 address"',
    'log "node ${NODE_NAME} (${NODE_IP})"',
  );
  if (ssm) {
    lines.push(
      `SSM_PARAMETER=${sh(ssm.parameterName)}`,
      `SSM_REGION=${sh(ssm.region)}`,
      'log "step 5/6: bootstrap token from SSM parameter ${SSM_PARAMETER} (${SSM_REGION})"',
      'TOKEN="$(aws ssm "${KAMAJI_SSM_ENDPOINT:-https://ssm.${SSM_REGION}.$(domain)}" "${SSM_REGION}" "${SSM_PARAMETER}")" || fail "reading the SSM parameter failed"',
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
    'log "step 6/6: kubeadm join ${K8S_VERSION}"',
    'kubeadm join --config "${JOIN}" || fail "kubeadm join failed (see its output above)"',
    'if [ -f "${CONF}/post-join.sh" ]; then',
    '  log "running the post-join hook"',
    '  bash "${CONF}/post-join.sh" || fail "the post-join hook exited with status $?"',
    'fi',
    'log "joined tenant as node ${NODE_NAME}"',
  );
  return lines.join('\n') + '\n';
}

/**
 * `lifecycle ACTION [RESULT]`: CompleteLifecycleAction or RecordLifecycleActionHeartbeat for this
 * instance on the pool group's launch hook; `launch_done`: CONTINUE, retried, after the join. An
 * instance launched before the hook existed (a pool's first nodes: the hook is created after the
 * group) has no lifecycle action: the call fails, which is harmless and logged.
 */
function launchHookFunctions(group: string): string[] {
  return [
    `HOOK_GROUP=${sh(group)}`,
    `HOOK=${sh(LAUNCH_HOOK_NAME)}`,
    'lifecycle() {',
    '  local id region',
    '  imds_session && id="$(imds instance-id)" && region="$(imds placement/region)" || return 1',
    '  INSTANCE_ID="${id}" aws autoscaling "${KAMAJI_AUTOSCALING_ENDPOINT:-https://autoscaling.${region}.$(domain)}" "${region}" "$1" "${HOOK_GROUP}" "${HOOK}" ${2:+"$2"}',
    '}',
    'launch_done() {',
    '  local i',
    // About 5 minutes of tries (heartbeats continue meanwhile): a joined node is not abandoned for
    // a short API outage.
    '  for i in 1 2 3 4 5 6 7 8 9 10; do',
    '    if lifecycle CompleteLifecycleAction CONTINUE; then log "launch hook ${HOOK} of ${HOOK_GROUP}: CONTINUE"; return 0; fi',
    '    sleep "$((BACKOFF * 2))"',
    '  done',
    '  log "could not complete launch hook ${HOOK} (harmless if this instance launched before the hook existed; else the group abandons it after the heartbeat timeout)"',
    '}',
  ];
}

/**
 * SigV4 with instance-role (session) credentials, the session token sent as `X-Amz-Security-Token`
 * and signed: `ssm` GetParameter (prints the value) or `ec2` CreateTags of this instance (the tag
 * value is the argument).
 */
const SIGV4_CLIENT = [
  'import datetime, hashlib as hl, hmac, json, os, sys, urllib.parse as up, urllib.request as ur',
  'svc, url, region, *arg = sys.argv[1:]',
  'c = json.loads(os.environ["CREDS"])',
  'h = {"host": up.urlsplit(url).netloc}',
  'if svc == "ssm":',
  '    body = json.dumps({"Name": arg[0], "WithDecryption": True})',
  '    h.update({"content-type": "application/x-amz-json-1.1", "x-amz-target": "AmazonSSM.GetParameter"})',
  'else:',
  '    i = os.environ["INSTANCE_ID"]',
  '    if svc == "ec2":',
  '        p = {"Action": "CreateTags", "Version": "2016-11-15", "ResourceId.1": i,',
  `             "Tag.1.Key": "${FAILURE_TAG_KEY}", "Tag.1.Value": arg[0][:256]}`,
  '    else:',
  '        p = {"Action": arg[0], "Version": "2011-01-01", "AutoScalingGroupName": arg[1],',
  '             "LifecycleHookName": arg[2], "InstanceId": i}',
  '        if arg[3:]:',
  '            p["LifecycleActionResult"] = arg[3]',
  '    body = up.urlencode(p)',
  '    h["content-type"] = "application/x-www-form-urlencoded; charset=utf-8"',
  'body = body.encode()',
  't = datetime.datetime.now(datetime.timezone.utc).strftime("%Y%m%dT%H%M%SZ")',
  'h.update({"x-amz-date": t, "x-amz-security-token": c["Token"]})',
  'sh = lambda b: hl.sha256(b).hexdigest()',
  'names = ";".join(sorted(h))',
  'canon = "\\n".join(["POST", "/", ""] + [k + ":" + h[k] for k in sorted(h)] + ["", names, sh(body)])',
  'scope = "/".join([t[:8], region, svc, "aws4_request"])',
  'key = ("AWS4" + c["SecretAccessKey"]).encode()',
  'for part in scope.split("/"):',
  '    key = hmac.digest(key, part.encode(), "sha256")',
  'sig = hmac.new(key, "\\n".join(["AWS4-HMAC-SHA256", t, scope, sh(canon.encode())]).encode(), "sha256").hexdigest()',
  'h["authorization"] = "AWS4-HMAC-SHA256 Credential=%s/%s, SignedHeaders=%s, Signature=%s" % (c["AccessKeyId"], scope, names, sig)',
  'try:',
  '    with ur.urlopen(ur.Request(url.rstrip("/") + "/", data=body, headers=h), timeout=10) as r:',
  '        out = r.read()',
  'except ur.HTTPError as e:',
  '    sys.exit("%s: HTTP %s %s" % (svc, e.code, e.read()[:300].decode(errors="replace")))',
  'if svc == "ssm":',
  '    print(json.loads(out)["Parameter"]["Value"])',
];

/** The systemd unit that runs the bootstrap (its log also goes to the console). */
export function renderBootstrapUnit(): string {
  return [
    '[Unit]',
    'Description=cdktf-kamaji worker bootstrap (join the tenant; retries, then gives up)',
    'Wants=network-online.target',
    'After=network-online.target',
    'ConditionPathExists=!/etc/kubernetes/kubelet.conf',
    '[Service]',
    'Type=oneshot',
    'RemainAfterExit=yes',
    `ExecStart=${BOOTSTRAP_SCRIPT_PATH}`,
    'TimeoutStartSec=infinity',
    // The script counts attempts in /var/lib/kamaji-node, so a restart (or a reboot) continues the
    // count instead of starting over.
    'Restart=on-failure',
    'RestartSec=60',
    'StandardOutput=journal+console',
    'StandardError=journal+console',
    '[Install]',
    'WantedBy=multi-user.target',
    '',
  ].join('\n');
}

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
      content: renderJoinConfiguration({
        version: input.version,
        labels: input.labels,
        taints: input.taints,
        cloudProviderExternal: input.cloudProviderExternal,
      }),
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
  files.push({ path: BOOTSTRAP_UNIT_PATH, permissions: '0644', content: renderBootstrapUnit() });

  const lines = [
    '#cloud-config',
    `# cdktf-kamaji worker: tenant ${input.tenantName}, pool ${input.poolName}, Kubernetes ${formatVersion(input.version)}`,
    'write_files:',
  ];
  for (const f of files) {
    // owner is cloud-init's default, root:root.
    lines.push(`- path: ${q(f.path)}`, `  permissions: ${q(f.permissions)}`, '  content: |', block(f.content));
  }
  // --no-block: cloud-final does not wait for the join; the unit logs to the console itself.
  lines.push('runcmd:', '- [systemctl, daemon-reload]', `- [systemctl, enable, --now, --no-block, ${BOOTSTRAP_UNIT}]`);
  return lines.join('\n') + '\n';
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}

/**
 * Bytes EC2 receives: the pool's launch template sends the cloud-config gzip-compressed (Terraform
 * `base64gzip`; cloud-init decompresses gzip user data, docs "User data formats"), and EC2's 16 KiB
 * limit counts those bytes before base64. Measured with zlib's default level, Go's compress/gzip
 * default (Terraform's) differs by a few bytes (test/node-bootstrap.test.ts compares them).
 */
export function gzippedBytes(text: string): number {
  return gzipSync(Buffer.from(text, 'utf8')).length;
}

/**
 * Incompressible stand-ins for apply-time values (a CA's base64 hardly compresses): a fixed
 * pseudo-random stream from SHA-256, so the check is deterministic.
 */
function filler(chars: number, alphabet: string): string {
  let out = '';
  for (let block = 0; out.length < chars; block++) {
    for (const byte of createHash('sha256').update(`cdktf-kamaji worst case ${block}`).digest()) {
      out += alphabet[byte % alphabet.length];
    }
  }
  return out.slice(0, chars);
}
const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
const DNS = 'abcdefghijklmnopqrstuvwxyz0123456789-.';
const TOKEN_ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

/** The input with every apply-time value replaced by an incompressible value of its worst-case length (or kept, if longer). */
export function worstCaseInput(input: NodeBootstrapInput): NodeBootstrapInput {
  const pad = (value: string, chars: number, alphabet: string) => filler(Math.max(value.length, chars), alphabet);
  return {
    ...input,
    endpoint: pad(input.endpoint, WORST_CASE_ENDPOINT_CHARS, DNS),
    caData: pad(input.caData, WORST_CASE_CA_DATA_CHARS, BASE64),
    token:
      input.token.delivery === 'inline'
        ? { delivery: 'inline', token: pad(input.token.token, TOKEN_CHARS, TOKEN_ALPHABET) }
        : input.token,
  };
}

/** User-data bytes EC2 receives (gzipped) with worst-case apply-time values: what the synth-time limit check compares. */
export function worstCaseUserDataBytes(input: NodeBootstrapInput): number {
  return gzippedBytes(renderCloudConfig(worstCaseInput(input)));
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
