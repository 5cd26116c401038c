// The public API of cdktf-kamaji: what `import { ... } from 'cdktf-kamaji'` offers, and what jsii
// exposes to Python, Java, Go and C#. Everything else (the models behind the constructs, the CLI, the
// review renderer) is internal and may change in any release: import it by deep path at your own risk.
//
// The list is deliberate and reviewed: api/cdktf-kamaji.api.md is the report of this surface, and
// `npm test` fails when it changes without the report (update it with `npm run api -- --local`).

// Errors
export { type Problem, ValidationError } from './model/errors';

// KamajiPlatform
export { KamajiPlatform, type KamajiPlatformOptions, type KamajiPlatformProps } from './constructs/kamaji-platform';

// KamajiDataStore
export {
  type CertificateReference,
  type DataStoreBasicAuth,
  DataStoreDriver,
  type DataStoreTls,
  KamajiDataStore,
  type KamajiDataStoreOptions,
  type KamajiDataStoreProps,
  type SecretKeyReference,
} from './constructs/kamaji-datastore';

// TenantPki
export {
  CaKeyAlgorithm,
  CaSource,
  TenantPki,
  type TenantPkiOptions,
  type TenantPkiProps,
} from './constructs/tenant-pki';

// TenantControlPlane
export { type ComponentResources, ControlPlaneExposure } from './model/tenant-control-plane';
export {
  TenantControlPlane,
  type TenantControlPlaneOptions,
  type TenantControlPlaneProps,
} from './constructs/tenant-control-plane';
export { AwsNlb, type AwsNlbOptions } from './constructs/aws-nlb';

// TenantJoinPrerequisites
export { TenantJoinPrerequisites, type TenantJoinPrerequisitesProps } from './constructs/join-prerequisites';

// BootstrapToken
export {
  BootstrapToken,
  type BootstrapTokenOptions,
  type BootstrapTokenProps,
  type BootstrapTokenSlot,
} from './constructs/bootstrap-token';

// AwsWorkerPool
export { type NodeTaint, TaintEffect } from './model/kubeadm';
export {
  AwsWorkerPool,
  type AwsWorkerPoolOptions,
  type AwsWorkerPoolProps,
  ImageArchitecture,
  NodeEgress,
  TokenDelivery,
} from './constructs/aws-worker-pool';

// TenantCloudIntegration (AWS cloud-controller-manager, EBS CSI)
export { ResourceOwnership, SubnetElbRole } from './model/cloud-integration';
export {
  type CloudIntegrationSubnet,
  TenantCloudIntegration,
  type TenantCloudIntegrationOptions,
  type TenantCloudIntegrationProps,
} from './constructs/tenant-cloud-integration';

// NodeTerminationHandler (drain before termination)
export {
  NodeTerminationHandler,
  type NodeTerminationHandlerOptions,
  type NodeTerminationHandlerProps,
  TerminationHandlerCredentials,
} from './constructs/node-termination-handler';

// TenantCni
export { CniPlugin, TenantCni, type TenantCniOptions, type TenantCniProps } from './constructs/tenant-cni';

// Stage stacks, their state settings, and the fleet of a tenants file
export * from '../stacks';
