/**
 * What the review knows about resource types without asking a provider: which attribute changes
 * replace the resource (or are refused in place), and which attributes hold secrets.
 *
 * Sources:
 * - kubernetes_manifest: the provider's PlanResourceChange marks `manifest.apiVersion`, `.kind`,
 *   `.metadata.name` and (for namespaced kinds) `.metadata.namespace` as RequiresReplace
 *   (hashicorp/terraform-provider-kubernetes, manifest/provider/plan.go).
 * - TenantControlPlane / DataStore: CEL rules `self == oldSelf` in Kamaji's CRDs
 *   (`dataStoreSchema`, `dataStoreUsername`, `networkProfile.clusterDomain`,
 *   `networkProfile.loadBalancerClass`; DataStore `driver`). The API server refuses such an update,
 *   so the apply fails; only deleting the object (the tenant's data with it) would apply it.
 *   `spec.dataStore` itself may change (a migration between DataStores of the same driver).
 * - The other types: ForceNew / RequiresReplace attributes of the AWS, kubernetes, tls, random,
 *   time and helm providers' schemas.
 */
import { Json, JsonObject, isObject } from './synth-output';
import { isUnder, overlaps, valueAt } from './paths';

export enum ChangeEffect {
  /** Terraform destroys the resource and creates it again. */
  REPLACE = 'replace',
  /** The API refuses the change in place; the apply fails. */
  REJECTED = 'rejected',
}

export interface AttributeRule {
  readonly path: string;
  readonly effect: ChangeEffect;
  readonly reason: string;
}

interface TypeRules {
  /** Applies only to resources this accepts (a manifest's kind, for example). */
  readonly when?: (config: JsonObject) => boolean;
  readonly replace?: readonly string[];
  /** Any configuration change replaces the resource (random_string, tls_self_signed_cert). */
  readonly replaceOnAnyChange?: boolean;
  readonly rejected?: readonly string[];
  readonly sensitive?: readonly string[];
}

const manifestKind = (kind: string) => (config: JsonObject) => valueAt(config, 'manifest.kind') === kind;

const RULES: Readonly<Record<string, readonly TypeRules[]>> = {
  kubernetes_manifest: [
    { replace: ['manifest.apiVersion', 'manifest.kind', 'manifest.metadata.name', 'manifest.metadata.namespace'] },
    {
      when: manifestKind('TenantControlPlane'),
      rejected: [
        'manifest.spec.dataStoreSchema',
        'manifest.spec.dataStoreUsername',
        'manifest.spec.networkProfile.clusterDomain',
        'manifest.spec.networkProfile.loadBalancerClass',
      ],
    },
    {
      when: manifestKind('DataStore'),
      rejected: ['manifest.spec.driver'],
      // Inline ContentRef values (`content`) would be credentials; references are not, but the
      // review cannot tell them apart cheaply, so both are hidden.
      sensitive: ['manifest.spec.basicAuth', 'manifest.spec.tlsConfig'],
    },
    { when: manifestKind('Secret'), sensitive: ['manifest.data', 'manifest.stringData'] },
  ],
  kubernetes_secret_v1: [
    {
      replace: ['metadata.name', 'metadata.namespace', 'metadata.generate_name', 'type'],
      sensitive: ['data', 'data_wo', 'binary_data', 'binary_data_wo'],
    },
  ],
  kubernetes_secret: [
    {
      replace: ['metadata.name', 'metadata.namespace', 'metadata.generate_name', 'type'],
      sensitive: ['data', 'data_wo', 'binary_data', 'binary_data_wo'],
    },
  ],
  aws_launch_template: [
    // user_data carries the bootstrap token when the token is delivered inline (DESIGN.md section 5).
    { replace: ['name', 'name_prefix'], sensitive: ['user_data'] },
  ],
  aws_instance: [{ sensitive: ['user_data', 'user_data_base64'] }],
  aws_autoscaling_group: [{ replace: ['name', 'name_prefix'] }],
  aws_ssm_parameter: [{ replace: ['name'], sensitive: ['value', 'value_wo', 'insecure_value'] }],
  aws_iam_role: [{ replace: ['name', 'name_prefix'] }],
  aws_iam_instance_profile: [{ replace: ['name', 'name_prefix'] }],
  aws_security_group: [{ replace: ['name', 'name_prefix', 'description', 'vpc_id'] }],
  // A new Elastic IP is a new tenant endpoint (ControlPlaneExposure.AWS_ELASTIC_IP).
  aws_eip: [
    {
      replace: [
        'domain',
        'address',
        'customer_owned_ipv4_pool',
        'ipam_pool_id',
        'network_border_group',
        'public_ipv4_pool',
      ],
    },
  ],
  helm_release: [{ replace: ['name', 'namespace'], sensitive: ['set_sensitive', 'set_wo'] }],
  tls_private_key: [
    {
      replace: ['algorithm', 'rsa_bits', 'ecdsa_curve'],
      sensitive: ['private_key_pem', 'private_key_openssh', 'private_key_pem_pkcs8'],
    },
  ],
  tls_self_signed_cert: [{ replaceOnAnyChange: true, sensitive: ['private_key_pem'] }],
  tls_locally_signed_cert: [{ replaceOnAnyChange: true, sensitive: ['ca_private_key_pem'] }],
  // The bootstrap token is two random_string results (`<id>.<secret>`); the random provider does not
  // mark random_string's result sensitive, and a plan shows the old value of a replaced one.
  random_string: [{ replaceOnAnyChange: true, sensitive: ['result', 'id'] }],
  random_password: [{ replaceOnAnyChange: true, sensitive: ['result', 'id', 'bcrypt_hash'] }],
  time_rotating: [{ replace: ['rfc3339', 'triggers'] }],
};

