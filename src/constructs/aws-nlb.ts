import { Token } from 'cdktf';
import { Problems } from '../model/errors';
import { AwsNlbOptions, awsNlbServiceAnnotations } from '../model/tenant-control-plane';

export type { AwsNlbOptions };

/**
 * An internet-facing AWS Network Load Balancer with fixed Elastic IPs in front of a tenant API server
 * (AWS Load Balancer Controller). `ControlPlaneExposure.AWS_ELASTIC_IP` does all of this itself; use
 * this helper with `ControlPlaneExposure.LOAD_BALANCER` when you allocate the Elastic IPs elsewhere.
 */
export class AwsNlb {
  /**
   * The Service annotations (`TenantControlPlaneOptions.serviceAnnotations`) for an NLB with these
   * Elastic IPs, one per public subnet. Kamaji refuses load-balancer hostnames, so also set one of the
   * Elastic IPs as the control plane's `address`.
   *
   * Values that are cdktf tokens (known only at apply time) are not checked.
   *
   * @throws ValidationError when the counts differ or an id is malformed
   */
  public static serviceAnnotations(options: AwsNlbOptions): { [key: string]: string } {
    const problems = new Problems('AwsNlb.serviceAnnotations', {
      // An element of a token list (`#{TfToken[...]}`) is not recognised by Token.isUnresolved.
      deferred: (value) => Token.isUnresolved(value) || (typeof value === 'string' && value.startsWith('#{TfToken[')),
    });
    const annotations = awsNlbServiceAnnotations(options, problems);
    problems.throwIfAny();
    return annotations;
  }

  private constructor() {}
}
