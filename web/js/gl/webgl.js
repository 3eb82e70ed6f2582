// WebGL 2 plumbing shared by the GPU views: context creation, shader
// programs with readable compile errors, and canvas sizing.

/**
 * Returns a WebGL 2 context for canvas, or null when the browser has none
 * (WebGL disabled, blocklisted GPU, or no WebGL 2). The drawing buffer is
 * preserved so that the image can be read back or saved after compositing.
 */
export function createContext(canvas) {
  const attributes = { antialias: true, preserveDrawingBuffer: true, premultipliedAlpha: false };
  try {
    return canvas.getContext('webgl2', attributes);
  } catch {
    return null;
  }
}

function compileShader(gl, type, source, name) {
  const shader = gl.createShader(type);
  gl.shaderSource(shader, source);
  gl.compileShader(shader);
  if (!gl.getShaderParameter(shader, gl.COMPILE_STATUS) && !gl.isContextLost()) {
    const log = gl.getShaderInfoLog(shader);
    gl.deleteShader(shader);
    const kind = type === gl.VERTEX_SHADER ? 'vertex' : 'fragment';
    throw new Error(`The ${kind} shader of ${name} failed to compile: ${log}`);
  }
  return shader;
}

/**
 * Compiles and links a program. Returns { program, attributes, uniforms }
 * with the locations of the named attributes and uniforms. Throws with the
 * driver's log when compiling or linking fails.
 */
export function createProgram(gl, { name, vertex, fragment, attributes = [], uniforms = [] }) {
  const program = gl.createProgram();
  const vertexShader = compileShader(gl, gl.VERTEX_SHADER, vertex, name);
  const fragmentShader = compileShader(gl, gl.FRAGMENT_SHADER, fragment, name);
  gl.attachShader(program, vertexShader);
  gl.attachShader(program, fragmentShader);
  gl.linkProgram(program);
  gl.deleteShader(vertexShader);
  gl.deleteShader(fragmentShader);
  if (!gl.getProgramParameter(program, gl.LINK_STATUS) && !gl.isContextLost()) {
    throw new Error(`The shader program of ${name} failed to link: ${gl.getProgramInfoLog(program)}`);
  }
  const attributeLocations = Object.fromEntries(attributes.map((key) => [key, gl.getAttribLocation(program, key)]));
  const uniformLocations = Object.fromEntries(uniforms.map((key) => [key, gl.getUniformLocation(program, key)]));
  return { program, attributes: attributeLocations, uniforms: uniformLocations };
}

/** Upper bound on device pixels per CSS pixel, to keep phones' fill rate low. */
const MAX_PIXEL_RATIO = 2;

/**
 * Sizes canvas's drawing buffer to its CSS box times the device pixel ratio.
 * Returns { width, height, ratio } in CSS pixels, and whether it changed.
 */
export function fitCanvas(canvas) {
  const ratio = Math.min(MAX_PIXEL_RATIO, globalThis.devicePixelRatio || 1);
  const width = canvas.clientWidth;
  const height = canvas.clientHeight;
  const bufferWidth = Math.max(1, Math.round(width * ratio));
  const bufferHeight = Math.max(1, Math.round(height * ratio));
  const changed = canvas.width !== bufferWidth || canvas.height !== bufferHeight;
  if (changed) {
    canvas.width = bufferWidth;
    canvas.height = bufferHeight;
  }
  return { width, height, ratio, changed };
}

/** Converts '#RRGGBB' to [r, g, b] in [0, 1] for a shader uniform. */
export function rgb(hex) {
  const value = Number.parseInt(hex.slice(1), 16);
  return [((value >> 16) & 255) / 255, ((value >> 8) & 255) / 255, (value & 255) / 255];
}

/** GLSL ES 3.00 source of g = tanh and g = erf, shared by the shaders. */
export const LINK_GLSL = `
// tanh from exp(-2|z|), which cannot overflow for large |z|.
float linkTanh(float z) {
  float e = exp(-2.0 * abs(z));
  return sign(z) * (1.0 - e) / (1.0 + e);
}

// erf by the rational approximation 7.1.26 of Abramowitz and Stegun,
// absolute error below 1.5e-7, near the float32 resolution of the result.
float linkErf(float z) {
  float x = abs(z);
  float t = 1.0 / (1.0 + 0.3275911 * x);
  float poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign(z) * (1.0 - poly * exp(-x * x));
}

// uLink: 0 for tanh, 1 for erf.
float linkValue(int link, float z) {
  return link == 1 ? linkErf(z) : linkTanh(z);
}
`;
