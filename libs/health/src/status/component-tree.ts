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
