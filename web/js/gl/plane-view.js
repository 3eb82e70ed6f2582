// GPU view 1: the (K, H) plane coloured per pixel by a fragment shader,
// with axes, the exact fold curves and the current point drawn on a 2D
// canvas on top. The point can be dragged, clicked or moved with the arrow
// keys like the one in the cusp diagram.
import { colors } from '../palette.js';
import { drawFrame, prepareOverlay } from './axes.js';
import { createProgram, fitCanvas, LINK_GLSL, rgb } from './webgl.js';

export const PLANE_MODES = Object.freeze(['count', 'basin']);

// Colours of the shader, from the Okabe-Ito palette: the bistable region as
// in the cusp diagram, and the lower and upper states as in the other views.
export const PLANE_COLORS = Object.freeze({
  one: '#e9ecef',
  three: colors.sky,
  lower: colors.blue,
  upper: colors.orange,
  pale: '#ffffff',
});

const VERTEX_SHADER = `#version 300 es
// One triangle that covers the viewport; no vertex buffer needed.
void main() {
  vec2 corner = vec2(float((gl_VertexID << 1) & 2), float(gl_VertexID & 2));
  gl_Position = vec4(2.0 * corner - 1.0, 0.0, 1.0);
}
`;

// Per pixel: (K, H) at the pixel centre, then either the number of
// equilibria or the equilibrium that the flow from m0 reaches.
//
// Count: F(m) = g(kappa*m + H) - m falls, rises between the turning points
// m = (-+z_c - H)/kappa (where kappa*g'(z) = 1, only for K > 1), then falls,
// so it has three roots exactly when |H| < H_c(K) = kappa*g(z_c) - z_c.
//
// Basin: a one-dimensional flow moves from m0 in the direction of F(m0) and
// stops at the first root on that side. That root is found exactly by
// bisection on the first monotone piece of F (between m0, the turning points
// and the end -1 or 1) whose far end has the other sign; 40 halvings reach
// the float32 resolution. No time stepping is involved.
const FRAGMENT_SHADER = `#version 300 es
precision highp float;
precision highp int;

uniform vec2 uResolution;
uniform float uKMax;
uniform float uHMax;
uniform int uLink;
uniform int uMode;
uniform float uStart;
uniform vec3 uColorOne;
uniform vec3 uColorThree;
uniform vec3 uColorLower;
uniform vec3 uColorUpper;
uniform vec3 uColorPale;
out vec4 outColor;
${LINK_GLSL}
float kappaPerK() {
  return uLink == 1 ? 0.88622692545 : 1.0;
}

float criticalZ(float K) {
  if (K <= 1.0) return 0.0;
  return uLink == 1 ? sqrt(log(K)) : asinh(sqrt(K - 1.0));
}

float field(float m, float kappa, float H) {
  return linkValue(uLink, kappa * m + H) - m;
}

// Root of F on [a, b], where F(a) and F(b) differ in sign.
float bisect(float a, float b, float kappa, float H) {
  bool positiveAtA = field(a, kappa, H) > 0.0;
  for (int i = 0; i < 40; i++) {
    float middle = 0.5 * (a + b);
    if ((field(middle, kappa, H) > 0.0) == positiveAtA) a = middle; else b = middle;
  }
  return 0.5 * (a + b);
}

float reachedState(float m0, float K, float H) {
  float kappa = K * kappaPerK();
  if (kappa == 0.0) return linkValue(uLink, H);
  float start = field(m0, kappa, H);
  if (start == 0.0) return m0;
  float direction = start > 0.0 ? 1.0 : -1.0;
  float zc = criticalZ(K);
  float turnLow = (-zc - H) / kappa;
  float turnHigh = (zc - H) / kappa;
  float ends[3];
  ends[0] = direction > 0.0 ? turnLow : turnHigh;
  ends[1] = direction > 0.0 ? turnHigh : turnLow;
  ends[2] = direction;
  float a = m0;
  for (int k = 0; k < 3; k++) {
    float b = ends[k];
    if ((b - a) * direction <= 0.0 || (direction - b) * direction < 0.0) continue;
    if (field(b, kappa, H) * direction <= 0.0) return bisect(a, b, kappa, H);
    a = b;
  }
  return direction;
}

bool isBistable(float K, float H) {
  if (K <= 1.0) return false;
  float kappa = K * kappaPerK();
  float zc = criticalZ(K);
  return abs(H) < kappa * linkValue(uLink, zc) - zc;
}

void main() {
  float K = uKMax * gl_FragCoord.x / uResolution.x;
  float H = uHMax * (2.0 * gl_FragCoord.y / uResolution.y - 1.0);
  vec3 color;
  if (uMode == 0) {
    color = isBistable(K, H) ? uColorThree : uColorOne;
  } else {
    float m = reachedState(uStart, K, H);
    vec3 hue = m < 0.0 ? uColorLower : uColorUpper;
    color = mix(uColorPale, hue, 0.25 + 0.75 * abs(m));
  }
  outColor = vec4(color, 1.0);
}
`;

/**
 * Creates the plane view. elements: { canvas (WebGL), overlay (2D) };
 * onMove({ K, H }) receives picked points, for the caller to validate and
 * apply. Call setup(gl) after creating or restoring the context.
 */
