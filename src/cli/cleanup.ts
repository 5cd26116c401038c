/**
 * `cdktf-kamaji cleanup`: before a tenant's nodes stack is destroyed, delete what the tenant's
 * cloud integration created in AWS outside Terraform, so nothing is orphaned and still billed:
 *
 * - Services of type LoadBalancer: the AWS cloud-controller-manager created a load balancer (and a
 *   security group) for each; deleting the Service makes it delete them, and it removes the Service's
 *   `service.kubernetes.io/load-balancer-cleanup` finalizer only afterwards (k8s.io/cloud-provider
 *   controllers/service), so "the Service is gone" means "the load balancer is gone".
 * - with `--volumes`, PersistentVolumeClaims bound to EBS CSI volumes (`spec.csi.driver`
 *   `ebs.csi.aws.com`): with reclaim policy Delete the external-provisioner deletes the EBS volume and
 *   then the PersistentVolume (its `external-provisioner.volume.kubernetes.io/finalizer`), so "the
 *   PersistentVolume is gone" means "the volume is gone". A volume with policy Retain is reported, not
 *   touched. A claim still mounted by a pod waits (`kubernetes.io/pvc-protection`).
 *
 * This is what eksctl does before it deletes a cluster (it deletes LoadBalancer Services first). The
 * logic is here against a small interface; the Kubernetes client is only the adapter below.
 */
import * as fs from 'node:fs';
import { Command, numberFlag, parseArgs, UsageError } from './command';
import { K8s, loadKubernetesClient } from './k8s-client';

export const EBS_CSI_DRIVER = 'ebs.csi.aws.com';

/** An object to delete (or that is being deleted). */
export interface CleanupRef {
  readonly namespace: string;
  readonly name: string;
  /** Set once the API server accepted a delete (deletionTimestamp). */
  readonly deleting: boolean;
  /** What it holds in AWS, for the report (a load balancer hostname, an EBS volume id). */
  readonly detail?: string;
}

export interface EbsVolume {
  readonly name: string;
  readonly reclaimPolicy: string;
  readonly volumeHandle: string;
  /** `namespace/name` of the claim it is bound to, if any. */
  readonly claim?: string;
}

/** What the cleanup needs from the tenant's API server. */
export interface CleanupApi {
  loadBalancerServices(): Promise<CleanupRef[]>;
  ebsVolumes(): Promise<EbsVolume[]>;
  claims(): Promise<CleanupRef[]>;
  deleteService(ref: CleanupRef): Promise<void>;
  deleteClaim(ref: CleanupRef): Promise<void>;
}

export interface CleanupOptions {
  readonly volumes: boolean;
  readonly dryRun: boolean;
  readonly timeoutSeconds: number;
  readonly pollSeconds: number;
  readonly log: (line: string) => void;
  readonly sleep: (seconds: number) => Promise<void>;
  readonly now: () => number;
}

export interface CleanupResult {
  /** What is still there when the cleanup stopped (empty: done). */
  readonly remaining: string[];
  /** EBS volumes kept by their reclaim policy (not deleted on purpose). */
  readonly retained: string[];
}

const key = (r: { namespace: string; name: string }) => `${r.namespace}/${r.name}`;

/** The claims bound to EBS CSI volumes, and the volumes that their deletion deletes. */
async function ebsTargets(
  api: CleanupApi,
): Promise<{ claims: CleanupRef[]; deleting: EbsVolume[]; retained: EbsVolume[] }> {
  const volumes = await api.ebsVolumes();
  const bound = new Map(volumes.filter((v) => v.claim).map((v) => [v.claim!, v]));
  const claims = (await api.claims())
    .filter((c) => bound.has(key(c)))
    .map((c) => ({ ...c, detail: bound.get(key(c))!.volumeHandle }));
  return {
    claims,
    deleting: volumes.filter((v) => v.reclaimPolicy === 'Delete'),
    retained: volumes.filter((v) => v.reclaimPolicy !== 'Delete'),
  };
}

