// The GPU views section: the (K, H) plane coloured by a fragment shader and
// the 3D equilibrium surface, both WebGL 2. Without WebGL 2 the section
// shows a notice and the 2D views carry on alone.
import { createPlaneView } from './plane-view.js';
import { createSurfaceView } from './surface-view.js';
import { createContext } from './webgl.js';

const NO_WEBGL = 'WebGL 2 is not available in this browser, so the GPU views are off. '
  + 'The 2D views show the same model.';
const CONTEXT_LOST = 'The browser took back the WebGL context. The GPU views come back when it restores the context.';

/**
 * Creates the GPU views inside section. core is the loaded core; onMove({ K, H })
 * receives points picked in the plane, for the caller to validate and apply.
 * Returns { update(snapshot) }, like the Chart.js views, and
 * setCamera({ yaw, pitch }) for the surface; both do nothing without WebGL 2.
 * The surface canvas fires 'camerachange' with { yaw, pitch } after each turn.
 */
export function createGpuViews(section, { core, onMove }) {
  const find = (selector) => section.querySelector(selector);
  const notice = find('.gpu-notice');
  const content = find('.gpu-content');
  const planeCanvas = find('#gpu-plane');
  const surfaceCanvas = find('#gpu-surface');

  function showNotice(message) {
    notice.textContent = message;
    notice.hidden = false;
    content.hidden = message !== CONTEXT_LOST;
    section.dataset.webgl = message === CONTEXT_LOST ? 'lost' : 'off';
  }

  const planeContext = createContext(planeCanvas);
  const surfaceContext = planeContext && createContext(surfaceCanvas);
  if (!planeContext || !surfaceContext) {
    showNotice(NO_WEBGL);
    return { update() {}, setCamera() {} };
  }

  const plane = createPlaneView({ canvas: planeCanvas, overlay: find('#gpu-plane-overlay') }, onMove);
  const surface = createSurfaceView({ canvas: surfaceCanvas, overlay: find('#gpu-surface-overlay') }, core);
  try {
    plane.setup(planeContext);
    surface.setup(surfaceContext);
  } catch (error) {
    showNotice(`The GPU views failed to start: ${error.message}`);
    return { update() {}, setCamera() {} };
  }
  section.dataset.webgl = 'on';

  for (const [canvas, view, context] of [[planeCanvas, plane, planeContext], [surfaceCanvas, surface, surfaceContext]]) {
    canvas.addEventListener('webglcontextlost', (event) => {
      event.preventDefault(); // allows the browser to restore the context
      showNotice(CONTEXT_LOST);
    });
    canvas.addEventListener('webglcontextrestored', () => {
      view.setup(context);
      if (!planeContext.isContextLost() && !surfaceContext.isContextLost()) {
        notice.hidden = true;
        section.dataset.webgl = 'on';
      }
      view.draw();
    });
  }

  wireControls(section, plane, surface);
  const resizeObserver = new ResizeObserver(() => {
    plane.draw();
    surface.draw();
  });
  resizeObserver.observe(planeCanvas);
  resizeObserver.observe(surfaceCanvas);

  return {
    update(snapshot) {
      plane.update(snapshot);
      surface.update(snapshot);
    },
    setCamera: surface.setCamera,
  };
}

function wireControls(section, plane, surface) {
  const modeSelect = section.querySelector('#gpu-plane-mode');
  const startInput = section.querySelector('#gpu-start');
  const startOutput = section.querySelector('#gpu-start-value');
  const legends = section.querySelectorAll('[data-plane-legend]');

  const applyMode = () => {
    plane.setMode(modeSelect.value);
    startInput.disabled = modeSelect.value !== 'basin';
    for (const legend of legends) legend.hidden = legend.dataset.planeLegend !== modeSelect.value;
  };
  const applyStart = () => {
    const value = Number(startInput.value);
    startOutput.textContent = value.toFixed(2);
    plane.setStart(value);
  };
  modeSelect.addEventListener('change', applyMode);
  startInput.addEventListener('input', applyStart);
  section.querySelector('#gpu-reset-view').addEventListener('click', () => surface.resetCamera());
  applyStart();
  applyMode();
}
