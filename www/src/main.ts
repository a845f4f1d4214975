// The page: starts the engine, installs `window.lab`, and wires the views to it. No lab work runs here.

import { EngineClient } from './engine/client';
import { Lab, toError } from './lab-api';
import { ExperimentForm, type FormState } from './views/form';
import { startHeartbeat } from './views/heartbeat';
import { ResultsTable } from './views/results-table';
import { renderStatus } from './views/status-bar';
import { renderTimeline } from './views/timeline';

declare global {
  interface Window {
    lab: Lab & { frameLag(): { lastMs: number; maxMs: number }; resetFrameLag(): void };
  }
}

const $ = <T extends HTMLElement>(sel: string) => document.querySelector<T>(sel)!;

const lab = new Lab(new EngineClient());
const heartbeat = startHeartbeat($('#heartbeat'));
window.lab = Object.assign(lab, { frameLag: heartbeat.lag, resetFrameLag: heartbeat.reset });

renderStatus($('#status'), lab.status());
lab.onStatus((s) => {
  renderStatus($('#status'), s);
  document.body.dataset.engine = s.state;
});

const timeline = $('#timeline');
const table = new ResultsTable($<HTMLTableSectionElement>('#results tbody'), (r) => renderTimeline(timeline, r));
const announce = $('#announce');
lab.onRecord((r) => {
  table.add(r);
  renderTimeline(timeline, r);
  const speedup = table.speedup(r);
  announce.textContent = `${r.spec.mode} ${r.cancelled ? 'cancelled after' : 'took'} ${r.wallMs.toFixed(0)} ms${speedup ? `, ${speedup.toFixed(2)} times sequential` : ''}.`;
});

// The URL's query holds the form's state, so a link reproduces an experiment.
const state: FormState = Object.fromEntries(new URLSearchParams(location.search));

lab.ready.then(
  () => {
    const form = new ExperimentForm($<HTMLFormElement>('#experiment'), lab.workloads(), state, {
      run(spec) {
        form.showError(null);
        history.replaceState(null, '', `?${new URLSearchParams(spec as Record<string, string>)}`);
        form.setBusy(true);
        lab
          .run(spec)
          .catch((e) => {
            if (e.name !== 'AbortError') form.showError(e);
          })
          .finally(() => form.setBusy(false));
      },
      stop: () => lab.cancel(),
    });
    document.addEventListener('keydown', (e) => {
      if (e.key === 'Escape') lab.cancel();
    });
  },
  (e) => {
    $('#fatal').hidden = false;
    $('#fatal').textContent = `The lab engine could not start: ${toError(e).message}`;
  },
);
