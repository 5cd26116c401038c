import { Problems } from '../src/model/errors';
import {
  containerdFor,
  containerdProblem,
  ContainerdSource,
  FIRST_MINOR_WITHOUT_CONTAINERD_1,
  MIN_WORKER_MINOR,
  workerFloorProblem,
  checkVersion,
  formatVersion,
  parseVersion,
  skewProblem,
  upgradeProblem,
  KubernetesVersion,
} from '../src/model/versions';

const v = (text: string): KubernetesVersion => {
  const parsed = parseVersion(text);
  if (!parsed) throw new Error(`bad test version ${text}`);
  return parsed;
};

describe('parseVersion', () => {
  test.each([
    ['1.33.4', 'v1.33.4'],
    ['v1.33.4', 'v1.33.4'],
    ['v1.30.0', 'v1.30.0'],
    ['1.36.10', 'v1.36.10'],
  ])('accepts %s', (text, formatted) => {
    expect(formatVersion(v(text))).toBe(formatted);
  });

  test.each([
    '1.33',
    'v1.33',
    '1.33.x',
    '~1.33.4',
    'v1.33.4-rc.1',
    ' 1.33.4',
    '1.33.4 ',
    'V1.33.4',
    '1.033.4',
    '',
    'latest',
  ])('rejects %j', (text) => expect(parseVersion(text)).toBeUndefined());

  test.each([undefined, null, 1.33, {}])('rejects non-strings (%j)', (value) => {
    expect(parseVersion(value)).toBeUndefined();
  });
});

describe('checkVersion', () => {
  test.each([
    ['v1.30.0', true],
    ['v1.36.9', true],
    ['v1.29.15', false],
    ['v1.37.0', false],
    ['v2.0.0', false],
    ['1.x', false],
  ])('%s in range: %s', (text, ok) => {
    const problems = new Problems('test');
    const parsed = checkVersion(problems, 'kubernetesVersion', text);
    expect(parsed !== undefined).toBe(ok);
    expect(problems.all).toHaveLength(ok ? 0 : 1);
    if (!ok) expect(problems.all[0]).toMatchObject({ field: 'kubernetesVersion', value: text });
  });

  test('the range rule names the ceiling', () => {
    const problems = new Problems('test');
    checkVersion(problems, 'v', 'v1.37.0');
    expect(problems.all[0].rule).toMatch(/v1\.36\.x/);
  });
});

describe('upgradeProblem', () => {
  test.each([
    ['v1.33.4', 'v1.33.4', undefined],
    ['v1.33.4', 'v1.33.9', undefined],
    ['v1.33.4', 'v1.34.0', undefined],
    ['v1.33.4', 'v1.34.7', undefined],
    ['v1.33.4', 'v1.35.0', /skips 1 minor/],
    ['v1.31.0', 'v1.35.0', /skips 3 minor/],
    ['v1.33.4', 'v1.33.3', /downgrade/],
    ['v1.34.0', 'v1.33.9', /downgrade/],
  ])('%s -> %s', (from, to, expected) => {
    const problem = upgradeProblem(v(from), v(to));
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

describe('skewProblem', () => {
  test.each([
    ['v1.35.0', 'v1.35.0', undefined],
    ['v1.35.2', 'v1.35.9', undefined], // patch skew within a minor is allowed
    ['v1.35.0', 'v1.32.0', undefined],
    ['v1.35.0', 'v1.31.9', /more than 3 minors older/],
    ['v1.35.0', 'v1.36.0', /newer than the control plane/],
  ])('control plane %s, kubelet %s', (cp, kubelet, expected) => {
    const problem = skewProblem(v(cp), v(kubelet));
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });
});

describe('worker floor (Kamaji stores kubeadm-config as v1beta4; kubeadm reads it from 1.31)', () => {
  test('the floor is 1.31', () => expect(MIN_WORKER_MINOR).toBe(31));

  test.each([
    ['v1.30.14', /below v1\.31.*v1beta4/],
    ['v1.31.0', undefined],
    ['v1.36.2', undefined],
  ])('worker %s', (kubelet, expected) => {
    const problem = workerFloorProblem(v(kubelet));
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  test('skewProblem applies the floor even within the skew policy (1.30 kubelet, 1.31 or 1.30 control plane)', () => {
    expect(skewProblem(v('v1.31.2'), v('v1.30.14'))).toMatch(/below v1\.31/);
    expect(skewProblem(v('v1.30.14'), v('v1.30.14'))).toMatch(/below v1\.31/);
    expect(skewProblem(v('v1.33.0'), v('v1.31.0'))).toBeUndefined();
  });

  test('a 1.30 control plane stays valid (Kamaji runs it); only its kubeadm workers cannot join', () => {
    const problems = new Problems('test');
    expect(checkVersion(problems, 'kubernetesVersion', 'v1.30.14')).toBeDefined();
    expect(problems.empty).toBe(true);
  });
});

describe('containerd per minor', () => {
  test.each([31, 32, 33, 34, 35, 36])('1.%i gets containerd 2.x from Docker (1.7 is end of life)', (minor) => {
    expect(containerdFor(v(`v1.${minor}.0`))).toBe(ContainerdSource.DOCKER_2);
    expect(containerdProblem(v(`v1.${minor}.0`), ContainerdSource.DOCKER_2)).toBeUndefined();
  });

  test("Ubuntu's containerd 1.7 runs kubelets below 1.38 and is refused from 1.38 (kubernetes/kubernetes#139121)", () => {
    expect(FIRST_MINOR_WITHOUT_CONTAINERD_1).toBe(38);
    expect(containerdProblem(v('v1.37.0'), ContainerdSource.UBUNTU_ARCHIVE)).toBeUndefined();
    expect(containerdProblem(v('v1.38.0'), ContainerdSource.UBUNTU_ARCHIVE)).toMatch(/containerd 1\.x/);
    expect(containerdProblem(v('v1.38.0'), ContainerdSource.DOCKER_2)).toBeUndefined();
  });
});
