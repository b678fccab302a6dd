import type { Register } from '../main.js';

export const register: Register = (program) => {
  program
    .command('status')
    .description('every profile: flow, logged in or not, token expiry, where secrets are stored')
    .option('--json', 'one JSON document on stdout')
    .action(() => {
      throw new Error('status is not built yet');
    });
};
