import { ApiError, storedKey } from '../api/client.js';
import { useApi } from '../api/hooks.js';
import { Empty, ErrorBox, Loading, QueryView } from '../components/States.js';
import { useView } from '../state/view.js';
import { AdminNeeded } from './settings/AdminNeeded.js';
import { Keys } from './settings/Keys.js';
import { Prices } from './settings/Prices.js';
import { ProjectList } from './settings/ProjectList.js';
import { ProjectSettings } from './settings/ProjectSettings.js';
import { ServerStatus } from './settings/ServerStatus.js';
import { Tabs } from './settings/Tabs.js';
import type { ApiKey, PriceOverride, ProjectDetails, ServerStatus as Status } from './settings/types.js';
import './Settings.css';

const TABS = [
  { key: 'settings', label: 'Settings' },
  { key: 'keys', label: 'API keys' },
  { key: 'prices', label: 'Prices' },
] as const;
type Tab = (typeof TABS)[number]['key'];

const DEFAULT_PROJECT = 'default';

/**
 * The server's own state (read-only) and the admin's operations: projects, their keys and their prices. The project
 * managed is the dashboard's current project (the `project` URL parameter, as the switcher sets it) and the open tab
 * is `tab`, so a link opens the same view. A project key may look but not change: the API answers 403, which is
 * shown with what is needed instead of forms that would fail.
 */
export default function Settings() {
  const view = useView();
  const status = useApi<Status>('/api/v1/status');
  const projects = useApi<{ projects: ProjectDetails[] }>('/api/v1/projects', {}, { refresh: false });
  const list = projects.data?.projects ?? [];
  const selectedId =
    view.project ?? (list.length === 0 || list.some((p) => p.id === DEFAULT_PROJECT) ? DEFAULT_PROJECT : list[0]!.id);
  const project = list.find((p) => p.id === selectedId) ?? null;
  const base = project ? `/api/v1/projects/${encodeURIComponent(project.id)}` : null;

  // The key list is admin-only: its answer also tells whether this tab may manage anything.
  const keys = useApi<{ keys: ApiKey[] }>(base && `${base}/keys`, {}, { refresh: false });
  const forbidden = keys.error instanceof ApiError && keys.error.status === 403 ? keys.error : null;
  const canManage = keys.data !== undefined;
  const tab: Tab = TABS.find((t) => t.key === view.search.get('tab'))?.key ?? 'settings';
  const prices = useApi<{ prices: PriceOverride[] }>(
    base && canManage && tab === 'prices' ? `${base}/prices` : null,
    {},
    { refresh: false },
  );
  const openServer = status.data?.auth.mode === 'open' && storedKey() === null;

  const settled = (q: { data: unknown; error: unknown }) => q.data !== undefined || q.error !== null;
  const ready =
    settled(status) &&
    settled(projects) &&
    (!project || settled(keys)) &&
    (!canManage || tab !== 'prices' || settled(prices));

  const select = (id: string) => view.set({ project: id === DEFAULT_PROJECT ? null : id });

  return (
    <div data-page="settings" data-ready={ready ? 'true' : 'false'}>
      <div className="page-head">
        <h1>Settings</h1>
        <span className="muted">Projects, API keys and prices of this Tally server</span>
      </div>
      <div className="grid settings-top">
        <QueryView query={projects} what="Loading the projects">
          {(p) => (
            <ProjectList projects={p.projects} selected={project?.id ?? null} onSelect={select} canManage={canManage} />
          )}
        </QueryView>
        <ServerStatus status={status} />
      </div>
      {project ? (
        <section className="panel" aria-labelledby="settings-project" data-testid="project-panel">
          <div className="panel-head">
            <h2 id="settings-project">
              Project <span data-testid="selected-project">{project.name}</span>
            </h2>
          </div>
          {forbidden ? (
            <>
              <AdminNeeded error={forbidden} />
              <ProjectSettings project={project} canManage={false} onDeleted={() => select(DEFAULT_PROJECT)} />
            </>
          ) : keys.error ? (
            <ErrorBox error={keys.error} onRetry={() => void keys.refetch()} />
          ) : !canManage ? (
            <Loading what="Loading the project" />
          ) : (
            <>
              <Tabs
                tabs={[...TABS]}
                selected={tab}
                label={`Sections of project ${project.name}`}
                idPrefix="settings"
                onSelect={(t) => view.set({ tab: t === 'settings' ? null : t }, { replace: true })}
              />
              <div role="tabpanel" id="settings-panel" aria-labelledby={`settings-tab-${tab}`}>
                {tab === 'settings' ? (
                  <ProjectSettings
                    key={project.id}
                    project={project}
                    canManage
                    onDeleted={() => select(DEFAULT_PROJECT)}
                  />
                ) : tab === 'keys' ? (
                  <Keys key={project.id} project={project} keys={keys} openServer={openServer} />
                ) : (
                  <Prices key={project.id} project={project} prices={prices} />
                )}
              </div>
            </>
          )}
        </section>
      ) : projects.data ? (
        <Empty>
          There is no project <code>{selectedId}</code> (it may have been deleted). Pick one in the list above.
        </Empty>
      ) : null}
    </div>
  );
}
