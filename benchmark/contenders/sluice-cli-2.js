'use strict';
// `sluice catalog.xml --select Release --threads 2 -o out.ndjson`: the native converter on
// the file cut into parts (lib/split), two at once.
require('./sluice-cli-common').runCli('sluice-cli-2', ['--threads', '2']);
