// Mocha's spec reporter, plus mocha's own counts written as JSON to
// $MOCHA_SUMMARY_FILE when it is set (.ci/run prints "N passed, N failed" from it).
'use strict';
const fs = require('node:fs');
const Mocha = require('mocha');

class SpecWithSummary extends Mocha.reporters.Spec {
  constructor(runner, options) {
    super(runner, options);
    runner.once(Mocha.Runner.constants.EVENT_RUN_END, () => {
      const file = process.env.MOCHA_SUMMARY_FILE;
      if (!file) return;
      const { passes = 0, failures = 0, pending = 0, tests = 0 } = runner.stats || {};
      fs.writeFileSync(file, JSON.stringify({ passes, failures, pending, tests }));
    });
  }
}

module.exports = SpecWithSummary;
