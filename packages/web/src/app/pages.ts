import { lazy, type ComponentType } from 'react';

/** The dashboard's pages, in navigation order. Each is its own chunk, loaded when first opened. */
export interface PageDef {
  path: string;
  /** Extra route patterns served by the same page (a detail view). */
  detail?: string;
  label: string;
  component: ComponentType;
}

export const PAGES: PageDef[] = [
  { path: '/', label: 'Overview', component: lazy(() => import('../pages/Overview.js')) },
  { path: '/models', label: 'Models & providers', component: lazy(() => import('../pages/Models.js')) },
  { path: '/agents', label: 'Agents', component: lazy(() => import('../pages/Agents.js')) },
  { path: '/users', detail: '/users/:id', label: 'Users', component: lazy(() => import('../pages/Users.js')) },
  {
    path: '/sessions',
    detail: '/sessions/:id',
    label: 'Sessions',
    component: lazy(() => import('../pages/Sessions.js')),
  },
  { path: '/errors', label: 'Errors', component: lazy(() => import('../pages/Errors.js')) },
  { path: '/explorer', label: 'Explorer', component: lazy(() => import('../pages/Explorer.js')) },
  { path: '/live', label: 'Live', component: lazy(() => import('../pages/Live.js')) },
  { path: '/budgets', label: 'Budgets & alerts', component: lazy(() => import('../pages/Budgets.js')) },
  { path: '/settings', label: 'Settings', component: lazy(() => import('../pages/Settings.js')) },
];
