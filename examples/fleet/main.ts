import { synthFleet, tenantsFilePath } from './app';

// Validates first and stops before anything is written: a bad file leaves cdktf.out as it was.
process.exitCode = synthFleet(tenantsFilePath());
