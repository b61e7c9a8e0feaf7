export { type InstrumentOptions, instrument } from './instrument.js';
export { ATTRIBUTES, METRICS, RECEIVE_SPAN } from './names.js';
