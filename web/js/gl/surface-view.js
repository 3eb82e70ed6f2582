// GPU view 2: the equilibrium surface m(K, H) in 3D, the folded cusp
// surface, with the fold curve and the equilibria at the current (K, H).
// Drag or use the arrow keys to rotate it.
//
// Box coordinates: x = 2K/KMax - 1, y = mScale*m, z = H/HMax, so the box is
// [-1, 1] x [-mScale, mScale] x [-1, 1]; fragments with |H| > HMax are cut.
import { colors } from '../palette.js';
import { formatNumber } from '../views/common.js';
import { DEFAULT_CAMERA, normalizeCamera } from './camera.js';
import { criticalZ } from './link-math.js';
import { multiply, perspective, projectToPixels, rotationX, rotationY, translation } from './matrix.js';
import { buildSurfaceMesh } from './surface-mesh.js';
import { prepareOverlay } from './axes.js';
import { createProgram, fitCanvas, rgb } from './webgl.js';

const M_SCALE = 0.8;
const KEY_STEP = 0.08; // radians per arrow key press
const DRAG_STEP = 0.01; // radians per CSS pixel dragged
const RESET_DURATION_MS = 400;
const FOLD_SAMPLES = 401;

export const SURFACE_COLORS = Object.freeze({
  lower: colors.blue,
  upper: colors.orange,
  unstable: colors.lightGrey,
  fold: colors.black,
  current: colors.vermillion,
  box: '#8c959f',
});

const SURFACE_VERTEX = `#version 300 es
uniform mat4 uMatrix;
uniform mat4 uRotation;
in vec3 aPosition;
in vec3 aNormal;
in float aSlope;
out vec3 vPosition;
out vec3 vNormal;
out float vSlope;
void main() {
  vPosition = aPosition;
  vNormal = (uRotation * vec4(aNormal, 0.0)).xyz;
  vSlope = aSlope;
  gl_Position = uMatrix * vec4(aPosition, 1.0);
}
`;

// Colour by stability: F'(m) < 0 on the stable sheets (lower blue, upper
// orange), > 0 on the unstable middle sheet. Two-sided diffuse light from
// the viewer's side.
const SURFACE_FRAGMENT = `#version 300 es
precision highp float;
uniform vec3 uLower;
uniform vec3 uUpper;
uniform vec3 uUnstable;
in vec3 vPosition;
in vec3 vNormal;
in float vSlope;
out vec4 outColor;
void main() {
  if (abs(vPosition.z) > 1.0) discard;
  vec3 base = vSlope > 0.0 ? uUnstable : (vPosition.y < 0.0 ? uLower : uUpper);
  vec3 light = normalize(vec3(0.3, 0.6, 1.0));
  float diffuse = abs(dot(normalize(vNormal), light));
  outColor = vec4(base * (0.45 + 0.55 * diffuse), 1.0);
}
`;

const MARK_VERTEX = `#version 300 es
uniform mat4 uMatrix;
uniform float uPointSize;
in vec3 aPosition;
void main() {
  gl_Position = uMatrix * vec4(aPosition, 1.0);
  gl_PointSize = uPointSize;
}
`;

// uStyle: 0 line, 1 filled disc with a white rim, 2 ring (white inside).
const MARK_FRAGMENT = `#version 300 es
precision highp float;
uniform vec4 uColor;
uniform int uStyle;
out vec4 outColor;
void main() {
  if (uStyle == 0) {
    outColor = uColor;
    return;
  }
  float r = length(gl_PointCoord - 0.5) * 2.0;
  if (r > 1.0) discard;
  bool rim = r > 0.7;
  if (uStyle == 1) outColor = rim ? vec4(1.0) : uColor;
  else outColor = rim ? uColor : vec4(1.0);
}
`;

// The 12 edges of the box as pairs of corners.
function boxEdges() {
  const corners = [];
  for (const x of [-1, 1]) for (const y of [-M_SCALE, M_SCALE]) for (const z of [-1, 1]) corners.push([x, y, z]);
  const edges = [];
  for (let a = 0; a < 8; a++) {
    for (let b = a + 1; b < 8; b++) {
      const differing = [0, 1, 2].filter((axis) => corners[a][axis] !== corners[b][axis]).length;
      if (differing === 1) edges.push(...corners[a], ...corners[b]);
    }
  }
  return new Float32Array(edges);
}

/**
 * Creates the surface view. elements: { canvas (WebGL), overlay (2D) };
 * core: the loaded core, which gives the fold curve. Call setup(gl) after
 * creating or restoring the context.
 */
