import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { HealthComponent } from './health-component.interface.js';
import { DEFAULT_STATUS_ORDER, HEALTH_STATUSES, HealthStatus } from './health-status.js';
import { StatusOrder } from './status-order.js';

const status = fc.constantFrom(...HEALTH_STATUSES);
const statuses = fc.array(status, { maxLength: 12 });
/** Any permutation of the six statuses, used as a custom severity order. */
const order = fc.shuffledSubarray([...HEALTH_STATUSES], { minLength: HEALTH_STATUSES.length }).map((o) => new StatusOrder(o));

const { tree } = fc.letrec<{ tree: HealthComponent }>((tie) => ({
  tree: fc.record(
    {
      status,
      details: fc.dictionary(fc.string({ maxLength: 4 }), fc.integer(), { maxKeys: 2 }),
      components: fc.dictionary(fc.stringMatching(/^[a-z]{1,4}$/), tie('tree'), { maxKeys: 3, depthIdentifier: 'tree' }),
    },
    { requiredKeys: ['status'] },
  ),
}));

/** Lower is more severe. */
const severity = (o: StatusOrder, s: HealthStatus) => o.order.indexOf(s);

function everyNode(component: HealthComponent, visit: (node: HealthComponent) => void): void {
  visit(component);
  for (const child of Object.values(component.components ?? {})) everyNode(child, visit);
}

describe('StatusOrder.worst', () => {
  it('ranks DOWN, OUT_OF_SERVICE, DEGRADED_SERVICE, DEGRADED, UP, UNKNOWN by default', () => {
    const o = new StatusOrder();
    expect(o.order).toEqual(DEFAULT_STATUS_ORDER);
    expect(o.worst(['UP', 'DOWN', 'DEGRADED'])).toBe('DOWN');
    expect(o.worst(['UP', 'OUT_OF_SERVICE', 'DEGRADED_SERVICE'])).toBe('OUT_OF_SERVICE');
    expect(o.worst(['DEGRADED', 'DEGRADED_SERVICE'])).toBe('DEGRADED_SERVICE');
    expect(o.worst(['UP', 'DEGRADED'])).toBe('DEGRADED');
  });

  it('lets UNKNOWN neither hide a healthy sibling nor turn an all-UNKNOWN list UP', () => {
    const o = new StatusOrder();
    expect(o.worst(['UNKNOWN', 'UP'])).toBe('UP');
    expect(o.worst(['UNKNOWN', 'UNKNOWN'])).toBe('UNKNOWN');
  });

  it('is UP for no statuses (an empty group is healthy)', () => {
    expect(new StatusOrder().worst([])).toBe('UP');
  });

  it('accepts any iterable', () => {
    expect(new StatusOrder().worst(new Set<HealthStatus>(['UP', 'DEGRADED']))).toBe('DEGRADED');
  });

  it('follows a custom order', () => {
    const upFirst = new StatusOrder(['UP', 'UNKNOWN', 'DEGRADED', 'DEGRADED_SERVICE', 'OUT_OF_SERVICE', 'DOWN']);
    expect(upFirst.worst(['DOWN', 'UP'])).toBe('UP');
  });

  it('returns a member of a non-empty input', () => {
    fc.assert(fc.property(order, fc.array(status, { minLength: 1, maxLength: 12 }), (o, list) => list.includes(o.worst(list))));
  });

  it('is never less severe than any input', () => {
    fc.assert(
      fc.property(order, statuses, (o, list) => {
        const worst = o.worst(list);
        return list.every((s) => severity(o, worst) <= severity(o, s));
      }),
    );
  });

  it('is commutative', () => {
    fc.assert(fc.property(order, status, status, (o, a, b) => o.worst([a, b]) === o.worst([b, a])));
  });

  it('is associative', () => {
    fc.assert(fc.property(order, status, status, status, (o, a, b, c) => o.worst([o.worst([a, b]), c]) === o.worst([a, o.worst([b, c])])));
  });

  it('does not depend on the order of its input', () => {
    fc.assert(
      fc.property(
        order,
        statuses.chain((list) => fc.tuple(fc.constant(list), fc.shuffledSubarray(list, { minLength: list.length }))),
        (o, [list, shuffled]) => o.worst(list) === o.worst(shuffled),
      ),
    );
  });

  it('equals folding the pairwise worst over the input', () => {
    fc.assert(
      fc.property(
        order,
        statuses,
        (o, list) => o.worst(list) === list.reduce<HealthStatus>((acc, s) => o.worst([acc, s]), o.worst(list.slice(0, 1))),
      ),
    );
  });
});

describe('StatusOrder.resolve', () => {
  it('makes a parent the worst of its own status and its children', () => {
    const resolved = new StatusOrder().resolve({
      status: 'UP',
      details: { version: '1' },
      components: { a: { status: 'UP' }, b: { status: 'UP', components: { c: { status: 'DEGRADED' } } } },
    });
    expect(resolved).toEqual({
      status: 'DEGRADED',
      details: { version: '1' },
      components: { a: { status: 'UP' }, b: { status: 'DEGRADED', components: { c: { status: 'DEGRADED' } } } },
    });
  });

  it('keeps a parent that is worse than its children', () => {
    expect(new StatusOrder().resolve({ status: 'DOWN', components: { a: { status: 'UP' } } }).status).toBe('DOWN');
  });

  it('leaves a parent with an empty components object at its own status', () => {
    expect(new StatusOrder().resolve({ status: 'UNKNOWN', components: {} })).toEqual({ status: 'UNKNOWN', components: {} });
  });

  it('makes every parent at least as severe as each child and as its own status', () => {
    fc.assert(
      fc.property(order, tree, (o, input) => {
        const resolved = o.resolve(input);
        const pairs: Array<[HealthComponent, HealthComponent]> = [];
        const zip = (a: HealthComponent, b: HealthComponent) => {
          pairs.push([a, b]);
          for (const [name, child] of Object.entries(a.components ?? {})) zip(child, b.components![name]);
        };
        zip(input, resolved);
        for (const [original, node] of pairs) {
          expect(severity(o, node.status)).toBeLessThanOrEqual(severity(o, original.status));
          for (const child of Object.values(node.components ?? {})) {
            expect(severity(o, node.status)).toBeLessThanOrEqual(severity(o, child.status));
          }
        }
      }),
    );
  });

  it('only ever picks a status that occurs below or at the node', () => {
    fc.assert(
      fc.property(order, tree, (o, input) => {
        const below = new Set<HealthStatus>();
        everyNode(input, (node) => below.add(node.status));
        return below.has(o.resolve(input).status);
      }),
    );
  });

  it('is idempotent', () => {
    fc.assert(
      fc.property(order, tree, (o, input) => {
        const once = o.resolve(input);
        expect(o.resolve(once)).toEqual(once);
      }),
    );
  });

  it('keeps the shape, names and details of the tree', () => {
    fc.assert(
      fc.property(order, tree, (o, input) => {
        const strip = (c: HealthComponent): unknown => ({
          details: c.details,
          components: c.components && Object.fromEntries(Object.entries(c.components).map(([n, child]) => [n, strip(child)])),
        });
        expect(strip(o.resolve(input))).toEqual(strip(input));
      }),
    );
  });

  it('does not mutate its input', () => {
    fc.assert(
      fc.property(order, tree, (o, input) => {
        const before = structuredClone(input);
        o.resolve(input);
        expect(input).toEqual(before);
      }),
    );
  });
});