export async function runCleanup(api: CleanupApi, o: CleanupOptions): Promise<CleanupResult> {
  const deadline = o.now() + o.timeoutSeconds * 1000;
  const asked = new Set<string>();
  let first = true;
  for (;;) {
    const services = await api.loadBalancerServices();
    const ebs = o.volumes ? await ebsTargets(api) : { claims: [], deleting: [], retained: [] };
    const retained = ebs.retained.map(
      (v) => `PersistentVolume ${v.name} (EBS ${v.volumeHandle}, reclaimPolicy ${v.reclaimPolicy})`,
    );
    if (first) {
      o.log(
        `${services.length} LoadBalancer Service(s)` +
          (o.volumes
            ? `, ${ebs.claims.length} claim(s) on EBS volumes`
            : ' (volumes left alone: --volumes deletes claims on EBS)'),
      );
      for (const s of services) o.log(`  Service ${key(s)}${s.detail ? ` (load balancer ${s.detail})` : ''}`);
      for (const c of ebs.claims) o.log(`  PersistentVolumeClaim ${key(c)} (EBS ${c.detail})`);
      for (const r of retained) o.log(`  kept: ${r}: its volume stays in EC2`);
      first = false;
      if (o.dryRun) return { remaining: [], retained };
    }
    const remaining = [
      ...services.map((s) => `Service ${key(s)}`),
      ...ebs.claims.map((c) => `PersistentVolumeClaim ${key(c)}`),
      // Volumes whose claim is gone (Released, or still showing Bound a moment after the claim went):
      // the provisioner is still deleting the EBS volume.
      ...ebs.deleting
        .filter((v) => !v.claim || !ebs.claims.some((c) => key(c) === v.claim))
        .map((v) => `PersistentVolume ${v.name} (EBS ${v.volumeHandle})`),
    ];
    if (remaining.length === 0) {
      o.log('nothing left: the tenant holds no load balancer' + (o.volumes ? ' and no EBS volume to delete' : ''));
      return { remaining, retained };
    }
    // Delete what is not being deleted yet (an operator may have created more meanwhile).
    for (const s of services.filter((s) => !s.deleting && !asked.has(`svc:${key(s)}`))) {
      await api.deleteService(s);
      asked.add(`svc:${key(s)}`);
      o.log(`deleted Service ${key(s)}`);
    }
    for (const c of ebs.claims.filter((c) => !c.deleting && !asked.has(`pvc:${key(c)}`))) {
      await api.deleteClaim(c);
      asked.add(`pvc:${key(c)}`);
      o.log(`deleted PersistentVolumeClaim ${key(c)}`);
    }
    if (o.now() >= deadline) {
      o.log(`timed out after ${o.timeoutSeconds}s; still there:`);
      for (const r of remaining) {
        const why = r.startsWith('Service')
          ? 'the cloud-controller-manager removes its finalizer once the load balancer is deleted: is kube-system/aws-cloud-controller-manager running on a node?'
          : r.startsWith('PersistentVolumeClaim')
            ? 'still mounted by a pod (kubernetes.io/pvc-protection): delete or scale down its workload'
            : 'the EBS CSI controller deletes the volume, then the PersistentVolume: is kube-system/ebs-csi-controller running?';
        o.log(`  ${r}: ${why}`);
      }
      return { remaining, retained };
    }
    await o.sleep(o.pollSeconds);
  }
}

/** 404 on delete: already gone, which is what we want. */
function ignoreNotFound(e: unknown): void {
  const code = (e as { code?: number }).code;
  if (code !== 404) throw e;
}

