import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Document, isMap, isScalar, isSeq, parseDocument, stringify } from 'yaml';
import { Command, numberFlag, parseArgs, UsageError } from './command';
import { K8s, loadKubernetesClient } from './k8s-client';
import { Problems } from '../model/errors';
import {
  DNS1035_LABEL_RULE,
  DNS1123_LABEL_RULE,
  DNS1123_SUBDOMAIN_RULE,
  isDns1035Label,
  isDns1123Label,
  isDns1123Subdomain,
} from '../model/names';

/** The Secret key Kamaji stores the admin kubeconfig under. */
export const ADMIN_KUBECONFIG_KEY = 'admin.conf';
const DEFAULT_TIMEOUT_SECONDS = 30;

const USAGE = `usage: cdktf-kamaji kubeconfig TENANT [--namespace NS] [--secret NAME] [--kubeconfig PATH] [--context NAME]
                                [--out FILE|-] [--force] [--merge [--merge-into PATH] [--use-context]] [--timeout SECONDS]

Fetches a tenant's admin kubeconfig from the management cluster: the Secret Kamaji writes for the
TenantControlPlane (TENANT-admin-kubeconfig in namespace tenant-TENANT, key ${ADMIN_KUBECONFIG_KEY}). Its cluster,
user and context are renamed to TENANT, and current-context is TENANT.

The file holds cluster-admin credentials for the tenant: it is written with mode 0600.

options:
  --namespace NS     namespace of the TenantControlPlane (default tenant-TENANT)
  --secret NAME      the Secret (default TENANT-admin-kubeconfig)
  --kubeconfig PATH  management cluster kubeconfig (default: the first path of $KUBECONFIG, else ~/.kube/config)
  --context NAME     context of that kubeconfig (default: its current-context)
  --out FILE|-       write to FILE (default ./TENANT.kubeconfig), or print to stdout with -
  --force            overwrite FILE if it exists (the default is to refuse)
  --merge            merge into ~/.kube/config (or the first path of $KUBECONFIG) as cluster, user and
                     context TENANT, replacing entries of that name only; written atomically, mode 0600
  --merge-into PATH  merge into PATH instead (implies --merge)
  --use-context      with --merge: also set current-context to TENANT
  --timeout SECONDS  give up on the management cluster after this long (default ${DEFAULT_TIMEOUT_SECONDS})`;

/**
 * An expected failure (cluster unreachable, Secret missing, file exists...): printed as one line,
 * exit code 1. Messages name files, contexts, servers and Secrets, never kubeconfig contents.
 */
class KubeconfigError extends Error {}

type KubeConfig = InstanceType<K8s['KubeConfig']>;

interface Options {
  readonly tenant: string;
  readonly namespace: string;
  readonly secret: string;
  readonly kubeconfig: string;
  readonly context?: string;
  /** A file, `-` for stdout, or undefined when merging. */
  readonly out?: string;
  readonly force: boolean;
  readonly mergeInto?: string;
  readonly useContext: boolean;
  readonly timeoutSeconds: number;
}

/** The first path of $KUBECONFIG, else ~/.kube/config (what kubectl writes to). */
export function defaultKubeconfigPath(env: NodeJS.ProcessEnv = process.env): string {
  const first = (env.KUBECONFIG ?? '').split(path.delimiter).find((p) => p !== '');
  return first ?? path.join(os.homedir(), '.kube', 'config');
}

