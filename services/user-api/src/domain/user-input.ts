import { z } from 'zod';
import { validationFailed, type FieldError } from './errors.js';

// C0 and C1 controls, DEL included. PostgreSQL refuses U+0000 in text and jsonb (the outbox
// stores the event as jsonb); the others are storable everywhere but belong in no name or address,
// and would reach every consumer of the topic and the warehouse.
// A pattern rather than a refinement, so the OpenAPI document generated from this schema states it.
// eslint-disable-next-line no-control-regex -- excluding control characters is the point
const NO_CONTROL_CHARACTERS = /^[^\u0000-\u001f\u007f-\u009f]*$/;

/**
 * Text every system downstream stores as given: no control characters, and well-formed UTF-16
 * (an unpaired surrogate, valid in JSON, is refused by jsonb and would become U+FFFD in UTF-8,
 * in PostgreSQL's text, Avro and ClickHouse alike). Lengths count UTF-16 code units, so a limit
 * never admits more characters than the varchar column holds.
 */
const text = () =>
  z
    .string({ message: 'must be a string' })
    .trim() // first: a trailing newline is trimmed, not refused
    .refine((value) => value.isWellFormed(), { message: 'must be valid Unicode (no unpaired surrogates)' })
    .regex(NO_CONTROL_CHARACTERS, { message: 'must not contain control characters' });

// RFC 5321 limits a path to 254 characters; the pattern is a sanity check, not full RFC 5322.
const email = text()
  .min(3, { message: 'must be an email address' })
  .max(254, { message: 'must be at most 254 characters' })
  .regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: 'must be an email address' });

const name = text()
  .min(1, { message: 'must not be empty' })
  .max(200, { message: 'must be at most 200 characters' });

const objectError = { error: 'must be a JSON object' };

export const createUserInput = z.strictObject({ email, name }, objectError);
export type CreateUserInput = z.infer<typeof createUserInput>;

export const updateUserInput = z
  .strictObject({ email: email.optional(), name: name.optional() }, objectError)
  .refine((value) => value.email !== undefined || value.name !== undefined, {
    message: 'must change at least one of email, name',
    // Only for an otherwise valid patch: an unknown or invalid field is the error to report.
    when: (payload) => payload.issues.length === 0,
  });
export type UpdateUserInput = z.infer<typeof updateUserInput>;

export const listUsersQuery = z.strictObject({
  limit: z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be between 1 and 100' })
    .max(100, { message: 'must be between 1 and 100' })
    .default(20),
  cursor: z.string().max(200, { message: 'is not a cursor this API issued' }).optional(),
});

export const userId = z.uuid({ message: 'must be a UUID' });

/** Parses input with a schema or throws a 400 listing every offending field. */
export function parseInput<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  prefix = '',
): z.infer<Schema> {
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  throw validationFailed(
    result.error.issues.map((issue): FieldError => ({
      field: [prefix, ...issue.path].join('/') || '/',
      message:
        issue.code === 'unrecognized_keys'
          ? `unknown field(s): ${issue.keys.join(', ')}`
          : issue.code === 'invalid_type' && issue.input === undefined
            ? 'is required'
            : issue.message,
    })),
  );
}
