/**
 * The tenants file: a fleet as data (YAML), reviewed in pull requests.
 *
 * `loadTenantsFile` parses, checks the structure against TENANTS_FILE_SHAPE (unknown keys are errors,
 * with a "did you mean" hint), applies `defaults`, and checks every cross-field rule. Every problem
 * carries its YAML path, line and column, the bad value and the rule, and all are reported together.
 */
import { parseDocument } from 'yaml';
import { Cidr, cidrsOverlap, IPV4_CIDR_RULE, parseStrictCidr } from './cidr';
import { Problem, Problems } from './errors';
import { DNS1035_LABEL_RULE, DNS1123_LABEL_RULE, isDns1035Label, isDns1123Label } from './names';
import { DEFAULT_DATASTORE_NAME } from './platform';
import { DataStoreSpec, validateDataStore } from './datastore';
import { StateSpec, validateState } from './state';
import {
  ControlPlaneExposure,
  DEFAULT_POD_CIDR,
  DEFAULT_SERVICE_CIDR,
  TenantControlPlaneInput,
  tenantControlPlaneSpec,
  validateTenantControlPlane,
} from './tenant-control-plane';
import { checkSecretId, checkSsmParameterName, SecretStoreLocation, secretStoreRegion } from './pki';
import { checkShape, DocPath, formatPath, isMapping, Locate } from './shape';
import { parseTenantsText, tenantsFileTextProblems } from './tenants-file-input';
import { TENANTS_FILE_SHAPE } from './tenants-file-shape';
import { checkVersion, KubernetesVersion, skewProblem } from './versions';

export type DataStoreEntry = DataStoreSpec;
export interface PlatformEntry {
  readonly kubeconfigPath?: string;
  readonly awsRegion?: string;
  readonly kubeconfigContext?: string;
  readonly kamajiChartVersion?: string;
  readonly kamajiImageTag?: string;
  readonly certManagerChartVersion?: string;
  readonly installCertManager?: boolean;
  readonly bundledEtcd?: boolean;
  readonly defaultDataStore?: string;
  readonly extraValues?: Record<string, unknown>;
  readonly dataStores?: DataStoreEntry[];
}
export interface TaintEntry {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}
export interface PoolSettings {
  readonly instanceType?: string;
  readonly minSize?: number;
  readonly maxSize?: number;
  readonly desiredSize?: number;
  readonly subnetIds?: string[];
  readonly labels?: Record<string, string>;
  readonly taints?: TaintEntry[];
  readonly tokenDelivery?: 'ssm' | 'inline';
  readonly kubernetesVersion?: string;
  readonly rootVolumeSizeGiB?: number;
  readonly amiId?: string;
  readonly ubuntuRelease?: string;
  readonly imageSerial?: string;
  readonly architecture?: 'amd64' | 'arm64';
  readonly instanceWarmupSeconds?: number;
  readonly checkpointPercentages?: number[];
  readonly checkpointDelaySeconds?: number;
  readonly egress?: 'all' | 'restricted';
  readonly nodePortIngress?: boolean;
  readonly nodePortSourceCidrs?: string[];
  readonly waitForJoin?: boolean;
  readonly spot?: boolean;
}
export interface PoolEntry extends PoolSettings {
  readonly name: string;
  /** Leaves the nodes stack at the next deploy (see src/model/decommission.ts). */
  readonly decommission?: boolean;
}
export interface ResourceEntry {
  readonly cpu?: string;
  readonly memory?: string;
}
export interface TenantEntry {
  readonly name: string;
  /** Destroyed by the next deploy, protection off (see src/model/decommission.ts). */
  readonly decommission?: boolean;
  readonly kubernetesVersion?: string;
  readonly controlPlane?: {
    readonly replicas?: number;
    readonly exposure?: 'LoadBalancer' | 'AwsElasticIP' | 'NodePort' | 'Ingress';
    readonly address?: string;
    readonly port?: number;
    readonly publicSubnetIds?: string[];
    readonly ingressPort?: number;
    readonly konnectivityPort?: number;
    readonly certSANs?: string[];
    readonly loadBalancerSourceRanges?: string[];
    readonly ingressHostname?: string;
    readonly ingressClassName?: string;
    readonly konnectivity?: boolean;
    readonly loadBalancerIpCheck?: boolean;
    readonly resources?: {
      readonly apiServer?: ResourceEntry;
      readonly controllerManager?: ResourceEntry;
      readonly scheduler?: ResourceEntry;
    };
  };
  readonly network?: { readonly podCidr?: string; readonly serviceCidr?: string };
  readonly pki?: {
    readonly source: 'generated' | 'files' | 'aws-secrets-manager' | 'aws-ssm-parameter';
    readonly certPath?: string;
    readonly keyPath?: string;
    readonly secretId?: string;
    readonly parameterName?: string;
    readonly region?: string;
    readonly algorithm?: 'RSA' | 'ECDSA';
    readonly validityYears?: number;
  };
  readonly dataStore?: string;
  readonly workers?: PoolEntry[];
  readonly cni?: 'calico' | 'none';
  readonly cloudIntegration?: {
    readonly cloudControllerManager?: boolean;
    readonly ebsCsi?: boolean;
    readonly defaultStorageClass?: boolean;
  };
  readonly drain?: {
    readonly enabled?: boolean;
    readonly heartbeatTimeoutSeconds?: number;
    readonly drainTimeoutSeconds?: number;
    readonly spotInterruptions?: boolean;
    readonly rebalanceRecommendations?: boolean;
  };
}
export type StateEntry = StateSpec;
export interface TenantsFile {
  readonly platform?: PlatformEntry;
  readonly defaults?: {
    readonly awsRegion?: string;
    readonly kubernetesVersion?: string;
    readonly workers?: PoolSettings;
  };
  readonly state?: StateEntry;
  readonly tenants: TenantEntry[];
}