function parseOptions(argv: string[]): Options {
  const { flags, positional } = parseArgs(
    argv,
    ['namespace', 'secret', 'kubeconfig', 'context', 'out', 'merge-into', 'timeout'],
    ['merge', 'force', 'use-context'],
  );
  if (positional.length === 0) throw new UsageError(`TENANT is required\n${USAGE}`);
  if (positional.length > 1) throw new UsageError(`unexpected argument "${positional[1]}"\n${USAGE}`);
  const str = (name: string) => (typeof flags[name] === 'string' ? (flags[name] as string) : undefined);
  const merge = flags.merge === true || str('merge-into') !== undefined;
  if (merge && str('out') !== undefined) throw new UsageError('--out and --merge exclude each other');
  if (merge && flags.force) {
    throw new UsageError('--force applies to --out FILE (--merge always replaces the tenant entries, and only those)');
  }
  if (flags['use-context'] && !merge) throw new UsageError('--use-context needs --merge');
  if (flags.force && str('out') === '-') throw new UsageError('--force applies to --out FILE, not to stdout');

  const tenant = positional[0];
  const problems = new Problems('kubeconfig');
  problems.check(isDns1035Label(tenant), 'TENANT', tenant, DNS1035_LABEL_RULE);
  const namespace = str('namespace') ?? `tenant-${tenant}`;
  const secret = str('secret') ?? `${tenant}-admin-kubeconfig`;
  if (str('namespace') !== undefined)
    problems.check(isDns1123Label(namespace), '--namespace', namespace, DNS1123_LABEL_RULE);
  if (str('secret') !== undefined)
    problems.check(isDns1123Subdomain(secret), '--secret', secret, DNS1123_SUBDOMAIN_RULE);
  const timeoutSeconds = numberFlag(flags, 'timeout', 'decimal') ?? DEFAULT_TIMEOUT_SECONDS;
  problems.check(
    Number.isFinite(timeoutSeconds) && timeoutSeconds > 0 && timeoutSeconds <= 3600,
    '--timeout',
    str('timeout'),
    'must be a number of seconds, more than 0 and at most 3600',
  );
  problems.throwIfAny();

  return {
    tenant,
    namespace,
    secret,
    kubeconfig: str('kubeconfig') ?? defaultKubeconfigPath(),
    context: str('context'),
    out: merge ? undefined : (str('out') ?? `${tenant}.kubeconfig`),
    force: flags.force === true,
    mergeInto: merge ? (str('merge-into') ?? defaultKubeconfigPath()) : undefined,
    useContext: flags['use-context'] === true,
    timeoutSeconds,
  };
}

/** `e.code` (Node system errors, node-fetch FetchError), or undefined. Duck-typed: errors may come from another realm. */
function errorCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null) return undefined;
  const code = (e as { code?: unknown }).code;
  return typeof code === 'string' ? code : undefined;
}

function firstLine(text: string, max = 300): string {
  const line = text.split('\n')[0].trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}

/** A server URL for messages, without any user:password part. */
function showServer(server: string): string {
  try {
    const url = new URL(server);
    url.username = '';
    url.password = '';
    return url.toString().replace(/\/$/, '');
  } catch {
    return server;
  }
}

/** A management kubeconfig, its chosen context and that context's cluster. */
interface Management {
  readonly config: KubeConfig;
  readonly file: string;
  readonly context: string;
  readonly clusterName: string;
  readonly userName: string;
  readonly server: string;
}

function loadManagement(k8s: K8s, file: string, contextFlag: string | undefined): Management {
  if (!fs.existsSync(file)) {
    throw new KubeconfigError(
      `management kubeconfig ${file} not found; pass --kubeconfig PATH or set KUBECONFIG to the management cluster's kubeconfig`,
    );
  }
  const config = new k8s.KubeConfig();
  try {
    config.loadFromFile(file);
  } catch (e) {
    throw new KubeconfigError(`management kubeconfig ${file} could not be loaded: ${describeLoadError(e)}`);
  }
  const available = config.getContexts().map((c) => c.name);
  const list = available.length > 0 ? `available: ${available.join(', ')}` : 'it defines no contexts';
  const context = contextFlag ?? config.getCurrentContext();
  if (!context)
    throw new KubeconfigError(`management kubeconfig ${file} has no current-context; pass --context (${list})`);
  const contextObject = config.getContextObject(context);
  if (!contextObject) throw new KubeconfigError(`context "${context}" not found in ${file} (${list})`);
  config.setCurrentContext(context);
  const cluster = config.getCluster(contextObject.cluster);
  if (!cluster) {
    throw new KubeconfigError(
      `context "${context}" in ${file} names cluster "${contextObject.cluster}", which the file does not define`,
    );
  }
  return { config, file, context, clusterName: cluster.name, userName: contextObject.user, server: cluster.server };
}

