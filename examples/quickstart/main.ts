import { App } from 'cdktf';
import { buildQuickstart } from './app';

const app = new App();
buildQuickstart(app);
app.synth();
