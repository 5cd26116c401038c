import * as path from 'node:path';
import { App, TerraformLocal, TerraformStack } from 'cdktf';
import { DataStoreDriver } from '../src/constructs/kamaji-datastore';
import { CaKeyAlgorithm, CaSource, TenantPkiOptions } from '../src/constructs/tenant-pki';
import { AwsWorkerPoolOptions, TokenDelivery } from '../src/constructs/aws-worker-pool';
import { CniPlugin } from '../src/constructs/tenant-cni';
import { DECOMMISSION_LOCAL } from '../src/model/decommission';
import { Problems, ValidationError } from '../src/model/errors';
import { checkDistinctState } from '../src/model/state';
import { ControlPlaneExposure } from '../src/model/tenant-control-plane';
import {
  controlPlaneInput,
  LoadedTenantsFile,
  PoolEntry,
  poolSizes,
  ResolvedTenant,
  tenantNamespace,
  TenantsFile,
} from '../src/model/tenants-file';
import { TaintEffect } from '../src/model/kubeadm';
import { poolImageRollingEgress } from '../src/model/user-data';
import { compareVersions, parseVersion } from '../src/model/versions';
import { TenantControlPlaneStack, TenantControlPlaneStackProps } from './control-plane-stack';
import { DataStoresStack } from './datastores-stack';
import { ManagementClusterProps } from './management-cluster';
import { TenantNodesStack } from './nodes-stack';
import { PlatformStack } from './platform-stack';
import { StateBackend, StateLock, StateProps, stateSpec } from './state';

/** The stacks of one tenant. */
export interface TenantStacks {
  readonly controlPlane: TenantControlPlaneStack;
  /** Absent when the tenant has no worker pools. */
  readonly nodes?: TenantNodesStack;
}

export interface Fleet {
  readonly platform: PlatformStack;
  readonly dataStores?: DataStoresStack;
  /** Each tenant's stacks, by tenant name. */
  readonly tenants: { [name: string]: TenantStacks };
}

/** Stack ids: part of the public contract (state keys, CI matrices and reviews use them). */
export const stackIds = {
  platform: 'platform',
  dataStores: 'datastores',
  controlPlane: (tenant: string) => `tenant-${tenant}-control-plane`,
  nodes: (tenant: string) => `tenant-${tenant}-nodes`,
};

export { tenantNamespace };

/**
 * Builds the stage graph of a validated tenants file into `app`: platform -> datastores -> one
 * control-plane stack per tenant -> its nodes stack. Each tenant's stacks hold only that tenant's
 * resources, so adding a tenant changes nothing in the others' stacks.
 *
 * `fileDir` is the folder of the tenants file: CA paths in the file are relative to it.
 */