/** The adapter: CoreV1 list and delete calls of @kubernetes/client-node. */
export function kubernetesCleanupApi(k8s: K8s, kubeconfigPath: string, context?: string): CleanupApi {
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  if (context !== undefined) {
    if (!kc.getContexts().some((c) => c.name === context)) {
      throw new UsageError(`--context ${context}: no such context in ${kubeconfigPath}`);
    }
    kc.setCurrentContext(context);
  }
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const ref = (m: { namespace?: string; name?: string; deletionTimestamp?: unknown }, detail?: string): CleanupRef => ({
    namespace: m.namespace ?? '',
    name: m.name ?? '',
    deleting: m.deletionTimestamp !== undefined && m.deletionTimestamp !== null,
    detail,
  });
  return {
    async loadBalancerServices() {
      const list = await core.listServiceForAllNamespaces();
      return list.items
        .filter((s) => s.spec?.type === 'LoadBalancer')
        .map((s) =>
          ref(
            s.metadata ?? {},
            s.status?.loadBalancer?.ingress?.[0]?.hostname ?? s.status?.loadBalancer?.ingress?.[0]?.ip,
          ),
        );
    },
    async ebsVolumes() {
      const list = await core.listPersistentVolume();
      return list.items
        .filter((v) => v.spec?.csi?.driver === EBS_CSI_DRIVER)
        .map((v) => ({
          name: v.metadata?.name ?? '',
          reclaimPolicy: v.spec?.persistentVolumeReclaimPolicy ?? 'Delete',
          volumeHandle: v.spec?.csi?.volumeHandle ?? '',
          // A Released volume keeps its old claimRef; it is bound only while that claim exists.
          claim:
            v.status?.phase === 'Bound' && v.spec?.claimRef?.name
              ? `${v.spec.claimRef.namespace}/${v.spec.claimRef.name}`
              : undefined,
        }));
    },
    async claims() {
      const list = await core.listPersistentVolumeClaimForAllNamespaces();
      return list.items.map((c) => ref(c.metadata ?? {}));
    },
    async deleteService(r) {
      await core.deleteNamespacedService({ name: r.name, namespace: r.namespace }).catch(ignoreNotFound);
    },
    async deleteClaim(r) {
      await core.deleteNamespacedPersistentVolumeClaim({ name: r.name, namespace: r.namespace }).catch(ignoreNotFound);
    },
  };
}

const USAGE = `usage: cdktf-kamaji cleanup --kubeconfig PATH [--context NAME] [--volumes] [--timeout SECONDS] [--dry-run]

Run before destroying a tenant's nodes stack (decommissioning). Deletes the tenant's Services of type
LoadBalancer and waits until the AWS cloud-controller-manager has deleted their load balancers; with
--volumes also the PersistentVolumeClaims on EBS CSI volumes, waiting until the driver has deleted the
volumes (reclaim policy Retain: reported, kept). Exits 0 when nothing is left, 1 on timeout with what
remains and why. The nodes must still run: the controllers doing the deleting run on them.

options:
  --kubeconfig PATH  the TENANT's kubeconfig (cdktf-kamaji kubeconfig TENANT writes one)
  --context NAME     context of that kubeconfig (default: its current-context)
  --volumes          also delete claims on EBS volumes (their data is lost)
  --timeout SECONDS  give up after this long (default 600)
  --dry-run          list what would be deleted, delete nothing`;

export const command: Command = {
  summary: "delete a tenant's load balancers (and EBS volumes) before its nodes are destroyed",
  usage: USAGE,
  async run(argv) {
    const { flags, positional } = parseArgs(argv, ['kubeconfig', 'context', 'timeout'], ['volumes', 'dry-run']);
    if (positional.length > 0) throw new UsageError(`takes no positional arguments (got "${positional[0]}")`);
    const kubeconfig = flags.kubeconfig;
    if (typeof kubeconfig !== 'string') throw new UsageError("needs --kubeconfig PATH (the tenant's kubeconfig)");
    if (!fs.existsSync(kubeconfig)) throw new UsageError(`--kubeconfig ${kubeconfig}: no such file`);
    const timeoutSeconds = numberFlag(flags, 'timeout') ?? 600;
    if (timeoutSeconds < 1) throw new UsageError('--timeout must be at least 1 second');
    const k8s = await loadKubernetesClient();
    const api = kubernetesCleanupApi(k8s, kubeconfig, typeof flags.context === 'string' ? flags.context : undefined);
    const pollSeconds = Number(process.env.KAMAJI_CLEANUP_POLL_SECONDS ?? 5);
    try {
      const result = await runCleanup(api, {
        volumes: flags.volumes === true,
        dryRun: flags['dry-run'] === true,
        timeoutSeconds,
        pollSeconds,
        log: (line) => process.stdout.write(`${line}\n`),
        sleep: (s) => new Promise((done) => setTimeout(done, s * 1000)),
        now: () => Date.now(),
      });
      return result.remaining.length === 0 ? 0 : 1;
    } catch (e) {
      const code = (e as { code?: number }).code;
      const body = (e as { body?: unknown }).body;
      const message =
        code !== undefined
          ? `the tenant API server answered ${code}${typeof body === 'string' ? `: ${body.slice(0, 200)}` : ''}`
          : (e as Error).message;
      process.stderr.write(`cdktf-kamaji cleanup: ${message}\n`);
      return 1;
    }
  },
};
