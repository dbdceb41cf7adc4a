// Memory of a Chromium that this process started, from /proc (Linux): every ~100 ms, each descendant process's
// /proc/<pid>/status (VmRSS and its parts RssAnon, RssFile, RssShmem) and its --type (renderer, gpu-process,
// utility, zygote; the browser has none). The panel, its iframe and the engine's dedicated Worker live in renderer
// processes (a dedicated worker runs in its document's renderer), so "renderers" is the figure issue 13 budgets.
// VmRSS counts the file pages every Chromium process maps (its binary, fonts) once per process; RssAnon is each
// process's own heap (ORT's wasm memory is anonymous), the part that does not double count.
// Not PSS: /proc/<pid>/smaps_rollup walks Chromium's large address-space reservations (V8's cage, wasm memories)
// and took ≈ 14 ms per process per read here, which would take a core from the bench on a 2-core machine; status
// costs ≈ 0.1 ms.
import { readdirSync, readFileSync } from 'node:fs';

/** Child pids of `pid` (/proc/<pid>/task/<tid>/children; the kernel lists each thread's children). */
function childrenOf(pid) {
  const out = [];
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        out.push(...readFileSync(`/proc/${pid}/task/${tid}/children`, 'utf8').split(' ').filter(Boolean).map(Number));
      } catch {
        // the thread ended
      }
    }
  } catch {
    // gone
  }
  return out;
}

/** Processes descending from `root` (not root itself). Chromium forks its renderers from the zygote, a child of the browser. */
function descendants(root) {
  const out = [];
  const stack = childrenOf(root);
  while (stack.length > 0) {
    const pid = stack.pop();
    out.push(pid);
    stack.push(...childrenOf(pid));
  }
  return out;
}

/**
 * The Chromium process kind from its command line: 'browser' when it has no --type. Chromium rewrites the
 * command line of its children (one string with spaces), so it is searched rather than split on NULs.
 */
function kindOf(pid) {
  const line = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
  if (!/chrom/.test(line.split(/[\0 ]/)[0] ?? '')) return null;
  const type = /--type=(\S+?)(?:\0|\s|$)/.exec(line)?.[1] ?? 'browser';
  const sub = /--utility-sub-type=(\S+?)(?:\0|\s|$)/.exec(line)?.[1];
  return sub ? `${type}:${sub}` : type;
}

/** { rssKiB, anonKiB } of one process, or null when it is gone. */
function usage(pid) {
  try {
    const text = readFileSync(`/proc/${pid}/status`, 'utf8');
    const field = (name) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
    return { rssKiB: field('VmRSS'), anonKiB: field('RssAnon') };
  } catch {
    return null;
  }
}

const FIGURES = ['renderersRssMB', 'renderersAnonMB', 'allRssMB', 'allAnonMB'];
const toMB = (kib) => (kib * 1024) / 1e6; // MB (10^6 bytes), as the budget's GB

/** One sample of `known` (pid → kind), with the sums in MB; `rescan`: find the processes and their kinds again first. */
function sample(root, known, rescan) {
  if (rescan) {
    const alive = new Set(descendants(root));
    for (const pid of known.keys()) if (!alive.has(pid)) known.delete(pid);
    // Read again each time: a renderer forked from the zygote shows the zygote's command line until it renames itself.
    for (const pid of alive) {
      try {
        known.set(pid, kindOf(pid));
      } catch {
        // gone
      }
    }
  }
  const processes = [];
  for (const [pid, kind] of known) {
    if (kind === null) continue;
    const u = usage(pid);
    if (u !== null) processes.push({ pid, kind, ...u });
  }
  const sum = (list, key) => toMB(list.reduce((s, p) => s + p[key], 0));
  const renderers = processes.filter((p) => p.kind === 'renderer');
  return {
    renderersRssMB: sum(renderers, 'rssKiB'), renderersAnonMB: sum(renderers, 'anonKiB'),
    allRssMB: sum(processes, 'rssKiB'), allAnonMB: sum(processes, 'anonKiB'),
    processes,
  };
}

/**
 * Samples every `intervalMs` (the process list every `rescanEvery` samples) until stop(). `mark(label)` starts a
 * named span; stop() returns the peak of each figure overall and per span, the processes at the renderers' RSS
 * peak, and the sample count.
 */
export function startMemorySampler({ intervalMs = 100, rescanEvery = 5, root = process.pid } = {}) {
  const known = new Map();
  const spans = [];
  const zero = () => Object.fromEntries(FIGURES.map((f) => [f, 0]));
  const overall = { ...zero(), atPeak: null };
  let samples = 0;
  const take = (rescan = samples % rescanEvery === 0) => {
    const s = sample(root, known, rescan);
    samples++;
    const span = spans.at(-1);
    if (s.renderersRssMB > overall.renderersRssMB) overall.atPeak = s.processes.map(({ pid, kind, rssKiB, anonKiB }) => ({ pid, kind, rssMB: toMB(rssKiB), anonMB: toMB(anonKiB) }));
    for (const f of FIGURES) {
      overall[f] = Math.max(overall[f], s[f]);
      if (span) span[f] = Math.max(span[f], s[f]);
    }
  };
  take(true);
  const timer = setInterval(take, intervalMs);
  return {
    mark(label) {
      spans.push({ label, ...zero() });
      take(true);
    },
    stop() {
      clearInterval(timer);
      take(true);
      return { intervalMs, samples, peak: overall, spans };
    },
  };
}
