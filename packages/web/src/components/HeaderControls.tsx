import { useApi } from '../api/hooks.js';
import type { Project } from '../api/types.js';
import { useTheme } from '../state/theme.js';
import { REFRESH_CHOICES, useView } from '../state/view.js';

/** Shown when the caller can see more than one project (the admin token, or the open local mode). */
export function ProjectSwitcher() {
  const view = useView();
  const projects = useApi<{ projects: Project[] }>('/api/v1/projects', {}, { refresh: false });
  const list = projects.data?.projects ?? [];
  if (list.length <= 1) return list[0] ? <span className="project-name">{list[0].name}</span> : null;
  return (
    <label>
      <span className="sr-only">Project</span>
      <select
        aria-label="Project"
        data-testid="project-select"
        value={view.project ?? 'default'}
        onChange={(e) => view.set({ project: e.target.value === 'default' ? null : e.target.value })}
      >
        {list.map((p) => (
          <option key={p.id} value={p.id}>
            {p.name}
          </option>
        ))}
      </select>
    </label>
  );
}

export function RefreshPicker() {
  const view = useView();
  return (
    <label>
      <span className="sr-only">Auto-refresh</span>
      <select
        aria-label="Auto-refresh"
        value={String(view.refreshSeconds)}
        onChange={(e) => view.set({ refresh: e.target.value === '0' ? null : e.target.value })}
      >
        {REFRESH_CHOICES.map((s) => (
          <option key={s} value={s}>
            {s === 0 ? 'Refresh: off' : s < 60 ? `Refresh: ${s} s` : `Refresh: ${s / 60} min`}
          </option>
        ))}
      </select>
    </label>
  );
}

export function ThemeToggle() {
  const { theme, toggle } = useTheme();
  return (
    <button
      type="button"
      onClick={toggle}
      aria-label={theme === 'dark' ? 'Use light mode' : 'Use dark mode'}
      aria-pressed={theme === 'dark'}
    >
      {theme === 'dark' ? '☀ Light' : '☾ Dark'}
    </button>
  );
}
