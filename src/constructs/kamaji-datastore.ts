import { Manifest } from '@cdktf/provider-kubernetes/lib/manifest';
import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { ITerraformDependable } from 'cdktf';
import { Construct } from 'constructs';
import { DataStoreSpec, renderDataStore, validateDataStore } from '../model/datastore';
import { problemsFor } from './problems';

/** DataStore drivers (immutable once created). */
export enum DataStoreDriver {
  ETCD = 'etcd',
  POSTGRESQL = 'PostgreSQL',
  MYSQL = 'MySQL',
}

/** A key of a Secret on the management cluster. */
export interface SecretKeyReference {
  readonly name: string;
  readonly namespace: string;
  /** The key in the Secret's data. */
  readonly keyPath: string;
}

/** A certificate and (optionally) its private key, by Secret reference. */
export interface CertificateReference {
  readonly certificate: SecretKeyReference;
  /** @default - none (required for etcd CAs and client certificates) */
  readonly privateKey?: SecretKeyReference;
}

export interface DataStoreBasicAuth {
  readonly username: SecretKeyReference;
  readonly password: SecretKeyReference;
}

export interface DataStoreTls {
  readonly certificateAuthority: CertificateReference;
  /** @default - none (required for etcd) */
  readonly clientCertificate?: CertificateReference;
}

export interface KamajiDataStoreOptions {
  /** DataStore name (cluster-scoped; DNS-1123 subdomain). Tenants refer to it by this name. */
  readonly name: string;
  readonly driver: DataStoreDriver;
  /** `host:port` endpoints. */
  readonly endpoints: string[];
  /** @default - none (SQL drivers need basicAuth or tls) */
  readonly basicAuth?: DataStoreBasicAuth;
  /** @default - none (etcd needs tls with the CA key and a client certificate) */
  readonly tls?: DataStoreTls;
}

export interface KamajiDataStoreProps extends KamajiDataStoreOptions {
  /** The kubernetes provider of the management cluster. */
  readonly kubernetesProvider: KubernetesProvider;
  /** @default - none */
  readonly dependsOn?: ITerraformDependable[];
}

/**
 * A Kamaji DataStore. Credentials are Secret references only (there is no prop for inline content),
 * so no password or key can reach the synthesized configuration.
 */
export class KamajiDataStore extends Construct {
  readonly name: string;
  readonly manifest: Manifest;

  constructor(scope: Construct, id: string, props: KamajiDataStoreProps) {
    super(scope, id);
    const spec: DataStoreSpec = {
      name: props.name,
      driver: props.driver,
      endpoints: props.endpoints,
      basicAuth: props.basicAuth,
      tls: props.tls,
    };
    const problems = problemsFor(this);
    validateDataStore(spec, problems);
    problems.throwIfAny();
    this.name = props.name;
    this.manifest = new Manifest(this, 'Resource', {
      provider: props.kubernetesProvider,
      manifest: renderDataStore(spec),
      dependsOn: props.dependsOn,
    });
  }
}
