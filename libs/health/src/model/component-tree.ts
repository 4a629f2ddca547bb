import type { HealthComponent } from './health-component.interface.js';

/** Visits every node of a component tree depth-first with its path (`mqtt/tcp-listener-1883`). */
export function walkComponents(
  components: Readonly<Record<string, HealthComponent>>,
  visit: (path: string, node: HealthComponent) => void,
  prefix = '',
): void {
  for (const [name, node] of Object.entries(components)) {
    visit(prefix + name, node);
    if (node.components) walkComponents(node.components, visit, `${prefix}${name}/`);
  }
}

/** Finds `a/b/c` in a tree of components; undefined when any step is missing. */
export function findComponent(components: Readonly<Record<string, HealthComponent>>, path: string): HealthComponent | undefined {
  const [head, ...rest] = path.split('/');
  let node: HealthComponent | undefined = Object.hasOwn(components, head) ? components[head] : undefined;
  for (const name of rest) node = node?.components && Object.hasOwn(node.components, name) ? node.components[name] : undefined;
  return node;
}

/** The component as a body may show it: without `details` anywhere in the tree when they are hidden. */
export function visible(component: HealthComponent, showDetails: boolean): HealthComponent {
  if (showDetails) return component;
  const stripped: HealthComponent = { status: component.status };
  if (component.components) {
    stripped.components = {};
    for (const [name, child] of Object.entries(component.components)) stripped.components[name] = visible(child, false);
  }
  return stripped;
}
