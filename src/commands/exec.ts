import type { Register } from '../main.js';
import { addFlowOptions, addProfileOptions } from './context.js';

export const register: Register = (program) => {
  const command = program
    .command('exec')
    .description('run a command with OCS_TOKEN, OCS_RESOURCE, OCS_TENANT_ID and OCS_API_VERSION in its environment')
    .argument('<command...>', 'the command and its arguments, after --');
  addFlowOptions(command);
  addProfileOptions(command);
  command.action(() => {
    throw new Error('exec is not built yet');
  });
};
