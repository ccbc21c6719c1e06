import { useState } from 'react';
import { ApiError } from '../../api/client.js';
import { useApiMutation } from '../../api/hooks.js';
import { DataTable } from '../../components/DataTable.js';
import { Drawer } from '../../components/Drawer.js';
import { count, dateTime } from '../../format.js';
import { day } from './format.js';
import { bodyOf, draftOf, ProjectFields, type ProjectBody } from './ProjectFields.js';
import type { ProjectDetails } from './types.js';

/** Every project the caller may see; a row (click or Enter) selects it. Admins can create one here. */
export function ProjectList({
  projects,
  selected,
  onSelect,
  canManage,
}: {
  projects: ProjectDetails[];
  selected: string | null;
  onSelect: (id: string) => void;
  canManage: boolean;
}) {
  const [creating, setCreating] = useState(false);
  return (
    <section className="panel" aria-labelledby="settings-projects">
      <div className="panel-head">
        <h2 id="settings-projects">Projects</h2>
        {canManage ? (
          <button type="button" className="primary" onClick={() => setCreating(true)}>
            New project
          </button>
        ) : null}
      </div>
      <DataTable
        testId="projects-table"
        rows={projects}
        rowKey={(p) => p.id}
        onRowClick={(p) => onSelect(p.id)}
        empty="No projects."
        columns={[
          {
            key: 'name',
            label: 'Project',
            sort: (p) => p.name.toLowerCase(),
            render: (p) => (
              <span className="project-cell" data-project={p.id}>
                <strong>{p.name}</strong> <span className="muted">{p.id}</span>
                {p.id === selected ? <span className="badge selected">selected</span> : null}
              </span>
            ),
          },
          { key: 'policy', label: 'Capture', render: (p) => p.capture_policy, sort: (p) => p.capture_policy },
          {
            key: 'retention',
            label: 'Retention',
            render: (p) => (p.retention_days === null ? 'server default' : `${count(p.retention_days)} d`),
            sort: (p) => p.retention_days,
          },
          {
            key: 'max',
            label: 'Most calls',
            numeric: true,
            render: (p) => (p.max_events === null ? 'no limit' : count(p.max_events)),
            sort: (p) => p.max_events,
          },
          {
            key: 'created',
            label: 'Created',
            render: (p) => <span title={dateTime(p.created_at)}>{day(p.created_at)}</span>,
            sort: (p) => p.created_at,
          },
        ]}
      />
      <p className="muted small">Select a project to change its settings, keys and prices.</p>
      <Drawer title="New project" open={creating} onClose={() => setCreating(false)}>
        <NewProjectForm
          onCreated={(p) => {
            setCreating(false);
            onSelect(p.id);
          }}
        />
      </Drawer>
    </section>
  );
}

function NewProjectForm({ onCreated }: { onCreated: (p: ProjectDetails) => void }) {
  const [draft, setDraft] = useState(() => draftOf());
  const [problem, setProblem] = useState<string | null>(null);
  const create = useApiMutation<ProjectBody, ProjectDetails>('POST', () => '/api/v1/projects', ['/api/v1/projects']);

  const submit = async () => {
    const checked = bodyOf(draft);
    if ('problem' in checked) return setProblem(checked.problem);
    setProblem(null);
    // Unset lifecycle settings are left out, so the server applies its own defaults.
    const body = { ...checked.body };
    if (body.description === null) delete (body as Partial<ProjectBody>).description;
    try {
      onCreated(await create.mutateAsync(body));
    } catch (e) {
      setProblem(e instanceof ApiError ? `The server refused: ${e.message}` : String(e));
    }
  };

  return (
    <form
      className="settings-form"
      // The checks are ours, in words that say what to type; the browser's bubbles would stop the submit silently.
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
      data-testid="new-project-form"
    >
      <ProjectFields draft={draft} onChange={setDraft} withId />
      {problem ? (
        <p className="field-error" role="alert">
          {problem}
        </p>
      ) : null}
      <div className="toolbar">
        <button type="submit" disabled={create.isPending}>
          {create.isPending ? 'Creating…' : 'Create project'}
        </button>
      </div>
    </form>
  );
}
