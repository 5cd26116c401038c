export * from './management-cluster';
export * from './state';
export * from './platform-stack';
export * from './datastores-stack';
export * from './control-plane-stack';
export * from './nodes-stack';
export * from './fleet';
export * from './fleet-checks';
