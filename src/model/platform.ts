/**
 * The management-cluster platform: cert-manager and Kamaji Helm releases, as data.
 *
 * Facts (DESIGN.md section 2): the Kamaji CRDs hard-code the webhook service `kamaji-webhook-service`
 * and the certificate `kamaji-system/kamaji-serving-cert`, so the release must be `kamaji` in
 * `kamaji-system`. cert-manager must be installed first (webhook CA injection).
 */
import { stringify } from 'yaml';
import { Problems } from './errors';
import { isMapping } from './shape';
import { DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, isDns1123Label, isDns1123Subdomain } from './names';

export const KAMAJI_RELEASE_NAME = 'kamaji';
export const KAMAJI_NAMESPACE = 'kamaji-system';
export const KAMAJI_CHART_REPOSITORY = 'https://clastix.github.io/charts';
/**
 * The public clastix repository publishes one rolling chart version, rebuilt on every upstream push
 * (stable charts are subscription-only). The image tag below is what pins Kamaji's behaviour; mirror
 * the chart to your own registry (see `kamajiChartRepository`) for byte-reproducible installs.
 */
export const DEFAULT_KAMAJI_CHART_VERSION = '0.0.0+latest';
/** The Kamaji edge release this project's CRD model and version ceiling were checked against. */
export const DEFAULT_KAMAJI_IMAGE_TAG = '26.8.2-edge';
export const CERT_MANAGER_CHART_REPOSITORY = 'https://charts.jetstack.io';
export const DEFAULT_CERT_MANAGER_CHART_VERSION = 'v1.19.1';
export const DEFAULT_CERT_MANAGER_NAMESPACE = 'cert-manager';
export const DEFAULT_DATASTORE_NAME = 'default';
export const DEFAULT_HELM_TIMEOUT_SECONDS = 600;

/** Everything the platform stage installs, fully defaulted. */
export interface PlatformSpec {
  readonly certManager: {
    readonly install: boolean;
    readonly chartVersion: string;
    readonly repository: string;
    readonly namespace: string;
  };
  readonly kamaji: {
    readonly chartVersion: string;
    readonly repository: string;
    readonly imageTag: string;
    readonly releaseName: string;
    readonly namespace: string;
    readonly telemetry: boolean;
    readonly bundledEtcd: boolean;
    readonly defaultDataStore: string;
    readonly extraValues: Record<string, unknown>;
  };
  readonly timeoutSeconds: number;
}

/** The knobs a user may set; every one is optional. */
export interface PlatformInput {
  installCertManager?: boolean;
  certManagerChartVersion?: string;
  certManagerChartRepository?: string;
  certManagerNamespace?: string;
  kamajiChartVersion?: string;
  kamajiChartRepository?: string;
  kamajiImageTag?: string;
  kamajiReleaseName?: string;
  kamajiNamespace?: string;
  telemetry?: boolean;
  bundledEtcd?: boolean;
  defaultDataStoreName?: string;
  extraValues?: Record<string, unknown>;
  timeoutSeconds?: number;
}

export function platformSpec(input: PlatformInput): PlatformSpec {
  const bundledEtcd = input.bundledEtcd ?? true;
  return {
    certManager: {
      install: input.installCertManager ?? true,
      chartVersion: input.certManagerChartVersion ?? DEFAULT_CERT_MANAGER_CHART_VERSION,
      repository: input.certManagerChartRepository ?? CERT_MANAGER_CHART_REPOSITORY,
      namespace: input.certManagerNamespace ?? DEFAULT_CERT_MANAGER_NAMESPACE,
    },
    kamaji: {
      chartVersion: input.kamajiChartVersion ?? DEFAULT_KAMAJI_CHART_VERSION,
      repository: input.kamajiChartRepository ?? KAMAJI_CHART_REPOSITORY,
      imageTag: input.kamajiImageTag ?? DEFAULT_KAMAJI_IMAGE_TAG,
      releaseName: input.kamajiReleaseName ?? KAMAJI_RELEASE_NAME,
      namespace: input.kamajiNamespace ?? KAMAJI_NAMESPACE,
      telemetry: input.telemetry ?? false,
      bundledEtcd,
      // With the bundled etcd off there is no DataStore called "default": the user must name one.
      defaultDataStore: input.defaultDataStoreName ?? (bundledEtcd ? DEFAULT_DATASTORE_NAME : ''),
      extraValues: input.extraValues ?? {},
    },
    timeoutSeconds: input.timeoutSeconds ?? DEFAULT_HELM_TIMEOUT_SECONDS,
  };
}

// A Helm chart version is SemVer 2 (a leading "v" is tolerated by Helm and used by jetstack).
const CHART_VERSION = /^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$/;
// OCI distribution spec tag grammar.
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const HTTP_OR_OCI = /^(https?|oci):\/\/\S+$/;

/** Values this project sets from props; `extraValues` may not override them (use the prop). */
const MANAGED_VALUE_PATHS = [
  'image.tag',
  'telemetry.disabled',
  'defaultDatastoreName',
  'kamaji-etcd.deploy',
  'kamaji-etcd.datastore',
];

