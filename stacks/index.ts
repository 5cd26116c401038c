export * from './management-cluster';
export * from './platform-stack';
export * from './state';
