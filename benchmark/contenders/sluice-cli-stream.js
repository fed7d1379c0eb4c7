'use strict';
// The same command with --no-native on one thread: XmlStream → toNdjson() → file, objects
// built in V8.
require('./sluice-cli-common').runCli('sluice-cli-stream', ['--no-native', '--threads', '1']);
