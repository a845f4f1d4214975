// The first script of every lab page (a classic script, built for ES5: it must run, and say something,
// in browsers that cannot run the lab). It checks what the lab needs, gets the page cross-origin
// isolated where a service worker can do that, and only then loads the page's module (`data-main`).
//
//   - No WebAssembly, no JavaScript modules, no module workers: a plain message, not a blank page.
//   - A sandboxed frame without `allow-same-origin` (an opaque origin) cannot start the lab's workers
//     (nor load its modules): a plain message with a link that opens the lab in its own tab.
//   - Not cross-origin isolated (a host that sends no COOP/COEP headers): register `sw.js`, which adds
//     them to the pages it serves, and reload once. Guarded twice against loops: only a page the worker
//     does not control yet is reloaded, and at most once per tab session. A page the worker controls
//     that is still not isolated (a frame of a non-isolated page, in a browser without
//     Document-Isolation-Policy) would gain nothing from another reload: it runs the `single` build.
//   - Isolated but without a latency endpoint (a static host that sends the headers itself): the same
//     worker answers `api/delay`; it controls the page's workers from the next load, so reload once.
//
// What happened is left in `window.labBoot` for the page (its status bar says why it is not isolated).
//
// The first frame (a page whose script says `data-hide-until-drawn`: index.html): this script blocks the
// page's rendering (`blocking="render"`), and when it loads the page's module at once it hides the body
// (`lab-drawing` on <html>) until that module has drawn what the URL names (`pageDrawn()` in boot-info.ts),
// so the first frame with content is the chapter, not the header over "Starting the lab…". Whatever goes
// wrong shows the page again: the module failing to load, any uncaught error first, or 3 s gone by.
//
// Written with `var` and plain functions on purpose: esbuild (target es5) refuses newer syntax here.

import type { LabBootInfo } from './boot-info';

