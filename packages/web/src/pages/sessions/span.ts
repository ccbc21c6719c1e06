/** A span of time in the largest unit that keeps it readable: 45 s, 12 min, 3.5 h, 2.1 days. */
export function spanOf(msSpan: number): string {
  if (!Number.isFinite(msSpan) || msSpan < 0) return '—';
  const s = msSpan / 1000;
  if (s < 60) return `${Math.round(s)} s`;
  if (s < 3600) return `${Math.round(s / 60)} min`;
  if (s < 86_400) return `${(s / 3600).toFixed(1)} h`;
  return `${(s / 86_400).toFixed(1)} days`;
}
