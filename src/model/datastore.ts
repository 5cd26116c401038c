/**
 * Kamaji DataStores (cluster-scoped `kamaji.clastix.io/v1alpha1` DataStore): where tenant control
 * planes keep their state. Credentials are only ever Secret references: inline `content` would put a
 * password or a private key into the synthesized configuration (DESIGN.md section 2).
 */
import { Problems } from './errors';
import { DNS1123_LABEL_RULE, DNS1123_SUBDOMAIN_RULE, isDns1123Label, isDns1123Subdomain } from './names';

export const DATASTORE_DRIVERS = ['etcd', 'PostgreSQL', 'MySQL'] as const;
export type DataStoreDriverName = (typeof DATASTORE_DRIVERS)[number];

export interface SecretKeyRef {
  readonly name: string;
  readonly namespace: string;
  readonly keyPath: string;
}

export interface CertificateKeyRefs {
  readonly certificate: SecretKeyRef;
  readonly privateKey?: SecretKeyRef;
}

export interface DataStoreSpec {
  readonly name: string;
  readonly driver: DataStoreDriverName;
  readonly endpoints: readonly string[];
  readonly basicAuth?: { readonly username: SecretKeyRef; readonly password: SecretKeyRef };
  readonly tls?: { readonly certificateAuthority: CertificateKeyRefs; readonly clientCertificate?: CertificateKeyRefs };
}

const ENDPOINT = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?:(\d{1,5})$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;

export function validateDataStore(spec: DataStoreSpec, problems: Problems): void {
  problems.check(isDns1123Subdomain(spec.name), 'name', spec.name, DNS1123_SUBDOMAIN_RULE);
  problems.check(
    (DATASTORE_DRIVERS as readonly string[]).includes(spec.driver),
    'driver',
    spec.driver,
    `must be one of ${DATASTORE_DRIVERS.join(', ')} (NATS is experimental upstream and not offered)`,
  );
  if (spec.endpoints.length === 0) problems.add('endpoints', spec.endpoints, 'must list at least one host:port');
  spec.endpoints.forEach((e, i) => {
    const m = ENDPOINT.exec(e);
    problems.check(m !== null && Number(m[2]) >= 1 && Number(m[2]) <= 65535, `endpoints[${i}]`, e, 'must be host:port');
  });
  const refs: [string, SecretKeyRef | undefined][] = [
    ['basicAuth.username', spec.basicAuth?.username],
    ['basicAuth.password', spec.basicAuth?.password],
    ['tls.certificateAuthority.certificate', spec.tls?.certificateAuthority.certificate],
    ['tls.certificateAuthority.privateKey', spec.tls?.certificateAuthority.privateKey],
    ['tls.clientCertificate.certificate', spec.tls?.clientCertificate?.certificate],
    ['tls.clientCertificate.privateKey', spec.tls?.clientCertificate?.privateKey],
  ];
  for (const [field, ref] of refs) {
    if (!ref) continue;
    problems.check(isDns1123Subdomain(ref.name), `${field}.name`, ref.name, DNS1123_SUBDOMAIN_RULE);
    problems.check(isDns1123Label(ref.namespace), `${field}.namespace`, ref.namespace, DNS1123_LABEL_RULE);
    problems.check(
      SECRET_KEY.test(ref.keyPath),
      `${field}.keyPath`,
      ref.keyPath,
      'must be a Secret data key ([-._a-zA-Z0-9]+)',
    );
  }
  if (spec.tls?.clientCertificate && !spec.tls.clientCertificate.privateKey) {
    problems.add('tls.clientCertificate.privateKey', undefined, 'is required with a client certificate');
  }
  // CRD CEL rules: etcd needs the CA key (Kamaji signs per-tenant etcd client certificates) and a
  // client certificate; the SQL drivers need some way to authenticate.
  if (spec.driver === 'etcd') {
    if (!spec.tls?.certificateAuthority.privateKey) {
      problems.add(
        'tls.certificateAuthority.privateKey',
        undefined,
        'is required for etcd (Kamaji signs tenant client certificates with it)',
      );
    }
    if (!spec.tls?.clientCertificate) problems.add('tls.clientCertificate', undefined, 'is required for etcd');
    if (spec.basicAuth) problems.add('basicAuth', '(set)', 'is not used by etcd DataStores; use tls');
  } else if ((DATASTORE_DRIVERS as readonly string[]).includes(spec.driver) && !spec.tls && !spec.basicAuth) {
    problems.add('basicAuth', undefined, `${spec.driver} DataStores need basicAuth or tls`);
  }
}

const ref = (r: SecretKeyRef) => ({ secretReference: { name: r.name, namespace: r.namespace, keyPath: r.keyPath } });
const pair = (p: CertificateKeyRefs) => ({
  certificate: ref(p.certificate),
  ...(p.privateKey ? { privateKey: ref(p.privateKey) } : {}),
});

/** The DataStore manifest. */
export function renderDataStore(spec: DataStoreSpec): Record<string, unknown> {
  return {
    apiVersion: 'kamaji.clastix.io/v1alpha1',
    kind: 'DataStore',
    metadata: { name: spec.name },
    spec: {
      driver: spec.driver,
      endpoints: [...spec.endpoints],
      ...(spec.basicAuth
        ? { basicAuth: { username: ref(spec.basicAuth.username), password: ref(spec.basicAuth.password) } }
        : {}),
      ...(spec.tls
        ? {
            tlsConfig: {
              certificateAuthority: pair(spec.tls.certificateAuthority),
              ...(spec.tls.clientCertificate ? { clientCertificate: pair(spec.tls.clientCertificate) } : {}),
            },
          }
        : {}),
    },
  };
}
