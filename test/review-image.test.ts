import { imageByLaunchTemplate, WORKER_IMAGE_TAG } from '../src/review/facts';
import { RiskKind } from '../src/review/flags';
import { review } from '../src/review/review';
import { SynthOutput, SynthResource, SynthStack } from '../src/review/synth-output';

/** A tenant's two stacks with one launch template per given image (tagged, or a literal image_id). */
function output(pools: Record<string, { tag?: string; imageId?: string }>): SynthOutput {
  const resources = new Map<string, SynthResource>();
  for (const [id, p] of Object.entries(pools)) {
    const tags: Record<string, string> = p.tag ? { [WORKER_IMAGE_TAG]: p.tag } : {};
    const config = { name_prefix: `a-${id}-`, image_id: p.imageId ?? '${data.aws_ami.Ami.id}', tags };
    resources.set(`aws_launch_template.${id}`, {
      address: `aws_launch_template.${id}`,
      type: 'aws_launch_template',
      logicalId: id,
      config,
    });
  }
  const stack = (id: string, r: Map<string, SynthResource>): [string, SynthStack] => [
    id,
    { id, dependencies: [], resources: r, locals: {} },
  ];
  return { stacks: new Map([stack('tenant-a-control-plane', new Map()), stack('tenant-a-nodes', resources)]) };
}

const NAME = (serial: string) => `ubuntu/images/hvm-ssd-gp3/ubuntu-noble-24.04-amd64-server-${serial}`;

describe('worker image changes', () => {
  test('the image of each launch template: the tag first, else a literal image_id, else unknown', () => {
    const nodes = output({
      Tagged: { tag: NAME('20250610') },
      Literal: { imageId: 'ami-0123456789abcdef0' },
      Unknown: {},
    }).stacks.get('tenant-a-nodes')!;
    expect(imageByLaunchTemplate(nodes)).toEqual(
      new Map([
        ['aws_launch_template.Literal', 'ami-0123456789abcdef0'],
        ['aws_launch_template.Tagged', NAME('20250610')],
      ]),
    );
  });

  test('a new serial, a new AMI id or a switch between them: worker-image-changed per pool', () => {
    const r = review(
      output({ General: { tag: NAME('20250610') }, Batch: { imageId: 'ami-0123456789abcdef0' }, Gpu: { tag: 'x' } }),
      output({
        General: { tag: NAME('20250821') },
        Batch: { imageId: 'ami-0fedcba9876543210' },
        Gpu: { tag: 'x' },
      }),
    );
    expect(r.flags.map((f) => [f.kind, f.tenant, f.stack])).toEqual([
      [RiskKind.WORKER_IMAGE_CHANGED, 'a', 'tenant-a-nodes'],
      [RiskKind.WORKER_IMAGE_CHANGED, 'a', 'tenant-a-nodes'],
    ]);
    expect(r.flags[0].reason).toBe(
      // No Auto Scaling group in this stack: the pool is named by its launch template.
      'rolling replacement of the pool of aws_launch_template.Batch: the image of aws_launch_template.Batch changes from ami-0123456789abcdef0 to ami-0fedcba9876543210 (instance refresh, launch before terminate, each node drained)',
    );
    expect(r.flags[1].reason).toContain(`from ${NAME('20250610')} to ${NAME('20250821')}`);
  });

  test('no flag: same image, a new pool, an unknown image, a removed pool', () => {
    const base = output({ General: { tag: NAME('20250610') }, Old: { tag: NAME('20250610') }, Unknown: {} });
    const head = output({ General: { tag: NAME('20250610') }, New: { tag: NAME('20250821') }, Unknown: {} });
    expect(review(base, head).flags.filter((f) => f.kind === RiskKind.WORKER_IMAGE_CHANGED)).toEqual([]);
  });
});
