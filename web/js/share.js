// Links, embed code and exports for the page. The only module that reads
// `location`: it parses the query once at start, keeps the state of every
// view in the address bar as it changes, and adds to each view a toolbar
// with "Copy link", "Embed code" and per-figure downloads. Each chart
// downloads as PNG, CSV and JSON, the WebGL views and the digit grid as
// PNG, and the trainer's tables as CSV and JSON.
// URL text reaches the page only through textContent and form values.
import { roundCamera } from './gl/camera.js';
import { URL_STATE_VERSION, blocksOfView, createUrlState } from './url-state.js';
import { chartClass } from './views/common.js';
import { downloadBlob, exportChart, exportTable, layersToPng, webglToPng } from './views/export.js';

/**
 * The views a link can name: the element that contains each, its title,
 * its Chart.js charts as [canvas id, file name, name in the toolbar], and
 * its other figures (see FIGURE_FORMATS) as { kind, id, file, name }, with
 * the id of the 2D overlay for a WebGL canvas.
 */
export const PAGE_VIEWS = Object.freeze({
  phase: { element: 'view-phase', title: 'Phase line', charts: [['phase-chart', 'phase-line', '']] },
  trajectories: { element: 'view-trajectories', title: 'Trajectories', charts: [['trajectories-chart', 'trajectories', '']] },
  bifurcation: { element: 'view-bifurcation', title: 'Bifurcation diagrams', charts: [
    ['bifurcation-k-chart', 'bifurcation-K', 'Against K'], ['bifurcation-h-chart', 'bifurcation-H', 'Against H']] },
  cusp: { element: 'view-cusp', title: 'Cusp diagram', charts: [['cusp-chart', 'cusp', '']] },
  gpu: { element: 'gpu-views', title: 'GPU views', charts: [], figures: [
    { kind: 'webgl', id: 'gpu-plane', overlay: 'gpu-plane-overlay', file: 'gpu-plane', name: 'Plane' },
    { kind: 'webgl', id: 'gpu-surface', overlay: 'gpu-surface-overlay', file: 'gpu-surface', name: 'Surface' }] },
  router: { element: 'router', title: 'Discrete router', charts: [
    ['router-traces-chart', 'router-traces', 'Traces'], ['router-histogram-chart', 'router-histogram', 'Histogram'],
    ['router-hysteresis-chart', 'router-hysteresis', 'Hysteresis']] },
  moe: { element: 'moe', title: 'Trainable MoE', charts: [
    ['moe-loss-chart', 'moe-loss', 'Loss'], ['moe-accuracy-chart', 'moe-accuracy', 'Accuracy'],
    ['moe-loads-chart', 'moe-loads', 'Loads'], ['moe-sweep-chart', 'moe-sweep', 'Sweep']], figures: [
    { kind: 'table', id: 'moe-routing', file: 'moe-routing', name: 'Routing' },
    { kind: 'table', id: 'moe-confusion', file: 'moe-confusion', name: 'Confusion' },
    { kind: 'canvas', id: 'moe-digits', file: 'moe-digits', name: 'Digits' }] },
});

// Downloads of each kind of figure that is not a Chart.js chart: a WebGL
// canvas with its overlay and a 2D canvas give a picture, a table its counts.
const FIGURE_FORMATS = Object.freeze({ webgl: ['png'], canvas: ['png'], table: ['csv', 'json'] });

const MAX_NOTICE_LINES = 8;
// Frame heights of the embed code, in pixels, for views taller than a chart.
// Measured in Chromium at 900 px wide, with controls and captions; a frame
// shows a scroll bar when its content is taller.
const EMBED_HEIGHTS = Object.freeze({ router: 1150, moe: 2900, gpu: 1100 });
const ADDRESS_DELAY_MS = 250;
// Router form fields in the URL, in the order of the schema; `run` is not a field.
const ROUTER_FORM_FIELDS = ['N', 'mode', 'beta', 'eta', 'lambda', 'sigma', 'h', 'm0', 'replicas', 'steps', 'seed'];
// Trainer fields in the URL whose form field has the same name.
const TRAINER_FORM_FIELDS = ['task', 'preprocess', 'experts', 'hidden', 'routing', 'k', 'beta', 'loss', 'optimizer',
  'learningRate', 'momentum', 'auxLoss', 'zLoss', 'capacityFactor', 'balanceRate', 'routerDecay', 'batch', 'epochs',
  'seed'];
