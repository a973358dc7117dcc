import fc from 'fast-check';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { openApiDocument } from '../../src/http/openapi.js';

// Requests generated from the OpenAPI document alone: fast-check arbitraries built from its JSON
// schemas, and the document's own verdict on any request (valid or not), so a property test can
// hold the API to what the document promises.

const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default;
export const document = openApiDocument();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: document.components });

export type JsonSchema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  minProperties?: number;
  pattern?: string;
  allOf?: JsonSchema[];
  maxLength?: number;
  minLength?: number;
  minimum?: number;
  maximum?: number;
  format?: string;
};

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
  required?: boolean;
  schema: JsonSchema;
}

export interface Operation {
  operationId: string;
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content: Record<string, { schema: JsonSchema }> };
  responses: Record<string, unknown>;
}

const resolve = (schema: JsonSchema): JsonSchema =>
  schema.$ref
    ? (document.components.schemas as Record<string, JsonSchema>)[schema.$ref.split('/').at(-1)!]!
    : schema;

const validators = new Map<JsonSchema, (value: unknown) => boolean>();
/** The document's verdict on one value: does it match the schema? */
export function conforms(schema: JsonSchema, value: unknown): boolean {
  let validate = validators.get(schema);
  if (!validate) {
    const compiled = schema.$ref ? ajv.compile({ $ref: `openapi${schema.$ref}` }) : ajv.compile(schema);
    validate = (v) => compiled(v) as boolean;
    validators.set(schema, validate);
  }
  return validate(value);
}

/** How a parameter's text reads as the value its schema describes (OpenAPI's simple style). */
export function parameterValue(schema: JsonSchema, text: string): unknown {
  return schema.type === 'integer' && /^-?\d+$/.test(text) ? Number(text) : text;
}

const patternsOf = (schema: JsonSchema) =>
  [schema.pattern, ...(schema.allOf ?? []).map((part) => part.pattern)].filter(
    (pattern): pattern is string => pattern !== undefined,
  );

/**
 * Strings the schema allows. Each pattern can generate (fast-check reads regular expressions),
 * and so can arbitrary Unicode; every candidate is filtered by the whole schema, and a source
 * that rarely yields a valid string (e.g. "no control characters" for an email) is left out.
 */
function stringsFor(schema: JsonSchema): fc.Arbitrary<string> {
  const sources = [
    ...patternsOf(schema).map((pattern) => fc.stringMatching(new RegExp(pattern, 'u'))),
    fc.string({ unit: 'binary', minLength: schema.minLength ?? 0, maxLength: schema.maxLength ?? 40 }),
    fc.string({ unit: 'grapheme', minLength: schema.minLength ?? 0, maxLength: schema.maxLength ?? 40 }),
  ];
  const useful = sources
    .filter(
      (source) =>
        fc.sample(source, { numRuns: 200, seed: 1 }).filter((v) => conforms(schema, v)).length >= 20,
    )
    .map((source) => source.filter((value) => conforms(schema, value)));
  if (useful.length === 0) throw new Error(`cannot generate strings for ${JSON.stringify(schema)}`);
  return fc.oneof(...useful);
}

/** Values the schema allows (the subset of JSON Schema the document uses). */
export function valuesFor(schemaOrRef: JsonSchema): fc.Arbitrary<unknown> {
  const schema = resolve(schemaOrRef);
  switch (schema.type) {
    case 'string':
      if (schema.format === 'uuid' && patternsOf(schema).length === 0) return fc.uuid();
      return stringsFor(schema);
    case 'integer':
      return fc.integer({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9 });
    case 'object': {
      const properties = Object.fromEntries(
        Object.entries(schema.properties ?? {}).map(([key, value]) => [key, valuesFor(value)]),
      );
      return fc
        .record(properties, { requiredKeys: schema.required ?? [] })
        .filter((value) => Object.keys(value).length >= (schema.minProperties ?? 0));
    }
    default:
      throw new Error(`no generator for ${JSON.stringify(schema)}`);
  }
}

/** Parameter text the schema allows, as a client would send it. */
export const parameterTextFor = (schema: JsonSchema): fc.Arbitrary<string> =>
  valuesFor(schema).map((value) => String(value));
