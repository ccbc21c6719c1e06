import { Type } from '@sinclair/typebox';

const FieldErrorSchema = Type.Object({ path: Type.String(), message: Type.String() });

export const ErrorSchema = Type.Object(
  {
    error: Type.Object({
      code: Type.String(),
      message: Type.String(),
      fields: Type.Optional(Type.Array(FieldErrorSchema)),
    }),
    detail: Type.String({ description: 'The message again, for clients written against FastAPI services' }),
    request_id: Type.String(),
  },
  { description: 'Every error: a stable code, a message saying what was wrong and what to do' },
);

export const ItemResultsSchema = Type.Object({
  results: Type.Array(
    Type.Object({
      index: Type.Integer(),
      id: Type.Union([Type.String(), Type.Null()]),
      status: Type.Integer({ description: '201 stored (or already stored under this id), 422 rejected' }),
      duplicate: Type.Optional(
        Type.Literal(true, {
          description: 'LLM calls: this call was already stored (same id and timestamp) and is kept once',
        }),
      ),
      error: Type.Optional(
        Type.Object({ code: Type.String(), message: Type.String(), fields: Type.Array(FieldErrorSchema) }),
      ),
    }),
  ),
  accepted: Type.Integer({ description: 'Items stored, or already stored' }),
  rejected: Type.Integer(),
  duplicates: Type.Optional(
    Type.Integer({ description: 'LLM calls: how many of the accepted items were already stored' }),
  ),
});