export function buildFleet(app: App, loaded: LoadedTenantsFile, fileDir: string): Fleet {
  if (!loaded.file || !loaded.tenants) throw new ValidationError(loaded.problems);
  const file: TenantsFile = loaded.file;
  const p = file.platform ?? {};
  const management: ManagementClusterProps = {
    kubeconfigPath: p.kubeconfigPath,
    kubeconfigContext: p.kubeconfigContext,
  };
  const state = stateProps(file);

  const platform = new PlatformStack(app, stackIds.platform, {
    ...management,
    state,
    kamajiChartVersion: p.kamajiChartVersion,
    kamajiImageTag: p.kamajiImageTag,
    certManagerChartVersion: p.certManagerChartVersion,
    installCertManager: p.installCertManager,
    bundledEtcd: p.bundledEtcd,
    defaultDataStoreName: p.defaultDataStore,
    extraValues: p.extraValues,
  });

  const dataStores = p.dataStores?.length
    ? new DataStoresStack(app, stackIds.dataStores, {
        ...management,
        state,
        dependsOnStacks: [platform],
        dataStores: p.dataStores.map((ds) => ({
          ...ds,
          endpoints: [...ds.endpoints],
          driver: ds.driver as DataStoreDriver,
        })),
      })
    : undefined;

  const tenants: { [name: string]: TenantStacks } = {};
  for (const tenant of loaded.tenants) {
    // Props first, then the stack right here: see keepProblems on stack depth and synth time.
    const controlPlaneProps = tenantControlPlaneProps(tenant, management, state, fileDir, [
      platform,
      ...(dataStores ? [dataStores] : []),
    ]);
    const controlPlane = new TenantControlPlaneStack(app, stackIds.controlPlane(tenant.name), controlPlaneProps);
    // Decommissioned pools leave the nodes stack; when none stays, the stack keeps them all and goes.
    // Deleting a pool's group scales it to zero first (terraform-provider-aws, autoscaling/group.go
    // drainGroup), but its lifecycle hook depends on it and is deleted before: no drain by the handler.
    const active = tenant.workers.filter((w) => !w.decommission);
    const nodesGo = tenant.decommission || (tenant.workers.length > 0 && active.length === 0);
    const pools = nodesGo ? tenant.workers : active;
    const nodes =
      pools.length > 0
        ? new TenantNodesStack(app, stackIds.nodes(tenant.name), {
            ...management,
            state,
            tenantName: tenant.name,
            tcpName: controlPlane.controlPlane.name,
            tcpNamespace: controlPlane.controlPlane.namespace,
            controlPlaneVersion: controlPlane.controlPlane.kubernetesVersion,
            oldestKubeletVersion: controlPlane.controlPlane.oldestKubeletVersion,
            apiPort: controlPlane.controlPlane.port,
            konnectivityPort: controlPlane.controlPlane.konnectivityPort,
            podCidr: controlPlane.controlPlane.podCidr,
            awsRegion: tenant.awsRegion!,
            cni: { plugin: tenant.cni === 'none' ? CniPlugin.NONE : CniPlugin.CALICO },
            cloudIntegration: tenant.cloudIntegration,
            drainEnabled: tenant.drain.enabled,
            drain: {
              heartbeatTimeoutSeconds: tenant.drain.heartbeatTimeoutSeconds,
              drainTimeoutSeconds: tenant.drain.drainTimeoutSeconds,
              spotInterruptions: tenant.drain.spotInterruptions,
              rebalanceRecommendations: tenant.drain.rebalanceRecommendations,
            },
            pools: pools.map(poolOptions),
          })
        : undefined;
    nodes?.addDependency(controlPlane);
    if (tenant.decommission) markDecommissioned(controlPlane);
    if (nodes && nodesGo) markDecommissioned(nodes);
    tenants[tenant.name] = { controlPlane, nodes };
  }
  // Every stack must own its state: two stacks on one key would overwrite each other's state.
  const problems = new Problems('tenants file');
  const ids = app.node.children.filter((c): c is TerraformStack => c instanceof TerraformStack).map((s) => s.node.id);
  checkDistinctState(stateSpec(state), ids, problems);
  problems.throwIfAny();
  return { platform, dataStores, tenants };
}

function tenantControlPlaneProps(
  tenant: ResolvedTenant,
  management: ManagementClusterProps,
  state: StateProps | undefined,
  fileDir: string,
  dependsOnStacks: TerraformStack[],
): TenantControlPlaneStackProps {
  return {
    ...management,
    state,
    dependsOnStacks,
    ...controlPlaneInput(tenant),
    awsRegion: controlPlaneAwsRegion(tenant),
    loadBalancerIpCheck: tenant.controlPlane.loadBalancerIpCheck,
    oldestKubeletVersion: oldestKubelet(tenant),
    dataStore: tenant.dataStore,
    podCidr: tenant.podCidr,
    serviceCidr: tenant.serviceCidr,
    pki: pkiOptions(tenant, fileDir),
    // Decommissioning turns protection off, or the destroy would stop at prevent_destroy.
    preventDestroy: tenant.decommission ? false : undefined,
  };
}

/**
 * The region of a control-plane stack's aws provider: the management cluster's with Elastic IPs,
 * else (a secret-store CA) the tenant's AWS region, else the management cluster's; a CA whose
 * `pki.region` (or ARN) names another region is read there (TenantPki sets the data source's region).
 */
