import { KubernetesProvider } from '@cdktf/provider-kubernetes/lib/provider';
import { TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { KamajiDataStore, KamajiDataStoreOptions } from '../src/constructs/kamaji-datastore';
import { ManagementClusterProps, managementKubernetesProvider } from './management-cluster';
import { configureState, StateProps } from './state';

export interface DataStoresStackProps extends ManagementClusterProps {
  /** The DataStores. */
  readonly dataStores: KamajiDataStoreOptions[];
  /**
   * Stacks this one is deployed after (the platform stack: the DataStore CRD comes with Kamaji).
   * @default - none
   */
  readonly dependsOnStacks?: TerraformStack[];
  /** @default - a local file next to the project */
  readonly state?: StateProps;
}

/**
 * Stage 2: extra DataStores on the management cluster. A stack of its own because
 * `kubernetes_manifest` reads the DataStore CRD at plan time, which exists only after the platform.
 */
export class DataStoresStack extends TerraformStack {
  readonly kubernetesProvider: KubernetesProvider;
  readonly dataStores: KamajiDataStore[];

  constructor(scope: Construct, id: string, props: DataStoresStackProps) {
    super(scope, id);
    configureState(this, id, props.state);
    for (const stack of props.dependsOnStacks ?? []) this.addDependency(stack);
    this.kubernetesProvider = managementKubernetesProvider(this, props);
    // Construct ids are the DataStore names: stable however the list is reordered.
    this.dataStores = props.dataStores.map(
      (ds) => new KamajiDataStore(this, ds.name, { ...ds, kubernetesProvider: this.kubernetesProvider }),
    );
  }
}
