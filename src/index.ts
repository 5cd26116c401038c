// Public API of cdktf-kamaji: constructs, their models, and the stage stacks.
export * from './model/errors';
export * from './model/names';
export * from './model/platform';
export * from './constructs/kamaji-platform';
export * from '../stacks';
export * from './model/pki';
export * from './model/tenant-control-plane';
export * from './constructs/tenant-pki';
export * from './constructs/tenant-control-plane';
export * from './model/bootstrap-token';
export * from './model/kubeadm';
export * from './model/node-bootstrap';
export * from './model/worker-pool';
export * from './model/cni';
export * from './constructs/bootstrap-token';
export * from './constructs/aws-worker-pool';
export * from './constructs/tenant-cni';
