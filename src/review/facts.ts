/**
 * What a tenant's stacks say about it, read from synthesized resources. Each detector is a small
 * function over one stack so it can follow the constructs when their shapes change.
 */
import { isUnder, valueAt } from './paths';
import { Json, JsonObject, SynthResource, SynthStack, compareText, isObject } from './synth-output';

export interface TenantControlPlaneFacts {
  readonly address: string;
  readonly name?: string;
  readonly namespace?: string;
  readonly version?: string;
  readonly dataStore?: string;
  readonly dataStoreSchema?: string;
  readonly dataStoreUsername?: string;
  readonly konnectivity: boolean;
  readonly preventDestroy: boolean;
}

export enum CaSource {
  /** tls_private_key + tls_self_signed_cert at apply time. */
  GENERATED = 'generated',
  /** ca.crt / ca.key read with file() at apply time. */
  FILES = 'files',
  /** No pre-created CA Secret: Kamaji generates the CA itself. */
  KAMAJI = 'kamaji',
  /** The Secret's values read at apply time from a secret store (a Terraform data source). */
  SECRET_STORE = 'secret-store',
}

export enum TokenDelivery {
  SSM = 'ssm',
  INLINE = 'inline',
}

const TCP_KIND = 'TenantControlPlane';

function text(value: Json | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function resourcesOfType(stack: SynthStack, type: string): SynthResource[] {
  return [...stack.resources.values()].filter((r) => r.type === type);
}

/** The TenantControlPlane manifests of a stack (one per control-plane stack in the product). */
export function tenantControlPlanes(stack: SynthStack): TenantControlPlaneFacts[] {
  return resourcesOfType(stack, 'kubernetes_manifest')
    .filter((r) => valueAt(r.config, 'manifest.kind') === TCP_KIND)
    .map((r) => ({
      address: r.address,
      name: text(valueAt(r.config, 'manifest.metadata.name')),
      namespace: text(valueAt(r.config, 'manifest.metadata.namespace')),
      version: text(valueAt(r.config, 'manifest.spec.kubernetes.version')),
      dataStore: text(valueAt(r.config, 'manifest.spec.dataStore')),
      dataStoreSchema: text(valueAt(r.config, 'manifest.spec.dataStoreSchema')),
      dataStoreUsername: text(valueAt(r.config, 'manifest.spec.dataStoreUsername')),
      // Kamaji addons are off unless present (DESIGN.md section 3).
      konnectivity: isObject(valueAt(r.config, 'manifest.spec.addons.konnectivity')),
      preventDestroy: valueAt(r.config, 'lifecycle.prevent_destroy') === true,
    }));
}

/** Kamaji adopts a pre-created Secret named `<tcp>-ca` (DESIGN.md section 4). */
export function caSecrets(stack: SynthStack): SynthResource[] {
  return resourcesOfType(stack, 'kubernetes_secret_v1').filter((r) =>
    text(valueAt(r.config, 'metadata.name'))?.endsWith('-ca'),
  );
}

/** Resources whose change means a new CA: the Secret and the tls resources that produce it. */
export function isCaResource(r: SynthResource): boolean {
  if (r.type === 'tls_private_key' || r.type === 'tls_self_signed_cert') return true;
  return r.type === 'kubernetes_secret_v1' && (text(valueAt(r.config, 'metadata.name'))?.endsWith('-ca') ?? false);
}

/** Whether a changed attribute of a CA resource changes the CA (the Secret's labels would not). */
export function changesCa(r: SynthResource, path: string): boolean {
  if (r.type !== 'kubernetes_secret_v1') return true;
  return ['data', 'binary_data', 'metadata.name', 'metadata.namespace', 'type'].some((p) => isUnder(path, p));
}

export function caSource(stack: SynthStack): CaSource {
  if (resourcesOfType(stack, 'tls_self_signed_cert').length > 0) return CaSource.GENERATED;
  const secrets = caSecrets(stack);
  if (secrets.length === 0) return CaSource.KAMAJI;
  // The key is read at apply: `${file(...)}`, or `${replace(file(...), ...)}` for LF line endings.
  const data = secrets.map((s) => JSON.stringify(s.config.data ?? null)).join('\n');
  if (/\$\{(replace\()?file\(/.test(data)) return CaSource.FILES;
  if (/\$\{[^}]*\bdata\./.test(data)) return CaSource.SECRET_STORE;
  return CaSource.GENERATED;
}

/** SSM delivery writes the token to a SecureString parameter; inline delivery has none. */
export function tokenDelivery(stack: SynthStack): TokenDelivery {
  const ssm = resourcesOfType(stack, 'aws_ssm_parameter').some((p) => p.config.type === 'SecureString');
  return ssm ? TokenDelivery.SSM : TokenDelivery.INLINE;
}

const TOKEN_FROM_RANDOM = /\$\{random_(?:string|password)\.[A-Za-z0-9_-]+\.result\}/;

/**
 * The token delivery of each launch template (one per pool), from its user data: SSM when it names
 * one of the stack's SecureString parameters, inline when it interpolates the token's random parts.
 * Pools of one stack may differ (`tokenDelivery` is a pool setting), so the stack-wide answer of
 * {@link tokenDelivery} cannot tell a pool's switch when another pool keeps using SSM.
 */
export function tokenDeliveryByLaunchTemplate(stack: SynthStack): Map<string, TokenDelivery> {
  const parameters = resourcesOfType(stack, 'aws_ssm_parameter').filter((p) => p.config.type === 'SecureString');
  const names = parameters.map((p) => text(p.config.name)).filter((n): n is string => !!n);
  const out = new Map<string, TokenDelivery>();
  for (const lt of resourcesOfType(stack, 'aws_launch_template')) {
    const userData = withLocals(stack, text(lt.config.user_data) ?? '');
    const readsParameter =
      names.some((n) => userData.includes(n)) ||
      parameters.some((p) => userData.includes(`aws_ssm_parameter.${p.logicalId}.`));
    if (readsParameter) out.set(lt.address, TokenDelivery.SSM);
    else if (TOKEN_FROM_RANDOM.test(userData)) out.set(lt.address, TokenDelivery.INLINE);
  }
  return out;
}

/** The launch-template tag AwsWorkerPool states its image with (an AMI id or a Canonical image name). */
export const WORKER_IMAGE_TAG = 'cdktf-kamaji/image';

/**
 * The image of each launch template (one per pool): its `cdktf-kamaji/image` tag, else its `image_id`
 * when that is a literal AMI id. A template whose image is only known at apply time (a data source
 * without the tag) is left out: no flag is better than a wrong one.
 */
export function imageByLaunchTemplate(stack: SynthStack): Map<string, string> {
  const out = new Map<string, string>();
  for (const lt of resourcesOfType(stack, 'aws_launch_template')) {
    const tags = isObject(lt.config.tags) ? lt.config.tags : {};
    const tagged = text(tags[WORKER_IMAGE_TAG]);
    const literal = text(lt.config.image_id);
    const image = tagged ?? (literal && !literal.includes('${') ? literal : undefined);
    if (image) out.set(lt.address, image);
  }
  return out;
}

/** The ASG tag that states the pool's kubelet version, preferred over reading user data. */
export const KUBERNETES_VERSION_TAG = 'kamaji.clastix.io/kubernetes-version';

/**
 * The kubelet version a nodes stack installs: from the ASG tag when present, else from the launch
 * templates' user data. Undefined when unknown or ambiguous (no flag is better than a wrong one).
 */
export function kubeletVersions(stack: SynthStack): string[] {
  const tagged = new Set<string>();
  for (const asg of resourcesOfType(stack, 'aws_autoscaling_group')) {
    for (const tag of asgTags(asg.config)) if (tag.key === KUBERNETES_VERSION_TAG && tag.value) tagged.add(tag.value);
  }
  if (tagged.size > 0) return [...tagged].sort(compareText);
  const found = new Set<string>();
  for (const lt of resourcesOfType(stack, 'aws_launch_template')) {
    const v = versionInUserData(withLocals(stack, text(lt.config.user_data) ?? ''));
    if (v) found.add(v);
  }
  return [...found].sort(compareText);
}

/** The kubelet version of a nodes stack whose pools all run one version (else undefined). */
export function kubeletVersion(stack: SynthStack): string | undefined {
  const all = kubeletVersions(stack);
  return all.length === 1 ? all[0] : undefined;
}

/** The text plus the values of the `local.<name>` it references (AwsWorkerPool keeps user data in a local). */
function withLocals(stack: SynthStack, value: string): string {
  const referenced = [...value.matchAll(/\blocal\.([A-Za-z0-9_-]+)/g)].map((m) => text(stack.locals[m[1]]) ?? '');
  return [value, ...referenced].join('\n');
}

function asgTags(config: JsonObject): { key?: string; value?: string }[] {
  const tags = config.tag;
  if (!Array.isArray(tags)) return [];
  return tags.filter(isObject).map((t) => ({ key: text(t.key), value: text(t.value) }));
}

const KEYED_VERSION =
  /(?:KUBERNETES_VERSION|K8S_VERSION|kubernetes[_-]?version|kubernetesVersion)["']?\s*[:=]\s*["']?v?(1\.\d{1,2}\.\d{1,3})\b/gi;
const ANY_VERSION = /(?<![\w.])v(1\.\d{1,2}\.\d{1,3})(?![\w.])/g;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/**
 * A `v1.NN.N` version in user data: a keyed assignment (`KUBERNETES_VERSION=v1.35.3`, `K8S_VERSION='1.35.3'`,
 * `kubernetesVersion: v1.35.3`) wins; otherwise the one distinct `v1.NN.N` in the text. Plain base64
 * user data is decoded first; text inside `${base64encode(...)}`/`${base64gzip(...)}` is read as is.
 */
export function versionInUserData(userData: string): string | undefined {
  let textToScan = userData;
  const compact = userData.replace(/\s+/g, '');
  if (compact.length >= 16 && BASE64.test(compact)) textToScan = Buffer.from(compact, 'base64').toString('utf8');
  const distinct = (re: RegExp) => new Set([...textToScan.matchAll(re)].map((m) => `v${m[1]}`));
  const keyed = distinct(KEYED_VERSION);
  if (keyed.size > 0) return keyed.size === 1 ? [...keyed][0] : undefined;
  const any = distinct(ANY_VERSION);
  return any.size === 1 ? [...any][0] : undefined;
}

/**
 * The marker the fleet app writes into every stack of a tenant whose tenants-file entry says
 * `decommission: true` (a top-level `"locals": {"kamaji_decommission": true}`): the deploy pipeline
 * destroys such stacks (nodes first, then the control plane) instead of applying them.
 */
export const DECOMMISSION_LOCAL = 'kamaji_decommission';

export function isDecommissioned(stack: SynthStack | undefined): boolean {
  return stack?.locals?.[DECOMMISSION_LOCAL] === true;
}

const FILE_CALL = /\bfile\(\s*"(?:[^"\\]|\\.)*"\s*\)/g;

/**
 * A CA Secret value with the paths of its `file("...")` reads taken out. The files source validates at
 * synth that the key matches the certificate, and the certificate's bytes are in the Secret itself, so
 * a key read from another path (the checkout or the tenants file moved) is the same CA; only the
 * certificate bytes or the kind of key source can tell a new one.
 */
export function withoutFilePaths(value: Json | undefined): Json | undefined {
  if (typeof value === 'string') return value.replace(FILE_CALL, 'file(<path>)');
  if (Array.isArray(value)) return value.map((v) => withoutFilePaths(v) as Json);
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const [k, v] of Object.entries(value)) out[k] = withoutFilePaths(v) as Json;
    return out;
  }
  return value;
}

/** One worker pool of a nodes stack: its Auto Scaling group and the launch template it runs. */
export interface WorkerPoolFacts {
  /** The pool's name (`cdktf-kamaji/pool` tag, else the ASG's construct id). */
  readonly name: string;
  readonly asg: string;
  readonly launchTemplate?: string;
  readonly minSize?: number;
  readonly maxSize?: number;
  /**
   * The ASG runs a launch template version that moves with the template (`latest_version`): a new
   * template version changes the ASG's `launch_template` and starts an instance refresh. With the
   * literal `$Latest`/`$Default` it does not (the AWS provider starts no refresh for those).
   */
  readonly followsTemplateVersion: boolean;
  /** The ASG has an `instance_refresh` block: changes roll the running nodes. */
  readonly refreshes: boolean;
  /** Extra properties whose change starts a refresh (`instance_refresh.triggers`, e.g. `tag`). */
  readonly refreshTriggers: readonly string[];
}

/** The pool tag AwsWorkerPool puts on its ASG and launch template. */
export const WORKER_POOL_TAG = 'cdktf-kamaji/pool';

const LT_REF = /\$\{aws_launch_template\.([A-Za-z0-9_-]+)\.(id|name|latest_version|default_version)\}/;

export function workerPools(stack: SynthStack): WorkerPoolFacts[] {
  return resourcesOfType(stack, 'aws_autoscaling_group').map((asg) => {
    const spec = isObject(asg.config.launch_template)
      ? asg.config.launch_template
      : valueAt(asg.config, 'mixed_instances_policy.launch_template.launch_template_specification');
    const ltSpec = isObject(spec) ? spec : {};
    const idRef = LT_REF.exec(text(ltSpec.id) ?? text(ltSpec.launch_template_id) ?? text(ltSpec.name) ?? '');
    const version = text(ltSpec.version) ?? '';
    const refresh = asg.config.instance_refresh;
    const triggers = isObject(refresh) && Array.isArray(refresh.triggers) ? refresh.triggers : [];
    const tagged = asgTags(asg.config).find((t) => t.key === WORKER_POOL_TAG)?.value;
    const meta = asg.config['//'];
    const path = isObject(meta) && isObject(meta.metadata) ? text(meta.metadata.path) : undefined;
    const constructName = path?.split('/').slice(-2, -1)[0];
    return {
      name: tagged ?? constructName ?? asg.logicalId,
      asg: asg.address,
      ...(idRef ? { launchTemplate: `aws_launch_template.${idRef[1]}` } : {}),
      ...(typeof asg.config.min_size === 'number' ? { minSize: asg.config.min_size } : {}),
      ...(typeof asg.config.max_size === 'number' ? { maxSize: asg.config.max_size } : {}),
      followsTemplateVersion: version.includes('${') && !/^\$(Latest|Default)$/.test(version),
      refreshes: isObject(refresh),
      refreshTriggers: triggers.filter((t): t is string => typeof t === 'string').sort(compareText),
    };
  });
}
