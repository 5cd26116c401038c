import * as fs from 'node:fs';
import * as path from 'node:path';
import { App } from 'cdktf';
import { ValidationError } from '../src/model/errors';
import { loadTenantsFile } from '../src/model/tenants-file';
import { buildFleet, Fleet, stackIds } from './fleet';
import { tenantsFileChecks } from './fleet-checks';

/**
 * The stage stacks of a tenants file (the YAML file `cdktf-kamaji validate` checks): the platform
 * stack, a datastores stack when the file declares DataStores, and for each tenant its control-plane
 * stack and, when it has worker pools, its nodes stack. Each tenant's stacks hold only that tenant's
 * resources. Stack ids are part of the public contract (state keys, CI matrices and reviews use them).
 */
export class KamajiFleet {
  /** Id of the platform stack: `platform`. */
  public static readonly PLATFORM_STACK_ID: string = stackIds.platform;
  /** Id of the datastores stack: `datastores`. */
  public static readonly DATASTORES_STACK_ID: string = stackIds.dataStores;

  /** Id of a tenant's control-plane stack: `tenant-<name>-control-plane`. */
  public static controlPlaneStackId(tenantName: string): string {
    return stackIds.controlPlane(tenantName);
  }

  /** Id of a tenant's nodes stack: `tenant-<name>-nodes`. */
  public static nodesStackId(tenantName: string): string {
    return stackIds.nodes(tenantName);
  }

  /**
   * Reads the tenants file, checks it with every check `cdktf-kamaji validate` runs (CA files are
   * read relative to the file), and adds its stacks to `app`.
   *
   * @param app the app the stacks go into
   * @param file path of the tenants file
   * @throws ValidationError listing every problem of the file, or of the stacks built from it
   */
  public static fromTenantsFile(app: App, file: string): Fleet {
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const reason = (e as NodeJS.ErrnoException).code ?? String(e);
      throw new ValidationError([
        { where: file, field: '(file)', value: file, rule: `must be a readable tenants file (${reason})` },
      ]);
    }
    return buildFleet(app, loadTenantsFile(text, file, tenantsFileChecks(file)), path.dirname(file));
  }

  private constructor() {}
}
