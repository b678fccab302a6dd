import type { Register } from '../main.js';
import { addProfileOptions } from './context.js';

export const register: Register = (program) => {
  const command = program.command('logout').description("revoke where the server offers it, then remove the profile's stored secrets and tokens");
  addProfileOptions(command);
  command.option('--all', 'every profile').action(() => {
    throw new Error('logout is not built yet');
  });
};
