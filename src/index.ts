// Public API of cdktf-kamaji: the constructs, the pure models behind them, and the stage stacks.

// Models (pure TypeScript: rules, rendering, validation)
export * from './model/errors';
export * from './model/names';
export * from './model/versions';
export * from './model/platform';
export * from './model/datastore';
export * from './model/pki';
export * from './model/tenant-control-plane';
export * from './model/bootstrap-token';
export * from './model/kubeadm';
export * from './model/node-bootstrap';
export * from './model/worker-pool';
export * from './model/cni';
export * from './model/state';
export * from './model/tenants-file';
export * from './model/waves';
export * from './model/join-prerequisites';

// Constructs
export * from './constructs/kamaji-platform';
export * from './constructs/kamaji-datastore';
export * from './constructs/tenant-pki';
export * from './constructs/tenant-control-plane';
export * from './constructs/bootstrap-token';
export * from './constructs/aws-worker-pool';
export * from './constructs/tenant-cni';
export * from './constructs/join-prerequisites';

// Stage stacks and the fleet composition
export * from '../stacks';
