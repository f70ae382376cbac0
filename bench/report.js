// Formatting: the console table and bench/RESULTS.md, from {machine, peers, workloads, cells, memory}.
import { checksumsAgree, isTraining, lossesAgree, WORKLOADS } from './workloads.js';

/** Targets on the ratios "tfjs-X / kiln-webgpu" (> 1 means Kiln is faster), per workload and tfjs peer. From the issues. */
export const TARGETS = {
  'W1-1024': { 'tfjs-webgpu': 2.5 },
  'W4-1': { 'tfjs-webgpu': 5 },
  'W2': { 'tfjs-webgpu': 1.0 },
  'W3': { 'tfjs-webgpu': 3, 'tfjs-wasm': 1.0 },
  'W5': { 'tfjs-webgpu': 3 },
};

/** "W1-1024 >= 2.5x, ..., W3 >= 3x (tfjs-wasm: >= 1x)": the targets in one line. */
export function targetsLine(workloads) {
  return workloads.filter((id) => TARGETS[id] !== undefined).map((id) => {
    const [[, first], ...more] = Object.entries(TARGETS[id]);
    return `${id} >= ${first}x${more.map(([p, t]) => ` (${p}: >= ${t}x)`).join('')}`;
  }).join(', ');
}

// The optimizer's own targets read as "kiln-X-noopt / kiln-X": how much faster the optimized plan runs.
const RATIOS = [['tfjs-webgpu', 'kiln-webgpu'], ['tfjs-wasm', 'kiln-webgpu'], ['kiln-webgpu-noopt', 'kiln-webgpu'], ['kiln-cpu-noopt', 'kiln-cpu']];

export const fmtMs = (ms) => ms.toFixed(ms < 10 ? 2 : ms < 1000 ? 1 : 0);

/** Reference for the checksum comparison: tfjs-cpu where it ran, else the first peer that ran. */
function reference(row) {
  const ok = Object.entries(row).filter(([, c]) => c.medianMs !== undefined);
  return ok.find(([p]) => p === 'tfjs-cpu') ?? ok[0];
}

/** Cell texts with footnotes for errors, skips and results that disagree with the reference. */
export function tableModel(run) {
  const notes = [];
  const note = (text) => {
    let i = notes.indexOf(text);
    if (i < 0) { notes.push(text); i = notes.length - 1; }
    return `[${i + 1}]`;
  };
  let compared = 0, differ = 0;
  const header = ['workload', ...run.peers, ...RATIOS.map(([a, b]) => `${a} / ${b}`)];
  const rows = run.workloads.map((id) => {
    const row = run.cells[id] ?? {};
    const ref = reference(row);
    const cells = run.peers.map((p) => {
      const c = row[p];
      if (c === undefined) return '-';
      if (c.error !== undefined) return `error ${note(c.error)}`;
      if (c.skipped !== undefined) return `skipped ${note(`skipped: ${c.skipped}`)}`;
      let text = fmtMs(c.medianMs);
      if (ref && ref[0] !== p) compared++;
      // Training cells end at different step counts, so they are compared by the losses of their first two steps.
      if (ref && ref[0] !== p && isTraining(id) && !lossesAgree(c.info, ref[1].info)) {
        differ++;
        const losses = (i) => `[${i?.lossStep1}, ${i?.lossStep2}]`;
        text += ` ${note(`${p} ${id}: losses of steps 1 and 2 differ from ${ref[0]}'s (${losses(c.info)} vs ${losses(ref[1].info)})`)}`;
      } else if (ref && ref[0] !== p && !isTraining(id) && !checksumsAgree(c.checksum, ref[1].checksum)) {
        differ++;
        text += ` ${note(`${p} ${id}: result differs from ${ref[0]}'s (checksums ${JSON.stringify(c.checksum)} vs ${JSON.stringify(ref[1].checksum)})`)}`;
      }
      return text;
    });
    const ratios = RATIOS.map(([a, b]) => {
      const [x, y] = [row[a]?.medianMs, row[b]?.medianMs];
      const target = TARGETS[id]?.[a];
      if (x === undefined || y === undefined) return target === undefined ? '-' : `- (target >= ${target.toFixed(1)}x)`;
      let text = `${(x / y).toFixed(2)}x`;
      if (target !== undefined) text += ` (target >= ${target.toFixed(1)}x: ${x / y >= target ? 'met' : 'missed'})`;
      return text;
    });
    return [id, ...cells, ...ratios];
  });
  const agreement = `Results checked: ${compared - differ} of ${compared} cells agree with the reference peer's (tfjs-cpu where it ran) ` +
    'to float32 noise (checksums: sums, sum of squares, first values; training: the losses of the first two steps)';
  return { header, rows, notes, agreement };
}