/** The namespace of a tenant's objects on the management cluster. */
export const tenantNamespace = (tenant: string) => `tenant-${tenant}`;

/** A tenant with `defaults` applied: what the stacks are built from. */
export interface ResolvedTenant {
  readonly name: string;
  /** The tenant's stacks are destroyed by the next deploy (`decommission: true`). */
  readonly decommission: boolean;
  readonly kubernetesVersion: string;
  readonly awsRegion?: string;
  /** The management cluster's AWS region (platform.awsRegion, else defaults.awsRegion). */
  readonly managementAwsRegion?: string;
  readonly controlPlane: NonNullable<TenantEntry['controlPlane']>;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly pki: NonNullable<TenantEntry['pki']>;
  readonly dataStore: string;
  readonly workers: PoolEntry[];
  readonly cni: 'calico' | 'none';
  readonly cloudIntegration: NonNullable<TenantEntry['cloudIntegration']>;
  readonly drain: NonNullable<TenantEntry['drain']>;
}

export interface LoadedTenantsFile {
  /** The file as written (present when it parsed and its structure is valid). */
  readonly file?: TenantsFile;
  /** Tenants with defaults applied (present when there are no problems). */
  readonly tenants?: ResolvedTenant[];
  readonly problems: readonly Problem[];
}

/** Hooks for checks that need more than the file (CA files on disk, rendered user data). */
export interface TenantsFileChecks {
  /**
   * Checks the CA files of a tenant's `pki` (source `files`: certificate and key; the secret-store
   * sources: the certificate); paths are as written in the file.
   */
  readonly pkiFiles?: (tenant: ResolvedTenant, problems: Problems) => void;
  /** Checks a resolved tenant as a whole (user-data size of each pool, ...). */
  readonly tenant?: (tenant: ResolvedTenant, problems: Problems) => void;
}

