// Offline GraphiQL at /graphiql, served from the installed
// @graphql-yoga/graphiql bundle (React, GraphiQL and Monaco included; no CDN).
// Subscriptions run over graphql-ws on the same /graphql endpoint; the
// headers typed into GraphiQL's Headers tab (e.g. Authorization) are sent as
// the WebSocket's connection_init payload.
import { createRequire } from "node:module";
import path from "node:path";
import express, { type Router } from "express";

const require = createRequire(import.meta.url);

export function graphiqlAssetsDir(): string {
  return path.join(path.dirname(require.resolve("@graphql-yoga/graphiql/package.json")), "dist");
}

const DEFAULT_QUERY = `# Paste the bearer token printed at start-up into the Headers tab:
#   { "Authorization": "Bearer <token>" }
#
# Then run a query, and in a second tab subscribe to live events:
#   subscription { events { type occurredAt actor payload } }

query Me {
  me {
    role
    permissions
    user { email name }
    tenant { name slug }
  }
  auditEntries(first: 10) {
    edges { node { createdAt action actorLabel targetType summary } }
  }
}
`;

export function graphiqlPage(): string {
  const options = {
    title: "Sales Agent",
    endpoint: "/graphql",
    subscriptionsProtocol: "WS",
    query: DEFAULT_QUERY,
  };
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>Sales Agent · GraphiQL</title>
    <link rel="icon" href="data:," />
    <link rel="stylesheet" href="/graphiql/assets/graphiql.css" />
    <style>html, body, #root { height: 100%; margin: 0; }</style>
  </head>
  <body>
    <noscript>GraphiQL needs JavaScript.</noscript>
    <div id="root"></div>
    <script>
      self.MonacoEnvironment = {
        globalAPI: false,
        getWorkerUrl: function (_moduleId, label) {
          var files = { editorWorkerService: "editor.worker.bundle.js", json: "json.worker.bundle.js", graphql: "graphql.worker..bundle.js" };
          return "/graphiql/assets/monacoeditorwork/" + (files[label] || files.editorWorkerService);
        },
      };
    </script>
    <script src="/graphiql/assets/yoga-graphiql.umd.js"></script>
    <script>
      var options = ${JSON.stringify(options)};
      // The browser WebSocket cannot send headers: send GraphiQL's Headers tab
      // (persisted by GraphiQL in localStorage) as connection_init params.
      options.connectionParams = function () {
        try { return JSON.parse(localStorage.getItem("graphiql:headers") || "{}"); } catch (e) { return {}; }
      };
      YogaGraphiQL.renderYogaGraphiQL(document.getElementById("root"), options);
    </script>
  </body>
</html>`;
}

export function graphiqlRouter(): Router {
  const router = express.Router();
  router.get("/graphiql", (_req, res) => {
    res.type("html").setHeader("Cache-Control", "no-store").send(graphiqlPage());
  });
  router.use(
    "/graphiql/assets",
    express.static(graphiqlAssetsDir(), { index: false, fallthrough: false, maxAge: "1h", immutable: false }),
  );
  return router;
}