/** Why a kubeconfig did not load, without echoing its text (a YAML error's message quotes the source). */
function describeLoadError(e: unknown): string {
  const name = typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined;
  if (name === 'YAMLException') {
    const line = (e as { mark?: { line?: number } }).mark?.line;
    return `not valid YAML${line === undefined ? '' : ` (line ${line + 1})`}`;
  }
  const code = errorCode(e);
  if (code) return code;
  const message = typeof e === 'object' && e !== null ? String((e as { message?: unknown }).message) : '';
  // The client's own checks of entries ("clusters[0].cluster.server is missing") are safe to show.
  if (/^(clusters|users|contexts)\[\d+\]\.[\w.]+ is missing$/.test(message)) return message;
  return 'not a kubeconfig (expected a YAML mapping with clusters, users and contexts)';
}

interface Where {
  readonly tenant: string;
  readonly namespace: string;
  readonly secret: string;
  readonly management: Management;
  readonly timeoutSeconds: number;
}

/** Reads the Secret and returns the decoded admin kubeconfig text. */
async function readAdminKubeconfig(k8s: K8s, where: Where): Promise<string> {
  const { management, namespace, secret } = where;
  const ms = where.timeoutSeconds * 1000;
  // A per-request deadline: the client passes the request's AbortSignal to fetch.
  const deadline = {
    pre: (request: InstanceType<K8s['RequestContext']>) => {
      request.setSignal(AbortSignal.timeout(ms));
      return new k8s.Observable(Promise.resolve(request));
    },
    post: (response: InstanceType<K8s['ResponseContext']>) => new k8s.Observable(Promise.resolve(response)),
  };
  let body: { data?: { [key: string]: string } };
  try {
    const api = management.config.makeApiClient(k8s.CoreV1Api);
    body = await api.readNamespacedSecret(
      { name: secret, namespace },
      { middleware: [deadline], middlewareMergeStrategy: 'append' },
    );
  } catch (e) {
    throw requestError(k8s, e, where);
  }
  const data = body.data ?? {};
  const encoded = data[ADMIN_KUBECONFIG_KEY];
  if (typeof encoded !== 'string' || encoded === '') {
    const keys = Object.keys(data);
    throw new KubeconfigError(
      `Secret ${namespace}/${secret} has no key "${ADMIN_KUBECONFIG_KEY}" (keys: ${keys.length > 0 ? keys.join(', ') : 'none'}); ` +
        'is it the admin kubeconfig Secret Kamaji writes for the TenantControlPlane?',
    );
  }
  return Buffer.from(encoded, 'base64').toString('utf8');
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (DNS)',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed',
};

const TLS_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_GET_ISSUER_CERT',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_SIGNATURE_FAILURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'EPROTO',
]);

/** The `message` of a Kubernetes Status body (403/404/...), if the body is one. */
function statusMessage(body: unknown): string | undefined {
  let value = body;
  if (typeof value === 'string') {
    try {
      value = JSON.parse(value);
    } catch {
      return undefined;
    }
  }
  const message = typeof value === 'object' && value !== null ? (value as { message?: unknown }).message : undefined;
  return typeof message === 'string' && message !== '' ? firstLine(message) : undefined;
}

