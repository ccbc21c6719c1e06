import { lazy, type ComponentType } from 'react';

/** The dashboard's pages, in navigation order. Each is its own chunk, loaded when first opened. */
export interface PageDef {
  path: string;
  /** Extra route patterns served by the same page (a detail view). */
  detail?: string;
  label: string;
  /** Starts loading the page's code; the app calls it at boot for the page in the address bar. */
  load: () => Promise<unknown>;
  component: ComponentType;
}

function page(path: string, label: string, load: () => Promise<{ default: ComponentType }>, detail?: string): PageDef {
  return { path, label, load, component: lazy(load), ...(detail ? { detail } : {}) };
}

export const PAGES: PageDef[] = [
  page('/', 'Overview', () => import('../pages/Overview.js')),
  page('/models', 'Models & providers', () => import('../pages/Models.js')),
  page('/agents', 'Agents', () => import('../pages/Agents.js')),
  page('/users', 'Users', () => import('../pages/Users.js'), '/users/:id'),
  page('/sessions', 'Sessions', () => import('../pages/Sessions.js'), '/sessions/:id'),
  page('/errors', 'Errors', () => import('../pages/Errors.js')),
  page('/explorer', 'Explorer', () => import('../pages/Explorer.js')),
  page('/live', 'Live', () => import('../pages/Live.js')),
  page('/budgets', 'Budgets & alerts', () => import('../pages/Budgets.js')),
  page('/settings', 'Settings', () => import('../pages/Settings.js')),
];

/** The page a path shows: `/` and `/overview` are the Overview; `/users/x` is Users. */
export function pageFor(path: string): PageDef | undefined {
  if (path === '/' || path === '/overview') return PAGES[0];
  return PAGES.find((p) => p.path !== '/' && (path === p.path || path.startsWith(`${p.path}/`)));
}
