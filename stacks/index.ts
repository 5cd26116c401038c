// The public part of the stage stacks (re-exported by the package root, src/index.ts). Helpers such as
// configureState, managementKubernetesProvider or buildFleet stay internal: import them by path.
export { type ManagementClusterProps } from './management-cluster';
export { StateBackend, StateLock, type StateProps } from './state';
export { PlatformStack, type PlatformStackProps } from './platform-stack';
export { DataStoresStack, type DataStoresStackProps } from './datastores-stack';
export { TenantControlPlaneStack, type TenantControlPlaneStackProps } from './control-plane-stack';
export { TenantNodesStack, type TenantNodesStackProps } from './nodes-stack';
export { type Fleet, type TenantStacks } from './fleet';
export { KamajiFleet } from './kamaji-fleet';