function requestError(k8s: K8s, e: unknown, where: Where): KubeconfigError {
  const { tenant, namespace, secret, management } = where;
  const ctx = `context ${management.context}`;
  const server = showServer(management.server);
  if (e instanceof k8s.ApiException) {
    const said = statusMessage(e.body);
    const serverSaid = said ? ` (server: ${said})` : '';
    switch (e.code) {
      case 404:
        return new KubeconfigError(
          `tenant ${tenant} not found: no Secret ${namespace}/${secret} on the management cluster (${ctx}); ` +
            `is the tenant deployed? (cdktf deploy tenant-${tenant}-control-plane)`,
        );
      case 403:
        return new KubeconfigError(
          `forbidden: ${ctx} (user ${management.userName}) may not read Secret ${namespace}/${secret}; ` +
            `it needs RBAC permission to "get" "secrets" in namespace ${namespace}${serverSaid}`,
        );
      case 401:
        return new KubeconfigError(
          `unauthorized: the management cluster at ${server} rejected the credentials of ${ctx} ` +
            `(user ${management.userName}); they may have expired: refresh them and retry`,
        );
      default:
        return new KubeconfigError(
          `reading Secret ${namespace}/${secret} from ${server} (${ctx}) failed: HTTP ${e.code}${serverSaid}`,
        );
    }
  }
  const name = typeof e === 'object' && e !== null ? (e as { name?: unknown }).name : undefined;
  if (name === 'AbortError' || errorCode(e) === 'ABORT_ERR') {
    return new KubeconfigError(
      `no answer from the management cluster at ${server} (${ctx}) within ${where.timeoutSeconds}s (--timeout)`,
    );
  }
  const code = errorCode(e);
  if (code && UNREACHABLE[code]) {
    return new KubeconfigError(
      `cannot reach the management cluster at ${server} (${ctx}): ${UNREACHABLE[code]} (${code})`,
    );
  }
  if (code && (TLS_CODES.has(code) || code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL'))) {
    return new KubeconfigError(
      `TLS connection to the management cluster at ${server} (${ctx}) failed: ${code}; ` +
        `check the cluster's certificate-authority in ${management.file}`,
    );
  }
  const message = typeof e === 'object' && e !== null ? String((e as { message?: unknown }).message) : String(e);
  return new KubeconfigError(
    `request to the management cluster at ${server} (${ctx}) failed: ${firstLine(message)}${code ? ` (${code})` : ''}`,
  );
}

/** A kubeconfig entry: `{ name, cluster|user|context: {...} }`. */
type Entry = { name: string } & Record<string, unknown>;

/** The tenant's cluster, user and context, renamed to the tenant. */
interface TenantEntries {
  readonly cluster: Entry;
  readonly user: Entry;
  readonly context: Entry;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Picks the admin kubeconfig's current context (or its only one), with that context's cluster and
 * user, renamed to `tenant`. Errors name what is missing, never values.
 */
function tenantEntries(text: string, tenant: string, source: string): TenantEntries {
  const fail = (why: string) => new KubeconfigError(`${source} is not a kubeconfig: ${why}`);
  const doc = parseDocument(text);
  if (doc.errors.length > 0) {
    const line = doc.errors[0].linePos?.[0].line;
    throw fail(`not valid YAML${line === undefined ? '' : ` (line ${line})`}`);
  }
  const config: unknown = doc.toJS();
  if (!isRecord(config)) throw fail('not a YAML mapping');
  const list = (key: string): Record<string, unknown>[] => {
    const value = config[key];
    if (!Array.isArray(value) || value.length === 0) throw fail(`no ${key}`);
    return value.filter(isRecord);
  };
  const [clusters, users, contexts] = [list('clusters'), list('users'), list('contexts')];
  const current = config['current-context'];
  const contextName = typeof current === 'string' && current !== '' ? current : undefined;
  const context = contextName
    ? contexts.find((c) => c.name === contextName)
    : contexts.length === 1
      ? contexts[0]
      : undefined;
  if (!context) {
    throw fail(contextName ? `current-context "${contextName}" names no context` : 'no current-context');
  }
  const body = context.context;
  if (!isRecord(body)) throw fail(`context "${String(context.name)}" has no context`);
  const cluster = clusters.find((c) => c.name === body.cluster);
  if (!cluster || !isRecord(cluster.cluster) || typeof cluster.cluster.server !== 'string') {
    throw fail(`context "${String(context.name)}" names no cluster with a server`);
  }
  const user = users.find((u) => u.name === body.user);
  if (!user || !isRecord(user.user)) throw fail(`context "${String(context.name)}" names no user`);
  return {
    cluster: { name: tenant, cluster: cluster.cluster },
    user: { name: tenant, user: user.user },
    context: { name: tenant, context: { ...body, cluster: tenant, user: tenant } },
  };
}

/** A standalone kubeconfig holding only the tenant's entries. */
function tenantKubeconfig(entries: TenantEntries, tenant: string): string {
  return stringify(
    {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [entries.cluster],
      users: [entries.user],
      contexts: [entries.context],
      'current-context': tenant,
      preferences: {},
    },
    { lineWidth: 0 },
  );
}

/** Writes `text` to a temp file (mode 0600) next to `file` and renames it over `file`. */
function writeAtomically(file: string, text: string): void {
  const dir = path.dirname(file);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now().toString(36)}.tmp`);
  let fd: number | undefined;
  try {
    fd = fs.openSync(tmp, 'wx', 0o600);
    fs.fchmodSync(fd, 0o600);
    fs.writeFileSync(fd, text);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = undefined;
    fs.renameSync(tmp, file);
  } catch (e) {
    if (fd !== undefined) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw new KubeconfigError(`cannot write ${file}: ${errorCode(e) ?? firstLine(String(e))}`);
  }
}

function writeOut(file: string, text: string, force: boolean): void {
  if (force && fs.existsSync(file)) {
    writeAtomically(file, text);
    return;
  }
  try {
    // "wx": never overwrite, and never follow a file that appeared since the check.
    fs.writeFileSync(file, text, { mode: 0o600, flag: 'wx' });
    fs.chmodSync(file, 0o600);
  } catch (e) {
    if (errorCode(e) === 'EEXIST') throw existsError(file);
    throw new KubeconfigError(`cannot write ${file}: ${errorCode(e) ?? firstLine(String(e))}`);
  }
}

function existsError(file: string): KubeconfigError {
  return new KubeconfigError(
    `${file} already exists; pass --force to overwrite it, --out FILE for another file, --out - for stdout, or --merge`,
  );
}

function sameFile(a: string, b: string): boolean {
  try {
    return fs.realpathSync(a) === fs.realpathSync(b);
  } catch {
    return path.resolve(a) === path.resolve(b);
  }
}

/**
 * Merging into the management kubeconfig must not replace the entries that reach the management
 * cluster: refuses when one of them is named like the tenant.
 */
function checkMergeTarget(options: Options, management: Management): void {
  if (!options.mergeInto || !sameFile(options.mergeInto, management.file)) return;
  const clashes = [
    management.context === options.tenant ? 'context' : undefined,
    management.clusterName === options.tenant ? 'cluster' : undefined,
    management.userName === options.tenant ? 'user' : undefined,
  ].filter((x) => x !== undefined);
  if (clashes.length > 0) {
    throw new KubeconfigError(
      `refusing to merge into ${options.mergeInto}: its management ${clashes.join(', ')} "${options.tenant}" ` +
        `(${`context ${management.context}`}) would be replaced; pass --merge-into another file, or --out FILE`,
    );
  }
}

interface MergeResult {
  readonly replaced: boolean;
  readonly created: boolean;
  readonly tightened: boolean;
}

/**
 * Merges the tenant's entries into the kubeconfig `file`: replaces the cluster, user and context
 * named `tenant` (or adds them), leaves every other entry and comment as it was, sets current-context
 * only when asked. Takes kubectl's lock file (`FILE.lock`), writes a temp file and renames it.
 */
function mergeKubeconfig(file: string, entries: TenantEntries, tenant: string, useContext: boolean): MergeResult {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (e) {
    throw new KubeconfigError(`cannot create ${dir}: ${errorCode(e) ?? firstLine(String(e))}`);
  }
  const lock = `${file}.lock`;
  try {
    fs.closeSync(fs.openSync(lock, 'wx', 0o600));
  } catch (e) {
    if (errorCode(e) === 'EEXIST') {
      throw new KubeconfigError(
        `${file} is locked by another writer (${lock} exists); retry, or remove ${lock} if no kubectl is running`,
      );
    }
    throw new KubeconfigError(`cannot lock ${file}: ${errorCode(e) ?? firstLine(String(e))}`);
  }
  try {
    // Write through a symlinked kubeconfig to its target rather than replacing the link.
    const created = !fs.existsSync(file);
    const target = created ? file : fs.realpathSync(file);
    const text = created ? '' : fs.readFileSync(target, 'utf8');
    const tightened = !created && (fs.statSync(target).mode & 0o777) !== 0o600;
    const doc: Document = parseDocument(text);
    if (doc.errors.length > 0) {
      const line = doc.errors[0].linePos?.[0].line;
      throw new KubeconfigError(
        `${file} is not valid YAML${line === undefined ? '' : ` (line ${line})`}; not changing it`,
      );
    }
    if (doc.contents === null) doc.contents = doc.createNode({});
    if (!isMap(doc.contents))
      throw new KubeconfigError(`${file} is not a kubeconfig (not a YAML mapping); not changing it`);
    if (!doc.has('apiVersion')) doc.set('apiVersion', 'v1');
    if (!doc.has('kind')) doc.set('kind', 'Config');
    let replaced = false;
    for (const [key, entry] of [
      ['clusters', entries.cluster],
      ['users', entries.user],
      ['contexts', entries.context],
    ] as const) {
      replaced = upsertEntry(doc, file, key, entry) || replaced;
    }
    if (useContext) doc.set('current-context', tenant);
    writeAtomically(target, doc.toString({ lineWidth: 0 }));
    return { replaced, created, tightened };
  } finally {
    fs.rmSync(lock, { force: true });
  }
}

/** Replaces the entries of `key` named like `entry` (the first in place, drops duplicates) or appends it. */
function upsertEntry(doc: Document, file: string, key: string, entry: Entry): boolean {
  let seq = doc.get(key, true);
  if (seq === undefined || seq === null || (isScalar(seq) && seq.value === null)) {
    seq = doc.createNode([]);
    doc.set(key, seq);
  }
  if (!isSeq(seq)) throw new KubeconfigError(`${file} is not a kubeconfig (${key} is not a list); not changing it`);
  const node = doc.createNode(entry);
  const same = seq.items
    .map((item, i) => (isMap(item) && item.get('name') === entry.name ? i : -1))
    .filter((i) => i >= 0);
  if (same.length === 0) {
    if (seq.items.length === 0) seq.flow = false; // `clusters: []` becomes a block list
    seq.items.push(node);
    return false;
  }
  seq.items[same[0]] = node;
  for (const i of same.slice(1).reverse()) seq.items.splice(i, 1);
  return true;
}

async function run(argv: string[]): Promise<number> {
  const options = parseOptions(argv);
  const { tenant } = options;
  // Refuse before fetching credentials that could not be written anyway.
  if (options.out && options.out !== '-' && !options.force && fs.existsSync(options.out))
    throw existsError(options.out);

  const k8s = await loadKubernetesClient();
  const management = loadManagement(k8s, options.kubeconfig, options.context);
  checkMergeTarget(options, management);
  const text = await readAdminKubeconfig(k8s, { ...options, management });
  const entries = tenantEntries(
    text,
    tenant,
    `Secret ${options.namespace}/${options.secret} key ${ADMIN_KUBECONFIG_KEY}`,
  );

  if (options.mergeInto) {
    const result = mergeKubeconfig(options.mergeInto, entries, tenant, options.useContext);
    const how = result.created ? 'created' : result.replaced ? 'replaced the previous ones' : 'added';
    process.stdout.write(
      `merged cluster, user and context "${tenant}" into ${options.mergeInto} (${how}; mode 0600` +
        `${result.tightened ? ', tightened' : ''})\n` +
        (options.useContext ? `current-context is now "${tenant}"\n` : '') +
        `try: kubectl --context ${tenant} get nodes\n`,
    );
    return 0;
  }
  const kubeconfig = tenantKubeconfig(entries, tenant);
  if (options.out === '-') {
    process.stdout.write(kubeconfig);
    return 0;
  }
  const out = options.out ?? `${tenant}.kubeconfig`;
  writeOut(out, kubeconfig, options.force);
  process.stdout.write(`wrote ${out} (mode 0600)\ntry: kubectl --kubeconfig ${out} get nodes\n`);
  return 0;
}

export const command: Command = {
  summary: "a tenant's admin kubeconfig from the management cluster (to a file or merged)",
  usage: USAGE,
  async run(argv: string[]): Promise<number> {
    try {
      return await run(argv);
    } catch (e) {
      if (!(e instanceof KubeconfigError)) throw e;
      process.stderr.write(`cdktf-kamaji kubeconfig: ${e.message}\n`);
      return 1;
    }
  },
};
