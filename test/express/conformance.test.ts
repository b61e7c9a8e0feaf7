import { armaloWebhooks } from '@armalo-webhooks/express';
import { defineConformanceSuite, sendHttp } from '../conformance/run.js';
import { closeServer, EXPRESS_VERSIONS, listen, viaSupertest } from './helpers.js';

for (const [version, express] of EXPRESS_VERSIONS) {
  // app.use on the path, as the README shows first; a body already parsed means express.json()
  // mounted globally before the webhook, the mistake users actually make.
  defineConformanceSuite(`${version} armaloWebhooks via app.use (supertest)`, {
    async mount(fixture, { bodyAlreadyParsed }) {
      const app = express();
      if (bodyAlreadyParsed) app.use(express.json());
      app.use('/webhooks/armalo', armaloWebhooks(fixture.receiver));
      return { send: (request) => viaSupertest(app, '/webhooks/armalo', request), close: async () => {} };
    },
  });

  // app.all inside a Router mounted under a prefix, over a real listening server.
  defineConformanceSuite(`${version} armaloWebhooks in a Router under a prefix (real server)`, {
    async mount(fixture, { bodyAlreadyParsed }) {
      const app = express();
      if (bodyAlreadyParsed) app.use(express.json());
      const router = express.Router();
      router.all('/armalo', armaloWebhooks(fixture.receiver));
      app.use('/webhooks', router);
      const { server, port } = await listen(app);
      return {
        send: (request) => sendHttp(`http://127.0.0.1:${port}/webhooks/armalo`, request),
        close: () => closeServer(server),
      };
    },
  });
}
