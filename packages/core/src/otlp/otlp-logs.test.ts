import { describe, expect, it } from 'vitest';
import type { ExportLogsServiceRequest, LogRecord } from './otlp-json.js';
import { logLevel, mapLogs } from './otlp-logs.js';

const NOW = Date.parse('2026-11-23T12:00:00Z');
const T = '1795428000123456789'; // 2026-11-23T10:00:00.123456789Z

function request(records: unknown[], resource = [{ key: 'service.name', value: { stringValue: 'billing' } }]) {
  return {
    resourceLogs: [
      { resource: { attributes: resource }, scopeLogs: [{ scope: { name: 'app.worker' }, logRecords: records }] },
    ],
  } as ExportLogsServiceRequest;
}

describe('mapLogs', () => {
  it('maps a record to an application log', () => {
    const record: LogRecord = {
      timeUnixNano: T,
      severityNumber: 17,
      severityText: 'ERROR',
      body: { stringValue: 'payment failed' },
      traceId: '5B8EFFF798038103D269B633813FC60C',
      spanId: 'eee19b7ec3c1b174',
      attributes: [
        { key: 'http.status_code', value: { intValue: '502' } },
        { key: 'retry', value: { boolValue: true } },
      ],
    };
    const out = mapLogs(request([record]), 'p1', NOW);
    expect(out).toMatchObject({ records: 1, rejected: 0, errors: [] });
    expect(out.logs).toHaveLength(1);
    expect(out.logs[0]).toMatchObject({
      project_id: 'p1',
      timestamp: Date.parse('2026-11-23T10:00:00.123Z'),
      level: 'ERROR',
      message: 'payment failed',
      service: 'billing',
      logger: 'app.worker',
      trace_id: '5b8efff798038103d269b633813fc60c',
      attributes: {
        'http.status_code': 502,
        retry: true,
        span_id: 'eee19b7ec3c1b174',
        severity_text: 'ERROR',
        resource: { 'service.name': 'billing' },
      },
      ingested_at: NOW,
    });
  });

  it('maps every severity range to a level', () => {
    expect([1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24].map((n) => logLevel(n, undefined))).toEqual([
      'DEBUG',
      'DEBUG',
      'DEBUG',
      'DEBUG',
      'INFO',
      'INFO',
      'WARNING',
      'WARNING',
      'ERROR',
      'ERROR',
      'CRITICAL',
      'CRITICAL',
    ]);
  });

  it('falls back to severityText, then INFO', () => {
    expect(logLevel(0, 'warn')).toBe('WARNING');
    expect(logLevel(undefined, 'FATAL')).toBe('CRITICAL');
    expect(logLevel(undefined, 'Trace')).toBe('DEBUG');
    expect(logLevel(undefined, 'ERROR2')).toBe('ERROR');
    expect(logLevel(undefined, 'verbose')).toBe('INFO');
    expect(logLevel(undefined, undefined)).toBe('INFO');
  });

  it('stores a structured body as JSON text and uses the event name when there is no body', () => {
    const out = mapLogs(
      request([
        {
          timeUnixNano: T,
          body: {
            kvlistValue: {
              values: [
                { key: 'order', value: { intValue: 7 } },
                { key: 'items', value: { arrayValue: { values: [{ stringValue: 'a' }] } } },
              ],
            },
          },
        },
        { timeUnixNano: T, eventName: 'session.start' },
        { timeUnixNano: T },
      ]),
      'p1',
      NOW,
    );
    expect(out.logs.map((l) => l.message)).toEqual(['{"order":7,"items":["a"]}', 'session.start', '']);
    expect(out.logs[1]?.attributes['event_name']).toBe('session.start');
  });

  it('takes observedTimeUnixNano when timeUnixNano is absent, and the arrival time when both are', () => {
    const out = mapLogs(
      request([
        { observedTimeUnixNano: T, body: { stringValue: 'observed' } },
        { timeUnixNano: '0', body: { stringValue: 'none' } },
      ]),
      'p1',
      NOW,
    );
    expect(out.logs.map((l) => l.timestamp)).toEqual([Date.parse('2026-11-23T10:00:00.123Z'), NOW]);
  });

  it('accepts times as numbers as well as strings', () => {
    const out = mapLogs(request([{ timeUnixNano: 1795428000123000000, body: { stringValue: 'x' } }]), 'p1', NOW);
    expect(out.logs[0]?.timestamp).toBe(Date.parse('2026-11-23T10:00:00.123Z'));
  });

  it('rejects unusable records with reasons and keeps the rest', () => {
    const many = Array.from({ length: 300 }, (_, i) => ({ key: `k${i}`, value: { intValue: i } }));
    const out = mapLogs(
      request([
        { timeUnixNano: T, body: { stringValue: 'fine' } },
        'not a record',
        { timeUnixNano: '1900000000000000000000', body: { stringValue: 'far future' } },
        { timeUnixNano: '5', body: { stringValue: 'epoch start' } },
        { timeUnixNano: T, body: { stringValue: 'too many' }, attributes: many },
      ]),
      'p1',
      NOW,
    );
    expect(out.logs.map((l) => l.message)).toEqual(['fine']);
    expect(out.records).toBe(5);
    expect(out.rejected).toBe(4);
    expect(out.errors).toEqual([
      'log record 1: is not an object',
      'log record 2: timestamp lies more than a day in the future',
      'log record 3: timeUnixNano is not a plausible time (before 1973)',
      'log record 4: attributes must not have more than 256 keys in all; got 302',
    ]);
  });

  it('keeps attributes nested past the limit as JSON text rather than losing the log', () => {
    let nested: unknown = { stringValue: 'bottom' };
    for (let i = 0; i < 6; i++) nested = { kvlistValue: { values: [{ key: `l${i}`, value: nested }] } };
    const fourDeep = {
      kvlistValue: {
        values: [
          {
            key: 'a',
            value: {
              kvlistValue: {
                values: [
                  { key: 'b', value: { arrayValue: { values: [{ arrayValue: { values: [{ intValue: 1 }] } }] } } },
                ],
              },
            },
          },
        ],
      },
    };
    const out = mapLogs(
      request(
        [
          {
            timeUnixNano: T,
            body: { stringValue: 'deep' },
            attributes: [
              { key: 'deep', value: nested },
              { key: 'ok', value: fourDeep },
            ],
          },
        ],
        [{ key: 'r', value: nested as never }],
      ),
      'p1',
      NOW,
    );
    expect(out.rejected).toBe(0);
    const attrs = out.logs[0]?.attributes as Record<string, unknown>;
    expect(attrs['deep']).toBe(JSON.stringify({ l5: { l4: { l3: { l2: { l1: { l0: 'bottom' } } } } } }));
    expect(attrs['ok']).toEqual({ a: { b: [[1]] } });
    expect(typeof (attrs['resource'] as Record<string, unknown>)['r']).toBe('string');
  });

  it('gives the same record the same id, so a retried export is stored once', () => {
    const record = { timeUnixNano: T, body: { stringValue: 'once' } };
    const a = mapLogs(request([record]), 'p1', NOW).logs[0];
    const b = mapLogs(request([record]), 'p1', NOW + 5000).logs[0];
    const other = mapLogs(request([{ ...record, body: { stringValue: 'twice' } }]), 'p1', NOW).logs[0];
    expect(a?.id).toBe(b?.id);
    expect(other?.id).not.toBe(a?.id);
  });

  it('reads an empty or odd request as no records', () => {
    expect(mapLogs({}, 'p1', NOW)).toEqual({ logs: [], records: 0, rejected: 0, errors: [] });
    expect(mapLogs({ resourceLogs: 'x' } as never, 'p1', NOW).records).toBe(0);
  });
});