(function () {
  var RELOAD_KEY = 'concurrency-lab:isolation-reload';
  var script = document.currentScript as HTMLScriptElement | null;
  var main = (script && script.getAttribute('data-main')) || 'main.js';
  var w = window as unknown as { labBoot: LabBootInfo; crossOriginIsolated?: boolean; WebAssembly?: unknown };
  var framed = isFramed();
  var info: LabBootInfo = { isolation: 'none', framed: framed };
  var loaded = false;
  /** True while this script runs: a module loaded now draws before the first frame with content. */
  var booting = true;
  w.labBoot = info;

  var missing = unsupported();
  if (missing.length) {
    stop(
      'Concurrency Lab cannot run in this browser: it lacks ' + missing.join(', ') + '. ' +
        'Any current Chrome, Edge, Firefox or Safari runs it.',
      false,
    );
    return;
  }
  if (self.origin === 'null' || location.origin === 'null') {
    stop(
      'Concurrency Lab cannot start its workers in this frame: the page that holds it sandboxes it ' +
        '(an iframe with the sandbox attribute and without allow-same-origin).',
      true,
    );
    return;
  }

  var isolated = w.crossOriginIsolated === true;
  var sw = 'serviceWorker' in navigator && window.isSecureContext ? navigator.serviceWorker : undefined;
  var controlled = !!(sw && sw.controller);

  if (isolated) {
    info.isolation = controlled ? 'service-worker' : 'headers';
    forget();
    load();
    booting = false;
    if (sw && !controlled) whenNoEndpoint(sw);
    return;
  }
  if (!sw) {
    info.reason =
      'this host sends no cross-origin isolation headers, and this browser cannot add them here with a ' +
      'service worker (it has none in this context: a private window, or a page not served over HTTPS)';
    load();
    return;
  }
  if (controlled) {
    // The lab's worker serves this page already and still it is not isolated: a reload would not help.
    info.reason = framed
      ? 'this lab is in a frame of a page that is not cross-origin isolated, and this browser cannot isolate ' +
        'a frame on its own (Chrome and Edge 137 and later can, with Document-Isolation-Policy)'
      : 'the lab\'s service worker could not make this page cross-origin isolated in this browser';
    load();
    return;
  }
  if (reloadedAlready()) {
    info.reason =
      'the lab\'s service worker, which adds the isolation headers this host does not send, did not take ' +
      'over this page (a hard reload bypasses it: reload normally)';
    load();
    return;
  }
  booting = false;
  // First visit on a host without headers: install the worker, then reload once so that it serves the page.
  say('Turning on threads: reloading once…');
  var fallback = window.setTimeout(function () {
    info.reason = 'the lab\'s service worker did not start in time, so this page is not cross-origin isolated';
    load();
  }, 5000);
  hostSendsAll().then(function (all) {
    if (all) {
      // The host sends every header the worker would add (the lab's own server does), and still the page
      // is not isolated: only a frame in a browser without Document-Isolation-Policy is in that state.
      window.clearTimeout(fallback);
      info.reason = framed
        ? 'this lab is in a frame of a page that is not cross-origin isolated, and this browser cannot isolate ' +
          'a frame on its own (Chrome and Edge 137 and later can, with Document-Isolation-Policy)'
        : 'this browser did not isolate the page, although the host sends the isolation headers';
      load();
      return;
    }
    register(sw!).then(
      function () {
        return sw!.ready;
      },
    ).then(
      function () {
        window.clearTimeout(fallback);
        if (!loaded) reloadOnce();
      },
      function (e: unknown) {
        window.clearTimeout(fallback);
        info.reason = 'the lab\'s service worker could not start (' + String((e as Error) && (e as Error).message || e) + '), so this page is not cross-origin isolated';
        load();
      },
    );
  });

  // ---- helpers

  function load(): void {
    if (loaded) return;
    loaded = true;
    var s = document.createElement('script');
    s.type = 'module';
    s.src = main;
    if (booting && script && script.hasAttribute('data-hide-until-drawn')) hideUntilDrawn(s);
    document.head.appendChild(s);
  }

  /** Hides the body until the page's module has drawn it (boot-info.ts `pageDrawn`); never for long. */
  function hideUntilDrawn(s: HTMLScriptElement): void {
    var root = document.documentElement;
    var show = function () {
      root.className = root.className.replace(/(^| )lab-drawing( |$)/g, ' ');
    };
    root.className += ' lab-drawing';
    s.onerror = show;
    window.addEventListener('error', show);
    window.setTimeout(show, 3000);
  }

  function register(container: ServiceWorkerContainer): Promise<unknown> {
    // Relative URL and scope: the site may live under any sub-path.
    return container.register('sw.js', { scope: './' });
  }

  function reloadedAlready(): boolean {
    try {
      return sessionStorage.getItem(RELOAD_KEY) === location.pathname;
    } catch (e) {
      return true; // no storage to guard a reload with: do not risk a loop
    }
  }

  function reloadOnce(): void {
    if (reloadedAlready()) return void load();
    try {
      sessionStorage.setItem(RELOAD_KEY, location.pathname);
    } catch (e) {
      return void load();
    }
    location.reload();
  }

  function forget(): void {
    try {
      sessionStorage.removeItem(RELOAD_KEY);
    } catch (e) {
      /* nothing stored, nothing to forget */
    }
  }

  /** Isolated by the host's own headers: if it has no latency endpoint, let the worker answer it. */
  function whenNoEndpoint(container: ServiceWorkerContainer): void {
    var probe = 'api/delay?ms=0&probe=' + new Date().getTime();
    fetch(probe, { cache: 'no-store' }).then(
      function (r) {
        if (r.ok) return;
        register(container)
          .then(function () {
            return container.ready;
          })
          .then(reloadOnce, function () {});
      },
      function () {},
    );
  }

  /** Whether this page's own response carries every header the service worker would add. */
  function hostSendsAll(): Promise<boolean> {
    return fetch(location.href, { method: 'HEAD', cache: 'no-store' }).then(
      function (r) {
        var names = ['cross-origin-opener-policy', 'cross-origin-embedder-policy', 'document-isolation-policy'];
        for (var i = 0; i < names.length; i++) if (!r.headers.get(names[i])) return false;
        return true;
      },
      function () {
        return false;
      },
    );
  }

  function isFramed(): boolean {
    try {
      return window.self !== window.top;
    } catch (e) {
      return true;
    }
  }

  function unsupported(): string[] {
    var out: string[] = [];
    var wasm = w.WebAssembly as { instantiate?: unknown } | undefined;
    if (typeof wasm !== 'object' || typeof wasm.instantiate !== 'function') out.push('WebAssembly');
    if (!('noModule' in HTMLScriptElement.prototype)) out.push('JavaScript modules');
    if (typeof Worker !== 'function') out.push('Web Workers');
    else if (!moduleWorkers()) out.push('module workers');
    if (typeof Promise !== 'function') out.push('Promises');
    return out;
  }

  /** Whether `new Worker(url, { type: 'module' })` is understood: a browser that reads the option reads `type`. */
  function moduleWorkers(): boolean {
    var reads = false;
    var options = {
      get type() {
        reads = true;
        return 'module';
      },
    } as WorkerOptions;
    var url = '';
    try {
      url = URL.createObjectURL(new Blob([''], { type: 'text/javascript' }));
      new Worker(url, options).terminate();
    } catch (e) {
      /* the getter was read or not: that is all we ask */
    }
    if (url) URL.revokeObjectURL(url);
    return reads;
  }

  function say(text: string): void {
    var el = document.getElementById('boot-message');
    if (el) el.textContent = text;
  }

  /** Shows why the lab cannot run here; with a way out where opening the lab in its own tab helps. */
  function stop(text: string, ownTab: boolean): void {
    var el = document.getElementById('boot-message');
    if (!el) return;
    el.textContent = text + ' ';
    el.className += ' fatal';
    el.setAttribute('role', 'alert');
    if (ownTab) {
      var a = document.createElement('a');
      a.href = location.href;
      a.target = '_blank';
      a.rel = 'noopener';
      a.className = 'button-link';
      a.textContent = 'Open the lab in its own tab';
      el.appendChild(a);
    }
  }
})();
