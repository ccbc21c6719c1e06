import { change as fmtChange } from '../format.js';

export interface KpiProps {
  label: string;
  value: string;
  /** Relative change against the previous period (0.1 = +10%). */
  change?: number | null;
  /** Whether a rise is good (calls) or bad (errors, cost, latency); colours the change. */
  goodWhenUp?: boolean;
  testId?: string;
}

export function Kpi({ label, value, change, goodWhenUp = true, testId }: KpiProps) {
  const dir = change === null || change === undefined || change === 0 ? 'flat' : change > 0 ? 'up' : 'down';
  const good = dir === 'flat' ? 'neutral' : (dir === 'up') === goodWhenUp ? 'good' : 'bad';
  return (
    <div className="kpi" data-testid={testId}>
      <div className="kpi-label">{label}</div>
      <div className="kpi-value" data-kpi-value>
        {value}
      </div>
      {change !== undefined ? (
        <div className={`kpi-change ${good}`} title="Change against the previous period of the same length">
          {fmtChange(change)} <span className="muted">vs previous</span>
        </div>
      ) : null}
    </div>
  );
}
