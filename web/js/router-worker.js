// The Web Worker that runs the discrete router off the main thread. The
// message protocol and the work are in router-runner.js.
import { wasmSource } from './assets.js';
import { loadCore } from './core.js';
import { handleRouterMessage } from './router-runner.js';

const corePromise = loadCore(wasmSource());

self.addEventListener('message', (event) => {
  handleRouterMessage(event.data, corePromise, (reply) => postMessage(reply));
});