export function loadTenantsFile(text: string, fileName: string, checks: TenantsFileChecks = {}): LoadedTenantsFile {
  // A file that is not YAML, or not a tenants file at all, is one problem, not a cascade.
  const textProblems = tenantsFileTextProblems(text, fileName);
  if (textProblems.length > 0) return { problems: textProblems };
  const { doc, lineCounter } = parseTenantsText(text);
  // Syntax errors were reported above (tenantsFileTextProblems).
  const problems = new Problems(fileName);

  const locate: Locate = (path) => {
    for (let n = path.length; n >= 0; n--) {
      const node = doc.getIn(path.slice(0, n), true) as { range?: [number, number, number] } | undefined;
      const pair = n > 0 ? keyNode(doc, path.slice(0, n)) : undefined;
      const range = pair?.range ?? node?.range;
      if (range) {
        const pos = lineCounter.linePos(range[0]);
        return { line: pos.line, column: pos.col };
      }
    }
    return undefined;
  };
  let data: unknown;
  try {
    data = doc.toJS();
  } catch (e) {
    // The yaml library refuses documents whose aliases expand past its limit (a "billion laughs").
    problems.add('(file)', undefined, `is not valid YAML: ${e instanceof Error ? e.message : String(e)}`);
    return { problems: problems.all };
  }
  if (data !== null && data !== undefined && !isMapping(data)) {
    // Named `(file)` like a syntax error: the root has no YAML path of its own.
    const what = Array.isArray(data) ? 'a list' : `a ${typeof data}`;
    problems.add('(file)', data, `must be a mapping with a "tenants" list at the top, not ${what}`, locate([]));
    return { problems: problems.all };
  }
  checkShape(data ?? {}, TENANTS_FILE_SHAPE, [], problems, locate);
  if (!isMapping(data) || !Array.isArray(data.tenants)) return { problems: problems.all };

  // Cross-field rules still run where they can, so one file with mistakes of both kinds reports all
  // of them: a wrongly typed or unknown value is removed (its default applies) and judged once, and
  // the rules that depend on what it should have said are skipped; an object missing a required key
  // is skipped as a whole (not the objects around it).
  const structural = [...problems.all];
  const incomplete = structural
    .filter((p) => p.rule === 'is required')
    .map((p) => formatPath(splitPath(p.field).slice(0, -1)));
  const removed = new Set(structural.filter((p) => p.rule !== 'is required').map((p) => p.field));
  const file = structuredClone(data) as unknown as TenantsFile;
  for (const p of structural) if (p.rule !== 'is required') removeAt(file, splitPath(p.field));
  const damage: Damage = {
    incompleteAt: (at) => incomplete.includes(formatPath(at)),
    incompleteUnder: (at) => {
      const prefix = formatPath(at);
      return incomplete.some((f) => f !== prefix && isUnder(f, prefix));
    },
    invalid: (at) => removed.has(formatPath(at)),
  };
  const semantic = new Problems(fileName);
  const tenants = checkRules(file, semantic, locate, checks, damage);
  for (const p of semantic.all) {
    if (structural.some((s) => p.field === s.field || isUnder(p.field, s.field))) continue;
    problems.add(p.field, p.value, p.rule, p.line === undefined ? undefined : { line: p.line, column: p.column ?? 1 });
  }
  return problems.empty ? { file, tenants, problems: [] } : { file, problems: problems.all };
}

/** Fleet networks are IPv4 (the node bootstrap and Calico's VXLAN pool are IPv4-only). */
function ipv4Cidr(text: unknown): Cidr | undefined {
  const c = parseStrictCidr(text);
  return c?.network.family === 4 ? c : undefined;
}

/** `a.b[0]` is under `a.b` and `a` */
function isUnder(field: string, prefix: string): boolean {
  return prefix === '' || field.startsWith(`${prefix}.`) || field.startsWith(`${prefix}[`);
}

function removeAt(root: unknown, path: DocPath): void {
  let cur: unknown = root;
  for (const part of path.slice(0, -1)) {
    if (cur === null || typeof cur !== 'object') return;
    cur = (cur as Record<string | number, unknown>)[part];
  }
  const last = path[path.length - 1];
  if (Array.isArray(cur) && typeof last === 'number') cur[last] = undefined;
  else if (isMapping(cur) && typeof last === 'string') delete cur[last];
}

