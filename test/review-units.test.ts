import * as fs from 'node:fs';
import * as path from 'node:path';
import { ValidationError } from '../src/model/errors';
import { kubeletVersion, kubeletVersions, versionInUserData } from '../src/review/facts';
import { review } from '../src/review/review';
import { changedPaths, valueAt } from '../src/review/paths';
import { ChangeEffect, effectOf, looksSecret } from '../src/review/rules';
import { Stage, placeOf } from '../src/review/stages';
import { readSynthOutput, SynthOutput, SynthResource, SynthStack } from '../src/review/synth-output';
import { tempDir } from './support/synth';

describe('attribute paths', () => {
  test('lists changed leaves, quotes dotted keys, skips cdktf metadata, reports resized lists whole', () => {
    const before = {
      '//': { metadata: { path: 'a' } },
      data: { 'ca.crt': 'x', keep: 1 },
      tag: [{ key: 'a' }],
      list: [1],
    };
    const after = {
      '//': { metadata: { path: 'b' } },
      data: { 'ca.crt': 'y', keep: 1 },
      tag: [{ key: 'b' }],
      list: [1, 2],
    };
    expect(changedPaths(before, after)).toEqual(['data["ca.crt"]', 'list', 'tag[0].key']);
    expect(valueAt(after, 'data["ca.crt"]')).toBe('y');
    expect(valueAt(after, 'tag[0].key')).toBe('b');
    expect(valueAt(after, 'tag[3].key')).toBeUndefined();
  });

  test('an attribute set or unset is a change at its path', () => {
    expect(changedPaths({ a: { b: 1 } }, { a: {} })).toEqual(['a.b']);
    expect(changedPaths({}, { lifecycle: { prevent_destroy: true } })).toEqual(['lifecycle']);
  });
});

describe('replacement rules', () => {
  const tcp = { manifest: { kind: 'TenantControlPlane' } };
  test('kubernetes_manifest: name/namespace replace; TCP dataStoreSchema is refused; dataStore is neither', () => {
    expect(effectOf('kubernetes_manifest', tcp, 'manifest.metadata.namespace')?.effect).toBe(ChangeEffect.REPLACE);
    expect(effectOf('kubernetes_manifest', tcp, 'manifest.spec.dataStoreSchema')?.effect).toBe(ChangeEffect.REJECTED);
    expect(effectOf('kubernetes_manifest', tcp, 'manifest.spec.dataStore')).toBeUndefined();
    // The same field on another kind is not Kamaji's rule.
    expect(
      effectOf('kubernetes_manifest', { manifest: { kind: 'ConfigMap' } }, 'manifest.spec.dataStoreSchema'),
    ).toBeUndefined();
  });

  test('a wholesale change of a parent touches the rule below it; Terraform meta-arguments never replace', () => {
    expect(effectOf('kubernetes_secret_v1', {}, 'metadata')?.effect).toBe(ChangeEffect.REPLACE);
    expect(effectOf('random_string', {}, 'keepers.rotation')?.effect).toBe(ChangeEffect.REPLACE);
    expect(effectOf('random_string', {}, 'lifecycle.ignore_changes')).toBeUndefined();
    expect(effectOf('aws_autoscaling_group', {}, 'max_size')).toBeUndefined();
  });

  test('secret shapes', () => {
    expect(looksSecret(['x', { t: 'abcdef.0123456789abcdef' }])).toBe(true);
    expect(looksSecret(['-----BEGIN EC', 'PRIVATE KEY-----'].join(' '))).toBe(true);
    expect(looksSecret('kamaji.clastix.io/kubernetes-version')).toBe(false);
    expect(looksSecret('-----BEGIN CERTIFICATE-----')).toBe(false);
  });
});

describe('kubelet version in user data', () => {
  test.each([
    ['KUBERNETES_VERSION=v1.35.3\napt-get install kubelet', 'v1.35.3'],
    ['kubernetesVersion: "v1.34.1"', 'v1.34.1'],
    ["K8S_VERSION='1.35.3'\nK8S_MINOR='v1.35'", 'v1.35.3'],
    ['${base64encode("#!/bin/bash\\nKUBERNETES_VERSION=v1.33.0\\n")}', 'v1.33.0'],
    [Buffer.from('#!/bin/sh\nKUBERNETES_VERSION=v1.32.4\n').toString('base64'), 'v1.32.4'],
    ['repo https://pkgs.k8s.io/core:/stable:/v1.35/deb/ pin v1.35.2', 'v1.35.2'],
  ])('%j -> %s', (userData, version) => {
    expect(versionInUserData(userData)).toBe(version);
  });

  test.each([
    ['no version at all'],
    ['upgrade from v1.34.2 to v1.35.0'],
    ['KUBERNETES_VERSION=v1.35.3 KUBERNETES_VERSION=v1.34.0'],
    ['cni v1.35.3.1'],
  ])('%j -> unknown', (userData) => {
    expect(versionInUserData(userData)).toBeUndefined();
  });
});