export function validatePlatform(spec: PlatformSpec, problems: Problems): void {
  const { certManager, kamaji } = spec;
  problems.check(
    kamaji.releaseName === KAMAJI_RELEASE_NAME,
    'kamajiReleaseName',
    kamaji.releaseName,
    `must be "${KAMAJI_RELEASE_NAME}": the Kamaji CRDs hard-code the webhook service "kamaji-webhook-service" and certificate "${KAMAJI_NAMESPACE}/kamaji-serving-cert"`,
  );
  problems.check(
    kamaji.namespace === KAMAJI_NAMESPACE,
    'kamajiNamespace',
    kamaji.namespace,
    `must be "${KAMAJI_NAMESPACE}": the Kamaji CRDs' conversion webhook and cert-manager CA injection point there`,
  );
  checkChartVersion(problems, 'kamajiChartVersion', kamaji.chartVersion);
  problems.check(
    IMAGE_TAG.test(kamaji.imageTag),
    'kamajiImageTag',
    kamaji.imageTag,
    'must be an image tag: 1-128 characters from [A-Za-z0-9_.-], not starting with "." or "-"',
  );
  problems.check(
    HTTP_OR_OCI.test(kamaji.repository),
    'kamajiChartRepository',
    kamaji.repository,
    'must be an http(s):// or oci:// URL',
  );
  if (kamaji.bundledEtcd || kamaji.defaultDataStore !== '') {
    problems.check(
      isDns1123Subdomain(kamaji.defaultDataStore),
      'defaultDataStoreName',
      kamaji.defaultDataStore,
      DNS1123_SUBDOMAIN_RULE,
    );
  } else {
    problems.add(
      'defaultDataStoreName',
      undefined,
      'is required when bundledEtcd is false: name the DataStore that tenants without one should use',
    );
  }
  for (const path of MANAGED_VALUE_PATHS) {
    const value = lookup(kamaji.extraValues, path);
    problems.check(
      value === undefined,
      `extraValues.${path}`,
      value,
      'is set by a prop of its own (kamajiImageTag, telemetry, bundledEtcd, defaultDataStoreName); set it there',
    );
  }
  if (certManager.install) {
    checkChartVersion(problems, 'certManagerChartVersion', certManager.chartVersion);
    problems.check(
      isDns1123Label(certManager.namespace),
      'certManagerNamespace',
      certManager.namespace,
      DNS1123_LABEL_RULE,
    );
    problems.check(
      HTTP_OR_OCI.test(certManager.repository),
      'certManagerChartRepository',
      certManager.repository,
      'must be an http(s):// or oci:// URL',
    );
  }
  problems.check(
    Number.isInteger(spec.timeoutSeconds) && spec.timeoutSeconds >= 60 && spec.timeoutSeconds <= 3600,
    'timeoutSeconds',
    spec.timeoutSeconds,
    'must be a whole number of seconds from 60 to 3600',
  );
}

function checkChartVersion(problems: Problems, field: string, value: string): void {
  problems.check(
    CHART_VERSION.test(value),
    field,
    value,
    'must be an exact SemVer chart version such as "1.2.3" or "v1.19.1" (ranges and empty values make plans unreproducible)',
  );
}

/** The Kamaji chart values, extra values first and ours on top, as deterministic YAML. */
export function kamajiValues(spec: PlatformSpec): Record<string, unknown> {
  const { kamaji } = spec;
  const ours: Record<string, unknown> = {
    image: { tag: kamaji.imageTag },
    telemetry: { disabled: !kamaji.telemetry },
    defaultDatastoreName: kamaji.defaultDataStore,
    'kamaji-etcd': kamaji.bundledEtcd
      ? { deploy: true, datastore: { enabled: true, name: kamaji.defaultDataStore } }
      : { deploy: false, datastore: { enabled: false } },
  };
  return deepMerge(kamaji.extraValues, ours);
}

export function certManagerValues(): Record<string, unknown> {
  return { crds: { enabled: true } };
}

/**
 * Rendered chart values by their JSON. A fleet renders the same small values once per tenant (Calico's
 * differ only by pod CIDR, which most tenants share), and yaml's stringify costs ~0.3 ms a call: at
 * 1,000 tenants that was ~1.5% of the synth (bench/fleet.ts). Bounded, so a long-lived process cannot grow it.
 */
const yamlCache = new Map<string, string>();
const YAML_CACHE_LIMIT = 1024;

/** YAML with sorted keys, so equal values always give equal bytes. */
export function toYaml(values: Record<string, unknown>): string {
  const key = JSON.stringify(values);
  const cached = yamlCache.get(key);
  if (cached !== undefined) return cached;
  const text = stringify(values, { sortMapEntries: true, lineWidth: 0 });
  if (yamlCache.size >= YAML_CACHE_LIMIT) yamlCache.clear();
  yamlCache.set(key, text);
  return text;
}

/** Merges `top` over `base`; objects merge key by key, anything else in `top` wins. */
export function deepMerge(base: Record<string, unknown>, top: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(top)) {
    const prev = out[key];
    out[key] = isMapping(prev) && isMapping(value) ? deepMerge(prev, value) : value;
  }
  return out;
}

function lookup(values: Record<string, unknown>, dotted: string): unknown {
  let cur: unknown = values;
  for (const part of dotted.split('.')) {
    if (!isMapping(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}
