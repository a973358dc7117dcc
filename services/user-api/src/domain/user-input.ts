import { z } from 'zod';
import { validationFailed, type FieldError } from './errors.js';

// A pattern rather than a refinement wherever one can say it: the OpenAPI document is generated
// from these schemas, and a request it allows must be one the API accepts. Patterns are Unicode
// regular expressions, as JSON Schema 2020-12 reads them.

// C0 and C1 controls, DEL included. PostgreSQL refuses U+0000 in text and jsonb (the outbox
// stores the event as jsonb); the others are storable everywhere but belong in no name or address,
// and would reach every consumer of the topic and the warehouse.
const NO_CONTROL_CHARACTERS = /^\P{Cc}*$/u;
// An unpaired surrogate, valid in JSON, is refused by jsonb and would become U+FFFD in UTF-8, in
// PostgreSQL's text, Avro and ClickHouse alike. Under the u flag a pair is one code point, so
// only a lone half is a Cs character.
const WELL_FORMED = /^\P{Cs}*$/u;

/**
 * At most `max` characters (code points), as both JSON Schema's maxLength and PostgreSQL's
 * varchar count them; zod's max() counts UTF-16 units and would refuse 150 emoji in a name of 200.
 */
const maxCharacters = (max: number) => (schema: z.ZodString) =>
  schema
    .refine((value) => [...value].length <= max, { message: `must be at most ${max} characters` })
    .meta({ maxLength: max });

/** Text every system downstream stores as given: no control characters, well-formed Unicode. */
const text = () =>
  z
    .string({ message: 'must be a string' })
    .trim() // first: a trailing newline is trimmed, not refused
    .regex(WELL_FORMED, { message: 'must be valid Unicode (no unpaired surrogates)' })
    .regex(NO_CONTROL_CHARACTERS, { message: 'must not contain control characters' });

// RFC 5321 limits a path to 254 characters; the pattern is a sanity check, not full RFC 5322.
// It has no room for white space, so trimming never changes an address the document allows.
const email = maxCharacters(254)(
  text().regex(/^[^\s@]+@[^\s@]+\.[^\s@]+$/, { message: 'must be an email address' }),
);

// Something besides white space: what is left once trimmed is not empty.
const name = maxCharacters(200)(text().regex(/\S/, { message: 'must not be empty' }));

const objectError = { error: 'must be a JSON object' };

export const createUserInput = z.strictObject({ email, name }, objectError);
export type CreateUserInput = z.infer<typeof createUserInput>;

export const updateUserInput = z
  .strictObject({ email: email.optional(), name: name.optional() }, objectError)
  .refine((value) => value.email !== undefined || value.name !== undefined, {
    message: 'must change at least one of email, name',
    // Only for an otherwise valid patch: an unknown or invalid field is the error to report.
    when: (payload) => payload.issues.length === 0,
  })
  .meta({ minProperties: 1 }); // the refinement, as the document can say it
export type UpdateUserInput = z.infer<typeof updateUserInput>;

export const listUsersQuery = z.strictObject({
  limit: z.coerce
    .number({ message: 'must be a whole number' })
    .int({ message: 'must be a whole number' })
    .min(1, { message: 'must be between 1 and 100' })
    .max(100, { message: 'must be between 1 and 100' })
    .default(20),
  // Opaque: a next_cursor this API issued. The shape is checked here, the content when decoded.
  cursor: z
    .string()
    .regex(/^[A-Za-z0-9_-]{1,200}$/, { message: 'is not a cursor this API issued' })
    .optional(),
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
