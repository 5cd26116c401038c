import { Token } from 'cdktf';
import { Construct } from 'constructs';
import { Problems } from '../model/errors';

/**
 * A problem list for a construct: problems name the construct path, and values that are still
 * tokens (known only at apply time) are not judged at synth.
 */
export function problemsFor(scope: Construct): Problems {
  return new Problems(scope.node.path, {
    // An element of a token list (`#{TfToken[...]}`) is not recognised by Token.isUnresolved.
    deferred: (value) => Token.isUnresolved(value) || (typeof value === 'string' && value.startsWith('#{TfToken[')),
  });
}
