// Numbers as the page shows them: counts with thousands separators, and percentages by the server's rule
// (src/atlas/coverage/report.rs floor_pct): floored to one decimal, so a share below 100 never reads 100%.

/** A count or measure; `digits` decimals at most; a dash when absent. `+ 0` turns -0 into 0. */
export const fmt = (v, digits = 0) =>
  v === null || v === undefined ? '—' : (Number(Number(v).toFixed(digits)) + 0).toLocaleString('zh-CN', { maximumFractionDigits: digits });

/** A percentage floored to one decimal, never 100 when below it: `99.96` → `99.9%`; a dash when absent. */
export function pctText(v) {
  if (v === null || v === undefined || !Number.isFinite(Number(v))) return '—';
  const n = Number(v);
  let x = Math.floor(n * 10 + 1e-6) / 10;
  if (n < 100 && x >= 100) x = 99.9;
  return `${x.toFixed(1)}%`;
}
