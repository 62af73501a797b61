import type { Context, Next } from 'koa';
import { isStoreDown } from '../store/connect.js';
import type { Logger } from '../logging/create-logger.js';
import { browserErrorPage } from '../provider/views/error-page.js';
import { oauthErrorForStatus } from './error-table.js';


/**
 * Turns every error thrown by Rotor's own routes into an answer: a 4xx keeps its message,
 * MongoDB being down is a 503 with Retry-After, anything else is logged and becomes a 500
 * without internals. Browser pages get HTML, APIs the OAuth error shape.
 */
export function errorHandler(logger: Logger) {
  return async (ctx: Context, next: Next): Promise<void> => {
    try {
      await next();
    } catch (caught) {
      const err = caught as Error & { status?: number; statusCode?: number; expose?: boolean; error?: string; error_description?: string };
      let status = err.statusCode ?? err.status ?? 500;
      let description = err.expose ? (err.error_description ?? err.message) : 'internal error';
      if (isStoreDown(err)) {
        status = 503;
        description = 'the database is unreachable; retry shortly';
        ctx.set('Retry-After', '5');
        logger.warn('request failed: MongoDB unreachable', { path: ctx.path });
      } else if (status >= 500) {
        logger.error('request failed', { path: ctx.path, error: err, stack: err.stack });
      }
      const code = status === 503 ? 'temporarily_unavailable' : err.error ?? oauthErrorForStatus(status);
      ctx.status = status;
      if (ctx.path.startsWith('/interaction/') || ctx.accepts('json', 'html') === 'html') {
        ctx.type = 'html';
        ctx.body = browserErrorPage(status, description);
      } else {
        ctx.body = { error: code, error_description: description };
      }
    }
  };
}