export function textTable(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const mdTable = (header, rows) =>
  [`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');

export function memoryLine(m) {
  if (m === undefined) return 'memory check: not run';
  const head = `memory check: kiln-webgpu ${m.workload}, ${m.runs} runs${m.fallbackFrom ? ` (instead of ${m.fallbackFrom})` : ''}`;
  if (m.error !== undefined) return `${head}: ${m.error}`;
  const d = (k) => `${m.before[k]} -> ${m.middle?.[k] ?? '?'} -> ${m.after[k]} MB (${m.after[k] - m.before[k] >= 0 ? '+' : ''}${(m.after[k] - m.before[k]).toFixed(1)})`;
  // Flat: what is left after gc grows by less than 1 MB of JS heap and 16 MB of RSS over all the runs.
  const flat = m.after.heapUsedMB - m.before.heapUsedMB < 1 && m.after.rssMB - m.before.rssMB < 16;
  return `${head} in ${m.seconds.toFixed(1)} s (${((m.seconds * 1000) / m.runs).toFixed(2)} ms/run): ` +
    `rss ${d('rssMB')}, heapUsed ${d('heapUsedMB')}, external ${d('externalMB')} (before -> half-way -> after): ` +
    `${flat ? 'flat' : m.after.heapUsedMB - m.before.heapUsedMB < 1 ? 'JS heap flat, RSS GROWING (native memory: see bench/README.md)' : 'GROWING'}` +
    `${m.gcExposed ? '' : ' (no --expose-gc: numbers include uncollected garbage)'}`;
}

export function consoleReport(run) {
  const { header, rows, notes, agreement } = tableModel(run);
  return [
    `Kiln benchmark: median ms per run, result read back included (ratios > 1: Kiln faster)`,
    `adapter: ${run.machine.adapter}`,
    `machine: ${run.machine.cpu}, ${run.machine.cores} cores`,
    '',
    textTable(header, rows),
    ...(notes.length ? ['', ...notes.map((n, i) => `[${i + 1}] ${n}`)] : []),
    agreement,
    '',
    memoryLine(run.memory),
  ].join('\n');
}

export function markdownReport(run) {
  const { header, rows, notes, agreement } = tableModel(run);
  const m = run.machine;
  const details = [];
  for (const id of run.workloads) {
    for (const p of run.peers) {
      const c = run.cells[id]?.[p];
      if (c?.medianMs === undefined) continue;
      details.push([id, p, fmtMs(c.medianMs), fmtMs(c.minMs), fmtMs(c.maxMs), String(c.runs), fmtMs(c.firstMs), c.info ? Object.entries(c.info).map(([k, v]) => `${k} ${v}`).join(', ') : '']);
    }
  }
  const pending = Object.values(run.cells).some((r) => /UnimplementedError.*MatMul/.test(r['kiln-webgpu']?.error ?? ''));
  return `# Kiln benchmark results

Generated by \`npm run bench\` (bench/run.js) on ${m.date}. Median of at least 7 timed runs after warm-up, in ms per
run, each run including the readback of the result to the host; every peer in its own process. Ratios are
tfjs time / Kiln time: above 1 means Kiln is faster. See [README.md](README.md) for the workloads.

## Machine

- CPU: ${m.cpu}, ${m.cores} cores (${m.memGB} GB RAM), ${m.os}
- Adapter: ${m.adapter}
- Node ${m.node}; Kiln ${m.kiln}; ${m.versions}

## Median ms per run

${mdTable(header, rows)}
${notes.length ? `\n${notes.map((n, i) => `${i + 1}. ${n.replace(/\|/g, '\\|')}`).join('\n')}\n` : ''}
Targets (from the issues), on the tfjs-webgpu ratio unless another peer is named: ${targetsLine(run.workloads)}.
${agreement}.
${pending ? `
Kiln's GPU MatMul kernel (ops/wgsl/matmul.ts) had not landed when these numbers were taken: the kiln-webgpu cells
that need it (W1, W4) are errors, and their ratios are missing. Rerun \`npm run bench\` once it lands.
` : ''}
${run.notes.length ? `## Notes

${run.notes.map((n) => `- ${n}`).join('\n')}

` : ''}## Memory

${memoryLine(run.memory)}

## Details

| workload | peer | median | min | max | runs | first run (compiles) | per run |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |
${details.map((r) => `| ${r.join(' | ')} |`).join('\n')}

Adapters as each peer saw them: ${Object.entries(run.adapters).map(([p, a]) => `${p}: ${a}`).join('; ')}.
`;
}
