/**
 * The review as Markdown for a pull-request comment: summary table, risk flags, the stage graph
 * (```mermaid, which GitHub renders), then the changes per tenant and stack.
 */
import {
  AttributeChange,
  DiffSource,
  NodeConfigDiff,
  ResourceAction,
  ResourceChange,
  StackDiff,
  StackStatus,
} from './diff';
import { RiskLevel } from './flags';
import { Review, plannedStacks } from './review';
import { stageLabel } from './stages';

/** Marks the comment so a workflow can find and update it instead of adding a new one. */
export const REVIEW_MARKER = '<!-- cdktf-kamaji-review -->';

const SYMBOL: Record<ResourceAction, string> = {
  [ResourceAction.CREATE]: '+',
  [ResourceAction.UPDATE]: '~',
  [ResourceAction.REPLACE]: '-/+',
  [ResourceAction.DELETE]: '-',
};

/** Inline code whose fence cannot clash with backticks inside the text. */
export function code(text: string): string {
  const longest = Math.max(0, ...[...text.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text.replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

/** Plain text safe in a Markdown line or table cell. */
function plain(text: string): string {
  return text.replace(/\r?\n/g, ' ').replace(/([\\`*_[\]<|#])/g, '\\$1');
}

export function renderMarkdown(r: Review): string {
  const out: string[] = [REVIEW_MARKER, '## Kamaji infrastructure review', ''];
  out.push(...summaryTable(r), '');
  const planned = plannedStacks(r);
  out.push(
    planned.length === 0
      ? 'Changes from the synth diff (configuration only: no plan files were given).'
      : planned.length === r.stacks.length
        ? 'Changes from Terraform plans of every stack.'
        : `Changes from Terraform plans of ${planned.map(code).join(', ')}; the other stacks from the synth diff.`,
    '',
  );
  out.push('### Risk flags', '');
  if (r.flags.length === 0) out.push('No risk flags.');
  for (const f of r.flags) {
    const who = f.tenant !== undefined ? `tenant ${code(f.tenant)}` : code(f.stack);
    const level = f.level === RiskLevel.HIGH ? '' : ` _${f.level}_`;
    out.push(`- **${f.kind}**${level} (${who}): ${plain(f.reason)}`);
  }
  out.push('', '### Stage graph', '', '```mermaid', r.graph, '```', '');

  const changed = r.stacks.filter((s) => s.status !== StackStatus.UNCHANGED);
  const groups = new Map<string, StackDiff[]>();
  for (const s of changed) {
    const title =
      s.tenant !== undefined ? `Tenant ${code(s.tenant)}` : s.stage === 'other' ? 'Other stacks' : `Stage ${s.stage}`;
    groups.set(title, [...(groups.get(title) ?? []), s]);
  }
  for (const [title, stacks] of groups) {
    out.push(`### ${title}`, '');
    for (const s of stacks) out.push(...stackSection(s));
  }
  const unchanged = r.stacks.filter((s) => s.status === StackStatus.UNCHANGED).map((s) => code(s.id));
  if (changed.length === 0) out.push('No stack changes.', '');
  if (unchanged.length > 0) out.push(`Unchanged stacks: ${unchanged.join(', ')}.`, '');
  return out.join('\n');
}

function summaryTable(r: Review): string[] {
  const { tenants, stacks, resources } = r.summary;
  const names = (list: string[]) => (list.length ? ` (${list.map(code).join(', ')})` : '');
  return [
    '| | added | changed | removed |',
    '|---|---:|---:|---:|',
    `| tenants | ${tenants.added.length}${names(tenants.added)} | ${tenants.changed.length}${names(tenants.changed)} | ${tenants.removed.length}${names(tenants.removed)} |`,
    `| stacks | ${stacks.added} | ${stacks.changed} | ${stacks.removed} |`,
    `| resources | +${resources.added} | ~${resources.changed}${resources.replaced ? ` (${resources.replaced} replaced)` : ''} | -${resources.removed} |`,
  ];
}

function stackSection(s: StackDiff): string[] {
  const from = s.source === DiffSource.PLAN ? ', from its plan' : '';
  const out = [`#### ${code(s.id)} (${stageLabel(s.stage)}${from}): ${s.status}`, ''];
  if (s.decommissioned) out.push('Marked for decommission: the pipeline destroys this stack.', '');
  if (s.resources.length === 0) return [...out, 'No resources.', ''];
  for (const c of s.resources) out.push(...resourceLines(c));
  out.push('');
  return out;
}

function resourceLines(c: ResourceChange): string[] {
  const why = c.actionReason ? ` (${plain(c.actionReason.replace(/_/g, ' '))})` : '';
  const lines = [`- ${code(SYMBOL[c.action])} ${code(c.address)} ${c.action}${why}`];
  for (const a of c.attributes) lines.push(`  - ${attributeLine(a)}`);
  if (c.nodeConfig) lines.push(...nodeConfigLines(c.nodeConfig));
  return lines;
}

/** The node configuration diff, folded (a version bump touches a few lines of a few hundred). */
function nodeConfigLines(n: NodeConfigDiff): string[] {
  const which = n.pool !== undefined ? ` of pool ${code(n.pool)}` : '';
  const longest = Math.max(2, ...n.lines.flatMap((l) => [...l.matchAll(/`+/g)].map((m) => m[0].length)));
  const fence = '`'.repeat(longest + 1);
  return [
    '',
    '  <details><summary>Node configuration' + which + ' (cloud-config; apply-time values as placeholders)</summary>',
    '',
    `  ${fence}diff`,
    ...n.lines.map((l) => `  ${l}`),
    `  ${fence}`,
    '',
    '  </details>',
    '',
  ];
}

function attributeLine(a: AttributeChange): string {
  const value = (v: string | undefined) => (v === undefined ? '(unset)' : code(v));
  const note = a.reason ? ` **${a.effect === 'replace' ? 'forces replacement' : 'refused'}**: ${plain(a.reason)}` : '';
  const via = a.via ? ` (through ${code(a.via)})` : '';
  return `${code(a.path)}${via}: ${value(a.before)} -> ${value(a.after)}${note}`;
}
