import { closeAllClients } from './clients';
import { killAllNodes } from './nodes';

/** Whatever a file left running (a failed test midway) is closed, so that jest exits and ports are freed. */
afterAll(async () => {
  closeAllClients();
  await killAllNodes();
});