/** The key node of the last path element, so a problem points at `maxSize:` rather than its value. */
function keyNode(
  doc: ReturnType<typeof parseDocument>,
  path: DocPath,
): { range?: [number, number, number] } | undefined {
  const parent = doc.getIn(path.slice(0, -1), true) as
    { items?: { key?: { value?: unknown; range?: [number, number, number] } }[] } | undefined;
  const last = path[path.length - 1];
  if (typeof last !== 'string' || !parent?.items) return undefined;
  return parent.items.find((item) => item.key?.value === last)?.key;
}

/** What the structural check found wrong, for the cross-field rules to step around. */
interface Damage {
  /** The object at the path misses a required key. */
  readonly incompleteAt: (at: DocPath) => boolean;
  /** Some object below the path (not the path itself) misses a required key. */
  readonly incompleteUnder: (at: DocPath) => boolean;
  /** The value at the path was invalid (wrong type, not one of the allowed values) and was removed. */
  readonly invalid: (at: DocPath) => boolean;
}

function checkRules(
  file: TenantsFile,
  problems: Problems,
  locate: Locate,
  checks: TenantsFileChecks,
  damage: Damage,
): ResolvedTenant[] {
  const broken = (at: DocPath) => damage.incompleteAt(at) || damage.incompleteUnder(at);
  const add = (path: DocPath, value: unknown, rule: string) =>
    problems.add(formatPath(path), value, rule, locate(path));
  const platform = file.platform ?? {};
  const dataStoreNames = new Set<string>();

  // DataStores: names, driver rules (DESIGN.md section 2), no inline secrets (the shape only allows refs).
  (platform.dataStores ?? []).forEach((ds, i) => {
    const at: DocPath = ['platform', 'dataStores', i];
    if (!isMapping(ds) || broken(at)) {
      // Still known by name, so tenants that refer to it are not reported twice.
      if (isMapping(ds) && typeof ds.name === 'string') dataStoreNames.add(ds.name);
      return;
    }
    const local = new Problems(problems.where);
    validateDataStore(ds, local);
    for (const p of local.all) add([...at, ...splitPath(p.field)], p.value, p.rule);
    if (dataStoreNames.has(ds.name)) add([...at, 'name'], ds.name, 'must be unique among platform.dataStores');
    dataStoreNames.add(ds.name);
  });
  const bundledEtcd = platform.bundledEtcd ?? true;
  const platformDefault = platform.defaultDataStore ?? (bundledEtcd ? DEFAULT_DATASTORE_NAME : undefined);
  const knownDataStores = new Set([...dataStoreNames, ...(bundledEtcd ? [DEFAULT_DATASTORE_NAME] : [])]);
  if (platform.defaultDataStore !== undefined && !knownDataStores.has(platform.defaultDataStore)) {
    add(['platform', 'defaultDataStore'], platform.defaultDataStore, unknownDataStoreRule(knownDataStores));
  }
  if (!bundledEtcd && platform.defaultDataStore === undefined && file.tenants.some((t) => t.dataStore === undefined)) {
    add(
      ['platform', 'defaultDataStore'],
      undefined,
      'is required when bundledEtcd is false and a tenant names no dataStore',
    );
  }

  if (file.state && !broken(['state'])) {
    const local = new Problems(problems.where);
    validateState(file.state, local);
    for (const p of local.all) {
      // With an invalid `lock` the lockfile default would judge the table: say nothing until it is fixed.
      if (p.field === 'dynamodbTable' && damage.invalid(['state', 'lock'])) continue;
      add(['state', ...splitPath(p.field)], p.value, p.rule);
    }
  }

  const names = new Map<string, number>();
  const resolved: ResolvedTenant[] = [];
  file.tenants.forEach((t, i) => {
    const at: DocPath = ['tenants', i];
    // Only a tenant missing its own required keys is skipped; a broken pool or pki is handled below.
    if (!isMapping(t) || damage.incompleteAt(at)) return;
    const problemsBefore = problems.all.length;
    if (!isDns1035Label(t.name)) add([...at, 'name'], t.name, DNS1035_LABEL_RULE);
    else if (t.name.length > 40)
      add(
        [...at, 'name'],
        t.name,
        'must be at most 40 characters (it prefixes generated names such as <name>-admin-kubeconfig)',
      );
    else if (names.has(t.name))
      add([...at, 'name'], t.name, `must be unique: tenants[${names.get(t.name)}] has the same name`);
    names.set(t.name, names.get(t.name) ?? i);

    const tenantProblems = problems.child('');
    const versionText = t.kubernetesVersion ?? file.defaults?.kubernetesVersion;
    const versionPath: DocPath =
      t.kubernetesVersion !== undefined ? [...at, 'kubernetesVersion'] : ['defaults', 'kubernetesVersion'];
    let version: KubernetesVersion | undefined;
    if (versionText === undefined) {
      add([...at, 'kubernetesVersion'], undefined, 'is required (here or in defaults.kubernetesVersion)');
    } else {
      const local = new Problems(problems.where);
      version = checkVersion(local, formatPath(versionPath), versionText);
      for (const p of local.all) add(versionPath, p.value, p.rule);
    }

    const podCidr = t.network?.podCidr ?? DEFAULT_POD_CIDR;
    const serviceCidr = t.network?.serviceCidr ?? DEFAULT_SERVICE_CIDR;
    const pod = ipv4Cidr(podCidr);
    const svc = ipv4Cidr(serviceCidr);
    if (!pod) add([...at, 'network', 'podCidr'], podCidr, IPV4_CIDR_RULE);
    if (!svc) add([...at, 'network', 'serviceCidr'], serviceCidr, IPV4_CIDR_RULE);
    if (pod && svc && cidrsOverlap(pod, svc)) {
      add([...at, 'network', 'serviceCidr'], serviceCidr, `must not overlap the pod CIDR ${podCidr}`);
    }
    if (pod && pod.prefix > 24)
      add([...at, 'network', 'podCidr'], podCidr, 'must be /24 or larger (Calico gives each node a /26 block)');
    if (svc && svc.prefix > 24) add([...at, 'network', 'serviceCidr'], serviceCidr, 'must be /24 or larger');

    const cp = t.controlPlane ?? {};
    // The control plane's own rules are the construct's (same rules, same messages): the entry is
    // turned into the construct's input and judged by the model. An invalid exposure (`ingress`) is
    // reported by the structural check; judging the fields that depend on it would add wrong problems.
    if (!damage.invalid([...at, 'controlPlane', 'exposure'])) {
      const local = new Problems(problems.where);
      validateTenantControlPlane(
        tenantControlPlaneSpec(
          controlPlaneInput({ name: t.name, kubernetesVersion: versionText ?? '', controlPlane: cp }),
        ),
        local,
      );
      for (const p of local.all) {
        const path = controlPlaneFieldPath(p.field);
        if (path) add([...at, ...path], p.value, p.rule);
      }
    }
    if (cp.exposure === ControlPlaneExposure.AWS_ELASTIC_IP && !platform.awsRegion && !file.defaults?.awsRegion) {
      add(
        ['platform', 'awsRegion'],
        undefined,
        'is required (here or in defaults.awsRegion) when a tenant uses exposure AwsElasticIP',
      );
    }

    const pki = t.pki ?? { source: 'generated' as const };
    // A pki whose source is missing or invalid: the source-dependent rules cannot be judged.
    const pkiKnown = t.pki === undefined || t.pki.source !== undefined;
    if (pkiKnown) {
      checkPki(pki, [...at, 'pki'], add, file.defaults?.awsRegion ?? platform.awsRegion);
    }

    const dataStore = t.dataStore ?? platformDefault ?? DEFAULT_DATASTORE_NAME;
    if (t.dataStore !== undefined && !knownDataStores.has(t.dataStore)) {
      add([...at, 'dataStore'], t.dataStore, unknownDataStoreRule(knownDataStores));
    }

    const poolNames = new Map<string, number>();
    // User data is rendered from whole pools only: a pool with an incomplete part (a taint without
    // effect) still gets its own rules checked, but no rendering.
    let renderable = true;
    const workers = (t.workers ?? []).flatMap((w, j): PoolEntry[] => {
      const wat: DocPath = [...at, 'workers', j];
      if (!isMapping(w) || damage.incompleteAt(wat)) return [];
      if (damage.incompleteUnder(wat)) renderable = false;
      const pool: PoolEntry = { ...poolDefaultsFor(file.defaults?.workers, w), ...w };
      if (!isDns1123Label(w.name)) add([...wat, 'name'], w.name, DNS1123_LABEL_RULE);
      else if (poolNames.has(w.name))
        add(
          [...wat, 'name'],
          w.name,
          `must be unique within the tenant: workers[${poolNames.get(w.name)}] has the same name`,
        );
      poolNames.set(w.name, poolNames.get(w.name) ?? j);
      const where = (key: keyof PoolSettings): DocPath =>
        w[key] !== undefined ? [...wat, key] : ['defaults', 'workers', key];
      if (!pool.instanceType)
        add([...wat, 'instanceType'], undefined, 'is required (here or in defaults.workers.instanceType)');
      if (!pool.subnetIds || pool.subnetIds.length === 0) {
        add(
          where('subnetIds'),
          pool.subnetIds,
          'must list at least one subnet id (here or in defaults.workers.subnetIds)',
        );
      }
      (pool.subnetIds ?? []).forEach((s, k) => {
        if (!/^subnet-[0-9a-f]{8,17}$/.test(s))
          add([...where('subnetIds'), k], s, 'must be a subnet id such as "subnet-0123456789abcdef0"');
      });
      const { minSize: min, maxSize: max } = poolSizes(pool);
      if (min > max) add(where('minSize'), min, `must be <= maxSize (${max})`);
      else if (pool.desiredSize !== undefined && (pool.desiredSize < min || pool.desiredSize > max)) {
        add(where('desiredSize'), pool.desiredSize, `must be between minSize (${min}) and maxSize (${max})`);
      }
      if (pool.kubernetesVersion !== undefined && version) {
        const local = new Problems(problems.where);
        const kubelet = checkVersion(local, '', pool.kubernetesVersion);
        for (const p of local.all) add(where('kubernetesVersion'), p.value, p.rule);
        const skew = kubelet && skewProblem(version, kubelet);
        if (skew) add(where('kubernetesVersion'), pool.kubernetesVersion, skew);
      }
      return [pool];
    });
    if (workers.length > 0 && !file.defaults?.awsRegion) {
      add(['defaults', 'awsRegion'], undefined, 'is required when a tenant has worker pools');
    }

    const tenant: ResolvedTenant = {
      name: t.name,
      decommission: t.decommission === true,
      kubernetesVersion: versionText ?? '',
      awsRegion: file.defaults?.awsRegion,
      managementAwsRegion: platform.awsRegion ?? file.defaults?.awsRegion,
      controlPlane: cp,
      podCidr,
      serviceCidr,
      pki,
      dataStore,
      workers,
      cni: t.cni ?? 'calico',
      cloudIntegration: t.cloudIntegration ?? {},
      drain: t.drain ?? {},
    };
    const pkiFilesNamed = pki.source === 'files' ? pki.certPath && pki.keyPath : pki.certPath;
    if (pkiKnown && pki.source !== 'generated' && pkiFilesNamed) {
      checksAt(checks.pkiFiles, tenant, tenantProblems, [...at, 'pki'], add);
    }
    // The whole-tenant checks render user data from the resolved tenant: only meaningful (and only
    // free of repeats) when nothing else about the tenant is wrong.
    if (renderable && problems.all.length === problemsBefore) {
      checksAt(checks.tenant, tenant, tenantProblems, at, add);
    }
    resolved.push(tenant);
  });
  return resolved;
}

