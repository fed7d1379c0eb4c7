'use strict';
// The same command with --no-native: XmlStream → toNdjson() → file, objects built in V8.
require('./sluice-cli-common').runCli('sluice-cli-stream', ['--no-native']);
