import { HelmProvider } from '@cdktf/provider-helm/lib/provider';
import { TerraformOutput, TerraformStack } from 'cdktf';
import { Construct } from 'constructs';
import { KamajiPlatform, KamajiPlatformOptions } from '../src/constructs/kamaji-platform';
import { ManagementClusterProps, managementHelmProvider } from './management-cluster';
import { configureState, StateProps } from './state';

export interface PlatformStackProps extends KamajiPlatformOptions, ManagementClusterProps {
  /**
   * Where the stack keeps its state.
   * @default - a local file next to the project
   */
  readonly state?: StateProps;
}

/** Stage 1: cert-manager and Kamaji on the management cluster (helm releases only: one provider). */
export class PlatformStack extends TerraformStack {
  readonly platform: KamajiPlatform;
  readonly helmProvider: HelmProvider;

  constructor(scope: Construct, id: string, props: PlatformStackProps = {}) {
    super(scope, id);
    configureState(this, id, props.state);
    this.helmProvider = managementHelmProvider(this, props);
    this.platform = new KamajiPlatform(this, 'Platform', { ...props, helmProvider: this.helmProvider });
    new TerraformOutput(this, 'kamaji_namespace', { value: this.platform.namespace });
    new TerraformOutput(this, 'default_datastore', { value: this.platform.defaultDataStoreName });
  }
}