const BRING_YOUR_OWN_SOURCES = 'sources files, aws-secrets-manager and aws-ssm-parameter';
const SECRET_STORE_SOURCES = 'sources aws-secrets-manager and aws-ssm-parameter';

/**
 * The source-dependent rules of a tenant's `pki` (its keys and their types are the shape's): the
 * keys each source needs, the keys of other sources, the secret id / parameter name and region of a
 * secret-store CA (the same rules as TenantPki's, from src/model/pki.ts).
 */
function checkPki(
  pki: NonNullable<TenantEntry['pki']>,
  at: DocPath,
  add: (path: DocPath, value: unknown, rule: string) => void,
  defaultRegion: string | undefined,
): void {
  const only = (keys: readonly (keyof typeof pki)[], rule: string) => {
    for (const k of keys) if (pki[k] !== undefined) add([...at, k], pki[k], rule);
  };
  const secretsManager = pki.source === 'aws-secrets-manager';
  if (pki.source === 'generated') {
    only(['certPath'], `only applies to ${BRING_YOUR_OWN_SOURCES}`);
    only(['keyPath'], 'only applies to source files');
    only(['secretId', 'parameterName', 'region'], `only applies to ${SECRET_STORE_SOURCES}`);
    return;
  }
  only(['algorithm', 'validityYears'], 'only applies to source generated');
  if (pki.source === 'files') {
    if (!pki.certPath) add([...at, 'certPath'], undefined, 'is required with source files');
    if (!pki.keyPath) add([...at, 'keyPath'], undefined, 'is required with source files');
    only(['secretId', 'parameterName', 'region'], `only applies to ${SECRET_STORE_SOURCES}`);
    return;
  }
  if (!pki.certPath) {
    add(
      [...at, 'certPath'],
      undefined,
      `is required with source ${pki.source}: the CA certificate (public, committed), relative to the tenants file`,
    );
  }
  only(['keyPath'], 'only applies to source files: a secret-store CA reads its key from AWS at apply');
  only(
    [secretsManager ? 'parameterName' : 'secretId'],
    `only applies to source ${secretsManager ? 'aws-ssm-parameter' : 'aws-secrets-manager'}`,
  );
  const local = new Problems('');
  const [field, value] = secretsManager
    ? (['secretId', pki.secretId] as const)
    : (['parameterName', pki.parameterName] as const);
  let location: SecretStoreLocation | undefined;
  if (value === undefined) add([...at, field], undefined, `is required with source ${pki.source}`);
  else location = secretsManager ? checkSecretId(value, local) : checkSsmParameterName(value, local);
  const region = secretStoreRegion(pki.region, location, local);
  for (const p of local.all) add([...at, p.field], p.value, p.rule);
  if (region === undefined && pki.region === undefined && defaultRegion === undefined && value !== undefined) {
    add(
      [...at, 'region'],
      undefined,
      'is required (here, in an ARN, or as defaults.awsRegion / platform.awsRegion): the AWS region of the secret',
    );
  }
}

