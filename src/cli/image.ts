import { spawnSync } from 'node:child_process';
import { Command, parseArgs, stringFlag, UsageError } from './command';
import { Problems } from '../model/errors';
import {
  CANONICAL_OWNER_ID,
  DEFAULT_IMAGE_ARCHITECTURE,
  DEFAULT_IMAGE_SERIAL,
  DEFAULT_UBUNTU_RELEASE,
  describeImagesCommand,
  ImageArchitecture,
  ImageLookupOptions,
  serialOfImageName,
  ssmLookupCommand,
  UBUNTU_RELEASES,
  ubuntuImageName,
  ubuntuImageNamePattern,
} from '../model/ubuntu-images';
import { AWS_REGION_RULE, isAwsRegion } from '../model/names';

const ARCHITECTURES: string[] = Object.values(ImageArchitecture);

const USAGE = `usage: cdktf-kamaji image [--release R] [--arch A] [--region REGION] [--lookup]

Finds the Canonical Ubuntu image to pin a worker pool to. Pools run one exact image (release,
architecture, build serial), so a new Canonical build rolls nothing until you change the serial.

Without --lookup, prints the AWS CLI commands that show the newest build, and how to pin it.
With --lookup, runs \`aws ec2 describe-images\` (the AWS CLI and credentials must be set up) and
prints the newest serial.

options:
  --release R      Ubuntu release: ${Object.keys(UBUNTU_RELEASES).join(', ')} (default ${DEFAULT_UBUNTU_RELEASE})
  --arch A         ${ARCHITECTURES.join(' or ')} (default ${DEFAULT_IMAGE_ARCHITECTURE})
  --region REGION  AWS region (default $AWS_REGION, $AWS_DEFAULT_REGION, else us-east-1)
  --lookup         ask AWS now`;

function options(argv: string[]): { lookup: ImageLookupOptions; run: boolean } {
  const { flags, positional } = parseArgs(argv, ['release', 'arch', 'region'], ['lookup']);
  if (positional.length > 0) throw new UsageError(`unexpected argument "${positional[0]}"\n${USAGE}`);
  const release = stringFlag(flags, 'release') ?? DEFAULT_UBUNTU_RELEASE;
  const architecture = stringFlag(flags, 'arch') ?? DEFAULT_IMAGE_ARCHITECTURE;
  const region = stringFlag(flags, 'region') ?? process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1';
  const problems = new Problems('image');
  problems.check(
    Object.prototype.hasOwnProperty.call(UBUNTU_RELEASES, release),
    '--release',
    release,
    `must be one of ${Object.keys(UBUNTU_RELEASES).join(', ')}`,
  );
  problems.check(ARCHITECTURES.includes(architecture), '--arch', architecture, `must be ${ARCHITECTURES.join(' or ')}`);
  problems.check(isAwsRegion(region), '--region', region, AWS_REGION_RULE);
  problems.throwIfAny();
  return {
    lookup: { release, architecture: architecture as ImageArchitecture, region },
    run: flags.lookup === true,
  };
}

function howToPin(o: ImageLookupOptions, serial: string): string {
  const pinned = ubuntuImageName({ ...o, serial });
  return [
    `Pin a pool to it (a reviewed change: the review flags it, the next deploy rolls the pool's nodes):`,
    `  tenants file  workers: [{ name: general, ubuntuRelease: "${o.release}", architecture: ${o.architecture}, imageSerial: "${serial}" }]`,
    `                (or once for every pool under defaults.workers)`,
    `  construct     new AwsWorkerPool(this, 'Pool', { ..., ubuntuRelease: '${o.release}', architecture: ImageArchitecture.${o.architecture.toUpperCase()}, imageSerial: '${serial}' })`,
    `The pool then launches exactly ${pinned} (owner ${CANONICAL_OWNER_ID}).`,
  ].join('\n');
}