describe('stack places', () => {
  test.each([
    ['platform', { stage: Stage.PLATFORM }],
    ['datastores', { stage: Stage.DATASTORES }],
    ['tenant-team-a-control-plane', { stage: Stage.CONTROL_PLANE, tenant: 'team-a' }],
    ['tenant-team-a-nodes', { stage: Stage.NODES, tenant: 'team-a' }],
    ['tenant-x', { stage: Stage.OTHER }],
  ])('%s', (id, place) => {
    expect(placeOf(id)).toEqual(place);
  });
});

describe('reading synth output', () => {
  test('reports every broken stack at once, with file and rule', () => {
    const dir = tempDir('review-bad-');
    fs.mkdirSync(path.join(dir, 'stacks', 'b'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'stacks', 'b', 'cdk.tf.json'), '{ not json');
    fs.writeFileSync(
      path.join(dir, 'manifest.json'),
      JSON.stringify({
        stacks: {
          a: { synthesizedStackPath: 'stacks/a/cdk.tf.json', dependencies: [] },
          b: { synthesizedStackPath: 'stacks/b/cdk.tf.json', dependencies: [] },
          c: { dependencies: [] },
        },
      }),
    );
    let error: ValidationError | undefined;
    try {
      readSynthOutput(dir, 'head');
    } catch (e) {
      error = e as ValidationError;
    }
    expect(error).toBeInstanceOf(ValidationError);
    expect(error!.problems.map((p) => [p.where, p.field, p.rule.split(' (')[0]])).toEqual([
      ['head', 'stacks/a/cdk.tf.json', "must exist and hold the stack's JSON"],
      ['head', 'stacks/b/cdk.tf.json', 'must be valid JSON'],
      ['head', 'manifest.json#stacks.c.synthesizedStackPath', "must be the path of the stack's cdk.tf.json"],
    ]);
    expect(error!.problems[0].value).toBe(path.join(dir, 'stacks/a/cdk.tf.json'));
  });

  test('a manifest without stacks is refused', () => {
    const dir = tempDir('review-bad-');
    fs.writeFileSync(path.join(dir, 'manifest.json'), '{"version":"0.21.0"}');
    expect(() => readSynthOutput(dir, 'base')).toThrow(
      /base: manifest.json#stacks: \(missing\): must be an object of stacks/,
    );
  });
});

describe('worker skew per pool', () => {
  const resource = (type: string, logicalId: string, config: Record<string, any>): [string, SynthResource] => [
    `${type}.${logicalId}`,
    { address: `${type}.${logicalId}`, type, logicalId, config },
  ];
  const lt = (id: string, version: string) =>
    resource('aws_launch_template', id, { user_data: `#cloud-config\nK8S_VERSION='${version}'\n` });
  const stack = (id: string, dependencies: string[], resources: [string, SynthResource][]): [string, SynthStack] => [
    id,
    { id, dependencies, resources: new Map(resources), locals: {} },
  ];
  const tcp = resource('kubernetes_manifest', 'Tcp', {
    manifest: {
      apiVersion: 'kamaji.clastix.io/v1alpha1',
      kind: 'TenantControlPlane',
      metadata: { name: 'a', namespace: 'tenant-a' },
      spec: { kubernetes: { version: 'v1.35.3' } },
    },
  });
  const output = (...workerVersions: string[]): SynthOutput => ({
    stacks: new Map([
      stack('tenant-a-control-plane', [], [tcp]),
      stack(
        'tenant-a-nodes',
        ['tenant-a-control-plane'],
        workerVersions.map((v, i) => lt(`Pool${i}`, v)),
      ),
    ]),
  });

  test('every pool version is read; one version gives kubeletVersion, two give none', () => {
    const nodes = output('1.35.3', '1.36.0').stacks.get('tenant-a-nodes')!;
    expect(kubeletVersions(nodes)).toEqual(['v1.35.3', 'v1.36.0']);
    expect(kubeletVersion(nodes)).toBeUndefined();
    expect(kubeletVersion(output('1.35.3').stacks.get('tenant-a-nodes')!)).toBe('v1.35.3');
  });

  test('one pool newer than the control plane is flagged although the other is fine', () => {
    const r = review(output('1.35.3'), output('1.35.3', '1.36.0'));
    expect(r.flags.map((f) => [f.kind, f.tenant])).toEqual([['worker-version-skew', 'a']]);
    expect(r.flags[0].reason).toMatch(/v1\.36\.0 is newer than the control plane v1\.35\.3/);
  });
});
