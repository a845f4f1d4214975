// The experiment form, built from the engine's catalogue: the UI copies no option list and no limit,
// so a new workload or field shows up here by itself.

import type { Catalogue, FieldInfo, ModeField, Spec } from '../../engine/protocol';

export interface FormHandlers {
  run(spec: Spec): void;
  stop(): void;
}

/** The spec fields the "Faults and errors" controls set (named as in the URL). */
const ERROR_FIELDS = ['onError', 'faults.kind', 'faults.rate', 'faults.seed', 'timeoutMs'];

/** Field values as the learner typed them (strings), kept across workload and mode changes. */
export type FormState = Record<string, string>;

export class ExperimentForm {
  private readonly fieldsEl: HTMLElement;
  private readonly errorEl: HTMLElement;
  /** Each workload's own field values, kept while another workload is chosen (sizes differ in kind). */
  private readonly perWorkload = new Map<string, FormState>();

  constructor(
    private readonly form: HTMLFormElement,
    private readonly catalogue: Catalogue,
    private readonly state: FormState,
    handlers: FormHandlers,
  ) {
    this.fieldsEl = form.querySelector('#fields')!;
    this.errorEl = form.querySelector('#form-error')!;
    const pick = (key: string, names: string[]) => {
      if (!names.includes(this.state[key])) this.state[key] = names[0];
    };
    pick('workload', catalogue.workloads.map((w) => w.name));
    pick('mode', catalogue.modes.map((m) => m.name));
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      handlers.run(this.spec());
    });
    form.querySelector('#stop')!.addEventListener('click', () => handlers.stop());
    this.render();
  }

  /**
   * The spec as the form holds it: blank fields are left out, so the engine fills in defaults. Parameters
   * the form has no control for (from a link: `faults.kind`, `onError`, a typo) pass through as given, so
   * the engine applies them or names the bad one.
   */
  spec(): Spec {
    const spec: Spec = {};
    for (const [name, value] of this.extras()) spec[name] = value;
    for (const name of this.visibleFields()) {
      const v = this.state[name]?.trim();
      if (v) spec[name] = v;
    }
    return spec;
  }

  /**
   * Names what is wrong: every bad field of a SpecError (`errors`), each by its label with its allowed
   * values, and marks each field's control.
   */
  showError(e: { message: string; field?: string; errors?: { field: string; message: string }[] } | null): void {
    for (const input of this.form.querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
    const list = e?.errors?.length ? e.errors : e ? [{ field: e.field, message: e.message }] : [];
    if (list.length > 1) {
      const ul = document.createElement('ul');
      ul.append(...list.map((x) => Object.assign(document.createElement('li'), { textContent: x.message })));
      this.errorEl.replaceChildren(`${list.length} settings need changing:`, ul);
    } else {
      this.errorEl.textContent = e ? e.message : '';
    }
    this.errorEl.hidden = !e;
    for (const x of list) {
      if (!x.field) continue;
      this.form.querySelector<HTMLElement>(`[name="${CSS.escape(x.field)}"]`)?.setAttribute('aria-invalid', 'true');
    }
  }

  setBusy(busy: boolean): void {
    this.form.querySelector<HTMLButtonElement>('#stop')!.disabled = !busy;
  }

  /** Parameters from the link that no control shows, with their values. */
  private extras(): [string, string][] {
    const known = new Set(['workload', 'mode', 'workers', ...ERROR_FIELDS, ...this.catalogue.fields.map((f) => f.name)]);
    for (const w of this.catalogue.workloads) for (const f of w.fields) known.add(f.name);
    for (const m of this.catalogue.modes) for (const f of m.fields ?? []) known.add(f.name);
    return Object.entries(this.state).filter(([k, v]) => !known.has(k) && typeof v === 'string' && v.trim() !== '').map(([k, v]) => [k, v.trim()]);
  }

  private workload() {
    return this.catalogue.workloads.find((w) => w.name === this.state.workload)!;
  }

  private mode() {
    return this.catalogue.modes.find((m) => m.name === this.state.mode)!;
  }

  private visibleFields(): string[] {
    // A workload that fixes its tasks (and workers) itself gets neither from the form.
    const own = Boolean(this.workload().ownTasks);
    const names = ['workload', 'mode', ...(own ? [] : this.catalogue.fields.map((f) => f.name)), ...this.workload().fields.map((f) => f.name)];
    if (this.mode().workers && !own) names.push('workers');
    for (const f of this.modeFields()) names.push(f.name);
    names.push('onError');
    if (this.state['faults.kind']) names.push('faults.kind', 'faults.rate', 'faults.seed');
    if (this.workload().class !== 'cpu') names.push('timeoutMs');
    return names;
  }

  /**
   * Faults and errors: what goes wrong (faults), how long a request may take (timeoutMs), and what the
   * Python caller does when a task raises (onError), with the Python for the choice in this mode.
   */
  private renderErrors(): HTMLElement {
    const { errors } = this.catalogue;
    const mode = this.mode().name;
    const choices = errors.onError.filter((o) => o.python[mode]);
    if (!choices.some((o) => o.name === this.state.onError)) this.state.onError = choices[0]?.name ?? 'raise';
    const details = document.createElement('details');
    details.className = 'errors';
    details.open = Boolean(this.state['faults.kind'] || this.state.timeoutMs || this.state.onError !== 'raise');
    const summary = document.createElement('summary');
    summary.textContent = 'Faults and errors';
    const controls: HTMLElement[] = [
      this.select('onError', 'When a task raises (onError)', choices.map((o) => ({ value: o.name, label: o.name }))),
      this.select('faults.kind', 'Inject faults', [
        { value: '', label: 'none' },
        ...errors.faults.map((k) => ({ value: k.name, label: k.name, title: k.doc })),
      ]),
    ];
    if (this.state['faults.kind']) {
      controls.push(
        this.number({ name: 'faults.rate', label: 'Share of tasks that fail', doc: 'Exactly round(rate x tasks) tasks fail.', ...errors.rate, default: 0.5 }),
        this.number({ name: 'faults.seed', label: 'Seed (which tasks)', doc: 'The same seed picks the same tasks.', ...errors.seed }),
      );
    }
    if (this.workload().class !== 'cpu') {
      controls.push(this.number({ name: 'timeoutMs', label: 'Timeout per request (ms)', doc: 'asyncio.wait_for; blank for none.', ...errors.timeoutMs, default: NaN }));
    }
    const kind = errors.faults.find((k) => k.name === this.state['faults.kind']);
    const doc = document.createElement('p');
    doc.className = 'about';
    doc.textContent = kind ? `${kind.name}: ${kind.doc}.` : 'No faults: every request succeeds unless the network fails.';
    const python = document.createElement('pre');
    python.className = 'python';
    python.setAttribute('aria-label', 'What the Python caller does when a task raises');
    python.textContent = choices.find((o) => o.name === this.state.onError)?.python[mode] ?? '';
    const box = document.createElement('div');
    box.className = 'fields';
    box.append(...controls, doc, python);
    details.append(summary, box);
    return details;
  }

  private render(): void {
    const workload = this.workload();
    const mode = this.mode();
    const controls: HTMLElement[] = [
      this.select('workload', 'Workload', this.catalogue.workloads.map((w) => ({ value: w.name, label: w.title }))),
      this.select(
        'mode',
        'Mode',
        this.catalogue.modes.map((m) => {
          const why = m.unavailable ?? workload.modes.find((x) => x.mode === m.name)?.unsupported ?? null;
          return { value: m.name, label: why ? `${m.title} (unavailable)` : m.title, title: why ?? undefined };
        }),
      ),
      ...(workload.ownTasks ? [this.ownTasksNote(workload.ownTasks, Boolean(mode.workers))] : this.catalogue.fields.map((f) => this.number(f))),
      ...workload.fields.map((f) => this.number(f)),
      ...this.presets(),
    ];
    if (mode.workers && !workload.ownTasks) {
      controls.push(this.number({ name: 'workers', label: 'Workers', doc: 'Threads or processes', ...mode.workers }));
    }
    for (const f of this.modeFields()) controls.push(f.type === 'boolean' ? this.checkbox(f) : this.number({ ...f, calibrated: false } as FieldInfo));
    const about = document.createElement('p');
    about.className = 'about';
    about.textContent = workload.doc;
    const python = document.createElement('pre');
    python.className = 'python';
    python.setAttribute('aria-label', 'The same in Python');
    python.textContent = mode.python;
    const why = mode.unavailable ?? workload.modes.find((x) => x.mode === mode.name)?.unsupported;
    const note = document.createElement('p');
    note.className = 'unavailable';
    note.hidden = !why;
    note.textContent = why ? `Unavailable here: ${why}.` : '';
    this.fieldsEl.replaceChildren(...controls, about, python, note, this.renderErrors(), this.extrasNote());
  }

  /** In place of the tasks (and workers) a workload fixes itself: what they are, and why. */
  private ownTasksNote(how: string, workers: boolean): HTMLElement {
    const p = document.createElement('p');
    p.className = 'field own-tasks';
    p.id = 'own-tasks';
    p.append(Object.assign(document.createElement('strong'), { textContent: workers ? 'Tasks and workers' : 'Tasks' }), ` ${how}`);
    return p;
  }

  /** Says which parameters from the link apply besides the controls, with a way to drop them. */
  private extrasNote(): HTMLElement {
    const p = document.createElement('p');
    p.className = 'extras';
    const extras = this.extras();
    p.hidden = extras.length === 0;
    if (!extras.length) return p;
    const clear = document.createElement('button');
    clear.type = 'button';
    clear.textContent = 'Drop them';
    clear.addEventListener('click', () => {
      for (const [k] of extras) delete this.state[k];
      this.render();
      this.form.querySelector<HTMLElement>('#f-workload')?.focus();
    });
    p.append(`Also from the link: ${extras.map(([k, v]) => `${k}=${v}`).join(', ')} `, clear);
    return p;
  }

  private select(name: string, label: string, options: { value: string; label: string; title?: string }[]): HTMLElement {
    const wrap = labelled(name, label);
    const select = document.createElement('select');
    select.name = name;
    select.id = `f-${name}`;
    for (const o of options) {
      const opt = new Option(o.label, o.value, false, o.value === this.state[name]);
      if (o.title) opt.title = o.title;
      select.add(opt);
    }
    select.addEventListener('change', () => {
      if (name === 'workload') this.switchWorkload(select.value);
      this.state[name] = select.value;
      this.showError(null);
      this.render();
      this.form.querySelector<HTMLElement>(`#${CSS.escape(`f-${name}`)}`)?.focus();
    });
    wrap.append(select);
    return wrap;
  }

  /**
   * Keeps the fields of the workload left behind and brings back those of the one chosen (or its
   * defaults): an image size is not a count of numbers, nor a pipeline's window a prime limit.
   */
  private switchWorkload(next: string): void {
    const prev = this.workload();
    if (prev.name === next) return;
    const own: FormState = {};
    for (const f of prev.fields) {
      if (this.state[f.name] !== undefined) own[f.name] = this.state[f.name];
      delete this.state[f.name];
    }
    this.perWorkload.set(prev.name, own);
    Object.assign(this.state, this.perWorkload.get(next) ?? {});
  }

  /** Buttons that set a workload's named presets (mixed work: computing-heavy, waiting-heavy). */
  private presets(): HTMLElement[] {
    const w = this.workload();
    if (!w.presets?.length) return [];
    const box = document.createElement('div');
    box.className = 'presets';
    box.setAttribute('role', 'group');
    box.setAttribute('aria-label', 'Presets');
    box.append('Presets: ');
    for (const p of w.presets) {
      const b = document.createElement('button');
      b.type = 'button';
      b.className = 'preset';
      b.dataset.preset = p.name;
      b.textContent = p.title;
      b.title = p.doc;
      b.setAttribute('aria-pressed', String(Object.entries(p.values).every(([k, v]) => this.state[k] === String(v))));
      b.addEventListener('click', () => {
        for (const [k, v] of Object.entries(p.values)) this.state[k] = String(v);
        this.render();
        this.form.dispatchEvent(new Event('change'));
        this.form.querySelector<HTMLElement>(`[data-preset="${CSS.escape(p.name)}"]`)?.focus();
      });
      box.append(b, ' ');
    }
    return [box];
  }

  /** The mode's own fields that apply to this workload. */
  private modeFields(): ModeField[] {
    const cls = this.workload().class;
    return (this.mode().fields ?? []).filter((f) => f.type !== 'boolean' || f.classes.includes(cls));
  }

  private checkbox(f: Extract<ModeField, { type: 'boolean' }>): HTMLElement {
    const wrap = document.createElement('div');
    wrap.className = 'field checkbox';
    const input = document.createElement('input');
    input.type = 'checkbox';
    input.name = f.name;
    input.id = `f-${f.name}`;
    input.checked = this.state[f.name] === 'true';
    input.title = f.doc;
    const label = document.createElement('label');
    label.htmlFor = input.id;
    label.textContent = f.label;
    // This engine cannot take it (C code beside threads that take turns on one real thread): say why.
    if (f.unavailable) {
      input.disabled = true;
      input.title = f.unavailable;
      label.textContent = `${f.label} (unavailable here)`;
    }
    input.addEventListener('change', () => {
      this.state[f.name] = input.checked ? 'true' : 'false';
    });
    wrap.append(input, label);
    return wrap;
  }

  private number(f: FieldInfo): HTMLElement {
    const wrap = labelled(f.name, f.label);
    const input = document.createElement('input');
    input.type = 'text';
    input.inputMode = 'numeric';
    input.name = f.name;
    input.id = `f-${f.name}`;
    input.value = this.state[f.name] ?? (Number.isNaN(f.default) ? '' : String(f.default));
    input.title = `${f.doc} Allowed: ${f.min}..${f.max}; default ${f.default}.`;
    input.setAttribute('aria-describedby', `h-${f.name}`);
    const hint = document.createElement('small');
    hint.id = `h-${f.name}`;
    hint.textContent = `${f.min.toLocaleString('en')}..${f.max.toLocaleString('en')}${f.calibrated ? ` · default ${f.default.toLocaleString('en')}, sized for this machine` : ''}`;
    input.addEventListener('input', () => {
      this.state[f.name] = input.value;
    });
    // Workers stay unset until the learner types a number: each mode then shows and runs with its own
    // default (Python's), and a compare leaves every mode its default.
    if (this.state[f.name] === undefined && f.name !== 'workers' && input.value !== '') this.state[f.name] = input.value;
    wrap.append(input, hint);
    return wrap;
  }
}

function labelled(name: string, text: string): HTMLElement {
  const wrap = document.createElement('div');
  wrap.className = 'field';
  const label = document.createElement('label');
  label.htmlFor = `f-${name}`;
  label.textContent = text;
  wrap.append(label);
  return wrap;
}