function print(o: ImageLookupOptions): number {
  process.stdout.write(
    [
      `Canonical Ubuntu ${o.release} ${o.architecture} server images in ${o.region} are named`,
      `  ${ubuntuImageNamePattern(o.release, o.architecture)}  (owner ${CANONICAL_OWNER_ID})`,
      `where * is the build serial YYYYMMDD[.N]. This release of cdktf-kamaji pins ${DEFAULT_IMAGE_SERIAL} by default.`,
      '',
      'The newest build (id, name, date):',
      indent(describeImagesCommand(o)),
      '',
      'or the id of the current build, from the SSM public parameter (then `aws ec2 describe-images',
      '--image-ids <id>` shows its name, whose last part is the serial):',
      indent(ssmLookupCommand(o)),
      '',
      howToPin(o, '<serial>'),
      '',
    ].join('\n'),
  );
  return 0;
}

const indent = (text: string) =>
  text
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n');

interface FoundImage {
  readonly ImageId?: string;
  readonly Name?: string;
  readonly CreationDate?: string;
}

/** Runs the AWS CLI found on PATH and prints the newest build. */
function lookup(o: ImageLookupOptions): number {
  const aws = 'aws';
  const args = [
    'ec2',
    'describe-images',
    '--region',
    o.region,
    '--owners',
    CANONICAL_OWNER_ID,
    '--filters',
    `Name=name,Values=${ubuntuImageNamePattern(o.release, o.architecture)}`,
    'Name=state,Values=available',
    '--query',
    'Images[].{ImageId: ImageId, Name: Name, CreationDate: CreationDate}',
    '--output',
    'json',
  ];
  const run = spawnSync(aws, args, { encoding: 'utf8', timeout: 120_000, env: process.env });
  if (run.error) {
    const missing = (run.error as NodeJS.ErrnoException).code === 'ENOENT';
    process.stderr.write(
      `cdktf-kamaji image: ${missing ? `the AWS CLI (${aws}) is not installed` : `${aws} failed: ${run.error.message}`}; run the command below yourself\n${indent(describeImagesCommand(o))}\n`,
    );
    return 1;
  }
  if (run.status !== 0) {
    process.stderr.write(
      `cdktf-kamaji image: ${aws} ec2 describe-images exited ${run.status}: ${(run.stderr || '').trim() || '(no message)'}\n`,
    );
    return 1;
  }
  let images: FoundImage[];
  try {
    images = JSON.parse(run.stdout) as FoundImage[];
    if (!Array.isArray(images)) throw new Error('not a list');
  } catch {
    process.stderr.write(`cdktf-kamaji image: ${aws} printed something that is not a JSON list of images\n`);
    return 1;
  }
  // Newest by serial (the name's date), the creation date breaking ties: never by listing order.
  const builds = images
    .map((i) => ({ ...i, serial: i.Name ? serialOfImageName(i.Name) : undefined }))
    .filter((i): i is FoundImage & { serial: string } => i.serial !== undefined)
    .sort((a, b) => compareSerial(a.serial, b.serial) || (a.CreationDate ?? '').localeCompare(b.CreationDate ?? ''));
  const newest = builds[builds.length - 1];
  if (!newest) {
    process.stderr.write(
      `cdktf-kamaji image: no Canonical image named ${ubuntuImageNamePattern(o.release, o.architecture)} in ${o.region}\n`,
    );
    return 1;
  }
  process.stdout.write(
    [
      `newest Canonical Ubuntu ${o.release} ${o.architecture} image in ${o.region}:`,
      `  serial   ${newest.serial}`,
      `  name     ${newest.Name}`,
      `  id       ${newest.ImageId ?? '?'}`,
      `  created  ${newest.CreationDate ?? '?'}`,
      newest.serial === DEFAULT_IMAGE_SERIAL
        ? `(the default of this cdktf-kamaji release)`
        : `(this cdktf-kamaji release pins ${DEFAULT_IMAGE_SERIAL} by default)`,
      '',
      howToPin(o, newest.serial),
      '',
    ].join('\n'),
  );
  return 0;
}

/** `20250610` < `20250610.1` < `20250611`. */
function compareSerial(a: string, b: string): number {
  const [da, ra = '0'] = a.split('.');
  const [db, rb = '0'] = b.split('.');
  return da === db ? Number(ra) - Number(rb) : da < db ? -1 : 1;
}

export const command: Command = {
  summary: 'the Canonical Ubuntu image to pin worker pools to (image [--release] [--arch] [--region])',
  usage: USAGE,
  run(argv: string[]): number {
    const o = options(argv);
    return o.run ? lookup(o.lookup) : print(o.lookup);
  },
};
