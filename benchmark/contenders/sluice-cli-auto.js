'use strict';
// `sluice catalog.xml --select Release -o out.ndjson` as typed: no --threads, so the file is
// cut across all the machine's cores (os.availableParallelism()).
require('./sluice-cli-common').runCli('sluice-cli-auto', []);
