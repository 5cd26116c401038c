import { ValidationError } from '../../src/model/errors';

/** The ValidationError `build` throws; fails the test when it throws nothing or something else. */
export function validationErrorOf(build: () => unknown): ValidationError {
  try {
    build();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError, but nothing was thrown');
}