/** The construct's input for a tenant entry's control plane (the fleet builds its stacks from it too). */
export function controlPlaneInput(tenant: {
  readonly name: string;
  readonly kubernetesVersion: string;
  readonly controlPlane: NonNullable<TenantEntry['controlPlane']>;
}): TenantControlPlaneInput {
  const cp = tenant.controlPlane;
  const resources = (r?: ResourceEntry) => (r ? { cpuRequest: r.cpu, memoryRequest: r.memory } : undefined);
  return {
    name: tenant.name,
    namespace: tenantNamespace(tenant.name),
    kubernetesVersion: tenant.kubernetesVersion,
    replicas: cp.replicas,
    exposure: cp.exposure as ControlPlaneExposure | undefined,
    address: cp.address,
    port: cp.port,
    publicSubnetIds: cp.publicSubnetIds,
    ingressPort: cp.ingressPort,
    certSans: cp.certSANs,
    loadBalancerSourceRanges: cp.loadBalancerSourceRanges,
    ingressHostname: cp.ingressHostname,
    ingressClassName: cp.ingressClassName,
    konnectivity: cp.konnectivity,
    konnectivityPort: cp.konnectivityPort,
    apiServerResources: resources(cp.resources?.apiServer),
    controllerManagerResources: resources(cp.resources?.controllerManager),
    schedulerResources: resources(cp.resources?.scheduler),
  };
}

