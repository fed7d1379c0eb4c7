'use strict';
// `sluice catalog.xml --select Release -o out.ndjson`: the native file-to-NDJSON path.
require('./sluice-cli-common').runCli('sluice-cli', []);