export function createPlaneView({ canvas, overlay }, onMove) {
  let gl = null;
  let program = null;
  let snapshot = null;
  let mode = 'count';
  let start = 0.3;
  let current = { K: 0, H: 0 };
  let dragging = false;

  function setup(context) {
    gl = context;
    program = createProgram(gl, {
      name: 'the (K, H) plane',
      vertex: VERTEX_SHADER,
      fragment: FRAGMENT_SHADER,
      uniforms: ['uResolution', 'uKMax', 'uHMax', 'uLink', 'uMode', 'uStart',
        'uColorOne', 'uColorThree', 'uColorLower', 'uColorUpper', 'uColorPale'],
    });
    gl.useProgram(program.program);
    const { uniforms } = program;
    gl.uniform3fv(uniforms.uColorOne, rgb(PLANE_COLORS.one));
    gl.uniform3fv(uniforms.uColorThree, rgb(PLANE_COLORS.three));
    gl.uniform3fv(uniforms.uColorLower, rgb(PLANE_COLORS.lower));
    gl.uniform3fv(uniforms.uColorUpper, rgb(PLANE_COLORS.upper));
    gl.uniform3fv(uniforms.uColorPale, rgb(PLANE_COLORS.pale));
  }

  function windowOf(state) {
    return { KMax: state.windows.KMax, HMax: state.windows.HCusp };
  }

  function draw() {
    if (!snapshot || !gl || gl.isContextLost()) return;
    fitCanvas(canvas);
    const { KMax, HMax } = windowOf(snapshot);
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.useProgram(program.program);
    const { uniforms } = program;
    gl.uniform2f(uniforms.uResolution, canvas.width, canvas.height);
    gl.uniform1f(uniforms.uKMax, KMax);
    gl.uniform1f(uniforms.uHMax, HMax);
    gl.uniform1i(uniforms.uLink, snapshot.state.link === 'erf' ? 1 : 0);
    gl.uniform1i(uniforms.uMode, PLANE_MODES.indexOf(mode));
    gl.uniform1f(uniforms.uStart, start);
    gl.drawArrays(gl.TRIANGLES, 0, 3);
    canvas.dataset.kMax = String(KMax);
    canvas.dataset.hMax = String(HMax);
    canvas.dataset.mode = mode;
    canvas.dataset.start = String(start);
    canvas.dataset.link = snapshot.state.link;
    drawOverlay();
  }

  // Fold curves come from the core (snapshot.foldCurve: exact H_c(K) at
  // evenly spaced K, from mb_fold_curve), joined by straight segments.
  function drawOverlay() {
    const { KMax, HMax } = windowOf(snapshot);
    const context = prepareOverlay(overlay);
    const area = { left: canvas.offsetLeft, top: canvas.offsetTop, width: canvas.clientWidth, height: canvas.clientHeight };
    const toX = (K) => area.left + (K / KMax) * area.width;
    const toY = (H) => area.top + (1 - (H + HMax) / (2 * HMax)) * area.height;
    drawFrame(context, area, { xMin: 0, xMax: KMax, yMin: -HMax, yMax: HMax, xTitle: 'feedback strength K', yTitle: 'asymmetry H' });

    context.save();
    context.beginPath();
    context.rect(area.left, area.top, area.width, area.height);
    context.clip();
    const { K, H } = snapshot.foldCurve;
    for (const sign of [1, -1]) {
      context.beginPath();
      for (let i = 0; i < K.length; i++) {
        const x = toX(K[i]);
        const y = toY(sign * H[i]);
        if (i === 0) context.moveTo(x, y);
        else context.lineTo(x, y);
      }
      // A white casing keeps the black curve visible over every fill colour.
      context.strokeStyle = '#ffffff';
      context.lineWidth = 4;
      context.stroke();
      context.strokeStyle = colors.black;
      context.lineWidth = 2;
      context.stroke();
    }
    context.restore();

    const { K: currentK, H: currentH } = snapshot.state;
    context.beginPath();
    context.arc(toX(currentK), toY(Math.max(-HMax, Math.min(HMax, currentH))), 7, 0, 2 * Math.PI);
    context.fillStyle = colors.vermillion;
    context.fill();
    context.strokeStyle = '#ffffff';
    context.lineWidth = 2;
    context.stroke();
  }

  function valueAt(event) {
    const rect = canvas.getBoundingClientRect();
    const { KMax, HMax } = windowOf(snapshot);
    const x = Math.min(rect.width, Math.max(0, event.clientX - rect.left));
    const y = Math.min(rect.height, Math.max(0, event.clientY - rect.top));
    return { K: round((x / rect.width) * KMax), H: round(HMax * (1 - 2 * y / rect.height)) };
  }

  canvas.addEventListener('pointerdown', (event) => {
    if (!snapshot) return;
    dragging = true;
    canvas.focus();
    canvas.setPointerCapture(event.pointerId);
    onMove(valueAt(event));
  });
  canvas.addEventListener('pointermove', (event) => {
    if (dragging) onMove(valueAt(event));
  });
  const stop = () => { dragging = false; };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);
  canvas.addEventListener('keydown', (event) => {
    if (!snapshot) return;
    const { KMax, HMax } = windowOf(snapshot);
    const moves = { ArrowRight: [KMax / 200, 0], ArrowLeft: [-KMax / 200, 0], ArrowUp: [0, HMax / 100], ArrowDown: [0, -HMax / 100] };
    const move = moves[event.key];
    if (!move) return;
    event.preventDefault();
    // Steps add to the last requested point, which may not be drawn yet.
    current = { K: Math.max(0, round(current.K + move[0])), H: round(current.H + move[1]) };
    onMove(current);
  });

  return {
    setup,
    draw,
    update(next) {
      snapshot = next;
      current = { K: next.state.K, H: next.state.H };
      draw();
    },
    setMode(value) {
      if (!PLANE_MODES.includes(value)) throw new TypeError(`unknown plane mode '${value}'`);
      mode = value;
      draw();
    },
    setStart(value) {
      start = value;
      draw();
    },
  };
}

function round(value) {
  return Math.round(value * 1000) / 1000;
}
