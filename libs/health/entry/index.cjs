'use strict';
// The package's `require` entry: the CommonJS build, or the ES module build when that one was loaded first.
const { Injectable } = require('@nestjs/common');
const oneRuntime = require('./one-runtime.cjs');

module.exports = oneRuntime(Injectable, require('../cjs/index.js'));
