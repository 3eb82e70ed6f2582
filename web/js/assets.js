// The sources of the WebAssembly core and of the router worker, in the
// three settings the page runs in:
//
// - served (npm start): the .wasm next to the scripts and a module worker;
// - the single-file bundle (npm run bundle): the bundle script defines
//   globalThis.MOE_BIF_BUNDLE = { wasmBase64, workerSource } before the page
//   code, and the worker starts from a Blob URL of workerSource;
// - a frame with an opaque origin (<iframe sandbox="allow-scripts">), where
//   Chromium rejects module workers with a SecurityError: the router then
//   runs on the page's main thread, in the same chunks as in the worker.
import { handleRouterMessage } from './router-runner.js';

function bundle() {
  return globalThis.MOE_BIF_BUNDLE ?? null;
}

/** Returns the source of the core for loadCore(): { bytes } in the bundle, else { url }. */
export function wasmSource() {
  const inlined = bundle();
  if (inlined?.wasmBase64) return { bytes: decodeBase64(inlined.wasmBase64) };
  return { url: new URL('../moe_bif.wasm', import.meta.url) };
}

/**
 * Starts the router worker. Returns a Worker, or an object with the same
 * postMessage, addEventListener and terminate that runs the work on the
 * main thread; that object has runsOnMainThread = true.
 */
export function createRouterWorker(core) {
  const inlined = bundle();
  try {
    if (inlined?.workerSource) {
      // The worker gets the module bytes from the same base64 text as the page.
      const prelude = `self.MOE_BIF_BUNDLE = ${JSON.stringify({ wasmBase64: inlined.wasmBase64 })};\n`;
      const blob = new Blob([prelude, inlined.workerSource], { type: 'text/javascript' });
      return new Worker(URL.createObjectURL(blob));
    }
    if (globalThis.origin !== 'null') {
      return new Worker(new URL('./router-worker.js', import.meta.url), { type: 'module' });
    }
  } catch (error) {
    console.warn(`Could not start the router worker (${error.message}); running the router on the main thread.`);
  }
  return createMainThreadRunner(core);
}

// An object that stands in for the worker and runs each message through
// router-runner.js on this thread. Replies arrive as message events in
// later tasks, as they would from a worker.
function createMainThreadRunner(core) {
  const listeners = new Set();
  const corePromise = Promise.resolve(core);
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
      if (!terminated) handleRouterMessage(message, corePromise, deliver);
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
