export * from './management-cluster';
export * from './platform-stack';
export * from './state';
export * from './control-plane-stack';
export * from './nodes-stack';
