// The sources of the WebAssembly core, the digits data and the two workers
// (router and trainer), in the three settings the page runs in:
//
// - served (npm start): the .wasm and data/digits.csv.gz next to the
//   scripts, and module workers;
// - the single-file bundle (npm run bundle): the bundle script defines
//   globalThis.MOE_BIF_BUNDLE = { wasmBase64, digitsBase64, workerSources }
//   before the page code, and a worker starts from a Blob URL of its source;
// - a frame with an opaque origin (<iframe sandbox="allow-scripts">), where
//   Chromium rejects module workers with a SecurityError: the work then
//   runs on the page's main thread, in the same steps as in the worker.
import { gunzipText } from './moe-task.js';
import { handleRouterMessage } from './router-runner.js';
import { handleTrainerMessage } from './trainer-runner.js';

function bundle() {
  return globalThis.MOE_BIF_BUNDLE ?? null;
}

/** Returns the source of the core for loadCore(): { bytes } in the bundle, else { url }. */
export function wasmSource() {
  const inlined = bundle();
  if (inlined?.wasmBase64) return { bytes: decodeBase64(inlined.wasmBase64) };
  return { url: new URL('../moe_bif.wasm', import.meta.url) };
}

/** Returns the gzip bytes of the digits data: inlined in the bundle, else fetched. */
export async function digitsSource() {
  const inlined = bundle();
  if (inlined?.digitsBase64) return decodeBase64(inlined.digitsBase64);
  const response = await fetch(new URL('../data/digits.csv.gz', import.meta.url));
  if (!response.ok) throw new Error(`Could not load the digits data: HTTP ${response.status}.`);
  return response.arrayBuffer();
}

/**
 * Starts the router worker. Returns a Worker, or an object with the same
 * postMessage, addEventListener and terminate that runs the work on the
 * main thread; that object has runsOnMainThread = true.
 */
export function createRouterWorker(core) {
  return createWorker('router', new URL('./router-worker.js', import.meta.url),
    (message, deliver) => handleRouterMessage(message, Promise.resolve(core), deliver));
}

/** Starts the trainer worker, or its stand-in on the main thread, as createRouterWorker. */
export function createTrainerWorker(core) {
  let digitsPromise = null;
  const context = {
    corePromise: Promise.resolve(core),
    loadDigits: () => {
      digitsPromise ??= digitsSource().then(gunzipText);
      return digitsPromise;
    },
  };
  return createWorker('trainer', new URL('./trainer-worker.js', import.meta.url),
    (message, deliver) => handleTrainerMessage(message, context, deliver));
}

function createWorker(name, url, handle) {
  const inlined = bundle();
  try {
    const source = inlined?.workerSources?.[name];
    if (source) {
      // The worker gets the module and data from the same base64 text as the page.
      const shared = { wasmBase64: inlined.wasmBase64, digitsBase64: inlined.digitsBase64 };
      const prelude = `self.MOE_BIF_BUNDLE = ${JSON.stringify(shared)};\n`;
      const blob = new Blob([prelude, source], { type: 'text/javascript' });
      return new Worker(URL.createObjectURL(blob));
    }
    if (globalThis.origin !== 'null') return new Worker(url, { type: 'module' });
  } catch (error) {
    console.warn(`Could not start the ${name} worker (${error.message}); running it on the main thread.`);
  }
  return createMainThreadRunner(handle);
}

// An object that replaces a worker and passes each message to handle
// on this thread. Replies arrive as message events in later tasks, as they
// would from a worker.
function createMainThreadRunner(handle) {
  const listeners = new Set();
  let terminated = false;
  const deliver = (reply) => {
    setTimeout(() => {
      if (terminated) return;
      for (const listener of listeners) listener({ data: reply });
    }, 0);
  };
  return {
    runsOnMainThread: true,
    postMessage(message) {
      if (!terminated) handle(message, deliver);
    },
    addEventListener(type, listener) {
      if (type === 'message') listeners.add(listener);
    },
    terminate() {
      terminated = true;
      listeners.clear();
    },
  };
}

/** Decodes base64 text into bytes. */
export function decodeBase64(text) {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}
