'use strict';
// `sluice catalog.xml --select Release --threads 1 -o out.ndjson`: the native file-to-NDJSON
// path on one parse thread (the file read, and the output written, on threads of their own).
require('./sluice-cli-common').runCli('sluice-cli', ['--threads', '1']);
