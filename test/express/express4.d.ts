// `express4` is an npm alias of express@4 used to run the same suites on Express 4. It ships no
// types of its own; its API surface used in these tests is the same as Express 5's.
declare module 'express4' {
  import express from 'express';
  export default express;
}
