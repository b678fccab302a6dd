import type { Register } from '../main.js';
import { addFlowOptions, addProfileOptions } from './context.js';

export const register: Register = (program) => {
  const command = program.command('whoami').description('who the token is, in which tenant, until when');
  addFlowOptions(command);
  addProfileOptions(command);
  command.option('--json', 'one JSON document on stdout').action(() => {
    throw new Error('whoami is not built yet');
  });
};
