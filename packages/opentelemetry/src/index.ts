export { type InstrumentOptions, instrument } from './instrument.js';
export { ATTRIBUTES, METRICS, PROCESS_SPAN, RECEIVE_SPAN } from './names.js';
