import { closeAllClients } from './clients';
import { killAllNodes, timeoutForNodeStarts } from './nodes';

/** What a test does besides starting a node: connections, a few hundred round trips, a Redis restart. */
const TEST_WORK_MS = 10_000;

/**
 * A test may start a node of its own and then do its work: 30 s at the load the suite is built for, more while
 * the machine is busier than that (the node start deadline's rule). A file's own `jest.setTimeout` wins.
 */
jest.setTimeout(timeoutForNodeStarts(1) + TEST_WORK_MS);

/** Whatever a file left running (a failed test midway) is closed, so that jest exits and ports are freed. */
afterAll(async () => {
  closeAllClients();
  await killAllNodes();
});
