/** Request and response examples of the OTLP routes, shown in the OpenAPI document (OTLP's JSON encoding). */

const resource = {
  attributes: [
    { key: 'service.name', value: { stringValue: 'support-bot' } },
    { key: 'deployment.environment.name', value: { stringValue: 'production' } },
  ],
};

export const traces = {
  resourceSpans: [
    {
      resource,
      scopeSpans: [
        {
          scope: { name: 'opentelemetry.instrumentation.openai_v2' },
          spans: [
            {
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              name: 'chat gpt-4o',
              kind: 3,
              startTimeUnixNano: '1795428000000000000',
              endTimeUnixNano: '1795428001840000000',
              attributes: [
                { key: 'gen_ai.operation.name', value: { stringValue: 'chat' } },
                { key: 'gen_ai.provider.name', value: { stringValue: 'openai' } },
                { key: 'gen_ai.request.model', value: { stringValue: 'gpt-4o' } },
                { key: 'gen_ai.usage.input_tokens', value: { intValue: '1250' } },
                { key: 'gen_ai.usage.output_tokens', value: { intValue: '310' } },
              ],
              status: { code: 1 },
            },
          ],
        },
      ],
    },
  ],
};

export const logs = {
  resourceLogs: [
    {
      resource,
      scopeLogs: [
        {
          scope: { name: 'support_bot.tools' },
          logRecords: [
            {
              timeUnixNano: '1795428000120000000',
              severityNumber: 17,
              severityText: 'ERROR',
              body: { stringValue: 'ticket lookup failed: upstream timeout' },
              traceId: '5b8efff798038103d269b633813fc60c',
              spanId: 'eee19b7ec3c1b174',
              attributes: [{ key: 'ticket.id', value: { stringValue: 'T-48213' } }],
            },
          ],
        },
      ],
    },
  ],
};

export const metrics = {
  resourceMetrics: [
    {
      resource,
      scopeMetrics: [
        {
          scope: { name: 'support_bot' },
          metrics: [
            {
              name: 'queue.depth',
              unit: '{ticket}',
              gauge: { dataPoints: [{ timeUnixNano: '1795428000000000000', asInt: '12' }] },
            },
            {
              name: 'http.server.request.duration',
              unit: 's',
              histogram: {
                aggregationTemporality: 2,
                dataPoints: [
                  {
                    startTimeUnixNano: '1795427940000000000',
                    timeUnixNano: '1795428000000000000',
                    count: '42',
                    sum: 18.6,
                    bucketCounts: ['30', '10', '2'],
                    explicitBounds: [0.25, 1],
                    attributes: [{ key: 'http.route', value: { stringValue: '/chat' } }],
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
};

export const partial = {
  traces: {
    partialSuccess: {
      rejectedSpans: 1,
      errorMessage: '1 span was rejected: span eee19b7ec3c1b174 (chat gpt-4o): starts more than a day in the future',
    },
  },
  logs: {
    partialSuccess: {
      rejectedLogRecords: 1,
      errorMessage: '1 log record was rejected: log record 3: timestamp lies more than a day in the future',
    },
  },
  metrics: {
    partialSuccess: {
      rejectedDataPoints: 1,
      errorMessage: '1 data point was rejected: metric queue.depth: a data point has no value (asDouble or asInt)',
    },
  },
};

export const badRequest = {
  code: 3,
  message: 'the body is not a valid protobuf ExportLogsServiceRequest: index out of range: 3 + 8 > 3',
  error: {
    code: 'bad_request',
    message: 'the body is not a valid protobuf ExportLogsServiceRequest: index out of range: 3 + 8 > 3',
  },
  detail: 'the body is not a valid protobuf ExportLogsServiceRequest: index out of range: 3 + 8 > 3',
  request_id: '7c1d9a0e-2b4f-4e8a-9d3c-5f6a7b8c9d0e',
};
