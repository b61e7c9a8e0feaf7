export { type InstrumentOptions, instrument, UNKNOWN_EVENT } from './instrument.js';
export { ATTRIBUTES, METRICS, PROCESS_SPAN, RECEIVE_SPAN } from './names.js';
