// Public API of cdktf-kamaji: constructs, their models, and the stage stacks.
export * from './model/errors';
export * from './model/names';
export * from './model/platform';
export * from './constructs/kamaji-platform';
export * from '../stacks';
