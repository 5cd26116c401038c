import { LocalBackend, TerraformStack } from 'cdktf';

/**
 * Gives a stack its own state. Local state lives next to the project (`terraform.<stack>.tfstate`),
 * written as a path relative to the stack's working directory (`cdktf.out/stacks/<stack>`): cdktf's
 * implicit default is an absolute path of the synthesizing machine, which breaks byte-identical synth.
 */
export function configureState(stack: TerraformStack, stackId: string): void {
  new LocalBackend(stack, { path: `../../../terraform.${stackId}.tfstate` });
}
