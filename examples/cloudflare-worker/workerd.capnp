# Serves dist/worker.js (node build.mjs) with workerd on 127.0.0.1:8787, the secret from workerd's environment:
#   ARMALO_WEBHOOK_SECRET=whsec_test ../../test/node_modules/.bin/workerd serve workerd.capnp
using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [ (name = "main", worker = .worker) ],
  sockets = [ (name = "http", address = "127.0.0.1:8787", http = (), service = "main") ],
);

const worker :Workerd.Worker = (
  modules = [ (name = "worker", esModule = embed "dist/worker.js") ],
  compatibilityDate = "2025-09-01",
  bindings = [ (name = "ARMALO_WEBHOOK_SECRET", fromEnvironment = "ARMALO_WEBHOOK_SECRET") ],
);
