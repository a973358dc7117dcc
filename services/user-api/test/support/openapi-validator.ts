import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule, { type FormatsPlugin } from 'ajv-formats';
import { openApiDocument } from '../../src/http/openapi.js';

// ajv-formats is CommonJS with a default export property.
const addFormats = (addFormatsModule as unknown as { default: FormatsPlugin }).default;

type Operation = {
  responses: Record<string, { content?: Record<string, { schema?: object }> }>;
};

const document = openApiDocument();
const ajv = new Ajv2020({ strict: false, allErrors: true });
addFormats(ajv);
ajv.addSchema({ $id: 'openapi', components: document.components });

const templates = Object.keys(document.paths).map((template) => ({
  template,
  pattern: new RegExp(`^${template.replace(/\{\w+\}/g, '[^/]+')}$`),
}));

/**
 * Checks a response against the OpenAPI document: the operation exists, the status is
 * documented, and the body (if the document describes one) matches its schema. Returns the
 * problems found, empty when the response conforms.
 */
export function openApiViolations(
  method: string,
  path: string,
  status: number,
  contentType: string,
  body: unknown,
) {
  const template = templates.find((t) => t.pattern.test(path.split('?')[0]!))?.template;
  if (!template) {
    // A path the API does not serve: only a 404 problem document is a correct answer.
    const validate = ajv.getSchema('openapi#/components/schemas/Problem')!;
    if (status !== 404) return [`${method} ${path}: undocumented path answered ${status}`];
    return validate(body) ? [] : [`404 body is not a problem document`];
  }
  const operation = (document.paths as Record<string, Record<string, Operation>>)[template]![
    method.toLowerCase()
  ];
  if (!operation) return [`${method} ${template}: not in the document`];
  const response = operation.responses[String(status)];
  if (!response) return [`${method} ${template}: status ${status} not documented`];
  if (!response.content) return body === undefined || body === '' ? [] : [`${status}: body not documented`];
  const mediaType = contentType.split(';')[0]!.trim();
  const media = response.content[mediaType];
  if (!media) return [`${method} ${template} ${status}: content type ${mediaType} not documented`];
  if (!media.schema) return [];
  const validate = ajv.compile({ $ref: `openapi${(media.schema as { $ref: string }).$ref}` });
  return validate(body)
    ? []
    : (validate.errors ?? []).map((e) => `${status} body${e.instancePath}: ${e.message}`);
}
