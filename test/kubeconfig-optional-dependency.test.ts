import { main } from '../src/cli';

// @kubernetes/client-node is an optional dependency (only `kubeconfig` loads it): an install with
// `--omit=optional` has none, and the command must say so in one line, not with a stack trace.
jest.mock('@kubernetes/client-node', () => {
  const error = new Error("Cannot find module '@kubernetes/client-node'") as NodeJS.ErrnoException;
  error.code = 'MODULE_NOT_FOUND';
  throw error;
});

test('kubeconfig without the optional @kubernetes/client-node: one line naming the install command', async () => {
  const err: string[] = [];
  const spy = jest.spyOn(process.stderr, 'write').mockImplementation((s: any) => (err.push(String(s)), true));
  try {
    const code = await main(['kubeconfig', 'demo', '--out', '-']);
    expect(code).toBe(2);
  } finally {
    spy.mockRestore();
  }
  const text = err.join('');
  expect(text.trim().split('\n')).toHaveLength(1);
  expect(text).toContain('npm install @kubernetes/client-node@~1.4.0');
  expect(text).not.toMatch(/\n\s+at /);
});
