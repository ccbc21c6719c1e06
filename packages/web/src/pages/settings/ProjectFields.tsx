import { useId } from 'react';
import { wholeOrNull } from './format.js';
import { POLICIES, type CapturePolicy, type ProjectDetails } from './types.js';

/** The limits the API applies to a project's lifecycle settings. */
const MAX_RETENTION_DAYS = 36_500;
const MAX_EVENTS = 1_000_000_000;

/** A project's settings as typed in a form: numbers stay text until sent, so an empty field can mean "none". */
export interface ProjectDraft {
  id: string;
  name: string;
  description: string;
  capture_policy: CapturePolicy;
  retention_days: string;
  max_events: string;
}

export function draftOf(p?: ProjectDetails, defaultPolicy: CapturePolicy = 'full'): ProjectDraft {
  return {
    id: p?.id ?? '',
    name: p?.name ?? '',
    description: p?.description ?? '',
    capture_policy: p?.capture_policy ?? defaultPolicy,
    retention_days: p?.retention_days === null || p?.retention_days === undefined ? '' : String(p.retention_days),
    max_events: p?.max_events === null || p?.max_events === undefined ? '' : String(p.max_events),
  };
}

export type ProjectBody = {
  id?: string;
  name: string;
  description: string | null;
  capture_policy: CapturePolicy;
  retention_days: number | null;
  max_events: number | null;
};

/** The API body of a draft, or the first thing to fix before sending it. */
export function bodyOf(draft: ProjectDraft): { body: ProjectBody } | { problem: string } {
  if (!draft.name.trim()) return { problem: 'Enter a name for the project.' };
  const retention = wholeOrNull(draft.retention_days, MAX_RETENTION_DAYS, 'Retention', "the server's default");
  if ('problem' in retention) return retention;
  const max = wholeOrNull(draft.max_events, MAX_EVENTS, 'The call limit', 'no limit');
  if ('problem' in max) return max;
  const body: ProjectBody = {
    name: draft.name.trim(),
    description: draft.description.trim() || null,
    capture_policy: draft.capture_policy,
    retention_days: retention.value,
    max_events: max.value,
  };
  if (draft.id.trim()) body.id = draft.id.trim();
  return { body };
}

/** The fields of a project, for creating one (with an id) or changing one (the id is fixed). */
export function ProjectFields({
  draft,
  onChange,
  withId,
}: {
  draft: ProjectDraft;
  onChange: (next: ProjectDraft) => void;
  withId: boolean;
}) {
  const uid = useId();
  const set = (patch: Partial<ProjectDraft>) => onChange({ ...draft, ...patch });
  return (
    <div className="project-fields">
      <div className="form-grid">
        <label>
          Name
          <input required maxLength={256} value={draft.name} onChange={(e) => set({ name: e.target.value })} />
        </label>
        {withId ? (
          <label>
            ID (optional)
            <input
              maxLength={64}
              pattern="[a-z0-9][a-z0-9_\-]{0,63}"
              placeholder="derived from the name"
              title="Lowercase letters, digits, - or _, starting with a letter or digit"
              value={draft.id}
              onChange={(e) => set({ id: e.target.value })}
            />
          </label>
        ) : null}
        <label>
          Retention (days)
          <input
            type="number"
            min={1}
            max={MAX_RETENTION_DAYS}
            step={1}
            placeholder="server default"
            value={draft.retention_days}
            onChange={(e) => set({ retention_days: e.target.value })}
          />
        </label>
        <label>
          Most calls kept
          <input
            type="number"
            min={1}
            max={MAX_EVENTS}
            step={1}
            placeholder="no limit"
            value={draft.max_events}
            onChange={(e) => set({ max_events: e.target.value })}
          />
        </label>
      </div>
      <label className="wide-field">
        Description
        <input
          maxLength={1024}
          value={draft.description}
          placeholder="what this project records"
          onChange={(e) => set({ description: e.target.value })}
        />
      </label>
      <fieldset className="policy-choice">
        <legend>Capture of prompts and completions</legend>
        {POLICIES.map((p) => (
          <label key={p.value}>
            <input
              type="radio"
              name={`${uid}-policy`}
              value={p.value}
              checked={draft.capture_policy === p.value}
              onChange={() => set({ capture_policy: p.value })}
            />
            <span>
              <strong>{p.label}</strong> <span className="muted">{p.means}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <p className="muted small">
        Data older than the retention, and the oldest calls beyond the limit, are deleted every hour. The capture policy
        applies to calls recorded from now on.
      </p>
    </div>
  );
}
