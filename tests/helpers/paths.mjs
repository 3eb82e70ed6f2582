// Paths of the build outputs that the tests drive.
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const nativeTool = `${projectRoot}build/native/moe-bif`;
export const sanitizedTool = `${projectRoot}build/sanitize/moe-bif`;
export const nativeTests = `${projectRoot}build/native/test-core`;
export const sanitizedTests = `${projectRoot}build/sanitize/test-core`;
export const wasmModule = `${projectRoot}build/wasm/moe_bif.wasm`;
export const webRoot = `${projectRoot}build/web`;