/**
 * Where a control-plane field of the model lives in a tenant entry; undefined for the fields the
 * file checks with rules of its own (name, version, networks, DataStore).
 */
function controlPlaneFieldPath(field: string): DocPath | undefined {
  const [head, ...rest] = splitPath(field);
  const resources = /^(apiServer|controllerManager|scheduler)Resources$/.exec(String(head));
  if (resources) {
    const key = rest[0] === 'cpuRequest' ? 'cpu' : rest[0] === 'memoryRequest' ? 'memory' : undefined;
    return key ? ['controlPlane', 'resources', resources[1], key] : undefined;
  }
  if (head === 'certSans') return ['controlPlane', 'certSANs', ...rest];
  const own: readonly unknown[] = [
    'replicas',
    'exposure',
    'address',
    'port',
    'publicSubnetIds',
    'ingressPort',
    'loadBalancerSourceRanges',
    'ingressHostname',
    'ingressClassName',
    'konnectivityPort',
  ];
  return own.includes(head) ? ['controlPlane', head, ...rest] : undefined;
}

/** Runs a hook with a problem list whose fields are relative to `at`, then files them with positions. */
function checksAt(
  hook: ((t: ResolvedTenant, p: Problems) => void) | undefined,
  tenant: ResolvedTenant,
  parent: Problems,
  at: DocPath,
  add: (path: DocPath, value: unknown, rule: string) => void,
): void {
  if (!hook) return;
  const local = new Problems(parent.where);
  hook(tenant, local);
  for (const p of local.all) add([...at, ...splitPath(p.field)], p.value, p.rule);
}

