/**
 * Canonical's Ubuntu images for EC2, pinned: a pool runs one exact image, named by release, architecture
 * and build serial, so a new Canonical build changes nothing until someone edits the serial (a reviewed
 * change the review flags as a rolling replacement of the pool).
 *
 * Canonical publishes its AMIs from account 099720109477 under names of the form
 * `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-20250610` (24.04 on gp3; 22.04 under
 * `hvm-ssd/`), and the current image of each release in the SSM public parameters
 * `/aws/service/canonical/ubuntu/server/<release>/stable/current/<arch>/hvm/<ebs-gp3|ebs-gp2>/ami-id`
 * (discourse.ubuntu.com/t/finding-ubuntu-images-with-the-aws-ssm-parameter-store/15507). An exact
 * name with the owner is one image per region: no `most_recent`, no wildcard.
 *
 * Bumping the default: run `cdktf-kamaji image --release 24.04 --arch amd64 --region <r>`, check the
 * serial it finds exists for both architectures, set {@link DEFAULT_IMAGE_SERIAL}, and say so in the
 * changelog (every pool without its own serial rolls on the next deploy).
 */
import { Problems } from './errors';

/** Canonical's AWS account: the owner of the official Ubuntu AMIs. */
export const CANONICAL_OWNER_ID = '099720109477';

/** CPU architecture of a pool's image (and so of its instance types). */
export enum ImageArchitecture {
  /** x86_64 (Intel, AMD) instance types. */
  AMD64 = 'amd64',
  /** Graviton instance types (t4g, m7g, c7gn, ...). */
  ARM64 = 'arm64',
}

interface ReleaseFacts {
  readonly codename: string;
  /** The name's storage segment (`hvm-ssd-gp3` for 24.04). */
  readonly store: string;
  /** The SSM parameter's volume segment. */
  readonly ssmVolume: string;
}

/** The Ubuntu releases a worker runs (the node bootstrap supports these two LTS releases). */
export const UBUNTU_RELEASES: Readonly<Record<string, ReleaseFacts>> = {
  '24.04': { codename: 'noble', store: 'hvm-ssd-gp3', ssmVolume: 'ebs-gp3' },
  '22.04': { codename: 'jammy', store: 'hvm-ssd', ssmVolume: 'ebs-gp2' },
};

export const DEFAULT_UBUNTU_RELEASE = '24.04';
/**
 * The Canonical build serial pools use unless they set their own: published for 24.04 on amd64 and
 * arm64. Bump it only on purpose (see the module comment): every pool that uses it rolls.
 */
export const DEFAULT_IMAGE_SERIAL = '20250610';
export const DEFAULT_IMAGE_ARCHITECTURE = ImageArchitecture.AMD64;

/** `YYYYMMDD`, optionally `.N` for a respin of the same day (`20240423.1`). */
const SERIAL = /^(20\d\d)(0[1-9]|1[0-2])(0[1-9]|[12]\d|3[01])(\.\d{1,2})?$/;

/** A pinned Canonical image: what the pool's exact name filter is built from. */
export interface UbuntuImage {
  readonly release: string;
  readonly architecture: ImageArchitecture;
  readonly serial: string;
}

/** The exact AMI name of a Canonical server image. */
export function ubuntuImageName(image: UbuntuImage): string {
  const facts = UBUNTU_RELEASES[image.release];
  return `ubuntu/images/${facts.store}/ubuntu-${facts.codename}-${image.release}-${image.architecture}-server-${image.serial}`;
}

/** The name pattern of every build of a release and architecture (for looking up, never for launching). */
export function ubuntuImageNamePattern(release: string, architecture: ImageArchitecture): string {
  return ubuntuImageName({ release, architecture, serial: '*' });
}

/** EC2's `architecture` value of an image. */
export function ec2Architecture(architecture: ImageArchitecture): 'x86_64' | 'arm64' {
  return architecture === ImageArchitecture.ARM64 ? 'arm64' : 'x86_64';
}

/** The SSM public parameter holding the current image id of a release and architecture. */
export function ubuntuSsmParameter(release: string, architecture: ImageArchitecture): string {
  return `/aws/service/canonical/ubuntu/server/${release}/stable/current/${architecture}/hvm/${UBUNTU_RELEASES[release].ssmVolume}/ami-id`;
}

/** The serial at the end of a Canonical image name, if it is one. */
export function serialOfImageName(name: string): string | undefined {
  const m = /-server-(\d{8}(?:\.\d{1,2})?)$/.exec(name);
  return m ? m[1] : undefined;
}

const ARCHITECTURES: string[] = Object.values(ImageArchitecture);

export function isImageSerial(serial: string): boolean {
  return typeof serial === 'string' && SERIAL.test(serial);
}

/** Checks release, architecture and serial; fields are the pool's. */
export function checkUbuntuImage(image: UbuntuImage, problems: Problems): boolean {
  const release = problems.check(
    Object.prototype.hasOwnProperty.call(UBUNTU_RELEASES, image.release),
    'ubuntuRelease',
    image.release,
    `must be one of ${Object.keys(UBUNTU_RELEASES).join(', ')}`,
  );
  const arch = problems.check(
    ARCHITECTURES.includes(image.architecture),
    'architecture',
    image.architecture,
    `must be one of ${ARCHITECTURES.join(', ')}`,
  );
  const serial = problems.check(
    isImageSerial(image.serial),
    'imageSerial',
    image.serial,
    'must be a Canonical build serial YYYYMMDD (optionally .N), such as "20250610": the last part of the image name; `cdktf-kamaji image` finds the newest',
  );
  return release && arch && serial;
}

/**
 * The architecture an instance type runs, when its name says it: Graviton families carry a `g` after
 * the generation (t4g, m7g, c7gn, r8gd, im4gn, is4gen, x2gd), plus a1. Undefined when unknown.
 */
export function instanceTypeArchitecture(instanceType: string): ImageArchitecture | undefined {
  const family = instanceType.split('.')[0];
  if (family === 'a1') return ImageArchitecture.ARM64;
  const m = /^([a-z]+)(\d+)([a-z-]*)$/.exec(family);
  if (!m || family.startsWith('mac')) return undefined;
  return m[3].includes('g') ? ImageArchitecture.ARM64 : ImageArchitecture.AMD64;
}

export interface ImageLookupOptions {
  readonly release: string;
  readonly architecture: ImageArchitecture;
  readonly region: string;
}

/** The AWS CLI command that prints the newest Canonical image (id, name, date) of a release. */
export function describeImagesCommand(o: ImageLookupOptions): string {
  return [
    `aws ec2 describe-images --region ${o.region} --owners ${CANONICAL_OWNER_ID}`,
    `  --filters "Name=name,Values=${ubuntuImageNamePattern(o.release, o.architecture)}" "Name=state,Values=available"`,
    `  --query "sort_by(Images, &CreationDate)[-1].[ImageId,Name,CreationDate]" --output text`,
  ].join(' \\\n');
}

/** The AWS CLI command that reads the SSM public parameter of the current image. */
export function ssmLookupCommand(o: ImageLookupOptions): string {
  return `aws ssm get-parameters --region ${o.region} --names ${ubuntuSsmParameter(o.release, o.architecture)} --query "Parameters[0].Value" --output text`;
}
