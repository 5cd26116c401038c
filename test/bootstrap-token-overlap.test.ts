/**
 * Token overlap, proved on the model of the two-slot rotation (src/model/bootstrap-token.ts,
 * simulateTokenSlots, which follows time_rotating's rule: a slot is recreated by the first apply at or
 * after base + 2R). A node reads the delivered token (SSM, or the launch template for inline
 * delivery) at some hour and joins a little later; the join works when that token still exists and
 * is unexpired then.
 */
import {
  bootstrapTokenSpec,
  BootstrapTokenSpec,
  simulateTokenSlots,
  SimulatedToken,
  tokenValidAt,
} from '../src/model/bootstrap-token';

const HOURS = 24 * 365;

/** The token delivered at hour t: the one after the last apply at or before t. */
function deliveredAt(timeline: Array<[number, SimulatedToken]>, t: number): SimulatedToken {
  let current = timeline[0][1];
  for (const [at, token] of timeline) if (at <= t) current = token;
  return current;
}

function applies(every: number, until = HOURS): number[] {
  const out: number[] = [];
  for (let t = 0; t <= until; t += every) out.push(t);
  return out;
}

/** A small deterministic PRNG, so a failure is reproducible. */
function prng(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

/** The smallest time a delivered token stays valid after a node reads it, over every hour of the year. */
function minValidAfterRead(spec: BootstrapTokenSpec, applyHours: number[]): number {
  const { delivered } = simulateTokenSlots(spec, applyHours);
  let min = Infinity;
  for (let t = 0; t <= applyHours[applyHours.length - 1]; t++) {
    const token = deliveredAt(delivered, t);
    expect(tokenValidAt(token, t)).toBe(true);
    let h = 0;
    while (tokenValidAt(token, t + h + 1) && h < 10 * spec.rotationHours) h++;
    min = Math.min(min, h);
  }
  return min;
}

describe('two-slot token rotation (model)', () => {
  const spec = bootstrapTokenSpec({}); // R = 168 h, TTL = 720 h

  test('the slots alternate: each apply that rotates replaces one slot, one rotation period apart', () => {
    const { tokens } = simulateTokenSlots(spec, applies(1, 24 * 60));
    const replacements = tokens.filter((t) => t.createdAt > 0).map((t) => [t.slot, t.createdAt]);
    expect(replacements.slice(0, 5)).toEqual([
      ['A', 336],
      ['B', 504],
      ['A', 672],
      ['B', 840],
      ['A', 1008],
    ]);
  });

  test.each([1, 24, 84])(
    'applied every %i h: at every hour of a year the delivered token is valid, and stays valid >= R - interval',
    (every) => {
      expect(minValidAfterRead(spec, applies(every))).toBeGreaterThanOrEqual(spec.rotationHours - every);
    },
  );

  test('a node reading the token one minute before a rotating apply joins one hour after it', () => {
    const { delivered, tokens } = simulateTokenSlots(spec, applies(24));
    for (const rotation of tokens.filter((t) => t.createdAt > 0)) {
      const before = deliveredAt(delivered, rotation.createdAt - 1 / 60);
      expect(before).not.toBe(rotation);
      expect(tokenValidAt(before, rotation.createdAt + 1)).toBe(true);
      // ...and the one read just after it too.
      expect(tokenValidAt(deliveredAt(delivered, rotation.createdAt), rotation.createdAt + 1)).toBe(true);
    }
  });

  test('random apply gaps up to R/2 over a year: the delivered token is always valid for >= R/2 after reading', () => {
    const random = prng(13);
    for (const R of [1, 24, 168]) {
      const s = bootstrapTokenSpec({ rotationHours: R, ttlHours: 2 * R });
      const hours = [0];
      while (hours[hours.length - 1] < HOURS)
        hours.push(hours[hours.length - 1] + Math.max(1, Math.floor(random() * (R / 2))));
      expect(minValidAfterRead(s, hours)).toBeGreaterThanOrEqual(Math.floor(R / 2) - 1);
    }
  });

  test('expiration never comes before the slot is replaced (TTL >= 2R), so the token cleaner never races Terraform', () => {
    const { tokens } = simulateTokenSlots(spec, applies(24));
    for (const t of tokens.filter((x) => x.deletedAt !== undefined))
      expect(t.expiresAt).toBeGreaterThanOrEqual(t.deletedAt!);
  });

  test('a long gap between applies: the newest token still lets nodes join until its TTL', () => {
    // Applied at 0 and then only after 600 h: nodes keep joining with the token delivered at 0.
    const { delivered } = simulateTokenSlots(spec, [0, 600]);
    expect(tokenValidAt(deliveredAt(delivered, 0), 599)).toBe(true);
    expect(tokenValidAt(deliveredAt(delivered, 600), 601)).toBe(true);
  });

  test('the single-token rotation (before issue 13) fails the same check: the overlap is what makes it pass', () => {
    // One token, replaced (its Secret deleted) by the first apply at or after base + R.
    const R = spec.rotationHours;
    const tokens: SimulatedToken[] = [];
    const delivered: Array<[number, SimulatedToken]> = [];
    let current: SimulatedToken | undefined;
    for (const now of applies(24)) {
      if (!current || now >= current.base + R) {
        if (current) current.deletedAt = now;
        current = { slot: 'A', createdAt: now, base: now, expiresAt: now + spec.ttlHours };
        tokens.push(current);
      }
      delivered.push([now, current]);
    }
    const rotation = tokens[1];
    const before = deliveredAt(delivered, rotation.createdAt - 1 / 60);
    expect(tokenValidAt(before, rotation.createdAt + 1)).toBe(false);
  });
});
