import Router from '@koa/router';
import Koa from 'koa';
import { koaMiddleware, type AccessTokenClaims, type Verifier } from '../../src/verifier/index.js';

const THINGS = [{ id: 1, name: 'rotor' }, { id: 2, name: 'stator' }];

/**
 * A small API protected by Rotor's access tokens: `GET /hello` takes any valid token,
 * `GET /things` needs the scope `api:read`.
 */
export function createResourceServer(verifier: Verifier): Koa {
  const app = new Koa();
  const router = new Router();
  router.get('/hello', koaMiddleware(verifier), (ctx) => {
    const auth = ctx.state.auth as AccessTokenClaims;
    ctx.body = { hello: auth.client_id ?? auth.sub, scope: auth.scope ?? '' };
  });
  router.get('/things', koaMiddleware(verifier, { scope: 'api:read' }), (ctx) => {
    ctx.body = { things: THINGS };
  });
  app.use(router.routes()).use(router.allowedMethods());
  return app;
}
