import { useState } from 'react';
import { RANGE_PRESETS, useView } from '../state/view.js';

/** `datetime-local` values are in the browser's time zone; the API gets UTC instants. */
const toInput = (iso: string | null, fallbackMs: number): string => {
  const d = iso ? new Date(iso) : new Date(fallbackMs);
  const local = new Date(d.getTime() - d.getTimezoneOffset() * 60_000);
  return local.toISOString().slice(0, 16);
};

export function TimeRangePicker() {
  const view = useView();
  const [custom, setCustom] = useState(view.range.key === 'custom');
  const [from, setFrom] = useState(() => toInput(view.search.get('from'), Date.now() - 86_400_000));
  const [to, setTo] = useState(() => toInput(view.search.get('to'), Date.now()));
  const [problem, setProblem] = useState<string | null>(null);

  const apply = () => {
    const f = new Date(from);
    const t = new Date(to);
    if (Number.isNaN(f.getTime()) || Number.isNaN(t.getTime())) return setProblem('Enter both a start and an end.');
    if (f >= t) return setProblem('The start must be before the end.');
    setProblem(null);
    view.set({ range: 'custom', from: f.toISOString(), to: t.toISOString() });
  };

  return (
    <div className="range-picker">
      <label>
        <span className="sr-only">Time range</span>
        <select
          aria-label="Time range"
          data-testid="range-select"
          value={custom ? 'custom' : view.range.key}
          onChange={(e) => {
            if (e.target.value === 'custom') return setCustom(true);
            setCustom(false);
            view.set({ range: e.target.value, from: null, to: null });
          }}
        >
          {RANGE_PRESETS.map((p) => (
            <option key={p.key} value={p.key}>
              {p.label}
            </option>
          ))}
          <option value="custom">Custom…</option>
        </select>
      </label>
      {custom ? (
        <form
          className="custom-range"
          onSubmit={(e) => {
            e.preventDefault();
            apply();
          }}
        >
          <label>
            From{' '}
            <input type="datetime-local" value={from} onChange={(e) => setFrom(e.target.value)} aria-label="From" />
          </label>
          <label>
            To <input type="datetime-local" value={to} onChange={(e) => setTo(e.target.value)} aria-label="To" />
          </label>
          <button type="submit">Apply</button>
          {problem ? (
            <span className="field-error" role="alert">
              {problem}
            </span>
          ) : null}
        </form>
      ) : null}
    </div>
  );
}
