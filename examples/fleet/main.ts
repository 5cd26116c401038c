import { runFleetSynth } from '../../src/synth/fleet-synth';
import { tenantsFilePath } from './app';

// Validates first and stops before anything is written: a bad file leaves cdktf.out as it was.
// Synthesizes in KAMAJI_SYNTH_JOBS processes (default: the cores) and re-synthesizes only the stacks
// whose inputs changed since the last synth into the same folder (KAMAJI_SYNTH_CACHE=off: all).
void runFleetSynth(tenantsFilePath()).then((code) => {
  process.exitCode = code;
});
