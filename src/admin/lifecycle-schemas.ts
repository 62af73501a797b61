import { z } from 'zod';
import { reason } from './schemas.js';

/** `DELETE /admin/clients/:id`, `POST /admin/clients/:id/rotate-secret`, `POST /admin/users/:username/(disable|enable)`. */
export const lifecycleChangeBody = z.strictObject({ reason });

export const clientIdParam = z.string().min(1, 'the client id is empty').max(255, 'the client id is too long');

export const usernameParam = z.string().regex(/^[A-Za-z0-9._@+-]{1,128}$/, 'usernames are 1-128 letters, digits or . _ @ + -');
