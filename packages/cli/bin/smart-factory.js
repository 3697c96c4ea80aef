#!/usr/bin/env node
// Committed launcher so that npm links the bin at install time; the compiled CLI is built by the root `prepare`.
'use strict';
const { main } = require('../dist/main.js');
main(process.argv.slice(2), { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  (e) => {
    process.stderr.write(`smart-factory: ${(e && e.stack) || String(e)}\n`);
    process.exitCode = 1;
  }
);