export function createSurfaceView({ canvas, overlay }, core) {
  let gl = null;
  let surfaceProgram = null;
  let markProgram = null;
  let buffers = null;
  let snapshot = null;
  let meshKey = '';
  let indexCount = 0;
  let foldVertexCount = 0;
  let camera = { ...DEFAULT_CAMERA };
  let animation = 0;
  let dragStart = null;
  const reducedMotion = globalThis.matchMedia?.('(prefers-reduced-motion: reduce)');

  function setup(context) {
    gl = context;
    surfaceProgram = createProgram(gl, {
      name: 'the equilibrium surface',
      vertex: SURFACE_VERTEX,
      fragment: SURFACE_FRAGMENT,
      attributes: ['aPosition', 'aNormal', 'aSlope'],
      uniforms: ['uMatrix', 'uRotation', 'uLower', 'uUpper', 'uUnstable'],
    });
    markProgram = createProgram(gl, {
      name: 'the surface marks',
      vertex: MARK_VERTEX,
      fragment: MARK_FRAGMENT,
      attributes: ['aPosition'],
      uniforms: ['uMatrix', 'uPointSize', 'uColor', 'uStyle'],
    });
    buffers = {
      position: gl.createBuffer(),
      normal: gl.createBuffer(),
      slope: gl.createBuffer(),
      index: gl.createBuffer(),
      box: gl.createBuffer(),
      fold: gl.createBuffer(),
      marks: gl.createBuffer(),
    };
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.box);
    gl.bufferData(gl.ARRAY_BUFFER, boxEdges(), gl.STATIC_DRAW);
    gl.useProgram(surfaceProgram.program);
    gl.uniform3fv(surfaceProgram.uniforms.uLower, rgb(SURFACE_COLORS.lower));
    gl.uniform3fv(surfaceProgram.uniforms.uUpper, rgb(SURFACE_COLORS.upper));
    gl.uniform3fv(surfaceProgram.uniforms.uUnstable, rgb(SURFACE_COLORS.unstable));
    meshKey = '';
  }

  function windowOf(state) {
    return { link: state.state.link, KMax: state.windows.KMax, HMax: state.windows.HCusp };
  }

  function toBox([K, H, m], { KMax, HMax }) {
    return [2 * K / KMax - 1, M_SCALE * m, H / HMax];
  }

  // Rebuilds the mesh and the fold curve when the link or the box changes.
  function uploadGeometry() {
    const window = windowOf(snapshot);
    const key = `${window.link} ${window.KMax} ${window.HMax}`;
    if (key === meshKey) return;
    meshKey = key;
    const mesh = buildSurfaceMesh(window.link, { KMax: window.KMax, HMax: window.HMax, mScale: M_SCALE });
    const count = mesh.K.length;
    const positions = new Float32Array(3 * count);
    for (let i = 0; i < count; i++) {
      const [x, y, z] = toBox([mesh.K[i], mesh.H[i], mesh.m[i]], window);
      positions[3 * i] = x;
      positions[3 * i + 1] = y;
      // Rows in the gap between the sheets can lie far outside the box (H
      // near -H_c(K) for large K). Clamping keeps them finite for clipping.
      // A clamped vertex stays outside |z| <= 1, so the fragment shader still
      // cuts its triangles where they leave the box.
      positions[3 * i + 2] = Math.max(-4, Math.min(4, z));
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.position);
    gl.bufferData(gl.ARRAY_BUFFER, positions, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.normal);
    gl.bufferData(gl.ARRAY_BUFFER, mesh.normal, gl.STATIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.slope);
    gl.bufferData(gl.ARRAY_BUFFER, Float32Array.from(mesh.slope), gl.STATIC_DRAW);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, buffers.index);
    gl.bufferData(gl.ELEMENT_ARRAY_BUFFER, mesh.indices, gl.STATIC_DRAW);
    indexCount = mesh.indices.length;

    const fold = foldSegments(window);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.fold);
    gl.bufferData(gl.ARRAY_BUFFER, fold, gl.STATIC_DRAW);
    foldVertexCount = fold.length / 3;
  }

  // The fold curve from the core: mb_fold_point at z spaced evenly on
  // [-z_max, z_max], where K(z) reaches KMax. Segments leave the box out.
  function foldSegments(window) {
    const zMax = criticalZ(window.link, window.KMax);
    const points = [];
    for (let i = 0; i < FOLD_SAMPLES; i++) {
      const z = -zMax + (2 * zMax * i) / (FOLD_SAMPLES - 1);
      try {
        const { K, H, m } = core.foldPoint(window.link, z);
        points.push(K <= window.KMax && Math.abs(H) <= window.HMax ? toBox([K, H, m], window) : null);
      } catch {
        points.push(null); // K(z) rounded past the K range at the ends
      }
    }
    const segments = [];
    for (let i = 1; i < points.length; i++) {
      if (points[i - 1] && points[i]) segments.push(...points[i - 1], ...points[i]);
    }
    return new Float32Array(segments);
  }

  function matrices(width, height) {
    const rotation = multiply(rotationX(camera.pitch), rotationY(camera.yaw));
    const view = multiply(translation(0, 0, -5.9), rotation);
    const projection = perspective(Math.PI / 5.5, width / Math.max(1, height), 0.5, 20);
    return { rotation, matrix: multiply(projection, view) };
  }

  function bindAttribute(location, buffer, size) {
    if (location < 0) return;
    gl.bindBuffer(gl.ARRAY_BUFFER, buffer);
    gl.enableVertexAttribArray(location);
    gl.vertexAttribPointer(location, size, gl.FLOAT, false, 0, 0);
  }

  function drawMarks(buffer, mode, count, { color, style = 0, size = 1 }) {
    const { attributes, uniforms } = markProgram;
    bindAttribute(attributes.aPosition, buffer, 3);
    gl.uniform4fv(uniforms.uColor, [...rgb(color), 1]);
    gl.uniform1i(uniforms.uStyle, style);
    gl.uniform1f(uniforms.uPointSize, size);
    gl.drawArrays(mode, 0, count);
  }

  function draw() {
    if (!snapshot || !gl || gl.isContextLost()) return;
    const { width, height, ratio } = fitCanvas(canvas);
    uploadGeometry();
    const { rotation, matrix } = matrices(width, height);
    gl.viewport(0, 0, canvas.width, canvas.height);
    gl.clearColor(1, 1, 1, 1);
    gl.clear(gl.COLOR_BUFFER_BIT | gl.DEPTH_BUFFER_BIT);
    gl.enable(gl.DEPTH_TEST);

    // The surface sits slightly behind lines at the same depth, so the fold
    // curve on it stays visible.
    gl.enable(gl.POLYGON_OFFSET_FILL);
    gl.polygonOffset(1, 1);
    gl.useProgram(surfaceProgram.program);
    gl.uniformMatrix4fv(surfaceProgram.uniforms.uMatrix, false, matrix);
    gl.uniformMatrix4fv(surfaceProgram.uniforms.uRotation, false, rotation);
    bindAttribute(surfaceProgram.attributes.aPosition, buffers.position, 3);
    bindAttribute(surfaceProgram.attributes.aNormal, buffers.normal, 3);
    bindAttribute(surfaceProgram.attributes.aSlope, buffers.slope, 1);
    gl.bindBuffer(gl.ELEMENT_ARRAY_BUFFER, buffers.index);
    gl.drawElements(gl.TRIANGLES, indexCount, gl.UNSIGNED_INT, 0);
    gl.disable(gl.POLYGON_OFFSET_FILL);
    for (const location of Object.values(surfaceProgram.attributes)) {
      if (location >= 0) gl.disableVertexAttribArray(location);
    }

    gl.useProgram(markProgram.program);
    gl.uniformMatrix4fv(markProgram.uniforms.uMatrix, false, matrix);
    drawMarks(buffers.box, gl.LINES, 24, { color: SURFACE_COLORS.box });
    if (foldVertexCount > 0) drawMarks(buffers.fold, gl.LINES, foldVertexCount, { color: SURFACE_COLORS.fold });

    // The current (K, H): a vertical guide through the box and its
    // equilibria from the core, drawn over the surface so they stay visible.
    const window = windowOf(snapshot);
    const { K, H } = snapshot.state;
    const top = toBox([K, H, 1], window);
    const bottom = toBox([K, H, -1], window);
    const equilibria = snapshot.equilibria;
    const marks = new Float32Array([...bottom, ...top, ...equilibria.flatMap(({ m }) => toBox([K, H, m], window))]);
    gl.bindBuffer(gl.ARRAY_BUFFER, buffers.marks);
    gl.bufferData(gl.ARRAY_BUFFER, marks, gl.DYNAMIC_DRAW);
    drawMarks(buffers.marks, gl.LINES, 2, { color: SURFACE_COLORS.current });
    gl.disable(gl.DEPTH_TEST);
    const pointSize = 13 * ratio;
    equilibria.forEach(({ stability }, i) => {
      const style = stability === 'stable' ? 1 : 2;
      const { attributes, uniforms } = markProgram;
      bindAttribute(attributes.aPosition, buffers.marks, 3);
      gl.uniform4fv(uniforms.uColor, [...rgb(SURFACE_COLORS.current), 1]);
      gl.uniform1i(uniforms.uStyle, style);
      gl.uniform1f(uniforms.uPointSize, pointSize);
      gl.drawArrays(gl.POINTS, 2 + i, 1);
    });
    gl.disableVertexAttribArray(markProgram.attributes.aPosition);

    canvas.dataset.yaw = camera.yaw.toFixed(3);
    canvas.dataset.pitch = camera.pitch.toFixed(3);
    drawLabels(matrix, width, height, window);
  }

  function drawLabels(matrix, width, height, { KMax, HMax }) {
    const context = prepareOverlay(overlay);
    context.textAlign = 'center';
    context.textBaseline = 'middle';
    const below = -M_SCALE - 0.15;
    const labels = [
      [[-0.8, below, 1.1], 'K = 0'],
      [[0.9, below, 1.1], `K = ${formatNumber(KMax)}`],
      [[1.25, -M_SCALE, -1], `H = −${formatNumber(HMax)}`],
      [[1.25, -M_SCALE, 1], `H = ${formatNumber(HMax)}`],
      [[-1.2, M_SCALE, 1], 'm = 1'],
      [[-1.2, -M_SCALE, 1], 'm = −1'],
    ];
    for (const [point, text] of labels) {
      const pixel = projectToPixels(matrix, point, width, height);
      if (pixel) context.fillText(text, pixel.x, pixel.y);
    }
  }

  // Every turn, by pointer, key, reset or link, ends here. The event lets the
  // page follow the camera (share.js writes it into the link).
  function setCamera(next) {
    camera = normalizeCamera(next);
    draw();
    canvas.dispatchEvent(new CustomEvent('camerachange', { detail: { ...camera } }));
  }

  /** Turns back to the starting view, animated unless the user asked for reduced motion. */
  function resetCamera() {
    cancelAnimationFrame(animation);
    if (reducedMotion?.matches) {
      setCamera(DEFAULT_CAMERA);
      return;
    }
    const from = { ...camera };
    const started = performance.now();
    const step = (now) => {
      const t = Math.min(1, (now - started) / RESET_DURATION_MS);
      const eased = t * t * (3 - 2 * t);
      setCamera({
        yaw: from.yaw + (DEFAULT_CAMERA.yaw - from.yaw) * eased,
        pitch: from.pitch + (DEFAULT_CAMERA.pitch - from.pitch) * eased,
      });
      if (t < 1) animation = requestAnimationFrame(step);
    };
    animation = requestAnimationFrame(step);
  }

  canvas.addEventListener('pointerdown', (event) => {
    cancelAnimationFrame(animation);
    canvas.focus();
    canvas.setPointerCapture(event.pointerId);
    dragStart = { x: event.clientX, y: event.clientY, camera: { ...camera } };
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!dragStart) return;
    setCamera({
      yaw: dragStart.camera.yaw + (event.clientX - dragStart.x) * DRAG_STEP,
      pitch: dragStart.camera.pitch + (event.clientY - dragStart.y) * DRAG_STEP,
    });
  });
  const stop = () => { dragStart = null; };
  canvas.addEventListener('pointerup', stop);
  canvas.addEventListener('pointercancel', stop);
  canvas.addEventListener('keydown', (event) => {
    const turns = { ArrowLeft: [-KEY_STEP, 0], ArrowRight: [KEY_STEP, 0], ArrowUp: [0, -KEY_STEP], ArrowDown: [0, KEY_STEP] };
    if (event.key === 'Home') {
      event.preventDefault();
      resetCamera();
      return;
    }
    const turn = turns[event.key];
    if (!turn) return;
    event.preventDefault();
    cancelAnimationFrame(animation);
    setCamera({ yaw: camera.yaw + turn[0], pitch: camera.pitch + turn[1] });
  });

  return {
    setup,
    draw,
    resetCamera,
    /** Turns to camera ({ yaw, pitch } in radians) at once, stopping a reset in progress. */
    setCamera(next) {
      cancelAnimationFrame(animation);
      setCamera(next);
    },
    update(next) {
      snapshot = next;
      draw();
    },
  };
}
