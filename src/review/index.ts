// Synth-output review (the `review` and `graph` commands). Pure: reads files, no cdktf.
export * from './synth-output';
export * from './stages';
export * from './paths';
export * from './rules';
export * from './diff';
export * from './facts';
export * from './flags';
export * from './mermaid';
export * from './review';
export * from './markdown';
export * from './node-config';
export * from './plan';
