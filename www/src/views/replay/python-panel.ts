// What Python's own tools would show at the replay's instant: under asyncio, what
// `python -m asyncio pstree` prints (drawn by CPython 3.14's own algorithm, ../../replay/pstree.ts); under
// the other modes, a profiler's GIL view: the share of the time each thread or process spent running,
// waiting for the GIL, waiting on I/O (../../replay/profile.ts).

import { pythonProgram } from '../../python/programs';
import { fmtT } from '../../replay/describe';
import { gilProfile } from '../../replay/profile';
import { awaitGraph, pstreeText, PROGRAM_FILE } from '../../replay/pstree';
import type { RunRecord } from '../../replay/record';
import type { Replay } from '../../replay/replay';
import { el } from '../dom';

export class PythonPanel {
  private readonly title = el('summary');
  private readonly body = el('div', { className: 'replay-python' });
  readonly el = el('details', { className: 'replay-tools', open: true }, this.title, this.body);

  constructor() {
    // It scrolls sideways on a narrow screen (a deep pstree): reachable by keyboard.
    this.body.tabIndex = 0;
    this.body.setAttribute('role', 'region');
    this.body.setAttribute('aria-label', "What Python's own tools would show");
  }

  /** Names the tool the panel stands for in `rp`'s mode. */
  setReplay(rp: Replay): void {
    this.title.textContent = rp.mode === 'asyncio' ? 'What python -m asyncio pstree prints at this instant (Python 3.14)' : "Per thread, as a profiler's GIL view shows it";
  }

  /** The run's program (its lines place the frames), as the engine wrote it; asked once per run. */
  private program?: { spec: RunRecord['spec']; text?: string };
  /** What is shown now, drawn again when the program arrives. */
  private shown?: [RunRecord, Replay, number];

  show(r: RunRecord, rp: Replay, t: number): void {
    this.shown = [r, rp, t];
    if (rp.mode === 'asyncio') {
      if (this.program?.spec !== r.spec) {
        const asked: { spec: RunRecord['spec']; text?: string } = { spec: r.spec };
        this.program = asked;
        void pythonProgram(r.spec).then(
          (text) => {
            asked.text = text;
            if (this.program === asked && this.shown) this.show(...this.shown);
          },
          () => {},
        );
      }
      let text: string;
      try {
        text = pstreeText(awaitGraph(r, rp, rp.stateAt(t), this.program.text)) || '(no pending tasks)';
      } catch (e) {
        text = `ERROR: ${(e as Error).message}`;
      }
      this.body.replaceChildren(
        el('pre', { className: 'pstree', textContent: `$ python -m asyncio pstree PID\n${text}` }),
        el('p', { className: 'hint', textContent: `The lab's program (Copy it from the Compare view) as ${PROGRAM_FILE}; Task-1 is main(), task i is Task-(i + 2); aiohttp's own frames below call_api are left out. Drawn by CPython 3.14's own algorithm (asyncio/tools.py).` }),
      );
      return;
    }
    const p = gilProfile(rp, t);
    const gil = rp.mode === 'threads-gil' || rp.mode === 'interpreters';
    const nogil = p.lanes.some((l) => l.nogilMs > 0);
    const head = el('tr', {}, ...[rp.mode === 'processes' ? 'process' : 'thread', 'running', ...(nogil ? ['in C, no GIL'] : []), ...(gil ? ['GIL wait'] : []), 'I/O wait', 'other'].map((h) => el('th', { scope: 'col', textContent: h })));
    const share = (ms: number) => (p.elapsedMs > 0 ? `${((100 * ms) / p.elapsedMs).toFixed(0)}%` : '—');
    const rows = p.lanes.map((l) => {
      const bar = el('span', { className: 'share-bar' });
      for (const [cls, ms] of [['run', l.runMs], ['run-nogil', l.nogilMs], ['gil-wait', l.gilWaitMs], ['io-wait', l.ioMs]] as const) {
        if (ms <= 0) continue;
        const part = el('span', { className: `span span-${cls}` });
        part.style.width = `${(100 * ms) / Math.max(p.elapsedMs, 1e-9)}%`;
        bar.append(part);
      }
      return el('tr', {}, el('th', { scope: 'row' }, l.lane, bar), el('td', { textContent: share(l.runMs) }), ...(nogil ? [el('td', { textContent: share(l.nogilMs) })] : []), ...(gil ? [el('td', { textContent: share(l.gilWaitMs) })] : []), el('td', { textContent: share(l.ioMs) }), el('td', { textContent: share(l.otherMs) }));
    });
    const caption = `From the start to ${fmtT(p.elapsedMs)}: the share of the time each ${rp.mode === 'processes' ? 'process' : 'thread'} spent ${gil ? 'running Python (holding the GIL)' : 'running'}, ${nogil ? 'in C code that released the GIL, ' : ''}${gil ? 'waiting for the GIL, ' : ''}waiting on I/O, or otherwise (between tasks, not started).${rp.mode === 'threads-gil' ? ` The GIL was held ${(100 * p.busy).toFixed(0)}% of the time.` : ''}`;
    this.body.replaceChildren(el('table', { className: 'gil-profile' }, el('caption', { textContent: caption }), el('thead', {}, head), el('tbody', {}, ...rows)));
  }
}
