// Both sides in one process, on the memory inbox (not durable): for trying it without any service.
import './web.js';
import './worker.js';
