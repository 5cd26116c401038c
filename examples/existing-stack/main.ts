import { App } from 'cdktf';
import { ExistingInfraStack, ExistingWorkersStack } from './stack';

const app = new App();
const infra = new ExistingInfraStack(app, 'infra', { region: 'eu-west-1', apiServerAddress: '203.0.113.10' });
new ExistingWorkersStack(app, 'infra-acme-workers', {
  region: 'eu-west-1',
  vpcId: 'vpc-0a1b2c3d4e5f60718',
  subnetIds: ['subnet-0a1b2c3d4e5f60718', 'subnet-0a1b2c3d4e5f60719'],
  controlPlaneStack: infra,
});
app.synth();