/** Attributes that are arguments of Terraform itself, not of the provider: never a replacement. */
const META_ARGUMENTS = ['depends_on', 'lifecycle', 'provider', 'count', 'for_each', 'provisioner', 'connection'];

function rulesFor(type: string, config: JsonObject): TypeRules[] {
  return (RULES[type] ?? []).filter((r) => r.when?.(config) ?? true);
}

/** The rule a changed path triggers, if any (replacement first: it is the bigger consequence). */
export function effectOf(type: string, config: JsonObject, changedPath: string): AttributeRule | undefined {
  if (META_ARGUMENTS.some((meta) => isUnder(changedPath, meta))) return undefined;
  const rules = rulesFor(type, config);
  for (const r of rules) {
    if (r.replaceOnAnyChange) {
      return { path: changedPath, effect: ChangeEffect.REPLACE, reason: `any change replaces a ${type}` };
    }
    const hit = r.replace?.find((p) => overlaps(changedPath, p));
    if (hit) return { path: hit, effect: ChangeEffect.REPLACE, reason: `${hit} forces replacement` };
  }
  for (const r of rules) {
    const hit = r.rejected?.find((p) => overlaps(changedPath, p));
    if (hit)
      return { path: hit, effect: ChangeEffect.REJECTED, reason: `${hit} is immutable (the API refuses the change)` };
  }
  return undefined;
}

/** True when the value at `path` is (or contains) a sensitive attribute of the type. */
export function isSensitivePath(type: string, config: JsonObject, path: string): boolean {
  return rulesFor(type, config).some((r) => r.sensitive?.some((p) => overlaps(path, p)) ?? false);
}

/** Shapes that are secrets wherever they appear: a kubeadm bootstrap token, a PEM private key. */
const SECRET_SHAPES = [/\b[a-z0-9]{6}\.[a-z0-9]{16}\b/, /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----/];

/** True when a value (or anything inside it) looks like a secret, whatever attribute holds it. */
export function looksSecret(value: Json | undefined): boolean {
  if (typeof value === 'string') return SECRET_SHAPES.some((re) => re.test(value));
  if (Array.isArray(value)) return value.some(looksSecret);
  if (isObject(value)) return Object.values(value).some(looksSecret);
  return false;
}
