/** Kubernetes name rules (apimachinery validation), shared by every model that names an object. */

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** A DNS-1123 label: namespaces, most object names. */
export function isDns1123Label(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1123_LABEL.test(value);
}

/** A DNS-1035 label (starts with a letter): Service names, and so TenantControlPlane names. */
export function isDns1035Label(value: unknown): value is string {
  return typeof value === 'string' && value.length <= 63 && DNS1035_LABEL.test(value);
}

/** A DNS-1123 subdomain: cluster-scoped names such as DataStores. */
export function isDns1123Subdomain(value: unknown): value is string {
  return (
    typeof value === 'string' && value.length <= 253 && value.split('.').every((label) => DNS1123_LABEL.test(label))
  );
}

export const DNS1123_LABEL_RULE = 'must be a DNS-1123 label: lowercase letters, digits and "-", at most 63 characters';
export const DNS1035_LABEL_RULE =
  'must be a DNS-1035 label: start with a lowercase letter, then lowercase letters, digits and "-", at most 63 characters';
export const DNS1123_SUBDOMAIN_RULE =
  'must be a DNS-1123 subdomain: dot-separated DNS-1123 labels, at most 253 characters';

// AWS names (one rule for every region check: the state bucket, Elastic IPs, pools, the CLI).
const AWS_REGION = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$/;

/** An AWS region name: `eu-west-1`, `us-gov-west-1`, `cn-north-1`. */
export function isAwsRegion(value: unknown): value is string {
  return typeof value === 'string' && AWS_REGION.test(value);
}

export const AWS_REGION_RULE = 'must be an AWS region such as "eu-west-1"';
