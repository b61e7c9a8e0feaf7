// Both sides in one process, on the embedded (PGlite) inbox: durable, with no service to run.
import './web.js';
import './worker.js';
