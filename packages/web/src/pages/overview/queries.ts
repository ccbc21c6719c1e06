// The Overview's API requests, in one place: the page renders them, and the app starts them at boot, before the
// page's code has even arrived (see app/warm-start.ts), so the server works while the browser loads the charts.

export const OVERVIEW_TOP = { metrics: 'calls,total_tokens,cost_usd,error_rate', limit: 5 } as const;
export const TOP_FIELDS = ['model', 'agent_name', 'user_id'] as const;

export type Request = [path: string, params: Record<string, string | number>];

export function overviewRequests(viewParams: Record<string, string>) {
  return {
    summary: ['/api/v1/analytics/summary', { ...viewParams, compare: 'previous' }] as Request,
    series: [
      '/api/v1/analytics/timeseries',
      { ...viewParams, metrics: 'calls,errors,total_tokens,cost_usd' },
    ] as Request,
    top: TOP_FIELDS.map((by) => ['/api/v1/analytics/breakdown', { ...viewParams, by, ...OVERVIEW_TOP }] as Request),
  };
}

export function allOverviewRequests(viewParams: Record<string, string>): Request[] {
  const r = overviewRequests(viewParams);
  return [r.summary, r.series, ...r.top];
}
