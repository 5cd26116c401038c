/**
 * Loads @kubernetes/client-node for the commands that talk to a cluster (`kubeconfig`, `cleanup`),
 * only when they run, so other commands do not pay for it. It is an ES module (Node >= 20.19
 * require()s it) and an optional dependency: `npm install --omit=optional` leaves it out.
 */
import { UsageError } from './command';

export type K8s = typeof import('@kubernetes/client-node');

export async function loadKubernetesClient(): Promise<K8s> {
  try {
    return await import('@kubernetes/client-node');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'MODULE_NOT_FOUND') throw e;
    throw new UsageError(
      'needs the optional dependency @kubernetes/client-node, which is not installed: npm install @kubernetes/client-node@~1.4.0',
    );
  }
}
