import { useState } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { api, ApiError } from '../../api/client.js';
import { useApi, useApiMutation } from '../../api/hooks.js';
import { count, dash, dateTime } from '../../format.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { bodyOf, draftOf, ProjectFields, type ProjectBody } from './ProjectFields.js';
import { POLICIES, type ProjectDetails, type ProjectStats } from './types.js';

/** The default project always exists: the server refuses to delete it. */
const DEFAULT_PROJECT = 'default';

/** What the selected project holds, and (for admins) its settings form and deletion. */
export function ProjectSettings({
  project,
  canManage,
  onDeleted,
}: {
  project: ProjectDetails;
  canManage: boolean;
  onDeleted: () => void;
}) {
  const stats = useApi<ProjectStats>('/analytics/stats');
  const policy = POLICIES.find((p) => p.value === project.capture_policy);
  return (
    <div className="project-settings">
      <dl className="fields" data-testid="project-facts">
        <dt>ID</dt>
        <dd>
          <code>{project.id}</code>
        </dd>
        <dt>Created</dt>
        <dd>{dateTime(project.created_at)}</dd>
        <dt>Calls stored</dt>
        <dd data-testid="project-calls">{stats.data ? count(stats.data.total_events) : dash}</dd>
        <dt>Data kept</dt>
        <dd>
          {stats.data?.ttl_seconds
            ? `${count(stats.data.ttl_seconds / 86_400)} days`
            : stats.data
              ? 'for good (no retention set)'
              : dash}
        </dd>
        {canManage ? null : (
          <>
            <dt>Capture</dt>
            <dd>
              {policy?.label ?? project.capture_policy}: <span className="muted">{policy?.means}</span>
            </dd>
            <dt>Most calls kept</dt>
            <dd>{project.max_events === null ? 'no limit' : count(project.max_events)}</dd>
          </>
        )}
      </dl>
      {canManage ? (
        <>
          <EditProject key={project.id} project={project} />
          <DeleteProject project={project} onDeleted={onDeleted} />
        </>
      ) : null}
    </div>
  );
}

/** The fields of a draft that differ from the project: a PATCH sends only what changed. */
function changes(project: ProjectDetails, body: ProjectBody): Partial<ProjectBody> {
  const patch: Partial<ProjectBody> = {};
  if (body.name !== project.name) patch.name = body.name;
  if (body.description !== (project.description ?? null)) patch.description = body.description;
  if (body.capture_policy !== project.capture_policy) patch.capture_policy = body.capture_policy;
  if (body.retention_days !== project.retention_days) patch.retention_days = body.retention_days;
  if (body.max_events !== project.max_events) patch.max_events = body.max_events;
  return patch;
}

function EditProject({ project }: { project: ProjectDetails }) {
  // What the server holds, as of the last save here: the form compares against it to know what changed.
  const [baseline, setBaseline] = useState(project);
  const [draft, setDraft] = useState(() => draftOf(project));
  const [problem, setProblem] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const save = useApiMutation<Partial<ProjectBody>, ProjectDetails>(
    'PATCH',
    () => `/api/v1/projects/${encodeURIComponent(project.id)}`,
    ['/api/v1/projects'],
  );
  const checked = bodyOf({ ...draft, id: '' });
  const patch = 'body' in checked ? changes(baseline, checked.body) : null;
  const dirty = patch === null || Object.keys(patch).length > 0;

  const submit = async () => {
    if ('problem' in checked) return setProblem(checked.problem);
    if (!patch || Object.keys(patch).length === 0) return;
    setProblem(null);
    try {
      const updated = await save.mutateAsync(patch);
      setBaseline(updated);
      setDraft(draftOf(updated));
      setSaved(true);
    } catch (e) {
      setProblem(e instanceof ApiError ? `The server refused: ${e.message}` : String(e));
    }
  };

  return (
    <form
      className="settings-form"
      // The checks are ours, in words that say what to type; the browser's bubbles would stop the submit silently.
      noValidate
      aria-label={`Settings of ${project.name}`}
      data-testid="edit-project-form"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h3>Change the project</h3>
      <ProjectFields
        draft={draft}
        onChange={(d) => {
          setSaved(false);
          setDraft(d);
        }}
        withId={false}
      />
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="toolbar">
        <button type="submit" disabled={!dirty || save.isPending}>
          {save.isPending ? 'Saving…' : 'Save changes'}
        </button>
        <span role="status" className="muted">
          {saved ? 'Saved.' : dirty ? 'Unsaved changes.' : ''}
        </span>
      </div>
    </form>
  );
}

function DeleteProject({ project, onDeleted }: { project: ProjectDetails; onDeleted: () => void }) {
  const [asking, setAsking] = useState(false);
  const client = useQueryClient();
  const remove = async () => {
    await api(`/api/v1/projects/${encodeURIComponent(project.id)}`, {}, { method: 'DELETE' });
    // Leave the project before refreshing the list: its keys, prices and stats are gone, so asking again would
    // only earn 404s. Only the list itself is refreshed.
    onDeleted();
    await client.invalidateQueries({ predicate: (q) => q.queryKey[0] === '/api/v1/projects' });
  };
  const isDefault = project.id === DEFAULT_PROJECT;
  return (
    <section className="danger-zone" aria-labelledby="delete-project-title">
      <h3 id="delete-project-title">Delete this project</h3>
      <p className="muted">
        {isDefault
          ? 'The default project cannot be deleted; other projects can.'
          : 'Deletes the project with its keys, prices and every call, log and metric it holds.'}
      </p>
      <button type="button" className="danger" disabled={isDefault} onClick={() => setAsking(true)}>
        Delete project…
      </button>
      <ConfirmDialog
        open={asking}
        testId="confirm-delete-project"
        title={`Delete project “${project.name}”?`}
        confirmLabel={`Delete ${project.name}`}
        onClose={() => setAsking(false)}
        onConfirm={remove}
      >
        <p>
          Project <strong>{project.name}</strong> (<code>{project.id}</code>) will be deleted with its keys, prices and
          all its data. Programs sending calls with its keys will be refused. This cannot be undone.
        </p>
      </ConfirmDialog>
    </section>
  );
}
