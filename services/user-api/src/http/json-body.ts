import type { Context } from 'koa';
import { malformedJson, payloadTooLarge, unsupportedMediaType } from '../domain/errors.js';

/**
 * Reads a JSON request body: 415 unless the content type is JSON, 413 beyond the limit (checked
 * on Content-Length first, then while reading), 400 when it does not parse.
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  const contentType = ctx.get('Content-Type');
  if (!/^application\/([a-z0-9.+-]+\+)?json\s*(;|$)/i.test(contentType)) {
    throw unsupportedMediaType(contentType || 'none');
  }
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limitBytes) throw payloadTooLarge(limitBytes);

  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limitBytes) throw payloadTooLarge(limitBytes);
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw malformedJson(error instanceof Error ? error.message : String(error));
  }
}
