// The Web Worker that trains the MoE off the main thread. The message
// protocol and the work are in trainer-runner.js.
import { digitsSource, wasmSource } from './assets.js';
import { loadCore } from './core.js';
import { gunzipText } from './moe-task.js';
import { handleTrainerMessage } from './trainer-runner.js';

const corePromise = loadCore(wasmSource());
let digitsPromise = null;

function loadDigits() {
  digitsPromise ??= digitsSource().then(gunzipText);
  return digitsPromise;
}

self.addEventListener('message', (event) => {
  handleTrainerMessage(event.data, { corePromise, loadDigits }, (reply) => postMessage(reply));
});