function controlPlaneAwsRegion(tenant: ResolvedTenant): string | undefined {
  if (tenant.controlPlane.exposure === ControlPlaneExposure.AWS_ELASTIC_IP) return tenant.managementAwsRegion;
  if (tenant.pki.source === 'aws-secrets-manager' || tenant.pki.source === 'aws-ssm-parameter') {
    return tenant.awsRegion ?? tenant.managementAwsRegion;
  }
  return undefined;
}

/**
 * Marks a stack for destruction: the top-level local `kamaji_decommission = true` in its
 * cdk.tf.json, under a fixed name (`cdktf-kamaji stacks` and the review read it).
 */
function markDecommissioned(stack: TerraformStack): void {
  new TerraformLocal(stack, DECOMMISSION_LOCAL, true).overrideLogicalId(DECOMMISSION_LOCAL);
}

/**
 * CA paths in the file are relative to it; the construct wants them relative to the project root
 * (the working directory cdktf runs in), which is also what a files CA's key path in cdk.tf.json is
 * relative to: the same files give the same output wherever the tenants file sits and wherever the
 * checkout is.
 */
function pkiOptions(tenant: ResolvedTenant, fileDir: string): TenantPkiOptions {
  const pki = tenant.pki;
  const fromCwd = (p: string) => path.relative(process.cwd(), path.resolve(fileDir, p)).split(path.sep).join('/');
  if (pki.source === 'files') {
    return { source: CaSource.FILES, certificateFile: fromCwd(pki.certPath!), keyFile: fromCwd(pki.keyPath!) };
  }
  if (pki.source === 'aws-secrets-manager') {
    return {
      source: CaSource.AWS_SECRETS_MANAGER,
      certificateFile: fromCwd(pki.certPath!),
      secretId: pki.secretId,
      region: pki.region,
    };
  }
  if (pki.source === 'aws-ssm-parameter') {
    return {
      source: CaSource.AWS_SSM_PARAMETER,
      certificateFile: fromCwd(pki.certPath!),
      parameterName: pki.parameterName,
      region: pki.region,
    };
  }
  return {
    source: CaSource.GENERATED,
    keyAlgorithm:
      pki.algorithm === 'ECDSA'
        ? CaKeyAlgorithm.ECDSA_P256
        : pki.algorithm === 'RSA'
          ? CaKeyAlgorithm.RSA_2048
          : undefined,
    validityYears: pki.validityYears,
  };
}

/** The oldest kubelet among the tenant's pools (Kamaji's kubelet-config workaround depends on it). */
function oldestKubelet(tenant: ResolvedTenant): string | undefined {
  // A decommissioned pool leaves (unless every pool does): it does not hold the control plane back.
  const staying = tenant.workers.filter((w) => !w.decommission);
  const versions = (staying.length > 0 ? staying : tenant.workers)
    .map((w) => w.kubernetesVersion)
    .filter((v): v is string => v !== undefined)
    .map((v) => ({ text: v, parsed: parseVersion(v)! }));
  if (versions.length === 0) return undefined;
  return versions.sort((a, b) => compareVersions(a.parsed, b.parsed))[0].text;
}

/** A pool of the tenants file (defaults applied) as construct options. */
export function poolOptions(pool: PoolEntry): AwsWorkerPoolOptions {
  const sizes = poolSizes(pool);
  return {
    name: pool.name,
    instanceTypes: pool.instanceType ? [pool.instanceType] : undefined,
    ...sizes,
    subnetIds: pool.subnetIds,
    amiId: pool.amiId,
    ...poolImageRollingEgress(pool),
    rootVolumeSizeGiB: pool.rootVolumeSizeGiB,
    kubernetesVersion: pool.kubernetesVersion,
    labels: pool.labels,
    taints: pool.taints?.map((t) => ({ key: t.key, value: t.value, effect: t.effect as TaintEffect })),
    tokenDelivery: pool.tokenDelivery === 'inline' ? TokenDelivery.INLINE : TokenDelivery.SSM,
    spot: pool.spot,
  };
}

function stateProps(file: TenantsFile): StateProps | undefined {
  const s = file.state;
  if (!s) return undefined;
  return {
    ...s,
    backend: s.backend as StateBackend,
    lock: s.lock as StateLock | undefined,
  };
}
