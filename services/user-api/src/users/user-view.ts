import { z } from 'zod';
import type { User } from '../entities/user.entity.js';

/** A user as the API shows it (the OpenAPI document is generated from this schema). */
export const userViewSchema = z.object({
  id: z.uuid(),
  email: z.string(),
  name: z.string(),
  version: z.int().min(1),
  created_at: z.iso.datetime(),
  updated_at: z.iso.datetime(),
});
export type UserView = z.infer<typeof userViewSchema>;

export const userListSchema = z.object({
  items: z.array(userViewSchema),
  next_cursor: z.string().nullable(),
});

export function toUserView(user: User): UserView {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    version: user.version,
    created_at: user.createdAt.toISOString(),
    updated_at: user.updatedAt.toISOString(),
  };
}