// Sweep fields in the URL and their names in the sweep form.
const SWEEP_FORM_FIELDS = [['sweepBetas', 'betas'], ['sweepSeeds', 'seeds'], ['sweepRouting', 'routing'],
  ['sweepDecays', 'routerDecays'], ['sweepTask', 'task'], ['sweepEpochs', 'epochs']];

/**
 * Parses the page's query against the core's parameter table and shows a
 * notice for each ignored part. Returns the sharing controller; `state` is
 * the state the page starts from.
 */
export function createSharing(core) {
  const urlState = createUrlState(core.parameters);
  const { state, errors } = urlState.parse(location.search);
  const baseAddress = location.href.split(/[?#]/)[0];
  let addressTimer = 0;
  let routerForm = null;
  let trainerForms = null;

  showNotice(errors);

  function scheduleAddressUpdate() {
    clearTimeout(addressTimer);
    addressTimer = setTimeout(() => {
      try {
        const blocks = state.page.embed ? blocksOfView(state.page.embed) : null;
        history.replaceState(history.state, '', `?${urlState.serialize(state, { blocks })}`);
      } catch (error) {
        // Some frames and file:// pages do not allow it; links still work.
        console.warn(`Could not update the address bar: ${error.message}`);
      }
    }, ADDRESS_DELAY_MS);
  }

  /** Returns a link to the page: the whole page, one view of it, or an embed of a view. */
  function linkFor({ view = '', embed = '', controls = true, caption = true } = {}) {
    const page = { ...state.page, view, embed, controls, caption, tools: false };
    const blocks = embed ? blocksOfView(embed) : null;
    return `${baseAddress}?${urlState.serialize({ ...state, page }, { blocks })}`;
  }

  function explorerChanged({ link, K, H }) {
    state.explorer = { link, K, H };
    scheduleAddressUpdate();
  }

  // Reads the router form through the URL parser, so the same checks apply;
  // the state changes only when the whole form is valid.
  function readRouterForm() {
    const parts = [];
    for (const name of ROUTER_FORM_FIELDS) {
      const text = String(routerForm.elements[name].value).trim();
      if (name === 'm0' && text === '') continue;
      parts.push(`router.${name}=${encodeURIComponent(text)}`);
    }
    const parsed = urlState.parse(parts.join('&'));
    if (parsed.errors.length > 0) return false;
    state.router = { ...parsed.state.router, run: state.router.run };
    return true;
  }

  /**
   * Writes the router state into its form and starts the run the link
   * names. Later edits of the form update the address; an edit clears the
   * run, because the charts no longer match the form.
   */
  function attachRouter(routerView, form) {
    routerForm = form;
    for (const name of ROUTER_FORM_FIELDS) {
      const value = state.router[name];
      form.elements[name].value = Array.isArray(value) ? value.join(', ') : String(value);
    }
    form.dispatchEvent(new Event('input'));
    form.addEventListener('input', () => {
      if (readRouterForm()) {
        state.router.run = 'none';
        scheduleAddressUpdate();
      }
    });
    if (state.router.run === 'simulate') routerView.start('simulate');
    if (state.router.run === 'sweep') routerView.start('hysteresis');
    // An embed without controls cannot start the other kind of run, so its
    // charts would stay empty: leave them out.
    if (state.page.embed === 'router' && !state.page.controls && state.router.run !== 'none') {
      const keep = state.router.run === 'sweep' ? ['router-hysteresis-chart'] : ['router-traces-chart', 'router-histogram-chart'];
      for (const figure of form.closest('section').querySelectorAll('.router-figure')) {
        figure.hidden = !keep.some((id) => figure.querySelector(`#${id}`));
      }
    }
  }

  // Reads both trainer forms through the URL parser, as readRouterForm.
  function readTrainerForms() {
    const parts = [];
    for (const name of TRAINER_FORM_FIELDS) {
      const text = String(trainerForms.form.elements[name].value).trim();
      parts.push(`moe.${name}=${encodeURIComponent(name === 'capacityFactor' && text === '' ? 'none' : text)}`);
    }
    for (const [name, formName] of SWEEP_FORM_FIELDS) {
      const text = String(trainerForms.sweepForm.elements[formName].value).trim();
      parts.push(`moe.${name}=${encodeURIComponent(text.replace(/\s*,\s*/g, ','))}`);
    }
    const parsed = urlState.parse(parts.join('&'));
    if (parsed.errors.length > 0) return false;
    state.trainer = { ...parsed.state.trainer, run: state.trainer.run };
    return true;
  }

  /**
   * Writes the trainer state into its two forms and starts the training or
   * sweep the link names. Later edits update the address and clear the run.
   */
  function attachTrainer(trainerView, form, sweepForm) {
    trainerForms = { form, sweepForm };
    for (const name of TRAINER_FORM_FIELDS) {
      const value = state.trainer[name];
      form.elements[name].value = value === null ? '' : String(value);
    }
    for (const [name, formName] of SWEEP_FORM_FIELDS) {
      const value = state.trainer[name];
      sweepForm.elements[formName].value = Array.isArray(value) ? value.join(', ') : String(value);
    }
    const edited = () => {
      if (readTrainerForms()) {
        state.trainer.run = 'none';
        scheduleAddressUpdate();
      }
    };
    for (const element of [form, sweepForm]) {
      element.addEventListener('input', edited);
      element.addEventListener('change', edited);
    }
    if (state.trainer.run === 'train') trainerView.start();
    if (state.trainer.run === 'sweep') trainerView.startSweep();
  }

  function trainerStarted(kind) {
    if (trainerForms) readTrainerForms();
    state.trainer.run = kind;
    scheduleAddressUpdate();
  }

  /**
   * Writes the GPU views' settings into their controls and the camera into
   * the surface view (gpuViews from gl/gpu-views.js), and follows later
   * changes of both.
   */
  function attachGpu(section, gpuViews) {
    const mode = section.querySelector('#gpu-plane-mode');
    const start = section.querySelector('#gpu-start');
    const surface = section.querySelector('#gpu-surface');
    if (!mode || !start || !surface) return;
    mode.value = state.gpu.colour;
    start.value = String(state.gpu.m0);
    mode.dispatchEvent(new Event('change'));
    start.dispatchEvent(new Event('input'));
    gpuViews.setCamera({ yaw: state.gpu.yaw, pitch: state.gpu.pitch });
    const follow = () => {
      state.gpu = { ...state.gpu, colour: mode.value, m0: Number(start.value) };
      scheduleAddressUpdate();
    };
    follow();
    mode.addEventListener('change', follow);
    start.addEventListener('input', follow);
    surface.addEventListener('camerachange', (event) => {
      // The view keeps the angles in the schema's ranges, and rounding
      // toward zero keeps them there.
      state.gpu = { ...state.gpu, ...roundCamera(event.detail) };
      scheduleAddressUpdate();
    });
  }

  function routerStarted(kind) {
    if (routerForm) readRouterForm();
    state.router.run = kind === 'hysteresis' ? 'sweep' : 'simulate';
    scheduleAddressUpdate();
  }

  function describeView(view) {
    const blocks = Object.fromEntries(blocksOfView(view).map((block) => [block, state[block]]));
    return { version: URL_STATE_VERSION, link: linkFor({ view }), state: blocks };
  }

  /** Adds the header's "Copy link" and a toolbar to every view. */
  function addToolbars() {
    const header = document.querySelector('.page-header');
    if (header) {
      const bar = document.createElement('div');
      bar.className = 'share-bar page-share';
      const panel = createPanel();
      bar.append(button('Copy link', 'Copy a link to the page in its current state',
        () => showLink(panel, linkFor())), panel.element);
      header.append(bar);
    }
    for (const [view, info] of Object.entries(PAGE_VIEWS)) {
      const element = document.getElementById(info.element);
      if (element) element.append(createViewToolbar(view, info));
    }
  }

  function createViewToolbar(view, info) {
    const bar = document.createElement('div');
    bar.className = 'share-bar view-tools';
    bar.setAttribute('role', 'group');
    bar.setAttribute('aria-label', `${info.title}: link, embed code and downloads`);
    const panel = createPanel();
    bar.append(
      button('Copy link', `Copy a link to ${info.title} in its current state`,
        () => showLink(panel, linkFor({ view }))),
      button('Embed code', `Show the HTML code that embeds ${info.title} in another page`,
        () => showEmbedCode(panel, view, info)),
    );
    const groups = [
      ...info.charts.map(([canvasId, fileStem, chartName]) => ({ name: chartName, formats: ['png', 'csv', 'json'],
        save: (format) => {
          const chart = chartClass().getChart(document.getElementById(canvasId));
          if (!chart) return Promise.resolve();
          return exportChart(chart, format, `moe-bifurcation-${fileStem}`, () => describeView(view));
        } })),
      ...(info.figures ?? []).map((figure) => ({ name: figure.name, formats: FIGURE_FORMATS[figure.kind],
        save: (format) => exportFigure(figure, format, () => describeView(view)) })),
    ];
    for (const { name: groupName, formats, save } of groups) {
      const group = document.createElement('span');
      group.className = 'export-group';
      if (groupName) {
        const name = document.createElement('span');
        name.textContent = `${groupName}:`;
        group.append(name);
      }
      for (const format of formats) {
        const what = groupName ? `${info.title}, ${groupName}` : info.title;
        group.append(button(format.toUpperCase(), `Download the ${what} as ${format.toUpperCase()}`, () => {
          save(format).catch((error) => {
            panel.show(`The ${format.toUpperCase()} export failed: ${error.message}`);
          });
        }));
      }
      bar.append(group);
    }
    bar.append(panel.element);
    return bar;
  }

  function showEmbedCode(panel, view, info) {
    const options = { controls: state.page.controls, caption: state.page.caption };
    const render = () => {
      const source = linkFor({ embed: view, ...options });
      const snippet = `<iframe src="${escapeAttribute(source)}" sandbox="allow-scripts" `
        + `title="${escapeAttribute(info.title)} (moe-bifurcation)" width="100%" height="${EMBED_HEIGHTS[view] ?? 420}" `
        + 'loading="lazy"></iframe>';
      panel.setText(snippet);
    };
    const toggles = [['controls', 'Show the controls'], ['caption', 'Show the caption']].map(([name, text]) => {
      const label = document.createElement('label');
      const box = document.createElement('input');
      box.type = 'checkbox';
      box.checked = options[name];
      box.addEventListener('change', () => {
        options[name] = box.checked;
        render();
      });
      label.append(box, ` ${text}`);
      return label;
    });
    panel.open('Embed code: paste it into your page, with the address changed to where your copy of the lab '
      + 'is served (see docs/EMBEDDING.md)', toggles);
    render();
    copyText(panel);
  }

  function showLink(panel, link) {
    panel.open('Link to this state', []);
    panel.setText(link);
    copyText(panel);
  }

  return { state, urlState, explorerChanged, attachRouter, routerStarted, attachTrainer, trainerStarted, attachGpu,
    addToolbars, linkFor };
}

/**
 * Exports a figure that is not a Chart.js chart in one of the formats of
 * its kind. describeState() returns { link, state } for the JSON file.
 * Rejects with a message for the toolbar's panel.
 */
async function exportFigure(figure, format, describeState) {
  const element = document.getElementById(figure.id);
  if (!element) throw new Error(`the page has no element '${figure.id}'.`);
  const fileStem = `moe-bifurcation-${figure.file}`;
  if (figure.kind === 'table') {
    exportTable(element, format, fileStem, describeState);
    return;
  }
  if (figure.kind === 'webgl') {
    if (element.closest('[data-webgl]')?.dataset.webgl !== 'on') {
      throw new Error('WebGL 2 is off or lost in this browser, so the GPU views have no picture.');
    }
    downloadBlob(await webglToPng(element, document.getElementById(figure.overlay)), `${fileStem}.png`);
    return;
  }
  downloadBlob(await layersToPng(element.width, element.height, [{ canvas: element, x: 0, y: 0 }]), `${fileStem}.png`);
}

// Copies the panel's text to the clipboard, or prompts the reader to copy it
// where the clipboard is not available (a sandboxed frame, an old browser).
function copyText(panel) {
  const text = panel.text();
  const manual = () => {
    panel.select();
    panel.status('Select the text and copy it (Ctrl+C or ⌘C).');
  };
  if (!navigator.clipboard?.writeText) {
    manual();
    return;
  }
  navigator.clipboard.writeText(text).then(() => panel.status('Copied to the clipboard.'), manual);
}

// A hidden panel under a toolbar with a title, optional controls, a
// read-only text field and a status line.
function createPanel() {
  const element = document.createElement('div');
  element.className = 'share-panel';
  element.hidden = true;
  const title = document.createElement('label');
  const options = document.createElement('div');
  options.className = 'share-options';
  const field = document.createElement('textarea');
  field.readOnly = true;
  field.rows = 3;
  field.spellcheck = false;
  const fieldId = `share-text-${Math.random().toString(36).slice(2)}`;
  field.id = fieldId;
  title.htmlFor = fieldId;
  const status = document.createElement('p');
  status.className = 'share-status';
  status.setAttribute('role', 'status');
  const close = button('Close', 'Close this panel', () => {
    element.hidden = true;
  });
  element.append(title, options, field, status, close);
  return {
    element,
    open(text, controls) {
      title.textContent = text;
      options.replaceChildren(...controls);
      status.textContent = '';
      element.hidden = false;
    },
    show(message) {
      this.open('Export', []);
      field.value = '';
      field.hidden = true;
      status.textContent = message;
    },
    setText(text) {
      field.hidden = false;
      field.value = text;
    },
    text: () => field.value,
    select: () => field.select(),
    status(text) {
      status.textContent = text;
    },
  };
}

function button(text, description, onClick) {
  const element = document.createElement('button');
  element.type = 'button';
  element.textContent = text;
  // The name starts with the visible text, so speech input finds it.
  element.setAttribute('aria-label', `${text}: ${description}`);
  element.title = description;
  element.addEventListener('click', onClick);
  return element;
}

// Shows each ignored part of the link on its own line, as text.
function showNotice(errors) {
  if (errors.length === 0) return;
  const notice = document.createElement('section');
  notice.id = 'link-notice';
  notice.className = 'link-notice';
  notice.setAttribute('role', 'status');
  const heading = document.createElement('p');
  heading.textContent = 'Parts of this link were ignored:';
  const list = document.createElement('ul');
  for (const error of errors.slice(0, MAX_NOTICE_LINES)) {
    const item = document.createElement('li');
    item.textContent = error.message;
    list.append(item);
  }
  if (errors.length > MAX_NOTICE_LINES) {
    const item = document.createElement('li');
    item.textContent = `and ${errors.length - MAX_NOTICE_LINES} more.`;
    list.append(item);
  }
  const dismiss = button('Dismiss', 'Dismiss this notice', () => notice.remove());
  notice.append(heading, list, dismiss);
  document.body.prepend(notice);
}

function escapeAttribute(text) {
  return text.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
