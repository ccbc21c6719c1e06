import { Type, type TSchema } from '@sinclair/typebox';

/** Schemas shared by the budget, alert and webhook routes. */

export const IdParams = Type.Object({ id: Type.String({ maxLength: 64 }) });

export const Timestamp = Type.String({ description: 'ISO 8601, UTC' });

export const Nullable = <T extends TSchema>(schema: T, description?: string) =>
  Type.Union([schema, Type.Null()], description ? { description } : {});

export const NullableText = (description: string) =>
  Type.Union([Type.String({ minLength: 1, maxLength: 256 }), Type.Null()], {
    description: `${description}; null: any`,
  });

const DeliverySchema = Type.Object({
  webhook_id: Type.String(),
  url: Type.String(),
  status: Type.Union([Type.Literal('pending'), Type.Literal('delivered'), Type.Literal('failed')]),
  attempts: Type.Integer(),
  last_attempt_at: Nullable(Timestamp),
  next_attempt_at: Nullable(Timestamp, 'When the next try is due while pending'),
  response_status: Nullable(Type.Integer(), 'HTTP status of the last answer; null when none came'),
  error: Nullable(Type.String()),
  delivered_at: Nullable(Timestamp),
});

export const NotificationSchema = Type.Object({
  id: Type.String(),
  event: Type.String({ description: 'budget.threshold, alert.firing or alert.resolved' }),
  created_at: Timestamp,
  payload: Type.Object(
    {},
    { additionalProperties: true, description: 'The JSON body webhooks receive (plus delivery: {attempt, sent_at})' },
  ),
  deliveries: Type.Array(DeliverySchema),
});
