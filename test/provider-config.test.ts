import { buildQuickstart, QUICKSTART } from '../examples/quickstart/app';
import { providerInputsDeferredByChanges } from './support/provider-config';
import { EXAMPLE_FLEET, ensureExamplePki, synthFleetFile } from './support/fleet';
import { synthApp } from './support/synth';

describe('provider configurations stay known at plan on day 2', () => {
  test('the check finds a provider fed by a data source that waits for a managed resource', () => {
    // The shape examples/existing-stack had: the admin kubeconfig read after the TCP, in one stack.
    const json = {
      provider: { kubernetes: [{ alias: 'acme', host: '${local.cfg.server}' }] },
      locals: { cfg: '${yamldecode(data.kubernetes_secret_v1.Admin.data["admin.conf"])}' },
      data: { kubernetes_secret_v1: { Admin: { depends_on: ['kubernetes_manifest.Tcp'] } } },
      resource: { kubernetes_manifest: { Tcp: {} } },
    };
    expect(providerInputsDeferredByChanges(json)).toEqual([
      'provider kubernetes.acme <- local.cfg <- data.kubernetes_secret_v1.Admin <- depends_on kubernetes_manifest.Tcp',
    ]);
  });

  test('the check finds a provider configured from a managed resource, through a data source', () => {
    const json = {
      provider: { helm: [{ kubernetes: { host: '${data.kubernetes_resource.S.object.host}' } }] },
      data: { kubernetes_resource: { S: { metadata: { name: '${aws_eip.Ip.public_ip}' } } } },
      resource: { aws_eip: { Ip: {} } },
    };
    expect(providerInputsDeferredByChanges(json)).toEqual([
      'provider helm <- data.kubernetes_resource.S <- aws_eip.Ip',
    ]);
  });

  test.each([
    ['the quickstart', (app: Parameters<typeof buildQuickstart>[0]) => buildQuickstart(app)],
    [
      'the quickstart on AWS Elastic IPs',
      (app: Parameters<typeof buildQuickstart>[0]) => buildQuickstart(app, { ...QUICKSTART, endpoint: 'AwsElasticIP' }),
    ],
  ])('every stack of %s', (_name, build) => {
    const { stacks } = synthApp(build);
    for (const [id, json] of Object.entries(stacks)) {
      expect([id, providerInputsDeferredByChanges(json)]).toEqual([id, []]);
    }
  });

  test('every stack of the fleet example', () => {
    ensureExamplePki();
    const { stacks } = synthFleetFile(EXAMPLE_FLEET);
    expect(Object.keys(stacks).length).toBeGreaterThan(4);
    for (const [id, json] of Object.entries(stacks)) {
      expect([id, providerInputsDeferredByChanges(json)]).toEqual([id, []]);
    }
  });
});
