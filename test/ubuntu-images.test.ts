import { Problems } from '../src/model/errors';
import {
  checkUbuntuImage,
  DEFAULT_IMAGE_SERIAL,
  describeImagesCommand,
  ImageArchitecture,
  instanceTypeArchitecture,
  isImageSerial,
  serialOfImageName,
  ssmLookupCommand,
  ubuntuImageName,
  ubuntuSsmParameter,
} from '../src/model/ubuntu-images';

describe('Canonical Ubuntu image names', () => {
  test('24.04 on gp3, 22.04 under hvm-ssd, per architecture and serial', () => {
    expect(ubuntuImageName({ release: '24.04', architecture: ImageArchitecture.AMD64, serial: '20250305' })).toBe(
      'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250305',
    );
    expect(ubuntuImageName({ release: '22.04', architecture: ImageArchitecture.ARM64, serial: '20250610.1' })).toBe(
      'ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-20250610.1',
    );
    expect(ubuntuSsmParameter('24.04', ImageArchitecture.ARM64)).toBe(
      '/aws/service/canonical/ubuntu/server/24.04/stable/current/arm64/hvm/ebs-gp3/ami-id',
    );
    expect(serialOfImageName('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250610')).toBe('20250610');
    expect(serialOfImageName('ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*')).toBeUndefined();
  });

  test('serials: YYYYMMDD with an optional respin; the default is one', () => {
    for (const good of ['20250610', '20240423.1', DEFAULT_IMAGE_SERIAL]) expect(isImageSerial(good)).toBe(true);
    for (const bad of ['2025061', '20251301', '20250632', '2025-06-10', '*', '20250610*', 'current', '20250610.']) {
      expect(isImageSerial(bad)).toBe(false);
    }
  });

  test('checkUbuntuImage reports every bad part at once', () => {
    const problems = new Problems('pool');
    expect(
      checkUbuntuImage({ release: '20.04', architecture: 'i386' as ImageArchitecture, serial: 'latest' }, problems),
    ).toBe(false);
    expect(problems.all.map((p) => p.field)).toEqual(['ubuntuRelease', 'architecture', 'imageSerial']);
  });

  test('instance type architecture from its family name', () => {
    const cases: [string, ImageArchitecture | undefined][] = [
      ['t3.medium', ImageArchitecture.AMD64],
      ['m7i-flex.large', ImageArchitecture.AMD64],
      ['g4dn.xlarge', ImageArchitecture.AMD64],
      ['t4g.medium', ImageArchitecture.ARM64],
      ['c7gn.large', ImageArchitecture.ARM64],
      ['r8gd.large', ImageArchitecture.ARM64],
      ['g5g.xlarge', ImageArchitecture.ARM64],
      ['a1.large', ImageArchitecture.ARM64],
      ['mac2.metal', undefined],
      ['u-6tb1.metal', undefined],
    ];
    for (const [type, arch] of cases) expect([type, instanceTypeArchitecture(type)]).toEqual([type, arch]);
  });

  test('look-up commands use the owner and the name pattern, never for launching', () => {
    const o = { release: '24.04', architecture: ImageArchitecture.AMD64, region: 'eu-west-1' };
    expect(describeImagesCommand(o)).toContain('--owners 099720109477');
    expect(describeImagesCommand(o)).toContain('Values=ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*');
    expect(ssmLookupCommand(o)).toContain('--names /aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/');
  });
});
