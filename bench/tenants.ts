/**
 * The N-tenant fleet of the benchmark, as data both sides share: `benchTenants(n)` gives the per-tenant
 * values, `tenantsFileText(n)` writes them as a tenants file for our app, and bench/baseline.ts builds
 * the same values with raw cdktf. Each tenant has one worker pool and a generated CA (no PKI files), so
 * every tenant has the same resource types and counts; the values vary so no two stacks are alike.
 */

/** Versions the tenants cycle through: inside the supported range (1.30 to 1.36). */
const VERSIONS = ['v1.33.7', 'v1.34.6', 'v1.35.3'];
const INSTANCE_TYPES = ['m7i.large', 'c7i.xlarge', 'r7i.large', 'm6i.xlarge'];

export const BENCH_REGION = 'eu-west-1';
export const BENCH_SUBNETS = ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'];
export const BENCH_POOL = 'general';

export interface BenchTenant {
  readonly name: string;
  readonly kubernetesVersion: string;
  readonly replicas: number;
  readonly podCidr: string;
  readonly serviceCidr: string;
  readonly instanceType: string;
  readonly minSize: number;
  readonly maxSize: number;
  readonly desiredSize: number;
}

/** `t0001`, `t0002`, ...: DNS-1035 labels that sort in creation order. */
export function benchTenantName(i: number): string {
  return `t${String(i + 1).padStart(4, '0')}`;
}

export function benchTenants(n: number): BenchTenant[] {
  return Array.from({ length: n }, (_, i) => {
    // Pod CIDRs 10.64.0.0/16 .. 10.127.0.0/16, services in 172.16-31.x: never overlapping.
    const minSize = 1 + (i % 3);
    return {
      name: benchTenantName(i),
      kubernetesVersion: VERSIONS[i % VERSIONS.length],
      replicas: 2 + (i % 2),
      podCidr: `10.${64 + (i % 64)}.0.0/16`,
      serviceCidr: `172.${16 + (i % 16)}.0.0/16`,
      instanceType: INSTANCE_TYPES[i % INSTANCE_TYPES.length],
      minSize,
      maxSize: minSize + 4,
      desiredSize: minSize + (i % 2),
    };
  });
}

/** The tenants file (YAML) of an N-tenant fleet: platform defaults, no DataStores, one pool per tenant. */
export function tenantsFileText(n: number): string {
  const lines = [
    `# Benchmark fleet of ${n} tenants (bench/tenants.ts).`,
    'platform:',
    '  kubeconfigPath: ~/.kube/config',
    'defaults:',
    `  awsRegion: ${BENCH_REGION}`,
    '  workers:',
    `    subnetIds: [${BENCH_SUBNETS.join(', ')}]`,
    '    tokenDelivery: ssm',
    'tenants:',
  ];
  for (const t of benchTenants(n)) {
    lines.push(
      `  - name: ${t.name}`,
      `    kubernetesVersion: ${t.kubernetesVersion}`,
      `    controlPlane: { replicas: ${t.replicas} }`,
      `    network: { podCidr: ${t.podCidr}, serviceCidr: ${t.serviceCidr} }`,
      '    workers:',
      `      - name: ${BENCH_POOL}`,
      `        instanceType: ${t.instanceType}`,
      `        minSize: ${t.minSize}`,
      `        maxSize: ${t.maxSize}`,
      `        desiredSize: ${t.desiredSize}`,
    );
  }
  return lines.join('\n') + '\n';
}
