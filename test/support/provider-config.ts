/**
 * Whether a stack's provider configurations can become unknown at plan because of a change to a
 * managed resource of the same stack. Terraform reads a data source at plan unless its config is
 * unknown or a `depends_on` of it has pending changes; then it defers the read to apply
 * (hashicorp/terraform internal/terraform/node_resource_abstract_instance.go, planDataSource), and a
 * provider configured from it is unknown at plan. So a provider configuration must reach, through
 * locals and data sources, no managed resource and no data source that `depends_on` one.
 */
type Json = Record<string, any>;

interface Node {
  readonly address: string;
  readonly body: unknown;
}

function nodesOf(json: Json): { managed: Node[]; data: Node[]; locals: Node[] } {
  const flatten = (blocks: Json | undefined, prefix: string) =>
    Object.entries(blocks ?? {}).flatMap(([type, byName]) =>
      Object.entries(byName as Json).map(([name, body]) => ({ address: `${prefix}${type}.${name}`, body })),
    );
  return {
    managed: flatten(json.resource, ''),
    data: flatten(json.data, 'data.'),
    locals: Object.entries(json.locals ?? {}).map(([name, body]) => ({ address: `local.${name}`, body })),
  };
}

function mentions(text: string, address: string): boolean {
  return new RegExp(`(^|[^.\\w])${address.replace(/\./g, '\\.')}\\b`).test(text);
}

/** Every provider input reaching a managed resource: `provider <- ... <- cause`; empty when none. */
export function providerInputsDeferredByChanges(json: Json): string[] {
  const { managed, data, locals } = nodesOf(json);
  const found: string[] = [];
  const walk = (text: string, trail: string[], seen: Set<string>) => {
    for (const m of managed) if (mentions(text, m.address)) found.push([...trail, m.address].join(' <- '));
    for (const n of [...data, ...locals]) {
      if (seen.has(n.address) || !mentions(text, n.address)) continue;
      seen.add(n.address);
      const body = n.body as Json;
      const waits = ((body?.depends_on as string[] | undefined) ?? []).filter((d) => !d.startsWith('data.'));
      for (const d of waits) found.push([...trail, n.address, `depends_on ${d}`].join(' <- '));
      const rest = body && typeof body === 'object' ? { ...body, depends_on: undefined } : { value: body };
      walk(JSON.stringify(rest), [...trail, n.address], seen);
    }
  };
  for (const [type, configs] of Object.entries(json.provider ?? {})) {
    for (const config of configs as Json[]) {
      walk(JSON.stringify(config), [`provider ${type}${config.alias ? `.${config.alias}` : ''}`], new Set());
    }
  }
  return found;
}
