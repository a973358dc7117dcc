import type { Context } from 'koa';

/** RFC 9457 problem details; `type` is a stable, machine-readable identifier. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

export function sendProblem(ctx: Context, problem: Problem): void {
  ctx.status = problem.status;
  ctx.type = 'application/problem+json';
  ctx.body = { ...problem, instance: ctx.path, request_id: ctx.state.requestId };
}
