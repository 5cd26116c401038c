import * as fs from 'node:fs';
import * as path from 'node:path';
import { DEFAULT_IMAGE_SERIAL } from '../src/model/ubuntu-images';
import { cli } from './support/cli';
import { tempDir } from './support/synth';

/** A fake `aws` on PATH that prints `stdout` and exits `code` (and records its arguments). */
function fakeAws(stdout: string, code = 0): { dir: string; argsFile: string } {
  const dir = tempDir('fake-aws-');
  const argsFile = path.join(dir, 'args');
  // Shell builtins only: PATH holds nothing but this folder.
  const script = `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\nprintf '%s\\n' '${stdout}'\nexit ${code}\n`;
  fs.writeFileSync(path.join(dir, 'aws'), script, { mode: 0o755 });
  return { dir, argsFile };
}

async function withPath<T>(dir: string, run: () => Promise<T>): Promise<T> {
  const saved = process.env.PATH;
  process.env.PATH = dir;
  try {
    return await run();
  } finally {
    process.env.PATH = saved;
  }
}

describe('cdktf-kamaji image', () => {
  test('prints the look-up commands and how to pin, for the release, architecture and region given', async () => {
    const r = await cli(['image', '--release', '22.04', '--arch', 'arm64', '--region', 'eu-central-1']);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain('ubuntu/images/hvm-ssd/ubuntu-jammy-22.04-arm64-server-*  (owner 099720109477)');
    expect(r.stdout).toContain('aws ec2 describe-images --region eu-central-1 --owners 099720109477');
    expect(r.stdout).toContain(
      'aws ssm get-parameters --region eu-central-1 --names /aws/service/canonical/ubuntu/server/22.04/stable/current/arm64/hvm/ebs-gp2/ami-id',
    );
    expect(r.stdout).toContain('imageSerial: "<serial>"');
    expect(r.stdout).toContain(`pins ${DEFAULT_IMAGE_SERIAL} by default`);
  });

  test('defaults: 24.04, amd64, the region of the environment', async () => {
    const saved = process.env.AWS_REGION;
    process.env.AWS_REGION = 'ap-southeast-2';
    try {
      const r = await cli(['image']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain('ubuntu-noble-24.04-amd64-server-*');
      expect(r.stdout).toContain('--region ap-southeast-2');
    } finally {
      if (saved === undefined) delete process.env.AWS_REGION;
      else process.env.AWS_REGION = saved;
    }
  });

  test('bad options: every problem at once, exit 1; an unknown flag is a usage error', async () => {
    const r = await cli(['image', '--release', '20.04', '--arch', 'x86_64', '--region', 'Europe']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/3 problems/);
    expect(r.stderr).toMatch(/--release.*20\.04.*24\.04, 22\.04/);
    expect(r.stderr).toMatch(/--arch.*x86_64/);
    expect(r.stderr).toMatch(/--region.*Europe/);
    const u = await cli(['image', '--releas', '24.04']);
    expect(u.code).toBe(2);
    expect(u.stderr).toMatch(/did you mean --release/);
  });

  test('--lookup: the newest serial by name (respins count), with how to pin it', async () => {
    const images = [
      {
        ImageId: 'ami-0aaaaaaaaaaaaaaaa',
        Name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250610',
        CreationDate: '2025-06-10T00:00:00.000Z',
      },
      {
        ImageId: 'ami-0bbbbbbbbbbbbbbbb',
        Name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250821.1',
        CreationDate: '2025-08-22T00:00:00.000Z',
      },
      {
        ImageId: 'ami-0cccccccccccccccc',
        Name: 'ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250821',
        CreationDate: '2025-08-21T00:00:00.000Z',
      },
    ];
    const { dir, argsFile } = fakeAws(JSON.stringify(images));
    const r = await withPath(dir, () => cli(['image', '--lookup', '--region', 'eu-west-1']));
    expect(r).toMatchObject({ code: 0, stderr: '' });
    expect(r.stdout).toMatch(/serial +20250821\.1\n/);
    expect(r.stdout).toMatch(/id +ami-0bbbbbbbbbbbbbbbb/);
    expect(r.stdout).toContain('imageSerial: "20250821.1"');
    const args = fs.readFileSync(argsFile, 'utf8').split('\n');
    expect(args).toEqual(expect.arrayContaining(['describe-images', '--owners', '099720109477', 'eu-west-1']));
    expect(args).toContain('Name=name,Values=ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-*');
  });

  test('--lookup failures: no AWS CLI, an AWS error, no image', async () => {
    const none = await withPath(tempDir('no-aws-'), () => cli(['image', '--lookup']));
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/AWS CLI \(aws\) is not installed; run the command below yourself/);
    expect(none.stderr).toContain('aws ec2 describe-images');
    const failing = fakeAws('', 255);
    const denied = await withPath(failing.dir, () => cli(['image', '--lookup']));
    expect(denied.code).toBe(1);
    expect(denied.stderr).toMatch(/exited 255/);
    const empty = fakeAws('[]');
    const nothing = await withPath(empty.dir, () => cli(['image', '--lookup', '--arch', 'arm64']));
    expect(nothing.code).toBe(1);
    expect(nothing.stderr).toMatch(/no Canonical image named .*arm64-server-\*/);
  });
});