/** `workers[0].maxSize` -> ['workers', 0, 'maxSize'] */
export function splitPath(field: string): DocPath {
  const out: (string | number)[] = [];
  for (const m of field.matchAll(/([^.[\]]+)|\[(\d+)\]/g)) out.push(m[2] !== undefined ? Number(m[2]) : m[1]);
  return out;
}

const CANONICAL_IMAGE_KEYS = ['ubuntuRelease', 'imageSerial', 'architecture'] as const;

/**
 * The defaults a pool inherits. A pool that pins its image one way (an `amiId`, or a Canonical
 * release/serial/architecture) does not inherit the other way from the defaults: the two exclude
 * each other, and the pool's own choice wins.
 */
export function poolDefaultsFor(defaults: PoolSettings | undefined, pool: PoolSettings): PoolSettings {
  if (!defaults) return {};
  const drop: string[] = [];
  if (pool.amiId !== undefined) drop.push(...CANONICAL_IMAGE_KEYS);
  if (CANONICAL_IMAGE_KEYS.some((k) => pool[k] !== undefined)) drop.push('amiId');
  return Object.fromEntries(Object.entries(defaults).filter(([k]) => !drop.includes(k))) as PoolSettings;
}

/** Pool sizes with defaults: min 1, max = max(min, 3), desired = min. */
export function poolSizes(pool: PoolSettings): { minSize: number; maxSize: number; desiredSize: number } {
  const minSize = pool.minSize ?? 1;
  const maxSize = pool.maxSize ?? Math.max(minSize, 3);
  return { minSize, maxSize, desiredSize: pool.desiredSize ?? minSize };
}

function unknownDataStoreRule(known: Set<string>): string {
  const names = [...known].sort();
  return `must name a DataStore declared in platform.dataStores${names.length ? ` (known: ${names.join(', ')})` : ' (none declared)'}`;
}
