import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TerraformStack, Testing } from 'cdktf';
import { DataStoreDriver, KamajiDataStore, KamajiDataStoreOptions } from '../src/constructs/kamaji-datastore';
import { ValidationError } from '../src/model/errors';
import { renderDataStore } from '../src/model/datastore';
import { DataStoresStack } from '../stacks/datastores-stack';
import { crdValidator } from './support/crd';
import { describeWithShared } from './support/tools';
import { validationErrorOf } from './support/errors';

const ref = (name: string, keyPath: string) => ({ name, namespace: 'databases', keyPath });

const POSTGRES: KamajiDataStoreOptions = {
  name: 'postgres-gold',
  driver: DataStoreDriver.POSTGRESQL,
  endpoints: ['pg.databases.svc:5432'],
  basicAuth: { username: ref('pg-auth', 'username'), password: ref('pg-auth', 'password') },
  tls: { certificateAuthority: { certificate: ref('pg-ca', 'ca.crt') } },
};
const ETCD: KamajiDataStoreOptions = {
  name: 'etcd-gold',
  driver: DataStoreDriver.ETCD,
  endpoints: ['etcd-0.etcd:2379', 'etcd-1.etcd:2379', 'etcd-2.etcd:2379'],
  tls: {
    certificateAuthority: { certificate: ref('etcd-certs', 'ca.crt'), privateKey: ref('etcd-certs', 'ca.key') },
    clientCertificate: { certificate: ref('etcd-root', 'tls.crt'), privateKey: ref('etcd-root', 'tls.key') },
  },
};
const MYSQL: KamajiDataStoreOptions = {
  name: 'mysql',
  driver: DataStoreDriver.MYSQL,
  endpoints: ['mysql.databases.svc:3306'],
  basicAuth: { username: ref('my-auth', 'user'), password: ref('my-auth', 'pass') },
};

function synth(options: KamajiDataStoreOptions) {
  const app = Testing.app();
  const stack = new TerraformStack(app, 'mgmt');
  new KamajiDataStore(stack, 'Store', { ...options, kubernetesProvider: new KubernetesProvider(stack, 'k8s', {}) });
  return JSON.parse(Testing.synth(stack));
}

function problems(options: KamajiDataStoreOptions): ValidationError {
  return validationErrorOf(() => synth(options));
}

describe('KamajiDataStore', () => {
  test('renders a DataStore with Secret references only', () => {
    const manifest = Object.values(synth(POSTGRES).resource.kubernetes_manifest as Record<string, any>)[0].manifest;
    expect(manifest).toEqual({
      apiVersion: 'kamaji.clastix.io/v1alpha1',
      kind: 'DataStore',
      metadata: { name: 'postgres-gold' },
      spec: {
        driver: 'PostgreSQL',
        endpoints: ['pg.databases.svc:5432'],
        basicAuth: {
          username: { secretReference: { name: 'pg-auth', namespace: 'databases', keyPath: 'username' } },
          password: { secretReference: { name: 'pg-auth', namespace: 'databases', keyPath: 'password' } },
        },
        tlsConfig: {
          certificateAuthority: {
            certificate: { secretReference: { name: 'pg-ca', namespace: 'databases', keyPath: 'ca.crt' } },
          },
        },
      },
    });
  });

  test('etcd without the CA key or a client certificate, and SQL without credentials, are rejected together', () => {
    const error = problems({ ...ETCD, tls: { certificateAuthority: { certificate: ref('c', 'ca.crt') } } });
    expect(error.problems.map((p) => [p.where, p.field])).toEqual([
      ['mgmt/Store', 'tls.certificateAuthority.privateKey'],
      ['mgmt/Store', 'tls.clientCertificate'],
    ]);
    expect(problems({ ...MYSQL, basicAuth: undefined }).problems[0]).toMatchObject({ field: 'basicAuth' });
  });

  test.each<[string, Partial<KamajiDataStoreOptions>, string, unknown]>([
    ['a bad name', { name: 'PG_Gold' }, 'name', 'PG_Gold'],
    ['no endpoints', { endpoints: [] }, 'endpoints', []],
    ['an endpoint without a port', { endpoints: ['pg.databases.svc'] }, 'endpoints[0]', 'pg.databases.svc'],
    ['a port out of range', { endpoints: ['pg:70000'] }, 'endpoints[0]', 'pg:70000'],
    [
      'a bad secret namespace',
      { basicAuth: { username: ref('a', 'u'), password: { name: 'a', namespace: 'Bad NS', keyPath: 'p' } } },
      'basicAuth.password.namespace',
      'Bad NS',
    ],
    ['NATS', { driver: 'NATS' as DataStoreDriver }, 'driver', 'NATS'],
    [
      'a mistyped driver, without a follow-up credentials error',
      { driver: 'postgres' as DataStoreDriver, basicAuth: undefined, tls: undefined },
      'driver',
      'postgres',
    ],
  ])('rejects %s', (_name, change, field, value) => {
    const error = problems({ ...POSTGRES, ...change });
    expect(error.problems).toEqual([expect.objectContaining({ where: 'mgmt/Store', field, value })]);
  });

  test('the datastores stack holds one manifest per DataStore, ids from names', () => {
    const app = Testing.app();
    const stack = new DataStoresStack(app, 'datastores', { dataStores: [MYSQL, POSTGRES] });
    const json = JSON.parse(Testing.synth(stack));
    expect(Object.keys(json.resource.kubernetes_manifest).sort()).toEqual([
      expect.stringMatching(/^mysql_[0-9A-F]{8}$/),
      expect.stringMatching(/^postgres-gold_[0-9A-F]{8}$/),
    ]);
    expect(json.terraform.backend.local.path).toBe('../../../terraform.datastores.tfstate');
  });
});

describeWithShared('DataStore manifests against the Kamaji CRD', () => {
  test.each([
    ['PostgreSQL', POSTGRES],
    ['etcd', ETCD],
    ['MySQL', MYSQL],
  ])('%s validates', (_name, options) => {
    const validate = crdValidator('kamaji.clastix.io_datastores.yaml');
    const ok = validate(renderDataStore({ ...options, driver: options.driver }));
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });
});
